"""A synthetic multi-flight survey for tests and benchmarks: one scene, overlapping flights.

:func:`build_survey_flights` generates one :mod:`rams.synth` scene, cuts its three
orthomosaics into overlapping flight folders (``nx`` by ``ny`` windows that share
``overlap_m`` metres with their neighbours, as adjacent survey blocks do) and runs
``rams batch`` on them. Every flight shows the same ground where they overlap, so the
same mine is detected twice there: the case the survey merge must handle.

Rasters are copied in row bands, so memory stays bounded by one band whatever the size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rasterio
import yaml
from rasterio.windows import Window, from_bounds

from rams.atomic import atomic_path, write_text_atomic
from rams.config import load_config
from rams.core.truth import TRUTH_FILE_NAME
from rams.orchestration.batch import FlightOutcome, run_batch
from rams.orchestration.executor import LocalExecutor
from rams.synth import generate_flight

#: Rows copied per read/write when cutting a raster.
COPY_BAND_ROWS = 1024


@dataclass
class SurveyFlights:
    """What :func:`build_survey_flights` made.

    Attributes:
        scene_dir: the whole synthetic scene (``truth.geojson`` lives here).
        flights_root: one folder per flight window.
        runs_root: the ``rams batch`` output (one folder per flight).
        crs_epsg: the scene's projected CRS.
        windows_m: per flight id, its (west, south, east, north) bounds in metres.
        outcomes: the batch outcome of every flight.
    """

    scene_dir: Path
    flights_root: Path
    runs_root: Path
    crs_epsg: int
    windows_m: dict[str, tuple[float, float, float, float]]
    outcomes: list[FlightOutcome]

    @property
    def truth_path(self) -> Path:
        """The scene's ``truth.geojson`` (WGS84)."""
        return self.scene_dir / TRUTH_FILE_NAME


def flight_windows_m(
    size_m: float, nx: int, ny: int, overlap_m: float, origin_m: tuple[float, float]
) -> list[tuple[float, float, float, float]]:
    """Bounds of ``nx * ny`` flight windows tiling the scene square with overlaps.

    Each window is ``(size_m + (n - 1) * overlap_m) / n`` wide along an axis with ``n``
    windows, so neighbours share ``overlap_m`` metres and the outer edges meet the square.

    Returns:
        (west, south, east, north) per window, row-major from the south-west.
    """
    e0, n0 = origin_m
    out = []
    for j in range(ny):
        for i in range(nx):
            w = (size_m + (nx - 1) * overlap_m) / nx
            h = (size_m + (ny - 1) * overlap_m) / ny
            x0, y0 = e0 + i * (w - overlap_m), n0 + j * (h - overlap_m)
            out.append((x0, y0, x0 + w, y0 + h))
    return out


def cut_raster(src_path: Path, dst_path: Path, bounds_m: tuple[float, float, float, float]) -> None:
    """Copy the part of a GeoTIFF inside ``bounds_m`` (in its own CRS) to ``dst_path``.

    The window is rounded outwards to whole pixels; the copy keeps the source's
    data type, nodata, band descriptions and colour interpretation, tiled 256 x 256.
    """
    with rasterio.open(src_path) as src:
        win = from_bounds(*bounds_m, transform=src.transform)
        col0 = max(0, math.floor(win.col_off))
        row0 = max(0, math.floor(win.row_off))
        col1 = min(src.width, math.ceil(win.col_off + win.width))
        row1 = min(src.height, math.ceil(win.row_off + win.height))
        window = Window(col0, row0, col1 - col0, row1 - row0)
        profile: dict[str, Any] = dict(src.profile)
        profile.update(width=col1 - col0, height=row1 - row0, transform=src.window_transform(window),
                       tiled=True, blockxsize=256, blockysize=256)
        with atomic_path(dst_path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            dst.colorinterp = src.colorinterp
            for r in range(row0, row1, COPY_BAND_ROWS):
                rows = min(COPY_BAND_ROWS, row1 - r)
                band = Window(col0, r, col1 - col0, rows)
                out = Window(0, r - row0, col1 - col0, rows)
                dst.write(src.read(window=band), window=out)


def split_scene(
    scene_dir: Path, flights_root: Path, windows_m: list[tuple[float, float, float, float]]
) -> dict[str, tuple[float, float, float, float]]:
    """Write one flight folder per window, each with the scene's sensors cut to it.

    A folder that already holds its ``flight.yaml`` (written last) is kept as it is.

    Returns:
        Flight id -> window bounds (metres).
    """
    manifest = yaml.safe_load((scene_dir / "flight.yaml").read_text(encoding="utf-8"))
    scene_id = str(manifest.get("flight_id", scene_dir.name))
    out: dict[str, tuple[float, float, float, float]] = {}
    for k, bounds in enumerate(windows_m):
        flight_id = f"{scene_id}-f{k + 1}"
        folder = flights_root / flight_id
        out[flight_id] = bounds
        if (folder / "flight.yaml").is_file():  # written last: the folder is complete
            continue
        folder.mkdir(parents=True, exist_ok=True)
        for raster in manifest["rasters"]:
            cut_raster(scene_dir / raster["path"], folder / raster["path"], bounds)
        write_text_atomic(folder / "flight.yaml",
                          yaml.safe_dump({**manifest, "flight_id": flight_id}, sort_keys=False))
    return out


def build_survey_flights(
    work_dir: Path,
    size_m: float,
    seed: int,
    *,
    nx: int = 2,
    ny: int = 1,
    overlap_m: float = 20.0,
    origin_m: tuple[float, float] = (600000.0, 4400000.0),
    crs_epsg: int = 32638,
    config_overrides: dict[str, Any] | None = None,
) -> SurveyFlights:
    """Generate a scene, cut it into overlapping flights and run ``rams batch`` on them.

    Args:
        work_dir: folder for ``scene/``, ``flights/`` and ``runs/``.
        size_m: side of the scene square, metres.
        seed: scene seed (0-9 for tests, 1000 and above for benchmarks).
        nx: flights across (west to east).
        ny: flights up (south to north).
        overlap_m: ground shared by neighbouring flights, metres.
        origin_m: south-west corner of the scene (easting, northing).
        crs_epsg: projected CRS of the scene.
        config_overrides: pipeline config overrides for the batch run.

    Returns:
        The folders and the batch outcomes.
    """
    scene_dir = work_dir / "scene"
    if not (scene_dir / TRUTH_FILE_NAME).is_file():
        generate_flight(scene_dir, size_m, seed, crs_epsg=crs_epsg, origin_m=origin_m)
    flights_root, runs_root = work_dir / "flights", work_dir / "runs"
    windows = split_scene(scene_dir, flights_root, flight_windows_m(size_m, nx, ny, overlap_m, origin_m))
    config = load_config(overrides=config_overrides)
    outcomes = run_batch(flights_root, runs_root, config, LocalExecutor(config.execution.workers))
    return SurveyFlights(scene_dir, flights_root, runs_root, crs_epsg, windows, outcomes)
