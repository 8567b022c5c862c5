"""``process_flight``: the whole pipeline for one flight, stage by stage.

ingest -> grid -> tiles -> fusion + anomaly (tile tasks) -> anomaly raster and peaks
-> detection -> candidates -> export.

Bad input fails during ingest, before anything is written; a block that fails to decode
later fails the run the same way, and the work folder (and OUT_DIR, if this run created it)
is removed. Outputs are produced in a staging folder and renamed into OUT_DIR at the end,
``run.json`` last, so OUT_DIR never holds a half-written output and a completed run is
recognised by its ``run.json``.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from rams import __version__
from rams.anomaly.warm import warm_up
from rams.config import PipelineConfig
from rams.errors import RamsInputError
from rams.export.cog import PendingCog
from rams.export.quicklook import MATPLOTLIB_MODULES
from rams.grid.reader import gdal_cache_bytes
from rams.orchestration.assemble import assemble_anomaly_deferred
from rams.orchestration.detect_stage import run_detection
from rams.orchestration.executor import Executor, LocalExecutor, resolve_workers
from rams.orchestration.lock import LOCK_NAME, OutputLockedError, output_lock
from rams.orchestration.memory import freeze_long_lived, thaw, tune_allocator
from rams.orchestration.outputs import write_outputs
from rams.orchestration.plan import FlightPlan, build_plan
from rams.orchestration.stages import StageTimer
from rams.orchestration.tile_tasks import score_tile, tile_statistics
from rams.tiles.windows import strip_order

T = TypeVar("T")

WORK_DIR_NAME = ".rams-work"
RUN_FILE = "run.json"

log = logging.getLogger(__name__)

#: Files a completed run leaves in OUT_DIR.
OUTPUT_FILES = (
    "anomaly.tif", "sha.geojson", "detections.geojson", "candidates_low.geojson",
    "expected_positions.geojson", "survey.gpkg", "quicklook.png",
    "report.html", RUN_FILE,
)


@dataclass
class RunResult:
    """What one ``process_flight`` call produced."""

    flight_id: str
    out_dir: Path
    n_sha: int
    n_detections: int
    n_anomaly_peaks: int
    seconds: dict[str, float]
    skipped: bool = False
    warnings: list[str] = field(default_factory=list)


def _input_record(plan: FlightPlan) -> list[dict[str, Any]]:
    return [
        {
            "sensor": s, "path": str(r.path), "size_bytes": r.size_bytes, "sha256": r.checksum,
            "crs": r.crs.to_string(), "width": r.width, "height": r.height,
            "gsd_m": round(r.gsd_m, 6), "bands": r.entry.bands,
        }
        for s, r in plan.flight.rasters.items()
    ]


def completed_run(out_dir: Path, fingerprint: str) -> dict[str, Any] | None:
    """The ``run.json`` of a completed run of the same inputs and config, if there is one."""
    run_file = out_dir / RUN_FILE
    if not run_file.is_file():
        return None
    try:
        record = json.loads(run_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("fingerprint") != fingerprint:
        return None
    if not isinstance(record, dict) or not all((out_dir / name).exists() for name in OUTPUT_FILES):
        return None
    return record


def ingest_warnings(plan: FlightPlan) -> list[str]:
    """One warning per raster accepted damaged (``ingest.allow_partial``).

    Each names the blocks outside the file and the ground area they hold.
    """
    return [
        f"{r.path}: {r.damage}; {r.missing_area_m2:.1f} m² of the raster not read (allow_partial)"
        for r in plan.flight.rasters.values() if r.damage
    ]


def decode_warnings(plan: FlightPlan, tile_files: list[Path]) -> list[str]:
    """One warning per raster with windows of the grid that could not be decoded.

    Each gives the area of the grid they leave unread.
    """
    windows = dict.fromkeys(plan.anomaly_sensors, 0)
    pixels = dict.fromkeys(plan.anomaly_sensors, 0)
    for path in tile_files:
        with np.load(path) as npz:
            failed_px = npz["failed_px"] if "failed_px" in npz.files else np.zeros(len(windows), np.int64)
            for sensor, count, px in zip(plan.anomaly_sensors, npz["failed_windows"], failed_px, strict=True):
                windows[sensor] += int(count)
                pixels[sensor] += int(px)
    out = []
    for s, n in windows.items():
        if not n:
            continue
        area_m2 = pixels[s] * plan.grid.gsd_m**2
        share = pixels[s] / max(1, plan.grid.width * plan.grid.height)
        raster = plan.flight.rasters[s]
        out.append(
            f"{raster.path}: {n} window(s) could not be decoded ({raster.decode_error or 'read error'}); "
            f"area not read {area_m2:.1f} m² ({share:.1%} of the grid), treated as nodata"
        )
    return out


#: Block side assumed of the anomaly inputs' GeoTIFFs, pixels (tiled GeoTIFFs and COGs use
#: 256 or 512): what a tile's halo adds to the blocks a tile row decodes.
_SOURCE_BLOCK_PX = 512
#: Share of GDAL's block cache the strips of :func:`anomaly_strip_cols` are sized to fill.
_STRIP_CACHE_SHARE = 0.75


def anomaly_strip_cols(plan: FlightPlan, workers: int) -> int:
    """Tile columns per strip of the anomaly stage's order (:func:`rams.tiles.windows.strip_order`).

    As wide as lets every worker's current strip row (the source blocks its tiles touch, in
    every anomaly input, at the inputs' own resolution) stay in GDAL's block cache
    together, so that each block is decoded about once. In row-major order on a 0.25 km²
    flight (1024 px tiles, 32 px halo, 512 px blocks, two threads, the 256 MB cache) each
    tile row decoded the multispectral blocks of the row before it again: 7.2 s of decoding
    over the two threads against 5.3 s in strips of 3 tiles (stop 61).
    """
    tile_px = plan.config.tiles.tile_px
    bytes_per_px = 0.0  # decoded source bytes per grid pixel, every anomaly input
    for sensor in plan.anomaly_sensors:
        raster = plan.readers[sensor].raster
        bands = len(raster.data_bands) + (raster.alpha_band is not None)
        bytes_per_px += bands * np.dtype(raster.dtype).itemsize * (plan.grid.gsd_m / raster.gsd_m) ** 2
    # a strip row of k tiles touches about (k * tile + 2 blocks) x (tile + 2 blocks) grid pixels
    rows = tile_px + 2 * _SOURCE_BLOCK_PX
    budget = _STRIP_CACHE_SHARE * gdal_cache_bytes() / max(1, workers)
    width_px = budget / max(bytes_per_px * rows, 1e-9) - 2 * _SOURCE_BLOCK_PX
    return max(1, int(width_px // tile_px))


def run_anomaly_stage(plan: FlightPlan, executor: Executor, tiles_dir: Path) -> list[Path]:
    """Score every tile (two passes for global RX); return the tile result files in tile order.

    The tiles run in strips (:func:`anomaly_strip_cols`), so that the source blocks a tile
    row shares with the next are still in GDAL's cache when the next one reads them.
    """
    tiles_dir.mkdir(parents=True, exist_ok=True)
    order = strip_order(plan.tiles, anomaly_strip_cols(plan, resolve_workers(plan.config.execution.workers)))
    tiles = [plan.tiles[i] for i in order]
    stats = None
    if plan.config.anomaly.detector == "global":
        todo = [t for t in tiles if not (tiles_dir / f"{t.key}.npz").exists()]
        if todo:  # resumed runs with every tile scored need no statistics
            partial = _in_tile_order(executor.map(tile_statistics, tiles, plan, label="RX statistics"), order)
            stats = partial[0]
            for other in partial[1:]:  # merged in tile order: the sums' rounding as before the strips
                stats.merge(other)
            stats.finalize()
    return _in_tile_order(executor.map(score_tile, tiles, plan, tiles_dir, stats, label="anomaly tiles"), order)


def _in_tile_order(results: list[T], order: list[int]) -> list[T]:
    """Results of items taken in ``order`` (indices into the tiles), back in the tiles' order."""
    out: list[T] = list(results)
    for position, index in enumerate(order):
        out[index] = results[position]
    return out


