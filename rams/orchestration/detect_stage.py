"""The detection stage: CNN sliced inference over the detector's sensor, full or cascade."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rasterio.windows import Window
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from rams.core.points import MinePoint
from rams.crs import same_crs
from rams.grid.reader import GridReader, lost_pixels
from rams.grid.target import TargetGrid, sensor_grid
from rams.orchestration.plan import FlightPlan

log = logging.getLogger(__name__)


def detector_grid(plan: FlightPlan, sensor: str) -> TargetGrid:
    """The grid the detector reads.

    The raster's own pixels when it is already in the flight CRS (no resampling of the fine
    RGB), else the flight extent at the sensor's GSD.
    """
    raster = plan.flight.rasters[sensor]
    if same_crs(raster.crs, plan.grid.crs) and raster.transform.a > 0 > raster.transform.e:
        return TargetGrid(plan.grid.crs, raster.transform, raster.width, raster.height)
    return sensor_grid(plan.flight, plan.grid, sensor)


def too_coarse_warning(raster_gsd_m: float, max_gsd_m: float | None, sensor: str, path: object) -> str | None:
    """Why the CNN must not run on a raster coarser than its model supports (else None).

    Upsampling a 0.5 m orthophoto 50 times would not show the model a mine, only
    interpolation artefacts for it to fire on; the flight is processed without the CNN.
    """
    if max_gsd_m is None or raster_gsd_m <= max_gsd_m * (1 + 1e-6):
        return None
    return (f"CNN detection skipped: the {sensor} orthomosaic {path} is at "
            f"{raster_gsd_m * 100:.2f} cm GSD, coarser than the {max_gsd_m * 100:.2f} cm the "
            "detector supports; surface-mine points come from the anomaly core only "
            "(fly lower, or give a finer orthomosaic)")


#: The CNN reading a raster upsampled more than this (a 0.5 cm model on orthomosaics coarser
#: than 1.5 cm) says that it finds small mines less often there: measured on the withheld real
#: flight, the RGB model's PFM-1 recall is 0.80 at 1 cm, 0.76 at 1.5 cm, 0.60 at 2 cm.
COARSE_INPUT_FACTOR = 3.0


def coarse_input_warning(raster_gsd_m: float, input_gsd_m: float | None, sensor: str, path: object) -> str | None:
    """What a planner should know when the CNN reads a raster much coarser than its own GSD (else None).

    The model still runs (up to its ``max_input_gsd_m``), but small surface mines are a few
    pixels there, so fewer are found and an empty mine layer is weaker evidence of absence.
    """
    if input_gsd_m is None or raster_gsd_m <= input_gsd_m * COARSE_INPUT_FACTOR * (1 + 1e-6):
        return None
    return (f"the {sensor} orthomosaic {path} is at {raster_gsd_m * 100:.2f} cm and the CNN reads it "
            f"upsampled {raster_gsd_m / input_gsd_m:.1f}x to its {input_gsd_m * 100:.2f} cm: small surface "
            "mines (PFM-1 size) are found less often than on finer imagery (the model card's GSD table "
            "gives the measured fall), so an empty mine layer here is weaker evidence of absence")


def unknown_gsd_warning(raster_gsd_m: float, input_gsd_m: float | None, sensor: str, path: object) -> str | None:
    """What a planner should know when the CNN's model records no GSD (else None).

    Such a model (the shipped thermal one, trained on close-range frames of test lanes)
    runs on the raster as it is, at whatever scale a mine has there; nothing has measured
    what its detections are worth on an orthomosaic.
    """
    if input_gsd_m is not None:
        return None
    return (f"the {sensor} CNN records no ground sample distance (trained on frames of unknown scale, "
            f"not on orthomosaics): it reads the {sensor} orthomosaic {path} at its own "
            f"{raster_gsd_m * 100:.2f} cm, where its detections have not been validated; treat them as "
            "unverified (the model card says what it was trained on)")


@dataclass
class DetectionOutput:
    """What the CNN found on one flight.

    Attributes:
        points: detections at or above the point threshold (``min_confidence``, or the
            model's operating threshold): the CNN points of the candidate stage.
        support: ``points`` and the weaker responses, down to ``support_min_confidence``,
            within the candidates' fusion radius of an anomaly peak: evidence for the
            candidate points, never exported as points (and bounded in number by the peaks).
        warnings: why detection was skipped or incomplete, or why it sees less than on
            imagery at the model's own GSD (an upsampled raster), or that its model records
            no GSD at all (unvalidated on orthomosaics).
        ran: whether the CNN scanned the flight (False: disabled, no raster of its sensor,
            or the raster too coarse for the model).
        detector: ``"NAME sha256 FIRST16"`` of the weights that ran (as the point combiner's
            card records the detector it was fitted with), or None.
        cascade: whether the CNN read only the windows around the anomaly peaks
            (``detection.mode`` cascade; the point combiner has a model for such runs).
    """

    points: list[MinePoint] = field(default_factory=list)
    support: list[MinePoint] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ran: bool = False
    detector: str | None = None
    cascade: bool = False


def model_input(reader: GridReader, sensor: str) -> Callable[[Window], tuple[np.ndarray, np.ndarray]]:
    """What the sensor's detector reads: RGB as 8-bit counts, other sensors in physical units.

    An 8-bit RGB orthomosaic without a scale in its manifest stores the counts themselves:
    they are read as stored (uint8, no float round trip; on a 1024 px tile the grid reader's
    float conversion and the scaling to 0-1 and back took 8.7 ms against the network's
    15 ms). Any other raster goes through :func:`rams.detection.sliced.model_input_reader`.
    """
    from rams.detection.sliced import model_input_reader

    raster = reader.raster
    if sensor == "rgb" and raster.dtype == "uint8" and raster.entry.scale is None and not raster.entry.offset:
        return functools.partial(reader.read, stored=True)
    return model_input_reader(reader.read, sensor)


def resolve_mode(plan: FlightPlan) -> tuple[str, str]:
    """The scan the CNN runs (``full`` or ``cascade``) and why, for ``detection.mode``.

    ``auto`` is cascade when a sensor other than the CNN's own feeds the anomaly core and a
    CNN point with no anomaly peak near it is scored at the combiner's base rate
    (``candidates.cnn_only_scoring: base_rate``): such a point never reaches the mine layer
    or an SHA, so only the ground around the anomaly peaks changes the outputs. Otherwise
    (an RGB orthomosaic flown alone, whose anomaly core runs on the RGB bands; or CNN-only
    points scored by the RGB-only model) it is the full scan.
    """
    cfg = plan.config.detection
    if cfg.mode != "auto":
        return cfg.mode, f"detection.mode: {cfg.mode}"
    others = [s for s in plan.anomaly_sensors if s != cfg.sensor]
    if not others:
        return "full", f"auto: no sensor but {cfg.sensor} feeds the anomaly core"
    if plan.config.candidates.cnn_only_scoring != "base_rate":
        return "full", "auto: CNN points without an anomaly peak are scored (cnn_only_scoring)"
    return "cascade", f"auto: {', '.join(others)} feed the anomaly core; CNN-only points get the base rate"


def run_detection(
    plan: FlightPlan, peaks: list[MinePoint], record: dict[str, Any] | None = None,
    progress: bool = False,
) -> DetectionOutput:
    """Run the configured CNN over the flight.

    Args:
        plan: the flight plan.
        peaks: anomaly peaks (the cascade's candidate points).
        record: filled, when given, with the model name, the inference mode it ran in and
            why (``precision: auto`` picks per CPU), and the CPU's speed-relevant flags: for
            ``run.json``.
        progress: a progress bar over the CNN's tiles on stderr.

    Returns:
        The points, the weaker responses kept as support, and warnings: nothing when
        detection is disabled, the sensor is absent, or the raster is too coarse for the
        model (then a warning says why); a warning too when the model reads the raster
        upsampled more than :data:`COARSE_INPUT_FACTOR` times, or records no GSD.
    """
    cfg = plan.config.detection
    if not cfg.enabled or cfg.sensor not in plan.flight.rasters:
        return DetectionOutput()
    from rams.detection import cascade_windows, detect_sliced, load_detector
    from rams.detection.sliced import ALIGN_PX, network_scale, peak_tiles, scan_tile_px

    # float32 first: the GSD check needs only the metadata, and a flight too coarse for the
    # model should not pay for the inference-mode probe (seconds) of precision auto
    model = load_detector(cfg.model, sensor=cfg.sensor, precision="float32")
    raster = plan.flight.rasters[cfg.sensor]
    warning = too_coarse_warning(raster.gsd_m, model.max_input_gsd_m, cfg.sensor, raster.path)
    if warning is None and cfg.precision != "float32":
        model = load_detector(cfg.model, sensor=cfg.sensor, precision=cfg.precision)
    if record is not None:
        import torch

        from rams.detection.precision import cpu_summary

        gsd_in = model.input_gsd_m
        record.update(model=model.meta.get("name"), weights_sha256=model.weights_sha256,
                      cpu=cpu_summary(), threads=torch.get_num_threads(),
                      raster_gsd_m=round(raster.gsd_m, 6), model_gsd_m=gsd_in,
                      upsampling=None if gsd_in is None else round(raster.gsd_m / gsd_in, 2),
                      inference=({"skipped": "raster too coarse for the model"} if warning is not None
                                 else model.inference_mode.to_dict()))
    if warning is not None:
        log.warning("%s", warning)
        return DetectionOutput(warnings=[warning])
    grid = detector_grid(plan, cfg.sensor)
    reader = GridReader(plan.flight.rasters[cfg.sensor], grid, allow_partial=plan.config.ingest.allow_partial)
    windows = None
    mode, mode_reason = resolve_mode(plan)
    if record is not None:
        record.update(mode=mode, mode_reason=mode_reason)
    if mode == "cascade":
        scale = network_scale(grid.gsd_m, model.input_gsd_m)
        tile_px, overlap_px, pad_px = scan_tile_px(cfg.tile_px, cfg.overlap_px, scale)
        at = [(p.x_m, p.y_m) for p in peaks]
        if cfg.cascade_windows == "tiles":
            windows = peak_tiles(at, grid.transform, grid.width, grid.height, tile_px=tile_px,
                                 overlap_px=overlap_px, radius_m=plan.config.candidates.fusion_radius_m)
        else:
            align = max(1, round(ALIGN_PX / scale)) if cfg.cascade_align else 1
            windows = cascade_windows(at, grid.transform, grid.width, grid.height,
                                      window_m=cfg.cascade_window_m, max_px=tile_px, pad_px=pad_px,
                                      align_px=align)
        if record is not None:
            record.update(cascade_windows=cfg.cascade_windows, n_windows=len(windows))
    read = model_input(reader, cfg.sensor)
    point_threshold = model.threshold if cfg.min_confidence is None else cfg.min_confidence
    inverse = ~grid.transform
    peaks_px = np.array([inverse * (p.x_m, p.y_m) for p in peaks], np.float64).reshape(-1, 2)

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeRemainingColumn(), console=Console(stderr=True), disable=not progress,
                   transient=True)
    try:
        with bar:
            task = bar.add_task(f"CNN detection ({mode})", total=None)
            points = detect_sliced(
                read, grid.width, grid.height, grid.transform, model,
                tile_px=cfg.tile_px, overlap_px=cfg.overlap_px, batch_size=cfg.batch_size,
                windows=windows, merge_radius_m=cfg.merge_radius_m, sensor=cfg.sensor,
                min_score=min(point_threshold, cfg.support_min_confidence),
                # weaker responses are evidence at the anomaly peaks only: kept within the
                # fusion radius of one, so their number stays bounded on a full scan
                weak_below=point_threshold, weak_near_px=peaks_px,
                weak_radius_px=plan.config.candidates.fusion_radius_m / grid.gsd_m,
                on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    finally:
        reader.close()
    name = model.meta.get("name") or (Path(cfg.model).stem if cfg.model else f"rams_{cfg.sensor}")
    detector = f"{name} sha256 {model.weights_sha256[:16]}" if model.weights_sha256 else None
    out = DetectionOutput([p for p in points if p.confidence >= point_threshold], points, ran=True,
                          detector=detector, cascade=mode == "cascade")
    for scale_warning in (coarse_input_warning(raster.gsd_m, model.input_gsd_m, cfg.sensor, raster.path),
                          unknown_gsd_warning(raster.gsd_m, model.input_gsd_m, cfg.sensor, raster.path)):
        if scale_warning is not None:
            log.warning("%s", scale_warning)
            out.warnings.append(scale_warning)
    if not reader.failed_windows:
        return out
    # cells of >= 16 px bound the mask's memory on a whole-flight grid (the area is rounded up)
    cell_px = max(16, -(-max(grid.width, grid.height) // 8192))
    area_m2 = lost_pixels(reader.failed_windows, Window(0, 0, grid.width, grid.height), cell_px) * grid.gsd_m**2
    warning = (f"{raster.path}: {len(reader.failed_windows)} window(s) could not be decoded during CNN "
               f"detection; area not read about {area_m2:.1f} m², no detections there")
    log.warning("%s", warning)
    out.warnings.append(warning)
    return out
