"""Vector export of candidates: GeoJSON (RFC 7946) and a GeoPackage for GIS.

- ``sha.geojson``, ``detections.geojson`` (the mine layer: points a planner acts on),
  ``candidates_low.geojson`` (every other candidate point, never dropped) and
  ``expected_positions.geojson`` (empty positions of mine rows): WGS84 lon/lat, exterior rings
  counter-clockwise and holes clockwise, at most 7 decimals (about 1 cm), no ``crs``
  member, one feature per line, keys sorted: the same input gives byte-identical files.
  Lists (evidence, sensors) are JSON arrays.
- ``survey.gpkg``: layers ``sha`` (polygons), ``detections``, ``candidates_low`` and
  ``expected_positions`` (points) in the flight's projected CRS, written through pyogrio's raw API (no geopandas). Lists are stored as
  comma-separated strings, the survey date as a GPKG Date.

Every file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyogrio.raw import write as ogr_write
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from rams.atomic import atomic_path, write_text_atomic
from rams.candidates.model import POINT_FIELDS, SHA_FIELDS, CandidatePoint, CandidateSet
from rams.crs import to_pyproj, to_wgs84

#: Decimals of lon/lat in GeoJSON: 1e-7 degree is about 1 cm on the ground.
COORD_DECIMALS = 7
SHA_LAYER = "sha"
DETECTIONS_LAYER = "detections"
LOW_LAYER = "candidates_low"
EXPECTED_LAYER = "expected_positions"
#: Point layers: name -> which points of a :class:`CandidateSet` it holds.
POINT_LAYERS: dict[str, Callable[[CandidateSet], list[CandidatePoint]]] = {
    DETECTIONS_LAYER: lambda c: c.mine_points,
    LOW_LAYER: lambda c: c.low_points,
    EXPECTED_LAYER: lambda c: c.expected,
}


def _jsonable(value: Any) -> Any:
    """Plain JSON value for a property (numpy scalars, tuples, non-finite floats)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)


def _to_lonlat(geom: BaseGeometry, crs: Any) -> BaseGeometry:
    tr = to_wgs84(crs)

    def fn(xy: np.ndarray) -> np.ndarray:
        lon, lat = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, fn)


def _ring(coords: Sequence[Sequence[float]]) -> list[list[float]]:
    """Rounded ring with consecutive duplicates (created by rounding) removed."""
    out: list[list[float]] = []
    for x, y in coords:
        pt = [round(float(x), COORD_DECIMALS), round(float(y), COORD_DECIMALS)]
        if not out or pt != out[-1]:
            out.append(pt)
    if out[0] != out[-1]:
        out.append(list(out[0]))
    return out


def polygon_lonlat_coords(poly: Polygon, crs: Any) -> list[list[list[float]]]:
    """GeoJSON polygon coordinates (exterior CCW, holes CW) in WGS84 lon/lat.

    Args:
        poly: polygon in ``crs``.
        crs: its CRS.

    Returns:
        ``[exterior, *holes]``, each a closed list of ``[lon, lat]``.
    """
    ll = orient(_to_lonlat(poly, crs), sign=1.0)  # orient after projecting: never trust the source
    assert isinstance(ll, Polygon)
    return [_ring(ll.exterior.coords), *(_ring(r.coords) for r in ll.interiors)]


def feature_text(geometry: dict[str, Any], properties: dict[str, Any]) -> str:
    """One GeoJSON Feature as compact JSON text (sorted keys, properties made JSON-safe)."""
    feat = {"type": "Feature", "geometry": geometry, "properties": _jsonable(properties)}
    return json.dumps(
        feat, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )


def collection_text(features: list[str]) -> str:
    """A FeatureCollection from :func:`feature_text` texts, one feature a line."""
    if not features:
        return '{"features":[],"type":"FeatureCollection"}\n'
    return '{"features":[\n' + ",\n".join(features) + '\n],"type":"FeatureCollection"}\n'


def sha_geojson_text(candidates: CandidateSet, crs: Any) -> str:
    """The text of ``sha.geojson`` (see :func:`write_sha_geojson`)."""
    feats = []
    for sha in sorted(candidates.polygons, key=lambda p: p.priority):
        geometry = {"type": "Polygon", "coordinates": polygon_lonlat_coords(sha.geometry, crs)}
        feats.append(feature_text(geometry, sha.properties()))
    return collection_text(feats)


def points_geojson_text(candidates: CandidateSet, crs: Any, layer: str = DETECTIONS_LAYER) -> str:
    """The text of one point layer's GeoJSON (see :func:`write_points_geojson`)."""
    points = POINT_LAYERS[layer](candidates)
    feats = []
    if points:
        xs = np.array([p.x_m for p in points])
        ys = np.array([p.y_m for p in points])
        lon, lat = to_wgs84(crs).transform(xs, ys)
        for p, x, y in zip(points, np.atleast_1d(lon), np.atleast_1d(lat), strict=True):
            geometry = {
                "type": "Point",
                "coordinates": [round(float(x), COORD_DECIMALS), round(float(y), COORD_DECIMALS)],
            }
            feats.append(feature_text(geometry, p.properties()))
    return collection_text(feats)


def write_sha_geojson(path: str | Path, candidates: CandidateSet, crs: Any) -> Path:
    """Write the SHA polygons as an RFC 7946 FeatureCollection, by priority.

    Args:
        path: output file (``sha.geojson``).
        candidates: the candidates of one flight.
        crs: the CRS of the candidates' geometries (the flight's projected CRS).

    Returns:
        ``path``.
    """
    write_text_atomic(path, sha_geojson_text(candidates, crs))
    return Path(path)