def process_flight(
    flight_dir: str | Path,
    out_dir: str | Path,
    config: PipelineConfig,
    *,
    executor: Executor | None = None,
    force: bool = False,
    keep_work: bool = False,
) -> RunResult:
    """Run the pipeline on one flight.

    Args:
        flight_dir: folder with ``flight.yaml``.
        out_dir: output folder (created).
        config: pipeline configuration.
        executor: where tile tasks run (default: in this process).
        force: recompute even if OUT_DIR holds a completed run of the same inputs/config.
        keep_work: keep the per-tile work folder after success.

    Returns:
        A summary of the run.

    Raises:
        RamsInputError: bad input (nothing is written to OUT_DIR in that case).
    """
    timer = StageTimer()
    out_dir = Path(out_dir)
    freeze_long_lived()
    tune_allocator()
    # numba loads its kernels while ingest hashes the inputs (hashlib lets go of the GIL)
    warm = threading.Thread(target=_warm_up_anomaly, args=(config,), name="rams-warm-up", daemon=True)
    warm.start()
    try:
        with timer.stage("ingest"):
            try:
                plan = build_plan(flight_dir, config)
            finally:
                # joined before any tile runs: numba's workqueue layer must not be entered
                # from two threads at once
                warm.join()
        created = not out_dir.exists()
        try:
            with output_lock(out_dir):
                return _run_locked(plan, out_dir, config, executor, timer, force=force, keep_work=keep_work)
        except OutputLockedError:
            raise
        except RamsInputError:
            # damaged input found while reading: leave no output folder behind
            if created:
                _remove_if_empty(out_dir, LOCK_NAME)
            raise
        finally:
            plan.close()
    finally:
        thaw()  # the objects each stage froze (see orchestration.memory)


