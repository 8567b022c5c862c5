"""The detection stage: CNN sliced inference over the detector's sensor, full or cascade."""

from __future__ import annotations

import logging

import numpy as np
from rasterio.windows import Window

from rams.candidates.points import MinePoint
from rams.crs import same_crs
from rams.grid.reader import GridReader
from rams.grid.target import TargetGrid, sensor_grid
from rams.orchestration.plan import FlightPlan

log = logging.getLogger(__name__)


def detector_grid(plan: FlightPlan, sensor: str) -> TargetGrid:
    """The grid the detector reads: the raster's own pixels when it is already in the flight
    CRS (no resampling of the fine RGB), else the flight extent at the sensor's GSD."""
    raster = plan.flight.rasters[sensor]
    if same_crs(raster.crs, plan.grid.crs) and raster.transform.a > 0 > raster.transform.e:
        return TargetGrid(plan.grid.crs, raster.transform, raster.width, raster.height)
    return sensor_grid(plan.flight, plan.grid, sensor)


def run_detection(plan: FlightPlan, peaks: list[MinePoint]) -> list[MinePoint]:
    """Run the configured CNN over the flight; [] when disabled or the sensor is absent."""
    cfg = plan.config.detection
    if not cfg.enabled or cfg.sensor not in plan.flight.rasters:
        return []
    from rams.detection import cascade_windows, detect_sliced, load_detector

    model = load_detector(cfg.model, sensor=cfg.sensor, precision=cfg.precision)
    grid = detector_grid(plan, cfg.sensor)
    reader = GridReader(plan.flight.rasters[cfg.sensor], grid)
    windows = None
    if cfg.mode == "cascade":
        windows = cascade_windows(
            [(p.x_m, p.y_m) for p in peaks], grid.transform, grid.width, grid.height,
            window_m=cfg.cascade_window_m,
        )
    read = reader.read
    if cfg.sensor == "rgb":
        # the grid reader gives RGB as 0-1; the RGB models are trained on 8-bit counts
        def read(window: Window) -> tuple[np.ndarray, np.ndarray]:
            data, valid = reader.read(window)
            return data * np.float32(255.0), valid

    try:
        points = detect_sliced(
            read, grid.width, grid.height, grid.transform, model,
            tile_px=cfg.tile_px, overlap_px=cfg.overlap_px, batch_size=cfg.batch_size,
            windows=windows, merge_radius_m=cfg.merge_radius_m, sensor=cfg.sensor,
        )
    finally:
        reader.close()
    return [p for p in points if p.confidence >= cfg.min_confidence]
