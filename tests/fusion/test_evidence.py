"""Evidence bits: which sensors see a pixel as anomalous on their own."""

from __future__ import annotations

import numpy as np

from rams.fusion.cube import FusedTile
from rams.fusion.evidence import (
    EVIDENCE_SPECTRAL,
    EVIDENCE_THERMAL,
    THERMAL_EVIDENCE_DEG_C,
    evidence_bits,
    evidence_labels,
)


def _tile() -> FusedTile:
    rng = np.random.default_rng(0)
    rows = cols = 80
    ms = 0.2 + rng.normal(0.0, 0.005, (5, rows, cols)).astype(np.float32)
    contrast = rng.normal(0.0, 0.1, (rows, cols)).astype(np.float32)
    contrast[20, 20] = THERMAL_EVIDENCE_DEG_C + 0.5  # warm object
    contrast[60, 10] = -(THERMAL_EVIDENCE_DEG_C + 0.5)  # cool object counts too
    ms[3, 40, 40] += 0.2  # red-edge outlier: 40 robust sigmas
    contrast[40, 40] = THERMAL_EVIDENCE_DEG_C + 1.0  # seen by both sensors
    ms[:, 70, 70] += 0.2
    valid = np.ones((rows, cols), bool)
    valid[70, 70] = False  # an outlier outside the valid data has no evidence
    cube = np.concatenate([ms, contrast[None]])
    names = [f"ms_{b}" for b in ("blue", "green", "red", "rededge", "nir")] + ["thermal_contrast_deg_c"]
    return FusedTile(cube, names, valid, {"ms": valid, "thermal": valid})


def test_bits_by_hand() -> None:
    bits = evidence_bits(_tile())
    assert bits.dtype == np.uint8
    assert bits[20, 20] == EVIDENCE_THERMAL and bits[60, 10] == EVIDENCE_THERMAL
    assert bits[40, 40] == EVIDENCE_THERMAL | EVIDENCE_SPECTRAL
    assert bits[70, 70] == 0
    # Thermal bits nowhere else (the noise is 0.1 degC); spectral noise crosses 4 robust
    # sigmas in a band at a few of the 6,400 pixels at most.
    thermal = np.argwhere(bits & EVIDENCE_THERMAL).tolist()
    assert thermal == [[20, 20], [40, 40], [60, 10]]
    assert int((bits == EVIDENCE_SPECTRAL).sum()) <= 5
    assert evidence_labels(int(bits[40, 40])) == ["thermal_anomaly", "spectral_anomaly"]
    assert evidence_labels(0) == []


def test_bits_at_given_pixels_equal_the_dense_bits_there() -> None:
    tile = _tile()
    dense = evidence_bits(tile)
    pixels = np.ravel_multi_index(([20, 40, 5, 60], [20, 40, 5, 10]), tile.valid.shape)
    sparse = evidence_bits(tile, pixels)
    assert (sparse.reshape(-1)[pixels] == dense.reshape(-1)[pixels]).all()
    rest = np.ones(sparse.size, bool)
    rest[pixels] = False
    assert (sparse.reshape(-1)[rest] == 0).all()
