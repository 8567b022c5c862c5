"""Training tiles cut from flights with a ``truth.geojson`` (e.g. synthetic flights).

A flight folder holds ``rgb.tif`` (or ``thermal.tif``) and ``truth.geojson`` (WGS84 points
with ``properties.kind`` "mine" or "distractor" and ``properties.class``). Tiles are read
window by window (never the whole raster): one around each mine (jittered so the mine is not
always central), one around each distractor (hard negatives), and random background tiles.
A mine's box is a square of its physical size (:data:`rams.core.devices.MINE_SIZE_M`) on the
raster grid.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import rasterio
from rasterio.windows import Window

from rams.core.devices import DEFAULT_SIZE_M, MINE_SIZE_M
from rams.core.gsd import gsd_from_affine
from rams.core.truth import (
    FLIGHT_RASTER_FILES,
    TRUTH_FILE_NAME,
    read_truth,
)
from rams.crs import WGS84, transformer
from rams.detection.train import TileSet
from rams.errors import RamsInputError
from rams.ingest.rasters import read_padded

#: Raster file of each sensor a detector trains on, inside a flight folder.
SENSOR_FILES = {s: FLIGHT_RASTER_FILES[s] for s in ("rgb", "thermal")}


def is_flight_folder(path: Path, sensor: str = "rgb") -> bool:
    """True when ``path`` holds ``truth.geojson`` and the sensor's raster."""
    return (path / TRUTH_FILE_NAME).is_file() and (path / SENSOR_FILES[sensor]).is_file()


def find_flights(root: str | Path, sensor: str = "rgb") -> list[Path]:
    """``root`` itself when it is a flight, else its flight sub-folders (sorted)."""
    root = Path(root)
    if not root.is_dir():
        raise RamsInputError(root, "folder does not exist")
    if is_flight_folder(root, sensor):
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and is_flight_folder(p, sensor))


def read_truth_points(flight: Path, crs: Any) -> list[dict[str, Any]]:
    """Mine and distractor points of a flight in ``crs`` (``x_m``, ``y_m``, kind, class)."""
    truth = read_truth(flight / TRUTH_FILE_NAME)
    to_crs = transformer(WGS84, crs)
    points = []
    for o in truth.objects:
        x, y = to_crs.transform(o.lon, o.lat)
        points.append({"x_m": float(x), "y_m": float(y), "kind": o.kind, "class": o.class_name})
    return points


def _read_tile(src: rasterio.DatasetReader, window: Window, bands: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, C) uint8-range image and (H, W) valid mask; outside the raster is invalid."""
    alpha = src.count >= 4 and src.colorinterp[3] == rasterio.enums.ColorInterp.alpha
    data = read_padded(src, [*bands, 4] if alpha else bands, window, dtype=np.float32)  # one read
    mask = read_padded(src, 1, window, masks=True) > 0
    if alpha:
        mask &= data[-1] > 0
        data = data[:-1]
    return data.transpose(1, 2, 0), mask


def load_flight_tiles(
    flights: list[Path], class_names: list[str], *, sensor: str = "rgb", tile_px: int = 256,
    background_per_flight: int = 60, tiles_per_mine: int = 3, seed: int = 0,
    working_gsd_m: float | None = None,
) -> tuple[TileSet, float]:
    """Cut labelled tiles from flights.

    Args:
        flights: flight folders.
        class_names: classes to learn; a mine of another class maps to the nearest-sized one.
        sensor: "rgb" or "thermal".
        tile_px: tile side, pixels.
        background_per_flight: random tiles per flight besides those around objects.
        tiles_per_mine: tiles cut around each mine (each with its own jitter); one around
            each distractor.
        seed: random seed of the jitter and background placement.
        working_gsd_m: resample every tile to this GSD (None: keep each flight's own); the
            window read covers ``tile_px * working_gsd_m`` metres either way.

    Returns:
        ``(tiles, ground sample distance in metres)`` (GSD of the first flight).

    Raises:
        RamsInputError: unreadable raster or truth file.
    """
    rng = np.random.default_rng(seed)
    tiles = TileSet()
    gsd = 0.0
    sizes = np.array([MINE_SIZE_M.get(c, DEFAULT_SIZE_M) for c in class_names])
    for flight in flights:
        path = flight / SENSOR_FILES[sensor]
        try:
            src = rasterio.open(path)
        except rasterio.errors.RasterioIOError as exc:
            raise RamsInputError(path, f"cannot open raster ({exc})") from None
        with src:
            t = src.transform
            gsd_f = gsd_from_affine(t)
            gsd = gsd or gsd_f
            # Read the ground a working-GSD tile covers, then resample it to tile_px.
            read_px = tile_px if working_gsd_m is None else max(round(tile_px * working_gsd_m / gsd_f), 8)
            zoom = tile_px / read_px
            bands = [1, 2, 3] if sensor == "rgb" else [1]
            inv = ~t
            pts = read_truth_points(flight, src.crs)
            cols = np.array([(inv * (p["x_m"], p["y_m"]))[0] for p in pts])
            rows = np.array([(inv * (p["x_m"], p["y_m"]))[1] for p in pts])
            mines = [i for i, p in enumerate(pts) if p["kind"] == "mine"]
            anchors: list[tuple[float, float, str]] = []
            for i in range(len(pts)):
                for _ in range(tiles_per_mine if pts[i]["kind"] == "mine" else 1):
                    j = rng.uniform(-0.4, 0.4, 2) * read_px
                    anchors.append((cols[i] - read_px / 2 + j[0], rows[i] - read_px / 2 + j[1], pts[i]["kind"]))
            for _ in range(background_per_flight):
                anchors.append((rng.uniform(0, src.width - read_px), rng.uniform(0, src.height - read_px), "bg"))
            for k, (c0f, r0f, kind) in enumerate(anchors):
                c0, r0 = round(c0f), round(r0f)
                img, valid = _read_tile(src, Window(c0, r0, read_px, read_px), bands)
                if valid.mean() < 0.5:
                    continue
                if not valid.all():  # fill the collar as inference will see it (the mean)
                    img[~valid] = np.median(img[valid], axis=0)
                boxes, classes = [], []
                for i in mines:
                    x, y = cols[i] - c0, rows[i] - r0
                    if not (0 <= x < read_px and 0 <= y < read_px) or not valid[int(y), int(x)]:
                        continue
                    cls = pts[i]["class"]
                    k_cls = class_names.index(cls) if cls in class_names else int(
                        np.argmin(np.abs(sizes - MINE_SIZE_M.get(cls, DEFAULT_SIZE_M))))
                    half = MINE_SIZE_M.get(cls, DEFAULT_SIZE_M) / gsd_f / 2
                    boxes.append([x - half, y - half, x + half, y + half])
                    classes.append(k_cls)
                b = np.clip(np.asarray(boxes, np.float32).reshape(-1, 4), 0, read_px) * zoom
                img8 = np.clip(img, 0, 255).astype(np.uint8)
                if read_px != tile_px:
                    img8 = cv2.resize(img8, (tile_px, tile_px), interpolation=cv2.INTER_AREA
                                      if zoom < 1 else cv2.INTER_LINEAR).reshape(tile_px, tile_px, -1)
                tiles.add(img8, b, np.asarray(classes, np.int64),
                          f"{flight.name}/{kind}{k:04d}")
    if not len(tiles):
        raise RamsInputError(flights[0] if flights else None, "no tiles could be cut from these flights")
    return tiles, gsd
