"""Reading minefield records: any CRS, GeoJSON or GeoPackage, and bad input as one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import write as ogr_write
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from rams.errors import RamsInputError
from rams.survey.records import read_records

UTM = "EPSG:32638"
E0, N0 = 600_000.0, 4_400_000.0
TO_LONLAT = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def _lonlat(xy: list[tuple[float, float]]) -> list[list[float]]:
    return [list(TO_LONLAT.transform(x, y)) for x, y in xy]


def _records_geojson(path: Path) -> Path:
    ring = [(E0, N0), (E0 + 30, N0), (E0 + 30, N0 + 10), (E0, N0 + 10), (E0, N0)]
    feats = [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [_lonlat(ring)]},
         "properties": {"id": "R1", "laid_by": "unit 7", "notes": {"form": "B-12"}}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": _lonlat([(E0 + 5, N0 + 5)])[0]},
         "properties": {"record_id": "R1"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": _lonlat([(E0 + 2, N0 + 2), (E0 + 28, N0 + 2)])},
         "properties": {"record_id": "R1", "mine_count": 14}},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


def test_geojson_records_in_metres_with_attributes_untouched(tmp_path: Path) -> None:
    (rec,) = read_records(_records_geojson(tmp_path / "r.geojson"), UTM)
    assert rec.record_id == "R1"
    assert rec.properties == {"id": "R1", "laid_by": "unit 7", "notes": {"form": "B-12"}}
    assert rec.geometry.area == pytest.approx(300.0, rel=1e-6)
    assert rec.mines_xy == pytest.approx(np.array([[E0 + 5, N0 + 5]]), abs=0.02)
    (line, count), = rec.rows
    assert count == 14 and line.length == pytest.approx(26.0, abs=0.02)
    # recorded points win over rows for the pattern
    assert len(rec.pattern_xy()) == 1
    rec.mines_xy = np.zeros((0, 2))
    spread = rec.pattern_xy()
    assert len(spread) == 14 and np.diff(spread[:, 0]) == pytest.approx(np.full(13, 2.0), abs=0.01)


def test_geopackage_in_utm_reads_like_geojson_in_wgs84(tmp_path: Path) -> None:
    (ref,) = read_records(_records_geojson(tmp_path / "r.geojson"), UTM)
    gpkg = tmp_path / "r.gpkg"
    poly = Polygon([(E0, N0), (E0 + 30, N0), (E0 + 30, N0 + 10), (E0, N0 + 10)])
    tr = Transformer.from_crs(UTM, "EPSG:32639", always_xy=True)
    poly39 = shapely.transform(poly, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    ogr_write(str(gpkg), np.array([shapely.to_wkb(poly39)], dtype=object),
              [np.array(["R1"], dtype=object), np.array(["unit 7"], dtype=object)], ["id", "laid_by"],
              layer="records", driver="GPKG", geometry_type="Polygon", crs="EPSG:32639")
    pts39 = [shapely.transform(Point(E0 + 5, N0 + 5), lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))]
    ogr_write(str(gpkg), np.array([shapely.to_wkb(p) for p in pts39], dtype=object),
              [np.array(["R1"], dtype=object)], ["record_id"], layer="mines", driver="GPKG",
              geometry_type="Point", crs="EPSG:32639", append=True)
    (rec,) = read_records(gpkg, UTM)
    assert rec.record_id == "R1" and rec.properties["laid_by"] == "unit 7"
    assert rec.geometry.symmetric_difference(ref.geometry).area < 0.05  # same ground within cm
    assert rec.mines_xy == pytest.approx(ref.mines_xy, abs=0.02)


def test_missing_id_names_the_file(tmp_path: Path) -> None:
    path = _records_geojson(tmp_path / "r.geojson")
    doc = json.loads(path.read_text())
    del doc["features"][0]["properties"]["id"]
    path.write_text(json.dumps(doc))
    with pytest.raises(RamsInputError, match=r"r\.geojson: record polygon #0 has no 'id'"):
        read_records(path, UTM)


@pytest.mark.parametrize(("content", "problem"), [
    ("not json {", "cannot be read as GeoJSON"),
    ('{"type": "Feature"}', "not a GeoJSON FeatureCollection"),
    ('{"type": "FeatureCollection", "features": []}', "no record polygons"),
])
def test_unreadable_records_name_the_file(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(RamsInputError, match=problem) as info:
        read_records(path, UTM)
    assert info.value.path == path


def test_point_of_an_unknown_record_is_an_error(tmp_path: Path) -> None:
    path = _records_geojson(tmp_path / "r.geojson")
    doc = json.loads(path.read_text())
    doc["features"][1]["properties"]["record_id"] = "R9"
    path.write_text(json.dumps(doc))
    with pytest.raises(RamsInputError, match="record_id 'R9' names no record polygon"):
        read_records(path, UTM)


def test_garbage_geopackage_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "r.gpkg"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(RamsInputError, match="cannot be read as a vector file"):
        read_records(path, UTM)


def test_line_without_count_is_ignored(tmp_path: Path) -> None:
    path = _records_geojson(tmp_path / "r.geojson")
    doc = json.loads(path.read_text())
    del doc["features"][2]["properties"]["mine_count"]
    path.write_text(json.dumps(doc))
    (rec,) = read_records(path, UTM)
    assert rec.rows == []


def test_latitude_and_longitude_swapped_is_refused_by_feature(tmp_path: Path) -> None:
    """A record at latitude 95 cannot be projected; said before anything is written."""
    path = _records_geojson(tmp_path / "r.geojson")
    doc = json.loads(path.read_text())
    ring = doc["features"][0]["geometry"]["coordinates"][0]
    doc["features"][0]["geometry"]["coordinates"][0] = [[lat, lon] for lon, lat in ring]
    path.write_text(json.dumps(doc))
    if all(abs(lon) <= 90 for lon, _ in ring):  # swapped coordinates can still be on the globe
        ring[0] = [ring[0][0], 95.0]
        doc["features"][0]["geometry"]["coordinates"][0] = ring
        path.write_text(json.dumps(doc))
    with pytest.raises(RamsInputError, match=r"r\.geojson: feature #0: coordinates beyond longitude"):
        read_records(path, UTM)
