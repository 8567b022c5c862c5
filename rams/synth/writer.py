"""Writing a synthetic flight to disk: rasters window by window, truth, manifest, metadata.

Rasters are written atomically (temporary name, then rename) in windows of
``block_px x block_px`` pixels (tiled) or in full-width row bands (striped), so memory is
bounded by one window whatever the flight size.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.enums import ColorInterp
from rasterio.windows import Window
from shapely.geometry import Polygon
from shapely.geometry.polygon import orient

from rams.atomic import atomic_path, write_text_atomic
from rams.crs import to_wgs84
from rams.synth.catalog import MINES
from rams.synth.grids import SensorGrid
from rams.synth.scene import Scene

RenderFn = Callable[[int, int, int, int], NDArray[Any]]

#: Rows per band when writing striped (untiled) GeoTIFFs.
STRIPE_BAND_ROWS = 256

MANIFEST_TEMPLATE = """\
flight_id: {flight_id}
date: {date}
rasters:
  - path: ms.tif
    sensor: multispectral
    profile: micasense-rededge-mx
    bands: [blue, green, red, rededge, nir]
    scale: 0.0001
    offset: 0.0
  - path: thermal.tif
    sensor: thermal
    units: celsius
  - path: rgb.tif
    sensor: rgb
"""


def _windows(grid: SensorGrid, block_px: int, striped: bool) -> list[tuple[int, int, int, int]]:
    """(row_off, col_off, height, width) of each render window, row-major."""
    out = []
    step_r = STRIPE_BAND_ROWS if striped else block_px
    for r0 in range(0, grid.height, step_r):
        for c0 in range(0, grid.width, block_px):
            out.append((r0, c0, min(step_r, grid.height - r0), min(block_px, grid.width - c0)))
    return out


def write_raster(
    path: Path,
    grid: SensorGrid,
    render: RenderFn,
    *,
    count: int,
    dtype: str,
    nodata: float | None,
    striped: bool = False,
    block_px: int = 1024,
    rgba: bool = False,
) -> None:
    """Render and write one sensor's GeoTIFF, window by window.

    Args:
        path: output file (replaced atomically).
        grid: the sensor's grid.
        render: ``render(row_off, col_off, height, width)`` -> (count, height, width) array.
        count: number of bands.
        dtype: numpy dtype name.
        nodata: nodata value (None for RGBA, whose alpha band is the mask).
        striped: write a striped (untiled) GeoTIFF instead of 512 x 512 tiles.
        block_px: render window size (a multiple of 512 keeps tiles whole).
        rgba: mark band 4 as alpha.
    """
    profile: dict[str, Any] = {
        "driver": "GTiff", "width": grid.width, "height": grid.height, "count": count,
        "dtype": dtype, "crs": grid.crs, "transform": grid.transform, "nodata": nodata,
        "compress": "deflate", "zlevel": 1, "bigtiff": "IF_SAFER", "interleave": "pixel",
    }
    if striped:
        profile["tiled"] = False
    else:
        profile.update(tiled=True, blockxsize=512, blockysize=512)
    if rgba:
        profile["photometric"] = "RGB"
    # A small block cache: whole tiles are written at once, so nothing is gained by caching
    # them, and GDAL's default (5 % of RAM) would let the RSS grow with the flight size.
    with (
        rasterio.Env(GDAL_CACHEMAX=64 * 1024 * 1024),
        atomic_path(path) as tmp,
        rasterio.open(tmp, "w", **profile) as dst,
    ):
        if rgba:
            dst.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
        if striped:
            for r0 in range(0, grid.height, STRIPE_BAND_ROWS):
                h = min(STRIPE_BAND_ROWS, grid.height - r0)
                band = np.concatenate(
                    [render(r0, c0, h, min(block_px, grid.width - c0)) for c0 in range(0, grid.width, block_px)],
                    axis=2,
                )
                dst.write(band, window=Window(0, r0, grid.width, h))
        else:
            for r0, c0, h, w in _windows(grid, block_px, striped=False):
                dst.write(render(r0, c0, h, w), window=Window(c0, r0, w, h))


def write_manifest(path: Path, flight_id: str, date: str) -> None:
    """Write ``flight.yaml`` (only the keys of the manifest schema)."""
    write_text_atomic(path, MANIFEST_TEMPLATE.format(flight_id=flight_id, date=date))


def _lonlat(scene_crs: Any, origin_m: tuple[float, float], xy: list[tuple[float, float]]) -> list[list[float]]:
    tr = to_wgs84(scene_crs)
    e = np.array([p[0] for p in xy]) + origin_m[0]
    n = np.array([p[1] for p in xy]) + origin_m[1]
    lon, lat = tr.transform(e, n)
    return [[round(float(a), 7), round(float(b), 7)] for a, b in zip(np.atleast_1d(lon), np.atleast_1d(lat), strict=True)]


def truth_geojson(scene: Scene, scene_crs: Any, origin_m: tuple[float, float]) -> dict[str, Any]:
    """The truth as an RFC 7946 FeatureCollection (WGS84 lon/lat, CCW exterior rings)."""
    features: list[dict[str, Any]] = []
    for mf in scene.minefields:
        ring = _lonlat(scene_crs, origin_m, list(mf.corners_m))
        ring = [list(map(float, c)) for c in orient(Polygon(ring), 1.0).exterior.coords]
        n_mines = sum(1 for m in scene.mines if m.minefield_id == mf.id)
        features.append({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"kind": "minefield", "id": mf.id, "layout": mf.layout,
                           "device_category": mf.device_category, "mine_count": n_mines},
        })
    for obj in scene.objects:
        props: dict[str, Any] = {"kind": obj.kind, "id": obj.id, "class": obj.cls}
        if obj.kind == "mine":
            props.update(device_category=MINES[obj.cls].device_category, buried=False)
        props["minefield_id"] = obj.minefield_id
        coords = _lonlat(scene_crs, origin_m, [(obj.x_m, obj.y_m)])[0]
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": coords},
                         "properties": props})
    # "family" is a foreign member (RFC 7946, section 6.1): the scene family of the flight.
    return {"type": "FeatureCollection", "family": scene.family, "features": features}


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically with a stable layout (sorted keys), for byte-identical reruns."""
    write_text_atomic(path, json.dumps(obj, indent=1, sort_keys=True, allow_nan=False) + "\n")