def _warm_up_anomaly(config: PipelineConfig) -> None:
    """Load the anomaly kernels (see :mod:`rams.anomaly.warm`), then the modules of the detector and the quicklook.

    A failure here is left to the first tile (or the detection stage) to report.
    """
    try:
        warm_up(config.anomaly.detector, config.anomaly.backend, config.anomaly.inner_px, config.anomaly.outer_px)
    except Exception:  # the same call fails again, with its error, in the anomaly stage
        log.debug("warming up the anomaly kernels failed", exc_info=True)
    # torch and the detector (about 1.1 s of imports) and matplotlib (the quicklook) load
    # beside ingest's hashing and reads, and are joined with the numba warm-up at the end of
    # ingest. Left running into the anomaly stage instead, they gain nothing measurable:
    # their Python work holds the GIL the stage's own Python work needs (0.04 km2 bench).
    detector = ("rams.detection.detector", "rams.detection.sliced") if config.detection.enabled else ()
    for module in (*detector, *MATPLOTLIB_MODULES):
        try:
            importlib.import_module(module)
        except Exception:  # the stage that needs it imports it again and reports the error
            log.debug("importing %s ahead failed", module, exc_info=True)


def _remove_if_empty(folder: Path, *ignored: str) -> None:
    """Remove ``folder`` (and the ``ignored`` files in it) if it holds nothing else."""
    try:
        if any(p.name not in ignored for p in folder.iterdir()):
            return
        for name in ignored:
            (folder / name).unlink(missing_ok=True)
        folder.rmdir()
    except OSError:
        pass


def _run_locked(
    plan: FlightPlan,
    out_dir: Path,
    config: PipelineConfig,
    executor: Executor | None,
    timer: StageTimer,
    *,
    force: bool,
    keep_work: bool,
) -> RunResult:
    fingerprint = plan.fingerprint()
    outputs_fingerprint = plan.outputs_fingerprint()
    if not force and (done := completed_run(out_dir, outputs_fingerprint)) is not None:
        return RunResult(
            flight_id=plan.flight.flight_id, out_dir=out_dir, n_sha=done["counts"]["sha"],
            n_detections=done["counts"]["detections"], n_anomaly_peaks=done["counts"]["anomaly_peaks"],
            seconds={}, skipped=True,
        )
    own = executor is None
    executor = executor or LocalExecutor(config.execution.workers)
    work = out_dir / WORK_DIR_NAME / fingerprint
    staging = work / "staging"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rams-cog")
    pending: PendingCog | None = None
    try:
        with timer.stage("anomaly"):
            tile_files = run_anomaly_stage(plan, executor, work / "tiles")
            peaks, pending = assemble_anomaly_deferred(plan, tile_files, staging / "anomaly.tif")
            # the COG copy of anomaly.tif (GDAL, without the GIL) overlaps the CNN; the
            # candidates read it, so it is awaited before them
            cog = background.submit(pending.finish)
        with timer.stage("detection"):
            detection_record: dict[str, Any] = {}
            found = run_detection(plan, peaks, detection_record, progress=getattr(executor, "progress", False))
        with timer.stage("anomaly"):
            cog.result()  # raises what the copy raised
        warnings = ingest_warnings(plan) + decode_warnings(plan, tile_files) + found.warnings
        run_info = {
            "rams_version": __version__,
            "flight_id": plan.flight.flight_id,
            "date": plan.flight.date.isoformat() if plan.flight.date else None,
            "fingerprint": outputs_fingerprint,
            "tiles_fingerprint": fingerprint,
            "config": config.model_dump(mode="json"),
            "inputs": _input_record(plan),
            "grid": {
                "crs": plan.grid.crs.to_string(), "gsd_m": plan.grid.gsd_m,
                "width": plan.grid.width, "height": plan.grid.height,
                "transform": list(plan.grid.transform)[:6], "n_tiles": len(plan.tiles),
            },
            "anomaly_bands": plan.anomaly_bands,
            "detection": detection_record,
            "warnings": warnings,
        }
        counts, warnings = write_outputs(plan, staging, peaks, found.points, run_info, timer,
                                         cnn_support=found.support, cnn_ran=found.ran, detector=found.detector,
                                         cascade=found.cascade)
        # rename into place; run.json last marks the run complete
        for name in OUTPUT_FILES:
            if name != RUN_FILE:
                os.replace(staging / name, out_dir / name)
        os.replace(staging / RUN_FILE, out_dir / RUN_FILE)
    except RamsInputError:
        # a block that does not decode: the tiles of this input are worthless
        shutil.rmtree(work, ignore_errors=True)
        _remove_if_empty(out_dir / WORK_DIR_NAME)
        raise
    finally:
        background.shutdown(wait=True)  # a failed run still waits for the copy, then drops its scratch
        if pending is not None:
            pending.discard()
        if own:
            executor.close()
    if not keep_work:
        shutil.rmtree(work, ignore_errors=True)
        try:
            (out_dir / WORK_DIR_NAME).rmdir()
        except OSError:
            pass
    return RunResult(
        flight_id=plan.flight.flight_id, out_dir=out_dir, n_sha=counts["sha"],
        n_detections=counts["detections"], n_anomaly_peaks=len(peaks), seconds=dict(timer.seconds),
        warnings=warnings,
    )

