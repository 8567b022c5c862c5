"""Evidence bits of a tile: at the candidate pixels only, the same as over the whole tile."""

from __future__ import annotations

import numpy as np
import pytest

from rams.fusion.cube import FusedTile
from rams.fusion.evidence import EVIDENCE_SPECTRAL, EVIDENCE_THERMAL, evidence_bits


def _tile(seed: int = 0, collar: bool = True) -> FusedTile:
    rng = np.random.default_rng(seed)
    rows, cols = 120, 140
    ms = rng.normal(0.25, 0.01, (5, rows, cols)).astype(np.float32)
    ms[2, 40:43, 60:63] += 0.2  # a spectral anomaly (red)
    contrast = rng.normal(0.0, 0.2, (rows, cols)).astype(np.float32)
    contrast[80:83, 30:33] = 2.0  # a thermal anomaly
    valid = np.ones((rows, cols), bool)
    if collar:
        valid[:, :8] = False  # a nodata collar
    cube = np.concatenate([ms, contrast[None]])
    cube[:, ~valid] = 0.0
    names = ["ms_blue", "ms_green", "ms_red", "ms_rededge", "ms_nir", "thermal_contrast_deg_c"]
    return FusedTile(cube=cube, band_names=names, valid=valid, sensor_valid={})


def test_evidence_at_candidates_equals_the_dense_bits() -> None:
    fused = _tile()
    dense = evidence_bits(fused)
    assert dense[41, 61] & EVIDENCE_SPECTRAL and not dense[41, 61] & EVIDENCE_THERMAL
    assert dense[81, 31] & EVIDENCE_THERMAL
    assert not dense[:, :8].any()
    # the two anomalies, pixels near the border and in the collar, a few random ones
    pixels = np.array([41 * 140 + 61, 81 * 140 + 31, 0, 5 * 140 + 9, 119 * 140 + 139, 60 * 140 + 3])
    pixels = np.concatenate([pixels, np.random.default_rng(1).choice(120 * 140, 40, replace=False)])
    sparse = evidence_bits(fused, pixels)
    np.testing.assert_array_equal(sparse.reshape(-1)[pixels], dense.reshape(-1)[pixels])
    others = np.ones(sparse.size, bool)
    others[pixels] = False
    assert not sparse.reshape(-1)[others].any()  # bits only where asked
    assert not evidence_bits(fused, np.array([], np.int64)).any()


def test_evidence_of_an_all_valid_tile_at_candidates_equals_the_dense_bits() -> None:
    """A tile with every pixel valid (the sample and the box counts without a search)."""
    fused = _tile(collar=False)
    dense = evidence_bits(fused)
    assert dense[41, 61] & EVIDENCE_SPECTRAL and dense[81, 31] & EVIDENCE_THERMAL
    pixels = np.concatenate([np.array([41 * 140 + 61, 81 * 140 + 31, 0, 119 * 140 + 139, 60 * 140 + 3]),
                             np.random.default_rng(2).choice(120 * 140, 60, replace=False)])
    sparse = evidence_bits(fused, pixels)
    np.testing.assert_array_equal(sparse.reshape(-1)[pixels], dense.reshape(-1)[pixels])
    assert sparse[41, 61] & EVIDENCE_SPECTRAL and sparse[81, 31] & EVIDENCE_THERMAL


def test_spread_sample_cap_keeps_the_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A tile's robust spread from at most _SPREAD_SAMPLE_MAX pixels gives the bits of step 7."""
    import rams.fusion.evidence as evidence

    rng = np.random.default_rng(3)
    rows, cols = 700, 700  # 490,000 pixels: step 24 under the cap, against 7
    ms = rng.normal(0.25, 0.01, (5, rows, cols)).astype(np.float32)
    ms[:, ::50, ::50] += 0.05  # many weak spectral outliers near the threshold
    valid = np.ones((rows, cols), bool)
    names = ["ms_blue", "ms_green", "ms_red", "ms_rededge", "ms_nir"]
    fused = FusedTile(cube=ms, band_names=names, valid=valid, sensor_valid={})
    capped = evidence_bits(fused)
    monkeypatch.setattr(evidence, "_SPREAD_SAMPLE_MAX", rows * cols)  # back to every 7th pixel
    full = evidence_bits(fused)
    assert (full & EVIDENCE_SPECTRAL).sum() > 100
    assert np.mean(capped != full) < 1e-3