def write_points_geojson(
    path: str | Path, candidates: CandidateSet, crs: Any, layer: str = DETECTIONS_LAYER
) -> Path:
    """Write one point layer as an RFC 7946 FeatureCollection.

    Args:
        path: output file (``detections.geojson``, ``candidates_low.geojson`` or
            ``expected_positions.geojson``).
        candidates: the candidates of one flight.
        crs: the CRS of the candidates' coordinates.
        layer: ``detections`` (mine layer), ``candidates_low`` or ``expected_positions``.

    Returns:
        ``path``.
    """
    write_text_atomic(path, points_geojson_text(candidates, crs, layer))
    return Path(path)


#: Fields stored as GPKG Date (ISO strings in GeoJSON).
DATE_FIELDS = frozenset({"date"})


def _column(name: str, values: list[Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """A GPKG field column and its null mask from per-feature property values."""
    vals = [_jsonable(v) for v in values]
    present = [v for v in vals if v is not None]
    mask = np.array([v is None for v in vals], dtype=bool)
    if name in DATE_FIELDS and all(isinstance(v, str) for v in present):
        arr = np.array([v if v is not None else "NaT" for v in vals], dtype="datetime64[D]")
    elif present and all(isinstance(v, bool) for v in present):
        arr = np.array([bool(v) if v is not None else False for v in vals], dtype=bool)
    elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        arr = np.array([v if v is not None else 0 for v in vals], dtype=np.int64)
    elif present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        arr = np.array([float(v) if v is not None else 0.0 for v in vals], dtype=np.float64)
    else:

        def text(v: Any) -> str:
            if v is None:
                return ""
            if isinstance(v, list):
                return ",".join(str(x) for x in v)
            if isinstance(v, dict):
                return json.dumps(v, sort_keys=True)
            return str(v)

        arr = np.array([text(v) for v in vals], dtype=object)
    return arr, (mask if mask.any() else None)


def write_gpkg_layer(
    path: Path,
    layer: str,
    geoms: list[BaseGeometry],
    rows: list[dict[str, Any]],
    base_fields: tuple[str, ...],
    geometry_type: str,
    crs_text: str,
    append: bool,
) -> None:
    """Write one layer of a GeoPackage with pyogrio.

    Args:
        path: the GeoPackage.
        layer: layer name.
        geoms: one geometry per row, in the layer's CRS.
        rows: properties per row; columns are ``base_fields`` first, then other keys in
            first-seen order; types are inferred per column (see :data:`DATE_FIELDS`).
        base_fields: leading columns, present even when no row has them.
        geometry_type: OGR geometry type (``"Polygon"``, ``"Point"``...).
        crs_text: the CRS, as :func:`gpkg_crs_text` gives it.
        append: add to an existing file (False: create it).
    """
    names = list(base_fields)
    for row in rows:
        names.extend(k for k in row if k not in names)
    columns, masks = [], []
    for name in names:
        arr, mask = _column(name, [row.get(name) for row in rows])
        if not rows:
            arr = np.array([], dtype=object)
        columns.append(arr)
        masks.append(mask)
    wkb = np.array([shapely.to_wkb(g) for g in geoms], dtype=object)
    use_mask = (
        None
        if all(m is None for m in masks)
        else [m if m is not None else np.zeros(len(rows), dtype=bool) for m in masks]
    )
    ogr_write(
        str(path),
        wkb,
        columns,
        names,
        field_mask=use_mask,
        layer=layer,
        driver="GPKG",
        geometry_type=geometry_type,
        crs=crs_text,
        encoding="UTF-8",
        append=append,
        # GeoPackage 1.2: read by ArcGIS Pro, QGIS and older GDAL without warnings.
        dataset_options=None if append else {"VERSION": "1.2"},
    )


def gpkg_crs_text(crs: Any) -> str:
    """``EPSG:n`` when the CRS has an EPSG code, else its WKT (for a GeoPackage layer)."""
    pj = to_pyproj(crs)
    epsg = pj.to_epsg()
    return f"EPSG:{epsg}" if epsg is not None else pj.to_wkt()


def write_survey_gpkg(path: str | Path, candidates: CandidateSet, crs: Any) -> Path:
    """Write ``survey.gpkg`` in the flight's CRS.

    Layers ``sha``, ``detections``, ``candidates_low`` and ``expected_positions``.
    Polygons keep their projected coordinates (exterior CCW, as built); ``area_m2`` is
    in square metres of that CRS. Lists are comma-separated strings.

    Args:
        path: output file (``survey.gpkg``).
        candidates: the candidates of one flight.
        crs: the flight's projected CRS.

    Returns:
        ``path``.
    """
    crs_text = gpkg_crs_text(crs)
    polys = sorted(candidates.polygons, key=lambda p: p.priority)
    with atomic_path(path, suffix=".part.gpkg") as tmp:
        write_gpkg_layer(
            tmp,
            SHA_LAYER,
            [orient(p.geometry, sign=1.0) for p in polys],
            [p.properties() for p in polys],
            SHA_FIELDS,
            "Polygon",
            crs_text,
            append=False,
        )
        for layer, select in POINT_LAYERS.items():
            points = select(candidates)
            write_gpkg_layer(
                tmp,
                layer,
                [Point(p.x_m, p.y_m) for p in points],
                [p.properties() for p in points],
                POINT_FIELDS,
                "Point",
                crs_text,
                append=True,
            )
    return Path(path)
