"""Per-tile tasks of the anomaly stage. Each is a pure function of (plan, tile).

Tile results are written to the work folder under a stable name with an atomic rename, so a
killed run resumes by skipping the tiles already on disk, and the same task can run in this
process or on a Dask worker.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rams import anomaly
from rams.fusion.cube import INDEX_BANDS, FusedTile, fuse_window
from rams.fusion.evidence import evidence_bits
from rams.grid.reader import lost_pixels
from rams.orchestration.plan import FlightPlan
from rams.tiles.windows import Tile


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


#: Peaks kept per tile (the strongest), so that a noisy flight cannot flood memory.
MAX_PEAKS_PER_TILE = 2_000


def _read_window_pixels(rc: np.ndarray, fused: FusedTile, core: tuple[slice, slice]) -> np.ndarray:
    """Flat indices, in the tile's read window, of ``(row, col)`` pixels of its core."""
    r0, c0 = core[0].start or 0, core[1].start or 0
    return (rc[:, 0] + r0) * fused.valid.shape[1] + (rc[:, 1] + c0)  # type: ignore[no-any-return]


def score_tile(
    tile: Tile, plan: FlightPlan, work_dir: Path, stats: anomaly.GlobalRXStats | None = None
) -> Path:
    """Score one tile with the configured RX detector and save the core to ``work_dir``.

    The saved ``.npz`` holds ``failed_windows`` (windows that could not be decoded, one
    count per anomaly sensor) and ``failed_px`` (pixels of the core inside those windows,
    per anomaly sensor; both zero unless ``ingest.allow_partial``), and over the tile's core:

    - with the ``chi2`` calibration (no other tile needed): ``score`` (float32 -log10 Pfa,
      capped at :data:`rams.anomaly.MAX_LOG10_PFA`, NaN where invalid), and the tile's
      anomaly peaks, found here in parallel rather than by the assembly: ``peaks`` (int32
      row and column in the core, strongest first, at most :data:`MAX_PEAKS_PER_TILE`) and
      ``peak_evidence`` (their uint8 evidence bits, computed at those pixels only);
    - otherwise ``valid`` (bool), ``evidence`` (uint8 bits) and ``rx`` (float32 raw RX
      score, calibrated once every tile is done, when the assembly finds the peaks).

    An existing file is reused (resume).

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
        rx_core = stats.score(fused.bands(plan.anomaly_bands), fused.valid)
        core = (slice(None), slice(None))
    else:
        fused = _fuse(plan, tile, core_only=False)
        core = tile.core_in_read
        # the halo is read for the backgrounds of the core's pixels; it needs no score
        rx_core = anomaly.rx_local(
            fused.bands(plan.anomaly_bands), cfg.inner_px, cfg.outer_px, mask=fused.valid,
            backend=cfg.backend, region=core,
        )
    valid = fused.valid[core]
    rx_core = np.asarray(rx_core, np.float32)  # the scorers' own fresh arrays: zeroed in place
    np.copyto(rx_core, np.float32(0.0), where=~valid)
    # undecodable source windows travel with the tile, so Dask workers and resumed runs
    # report them too
    new_failures = [plan.readers[s].thread_failed_windows()[failed_before[s]:] for s in plan.anomaly_sensors]
    failed = np.array([len(f) for f in new_failures], np.int64)
    failed_px = np.array([lost_pixels(f, tile.core) for f in new_failures], np.int64)
    arrays: dict[str, np.ndarray] = {"failed_windows": failed, "failed_px": failed_px}
    if cfg.calibration == "chi2":  # needs no other tile: calibrated and peak-picked here, in parallel
        score = anomaly.capped_chi2_log10_pfa(rx_core, len(plan.anomaly_bands))  # 0 where invalid (rx 0)
        spacing_px = max(1, round(cfg.peak_spacing_m / plan.grid.gsd_m))
        peaks = anomaly.local_maxima(score, valid, cfg.threshold_log10_pfa, spacing_px, MAX_PEAKS_PER_TILE)
        at = _read_window_pixels(peaks, fused, core)
        arrays["peak_evidence"] = evidence_bits(fused, at).reshape(-1)[at]
        arrays["peaks"] = peaks.astype(np.int32)
        score[~valid] = np.nan
        arrays["score"] = score
    else:  # the percentile calibration needs every tile's raw scores
        arrays.update(valid=valid, evidence=evidence_bits(fused)[core], rx=rx_core)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)  # type: ignore[arg-type]
    tmp.replace(path)
    return path
