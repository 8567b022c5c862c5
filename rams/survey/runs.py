"""Reading what ``rams batch`` wrote per flight: SHAs, mine points and the imaged footprint.

A completed flight folder holds ``run.json`` (written last), ``sha.geojson`` and
``detections.geojson`` (WGS84) and ``anomaly.tif`` (the scored grid, NaN where nothing was
imaged). Everything is returned in one metric working CRS, chosen from the flights' grids.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import rasterio.features
import shapely
from pyproj import CRS
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from rams.crs import WGS84, on_the_globe, to_pyproj, transformer, utm_crs_for_lonlat
from rams.errors import RamsInputError

RUN_FILE = "run.json"
SHA_FILE = "sha.geojson"
POINTS_FILE = "detections.geojson"
ANOMALY_FILE = "anomaly.tif"
#: Longest side, in cells, of the mask polygonised into a flight's footprint.
FOOTPRINT_MAX_CELLS = 1024


@dataclass
class FlightRun:
    """One flight's batch outputs in the working CRS.

    Attributes:
        flight_id: the flight id from ``run.json``.
        out_dir: the flight's output folder.
        date: ISO survey date, or None.
        sha_geoms: SHA polygons (working CRS, metres).
        sha_props: their GeoJSON properties, unchanged.
        points_xy: (n, 2) mine-point positions (working CRS, metres).
        point_props: their GeoJSON properties, unchanged.
        footprint: the imaged ground (working CRS); empty when unknown.
    """

    flight_id: str
    out_dir: Path
    date: str | None
    sha_geoms: list[BaseGeometry] = field(default_factory=list)
    sha_props: list[dict[str, Any]] = field(default_factory=list)
    points_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    point_props: list[dict[str, Any]] = field(default_factory=list)
    footprint: BaseGeometry = field(default_factory=shapely.Polygon)


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise RamsInputError(path, "file not found (is this a complete rams batch output?)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RamsInputError(path, f"cannot be read as JSON ({exc})") from exc


def find_run_dirs(runs_root: Path) -> list[Path]:
    """Every completed flight output folder (one holding ``run.json``) below ``runs_root``.

    Raises:
        RamsInputError: the folder is missing or holds no completed flight.
    """
    if not runs_root.is_dir():
        raise RamsInputError(runs_root, "runs root folder does not exist")
    dirs = sorted(
        p.parent for p in runs_root.rglob(RUN_FILE)
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(runs_root).parts)
    )
    if not dirs:
        raise RamsInputError(runs_root, f"no completed flight ({RUN_FILE}) below this folder; run rams batch first")
    return dirs


def working_crs(run_infos: list[dict[str, Any]], paths: list[Path]) -> CRS:
    """The metric CRS the survey works in: the flights' most common projected grid CRS.

    Falls back to the UTM zone of the first flight when every grid is geographic.
    """
    crss: list[CRS] = []
    for info, path in zip(run_infos, paths, strict=True):
        try:
            crss.append(to_pyproj(info["grid"]["crs"]))
        except Exception as exc:
            raise RamsInputError(path, f"grid.crs missing or not a CRS ({exc})") from exc
    projected = [c for c in crss if c.is_projected]
    if projected:
        counts = Counter(c.to_wkt() for c in projected)
        return CRS.from_wkt(counts.most_common(1)[0][0])
    info = run_infos[0]["grid"]
    t = info["transform"]
    lon, lat = transformer(crss[0], WGS84).transform(t[2], t[5])
    return utm_crs_for_lonlat(float(lon), float(lat))


def _project(geom: BaseGeometry, src: Any, dst: CRS) -> BaseGeometry:
    tr = transformer(src, dst)

    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def project_geometry(geom: BaseGeometry, src: Any, dst: Any) -> BaseGeometry:
    """``geom`` from CRS ``src`` to CRS ``dst`` (x, y order in both)."""
    return _project(geom, src, to_pyproj(dst))


def _features(path: Path) -> list[dict[str, Any]]:
    doc = _read_json(path)
    feats = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(feats, list):
        raise RamsInputError(path, "not a GeoJSON FeatureCollection")
    return feats


def grid_extent(info: dict[str, Any]) -> BaseGeometry:
    """The rectangle of a flight's grid from ``run.json`` (grid CRS)."""
    g = info["grid"]
    a, _, c, _, e, f = g["transform"]
    return box(c, f + e * g["height"], c + a * g["width"], f)


