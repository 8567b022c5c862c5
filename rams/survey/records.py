"""Minefield records in: recorded hazard polygons, recorded mines and recorded rows.

The interface (fixed, so that other tools can rely on it):

- one Polygon (or MultiPolygon) feature per record, with a non-empty ``id``;
- recorded mines, when known: Point features carrying that id in ``record_id``;
- recorded rows: LineString features carrying ``record_id`` and, to place the mines along
  them, a count in ``mine_count`` (or ``count``).

GeoJSON (RFC 7946 WGS84, or a legacy ``crs`` member) and any OGR vector format
(GeoPackage: every layer is read) in any CRS. Attributes the survey does not know pass
through to ``records_assessed`` untouched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import LineString, MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry

from rams.crs import WGS84, on_the_globe, to_pyproj
from rams.errors import RamsInputError
from rams.survey.runs import project_geometry

#: Names of the mine count on a recorded row, in order of preference.
ROW_COUNT_KEYS = ("mine_count", "count", "n_mines")
GEOJSON_SUFFIXES = (".geojson", ".json")


@dataclass
class Record:
    """One minefield record in the working CRS.

    Attributes:
        record_id: the record's ``id``.
        geometry: the recorded hazard polygon (metres).
        properties: the polygon's own attributes, untouched.
        mines_xy: (n, 2) recorded mine positions (metres); empty when none were recorded.
        rows: recorded rows (metres) with their mine counts.
    """

    record_id: str
    geometry: BaseGeometry
    properties: dict[str, Any]
    mines_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    rows: list[tuple[LineString, int]] = field(default_factory=list)

    def pattern_xy(self) -> np.ndarray:
        """Recorded mine positions: the recorded points, else mines spread evenly on the rows.

        Returns:
            (n, 2) metres; empty when the record has neither.
        """
        if len(self.mines_xy):
            return self.mines_xy
        pts = []
        for line, count in self.rows:
            if count == 1:
                pts.append(np.asarray(line.interpolate(0.5, normalized=True).coords[0]))
                continue
            for t in np.linspace(0.0, 1.0, count):
                pts.append(np.asarray(line.interpolate(float(t), normalized=True).coords[0]))
        return np.asarray(pts, dtype=float).reshape(-1, 2)


@dataclass
class _RawFeature:
    geometry: BaseGeometry
    properties: dict[str, Any]
    crs: CRS


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _geojson_features(path: Path) -> list[_RawFeature]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RamsInputError(path, f"cannot be read as GeoJSON ({exc})") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
        raise RamsInputError(path, "not a GeoJSON FeatureCollection")
    crs = WGS84
    legacy = doc.get("crs")
    if isinstance(legacy, dict):  # pre-RFC 7946 files name their CRS
        try:
            crs = to_pyproj(legacy["properties"]["name"])
        except Exception as exc:
            raise RamsInputError(path, f"unknown crs member {legacy!r} ({exc})") from exc
    out = []
    for i, feat in enumerate(doc["features"]):
        try:
            geom = shape(feat["geometry"])
        except Exception as exc:
            raise RamsInputError(path, f"feature #{i}: bad or missing geometry ({exc})") from exc
        if crs.is_geographic and not geom.is_empty:
            if not on_the_globe(shapely.get_coordinates(geom)):
                raise RamsInputError(path, f"feature #{i}: coordinates beyond longitude +-180 or latitude "
                                           "+-90 (GeoJSON is longitude, latitude in WGS84; swapped?)")
        out.append(_RawFeature(geom, dict(feat.get("properties") or {}), crs))
    return out


def _ogr_features(path: Path) -> list[_RawFeature]:
    import pyogrio
    from pyogrio.raw import read as ogr_read

    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
        out = []
        for layer in layers:
            meta, _, geoms, columns = ogr_read(path, layer=layer)
            if geoms is None or (meta.get("crs") is None and len(geoms)):
                raise RamsInputError(path, f"layer {layer!r} has no geometry or no CRS")
            crs = to_pyproj(meta["crs"]) if meta.get("crs") else WGS84
            names = list(meta["fields"])
            for i, wkb in enumerate(geoms):
                props = {n: _plain(col[i]) for n, col in zip(names, columns, strict=True)}
                out.append(_RawFeature(shapely.from_wkb(wkb), props, crs))
        return out
    except RamsInputError:
        raise
    except Exception as exc:
        raise RamsInputError(path, f"cannot be read as a vector file ({exc})") from exc


def _row_count(props: dict[str, Any]) -> int | None:
    for key in ROW_COUNT_KEYS:
        value = props.get(key)
        if value is not None and not (isinstance(value, float) and np.isnan(value)):
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


def read_records(path: str | Path, crs: Any) -> list[Record]:
    """Read a records file into the working CRS ``crs``.

    Args:
        path: GeoJSON or GeoPackage (or any OGR vector file).
        crs: the survey's metric working CRS.

    Returns:
        The records, in file order.

    Raises:
        RamsInputError: the file is missing or unreadable, a polygon has no ``id``, two
            records share one, or a point/row names no known record (the message names
            the file and the feature).
    """
    path = Path(path)
    if not path.is_file():
        raise RamsInputError(path, "records file not found")
    raw = _geojson_features(path) if path.suffix.lower() in GEOJSON_SUFFIXES else _ogr_features(path)
    records: dict[str, Record] = {}
    others: list[tuple[int, _RawFeature]] = []
    for i, feat in enumerate(raw):
        if not isinstance(feat.geometry, Polygon | MultiPolygon):
            others.append((i, feat))
            continue
        rid = feat.properties.get("id")
        if rid is None or str(rid).strip() == "":
            raise RamsInputError(path, f"record polygon #{i} has no 'id' property (every record needs one)")
        rid = str(rid)
        if rid in records:
            raise RamsInputError(path, f"two record polygons share the id {rid!r}")
        geom = shapely.make_valid(project_geometry(feat.geometry, feat.crs, crs))
        records[rid] = Record(rid, geom, feat.properties)
    if not records:
        raise RamsInputError(path, "no record polygons (Polygon features with an 'id')")
    mines: dict[str, list[np.ndarray]] = {}
    for i, feat in others:
        rid = feat.properties.get("record_id")
        kind = feat.geometry.geom_type
        if rid is None or str(rid) not in records:
            raise RamsInputError(path, f"{kind} feature #{i}: record_id {rid!r} names no record polygon")
        geom = project_geometry(feat.geometry, feat.crs, crs)
        if kind in ("Point", "MultiPoint"):
            mines.setdefault(str(rid), []).append(shapely.get_coordinates(geom))
        elif kind == "LineString" and (count := _row_count(feat.properties)) and count > 0:
            assert isinstance(geom, LineString)
            records[str(rid)].rows.append((geom, count))
    for rid, arrays in mines.items():
        records[rid].mines_xy = np.vstack(arrays)
    return list(records.values())
