"""Evidence bits: which sensors see a pixel as anomalous on their own.

Per pixel of a fused tile (:class:`rams.fusion.cube.FusedTile`), a uint8 of bits:

- :data:`EVIDENCE_THERMAL`: the thermal local contrast exceeds :data:`THERMAL_EVIDENCE_DEG_C`;
- :data:`EVIDENCE_SPECTRAL`: a multispectral band deviates from its local mean (a
  ``_SPECTRAL_BOX_PX`` box) by :data:`SPECTRAL_EVIDENCE_Z` robust standard deviations of
  the tile (median absolute deviation of a regular sample of its valid pixels).

The candidate stage uses them to say which sensors made an anomaly peak (agreement between
sensors is evidence that it is an object, not a texture).
"""

from __future__ import annotations

import numpy as np

from rams.fusion.cube import FusedTile, local_contrasts, local_contrasts_at

#: Evidence bits stored per pixel (uint8).
EVIDENCE_THERMAL = 1
EVIDENCE_SPECTRAL = 2

#: A pixel counts as thermal evidence when its local contrast exceeds this, degrees C.
THERMAL_EVIDENCE_DEG_C = 0.75
#: ... and as spectral evidence when a band deviates from its local mean by this many
#: robust standard deviations of the tile.
SPECTRAL_EVIDENCE_Z = 4.0

#: Evidence labels of the bits, as exported with the anomaly peaks.
EVIDENCE_LABELS = ((EVIDENCE_THERMAL, "thermal_anomaly"), (EVIDENCE_SPECTRAL, "spectral_anomaly"))


def evidence_labels(bits: int) -> list[str]:
    """The labels (``thermal_anomaly``, ``spectral_anomaly``) of the bits set in ``bits``."""
    return [name for bit, name in EVIDENCE_LABELS if bits & bit]


#: The spectral evidence box (local mean), pixels.
_SPECTRAL_BOX_PX = 21
#: Every so many valid pixels of a tile enter its robust spread (a regular subsample) ...
_SPREAD_SAMPLE_STEP = 7
#: ... and the step grows so that at most about this many do: the MAD of 20,000 values is
#: within about 1 % of the tile's (its relative standard error is near 1.1 / sqrt(n)), and a
#: 1024 x 1024 tile's 150,000 samples at step 7 cost about 0.03 s of local contrasts and
#: medians per band.
_SPREAD_SAMPLE_MAX = 20_000
#: Above this share of a tile's pixels, evidence at given pixels is computed densely.
_SPARSE_EVIDENCE_SHARE = 0.02


def evidence_bits(fused: FusedTile, pixels: np.ndarray | None = None) -> np.ndarray:
    """Per-pixel evidence bits (see EVIDENCE_*), uint8 (rows, cols).

    Args:
        fused: the fused tile.
        pixels: flat indices of the pixels whose bits are wanted (the candidate peaks), or
            None for every pixel. With indices, the other pixels' bits are 0, and the local
            contrasts are taken at those pixels and at the robust spread's sample only
            (:func:`local_contrasts_at`), not over the whole tile: same bits there.
    """
    valid = fused.valid
    bits = np.zeros(valid.shape, np.uint8)
    if pixels is not None and len(pixels) > _SPARSE_EVIDENCE_SHARE * valid.size:
        pixels = None  # so many that the whole tile is cheaper
    flat = bits.reshape(-1)
    if "thermal_contrast_deg_c" in fused.band_names:
        contrast = fused.bands(["thermal_contrast_deg_c"])[0]
        if pixels is None:
            bits |= (np.abs(contrast) >= THERMAL_EVIDENCE_DEG_C).astype(np.uint8) * EVIDENCE_THERMAL
        else:
            hot = np.abs(contrast.reshape(-1)[pixels]) >= THERMAL_EVIDENCE_DEG_C
            flat[pixels[hot]] |= EVIDENCE_THERMAL
    ms = [b for b in fused.band_names if b.startswith("ms_")]
    if ms and valid.any() and (pixels is None or len(pixels)):
        if valid.all():  # every pixel: the same regular sample, without the search
            sample = np.arange(0, valid.size, max(_SPREAD_SAMPLE_STEP, valid.size // _SPREAD_SAMPLE_MAX))
        else:
            where = np.flatnonzero(valid)
            sample = where[::max(_SPREAD_SAMPLE_STEP, len(where) // _SPREAD_SAMPLE_MAX)]
        if pixels is None:
            devs = local_contrasts(fused.bands(ms), valid, _SPECTRAL_BOX_PX)
            at_sample = devs.reshape(len(ms), -1)[:, sample]
        else:
            at = np.concatenate([sample, pixels])
            both = local_contrasts_at(fused.bands(ms), valid, _SPECTRAL_BOX_PX, at)
            at_sample, at_pixels = both[:, :len(sample)], both[:, len(sample):]
        strong = np.zeros(valid.shape if pixels is None else len(pixels), bool)
        for b, values in enumerate(at_sample):
            spread = np.abs(values - np.median(values))
            mad = float(np.median(spread, overwrite_input=True)) * 1.4826 + 1e-6
            dev = devs[b] if pixels is None else at_pixels[b]
            strong |= np.abs(dev, out=dev) >= SPECTRAL_EVIDENCE_Z * mad
        if pixels is None:
            bits |= strong.astype(np.uint8) * EVIDENCE_SPECTRAL
        else:
            flat[pixels[strong]] |= EVIDENCE_SPECTRAL
    bits[~valid] = 0
    return bits
