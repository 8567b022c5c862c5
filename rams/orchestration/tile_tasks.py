"""Per-tile tasks of the anomaly stage. Each is a pure function of (plan, tile).

Tile results are written to the work folder under a stable name with an atomic rename, so a
killed run resumes by skipping the tiles already on disk, and the same task can run in this
process or on a Dask worker.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rams import anomaly
from rams.fusion.cube import INDEX_BANDS, FusedTile, fuse_window, local_contrasts
from rams.grid.reader import lost_pixels
from rams.orchestration.plan import FlightPlan
from rams.tiles.windows import Tile

#: Ceiling of the calibrated score, -log10(Pfa).
MAX_LOG10_PFA = 30.0

#: Evidence bits stored per pixel (uint8).
EVIDENCE_THERMAL = 1
EVIDENCE_SPECTRAL = 2

#: A pixel counts as thermal evidence when its local contrast exceeds this, degrees C.
THERMAL_EVIDENCE_DEG_C = 0.75
#: ... and as spectral evidence when a band deviates from its local mean by this many
#: robust standard deviations of the tile.
SPECTRAL_EVIDENCE_Z = 4.0


def chi2_score(rx: np.ndarray, n_bands: int) -> np.ndarray:
    """Raw RX scores to the calibrated score: chi-square -log10 Pfa, capped, float32."""
    return np.minimum(anomaly.chi2_log10_pfa(rx, n_bands), MAX_LOG10_PFA).astype(np.float32)


def _fuse(plan: FlightPlan, tile: Tile, *, core_only: bool) -> FusedTile:
    readers = {s: plan.readers[s] for s in plan.anomaly_sensors}
    window = tile.core if core_only else tile.read
    # the evidence bits use raw bands and the thermal contrast only
    indices = any(b in INDEX_BANDS for b in plan.anomaly_bands)
    return fuse_window(readers, window, background_m=plan.config.fusion.thermal_background_m, indices=indices)


def tile_statistics(tile: Tile, plan: FlightPlan) -> anomaly.GlobalRXStats:
    """First pass of streaming global RX: background statistics over the tile's core."""
    fused = _fuse(plan, tile, core_only=True)
    stats = anomaly.GlobalRXStats(backend=plan.config.anomaly.backend)
    stats.update(fused.bands(plan.anomaly_bands), fused.valid)
    return stats


def _evidence(fused: FusedTile) -> np.ndarray:
    """Per-pixel evidence bits (see EVIDENCE_*), uint8 (rows, cols)."""
    bits = np.zeros(fused.valid.shape, np.uint8)
    if "thermal_contrast_deg_c" in fused.band_names:
        contrast = fused.bands(["thermal_contrast_deg_c"])[0]
        bits |= (np.abs(contrast) >= THERMAL_EVIDENCE_DEG_C).astype(np.uint8) * EVIDENCE_THERMAL
    ms = [b for b in fused.band_names if b.startswith("ms_")]
    if ms and fused.valid.any():
        strong = np.zeros(fused.valid.shape, bool)
        sample = np.flatnonzero(fused.valid)[::7]  # a regular subsample is plenty for a robust spread
        for dev in local_contrasts(fused.bands(ms), fused.valid, 21):
            values = dev.ravel()[sample]
            spread = np.abs(values - np.median(values))
            mad = float(np.median(spread, overwrite_input=True)) * 1.4826 + 1e-6
            strong |= np.abs(dev, out=dev) >= SPECTRAL_EVIDENCE_Z * mad
        bits |= strong.astype(np.uint8) * EVIDENCE_SPECTRAL
    bits[~fused.valid] = 0
    return bits


def score_tile(
    tile: Tile, plan: FlightPlan, work_dir: Path, stats: anomaly.GlobalRXStats | None = None
) -> Path:
    """Score one tile with the configured RX detector and save the core to ``work_dir``.

    The saved ``.npz`` holds ``rx`` (float32 raw RX score), ``valid`` (bool) and
    ``evidence`` (uint8 bits) over the tile's core, ``failed_windows`` (windows that could
    not be decoded, one count per anomaly sensor), ``failed_px`` (pixels of the core inside
    those windows, per anomaly sensor; both zero unless ``ingest.allow_partial``) and, with
    the ``chi2`` calibration, ``score`` (float32 -log10 Pfa, capped at :data:`MAX_LOG10_PFA`). An existing file is reused (resume).

    Args:
        plan: the flight plan.
        tile: the tile to score.
        work_dir: folder of tile results.
        stats: finalised global statistics (global detector only).

    Returns:
        Path of the tile's result file.
    """
    path = work_dir / f"{tile.key}.npz"
    if path.exists():
        return path
    cfg = plan.config.anomaly
    failed_before = {s: plan.readers[s].thread_failures() for s in plan.anomaly_sensors}
    if cfg.detector == "global":
        if stats is None:
            raise ValueError("global RX needs the flight statistics of the first pass")
        fused = _fuse(plan, tile, core_only=True)
        rx = stats.score(fused.bands(plan.anomaly_bands), fused.valid)
        core = (slice(None), slice(None))
    else:
        fused = _fuse(plan, tile, core_only=False)
        rx = anomaly.rx_local(
            fused.bands(plan.anomaly_bands), cfg.inner_px, cfg.outer_px, mask=fused.valid,
            backend=cfg.backend,
        )
        core = tile.core_in_read
    valid = fused.valid[core]
    rx_core = np.where(valid, rx[core], 0.0).astype(np.float32)
    evidence = _evidence(fused)[core]
    # undecodable source windows travel with the tile, so Dask workers and resumed runs
    # report them too
    new_failures = [plan.readers[s].thread_failed_windows()[failed_before[s]:] for s in plan.anomaly_sensors]
    failed = np.array([len(f) for f in new_failures], np.int64)
    failed_px = np.array([lost_pixels(f, tile.core) for f in new_failures], np.int64)
    tmp = path.with_suffix(".tmp.npz")
    arrays: dict[str, np.ndarray] = {
        "rx": rx_core, "valid": valid, "evidence": evidence, "failed_windows": failed, "failed_px": failed_px,
    }
    if cfg.calibration == "chi2":  # needs no other tile: calibrate here, in parallel
        arrays["score"] = chi2_score(rx_core, len(plan.anomaly_bands))
    np.savez(tmp, **arrays)  # type: ignore[arg-type]
    tmp.replace(path)
    return path
