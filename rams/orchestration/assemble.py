"""Assembly of the anomaly stage: calibrated score raster and anomaly peaks.

Runs over the per-tile result files one at a time (bounded memory) after all tiles are done.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from rams import anomaly
from rams.core.points import MinePoint
from rams.export.cog import PendingCog, cog_scratch
from rams.fusion.evidence import evidence_labels
from rams.orchestration.plan import FlightPlan
from rams.orchestration.tile_tasks import MAX_PEAKS_PER_TILE

#: Reference pixels kept per tile for the per-flight percentile calibration.
_REFERENCE_PER_TILE = 20_000


def make_calibration(plan: FlightPlan, tile_files: list[Path]) -> Callable[[np.ndarray], np.ndarray]:
    """A function mapping raw RX scores to -log10 false-alarm probability.

    ``chi2``: the chi-square tail with as many degrees of freedom as bands (RX of Gaussian
    background); ``percentile``: the empirical tail of this flight's own scores, from a
    seeded sample of every tile.
    """
    n_bands = len(plan.anomaly_bands)
    if plan.config.anomaly.calibration == "chi2":
        return lambda rx: anomaly.capped_chi2_log10_pfa(rx, n_bands)
    samples = []
    for i, path in enumerate(tile_files):
        with np.load(path) as npz:
            values = npz["rx"][npz["valid"]]
        if values.size > _REFERENCE_PER_TILE:
            rng = np.random.default_rng(i)
            values = rng.choice(values, _REFERENCE_PER_TILE, replace=False)
        samples.append(values)
    reference = np.concatenate(samples) if samples else np.zeros(1, np.float32)
    return lambda rx: anomaly.capped_empirical_log10_pfa(rx, reference)


def assemble_anomaly(plan: FlightPlan, tile_files: list[Path], out_path: Path) -> list[MinePoint]:
    """Write ``anomaly.tif`` (calibrated, NaN = nodata) and return the anomaly peaks.

    See :func:`assemble_anomaly_deferred`, of which this finishes the COG at once.
    """
    peaks, pending = assemble_anomaly_deferred(plan, tile_files, out_path)
    pending.finish()
    return peaks


def assemble_anomaly_deferred(
    plan: FlightPlan, tile_files: list[Path], out_path: Path
) -> tuple[list[MinePoint], PendingCog]:
    """The anomaly peaks, and ``anomaly.tif`` written but for its COG copy.

    The copy (overviews and compression, about a quarter of the assembly) is left to the
    caller, which can run it in a thread while the CNN works: ``pending.finish()`` must
    return before anything reads ``out_path``.

    Returns:
        ``(peaks, pending)``: peaks as :class:`MinePoint` with ``detector="anomaly_core"``, ``confidence`` the
        calibrated score scaled to [0, 1], and ``extra`` holding ``score`` (-log10 Pfa) and
        ``evidence`` (thermal_anomaly / spectral_anomaly).
    """
    cfg = plan.config.anomaly
    calibrate = make_calibration(plan, tile_files)
    gsd = plan.grid.gsd_m
    spacing_px = max(1, round(cfg.peak_spacing_m / gsd))
    sensors = plan.anomaly_sensors
    sensor_label = "+".join(sensors)
    peaks: list[MinePoint] = []
    with cog_scratch(out_path, plan.grid, description="rx_log10_pfa") as (dst, pending):
        for tile, path in zip(plan.tiles, tile_files, strict=True):
            with np.load(path) as npz:
                if "peaks" in npz.files:  # chi2: calibrated, masked and peak-picked by the tile task
                    score, rc, peak_bits = npz["score"], npz["peaks"], npz["peak_evidence"]
                else:
                    valid, evidence = npz["valid"], npz["evidence"]
                    score = calibrate(npz["rx"]).astype(np.float32)
                    filled = np.where(valid, score, 0.0).astype(np.float32)
                    rc = anomaly.local_maxima(filled, valid, cfg.threshold_log10_pfa, spacing_px, MAX_PEAKS_PER_TILE)
                    peak_bits = evidence[rc[:, 0], rc[:, 1]]
                    score[~valid] = np.nan
            dst.write(score, 1, window=tile.core)
            for (r, c), bits in zip(rc.tolist(), peak_bits.tolist(), strict=True):
                x, y = plan.grid.transform * (tile.core.col_off + c + 0.5, tile.core.row_off + r + 0.5)
                labels = evidence_labels(bits)
                if not labels:  # the combined score is high but no single sensor stands out
                    labels = ["thermal_anomaly" if s == "thermal" else "spectral_anomaly" for s in sensors]
                s = float(score[r, c])
                peaks.append(MinePoint(
                    x_m=float(x), y_m=float(y), class_name="unknown",
                    confidence=min(1.0, s / anomaly.MAX_LOG10_PFA), detector="anomaly_core",
                    sensor=sensor_label, gsd_m=gsd, extra={"score": s, "evidence": labels},
                ))
    return anomaly.merge_peaks(peaks, cfg.peak_spacing_m), pending