def read_footprint(out_dir: Path, info: dict[str, Any], crs: CRS) -> BaseGeometry:
    """The imaged ground of a flight: valid cells of ``anomaly.tif``, polygonised.

    The raster is read decimated to at most :data:`FOOTPRINT_MAX_CELLS` per side, so the
    outline is exact to a few decimetres on a 100 m flight and memory stays bounded
    whatever the flight size. Without ``anomaly.tif`` the grid's rectangle is used.
    """
    path = out_dir / ANOMALY_FILE
    if not path.is_file():
        return _project(grid_extent(info), info["grid"]["crs"], crs)
    try:
        with rasterio.open(path) as src:
            step = max(1, int(np.ceil(max(src.width, src.height) / FOOTPRINT_MAX_CELLS)))
            shape_out = (max(1, src.height // step), max(1, src.width // step))
            data = src.read(1, out_shape=shape_out, masked=True)
            src_crs = src.crs
            scale = src.transform * src.transform.scale(src.width / shape_out[1], src.height / shape_out[0])
    except rasterio.errors.RasterioError as exc:
        raise RamsInputError(path, f"cannot be read as a GeoTIFF ({str(exc).splitlines()[0]})") from None
    valid = ~np.ma.getmaskarray(data) & np.isfinite(np.ma.getdata(data))
    parts = [shape(g) for g, v in rasterio.features.shapes(valid.astype(np.uint8), mask=valid, transform=scale) if v]
    if not parts:
        return shapely.Polygon()
    outline = shapely.union_all(parts).simplify(abs(scale.a) / 2)
    return _project(outline, src_crs, crs)


def _properties(path: Path, k: int, feat: Any) -> dict[str, Any]:
    """A feature's properties (null is none); a feature that is not an object is refused."""
    if not isinstance(feat, dict):
        raise RamsInputError(path, f"feature {k} is not a GeoJSON object")
    props = feat.get("properties")
    if props is not None and not isinstance(props, dict):
        raise RamsInputError(path, f"feature {k}: properties must be an object or null")
    return dict(props or {})


def _lon_lat(path: Path, k: int, feat: Any) -> list[float]:
    """A Point feature's (longitude, latitude), checked to be numbers on the globe."""
    geom = feat.get("geometry") if isinstance(feat, dict) else None
    if not isinstance(geom, dict) or geom.get("type") != "Point":
        raise RamsInputError(path, f"feature {k}: every feature must be a Point")
    coords = geom.get("coordinates")
    try:
        lon, lat = (float(v) for v in coords[:2])  # type: ignore[index]
    except (TypeError, ValueError):
        raise RamsInputError(path, f"feature {k}: coordinates must be [longitude, latitude] numbers") from None
    if not on_the_globe([lon, lat]):
        raise RamsInputError(path, f"feature {k}: ({lon:g}, {lat:g}) is not a WGS84 longitude and latitude")
    return [lon, lat]


def read_run(out_dir: Path, crs: CRS, info: dict[str, Any] | None = None) -> FlightRun:
    """Read one flight's outputs into the working CRS ``crs``.

    Raises:
        RamsInputError: a file is missing or malformed (the message names it).
    """
    info = info if info is not None else _read_json(out_dir / RUN_FILE)
    to_work = transformer(WGS84, crs)
    run = FlightRun(flight_id=str(info.get("flight_id") or out_dir.name), out_dir=out_dir, date=info.get("date"))
    for k, feat in enumerate(_features(out_dir / SHA_FILE)):
        try:
            geom = shape(feat["geometry"])
        except Exception as exc:
            raise RamsInputError(out_dir / SHA_FILE, f"feature {k}: bad geometry ({exc})") from None
        run.sha_geoms.append(_project(geom, WGS84, crs))
        run.sha_props.append(_properties(out_dir / SHA_FILE, k, feat))
    lonlat = []
    for k, feat in enumerate(_features(out_dir / POINTS_FILE)):
        lonlat.append(_lon_lat(out_dir / POINTS_FILE, k, feat))
        run.point_props.append(_properties(out_dir / POINTS_FILE, k, feat))
    if lonlat:
        arr = np.asarray(lonlat, dtype=float)
        x, y = to_work.transform(arr[:, 0], arr[:, 1])
        run.points_xy = np.column_stack([x, y])
    run.footprint = read_footprint(out_dir, info, crs)
    return run


def read_runs(runs_root: Path) -> tuple[list[FlightRun], CRS]:
    """Every completed flight below ``runs_root``, in one working CRS.

    Returns:
        The flights (sorted by folder) and the working CRS.
    """
    dirs = find_run_dirs(runs_root)
    infos = [_read_json(d / RUN_FILE) for d in dirs]
    for d, info in zip(dirs, infos, strict=True):
        if not isinstance(info, dict) or "grid" not in info:
            raise RamsInputError(d / RUN_FILE, "not a rams run.json (no grid)")
    crs = working_crs(infos, [d / RUN_FILE for d in dirs])
    return [read_run(d, crs, info) for d, info in zip(dirs, infos, strict=True)], crs
