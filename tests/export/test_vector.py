"""GeoJSON (RFC 7946) and GeoPackage export of candidates, read back with OGR and pyogrio."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import read as ogr_read
from pyproj import Geod, Transformer
from shapely.geometry import Polygon, shape

from rams.candidates.combiner import PointCombiner
from rams.candidates.model import CandidateSet
from rams.candidates.sha import build_candidates
from rams.config import CandidateConfig
from rams.core.points import MinePoint
from rams.export.vector import (
    polygon_lonlat_coords,
    write_points_geojson,
    write_sha_geojson,
    write_survey_gpkg,
)
from tests.export.conftest import E0, N0, UTM

CandidateFactory = Callable[..., CandidateSet]


def write_all(folder: Path, cs: CandidateSet) -> tuple[Path, Path, Path]:
    write_points_geojson(folder / "candidates_low.geojson", cs, UTM, "candidates_low")
    write_points_geojson(folder / "expected_positions.geojson", cs, UTM, "expected_positions")
    return (
        write_sha_geojson(folder / "sha.geojson", cs, UTM),
        write_points_geojson(folder / "detections.geojson", cs, UTM),
        write_survey_gpkg(folder / "survey.gpkg", cs, UTM),
    )


def test_geojson_is_rfc7946_and_deterministic(tmp_path: Path, candidates: CandidateFactory) -> None:
    sha_a, pts_a, _ = write_all(tmp_path / "a", candidates())
    sha_b, pts_b, _ = write_all(tmp_path / "b", candidates())
    assert sha_a.read_bytes() == sha_b.read_bytes()
    assert pts_a.read_bytes() == pts_b.read_bytes()
    for path in (sha_a, pts_a):
        text = path.read_text()
        doc = json.loads(text)
        assert doc["type"] == "FeatureCollection" and "crs" not in doc
        assert doc["features"], "expected features"
        # No number in a coordinate array carries more than 7 decimals.
        for feat in doc["features"]:
            coords = json.dumps(feat["geometry"]["coordinates"])
            assert not re.search(r"\.\d{8,}", coords), coords[:200]
    sha_doc = json.loads(sha_a.read_text())
    for feat in sha_doc["features"]:
        rings = feat["geometry"]["coordinates"]
        assert len(rings) == 1
        ext = rings[0]
        assert ext[0] == ext[-1] and len({tuple(c) for c in ext}) >= 3
        assert all(a != b for a, b in itertools.pairwise(ext))
        poly = shape(feat["geometry"])
        assert poly.is_valid and poly.exterior.is_ccw
        lon, lat = ext[0]
        assert 44.9 < lon < 45.1 and 39.7 < lat < 39.8  # lon/lat order, not lat/lon


def test_properties_and_ids(tmp_path: Path, candidates: CandidateFactory) -> None:
    cs = candidates()
    sha_path, pts_path, _ = write_all(tmp_path, cs)
    shas = json.loads(sha_path.read_text())["features"]
    props = [f["properties"] for f in shas]
    assert [p["priority"] for p in props] == sorted(p["priority"] for p in props)
    assert {p["basis"] for p in props} == {"pattern", "cluster"}
    assert [p["id"] for p in props] == [f"KB-0042-sha-{i:03d}" for i in range(1, len(props) + 1)]
    first = props[0]
    assert first["class"] == "SHA" and first["status"] == "suspected"
    assert first["device_category"] in {"AP", "AV"}
    assert isinstance(first["evidence"], list) and isinstance(first["sensors"], list)
    assert first["date"] == "2026-08-14" and first["flight_id"] == "KB-0042"
    assert all(0.0 <= p["confidence"] <= 1.0 for p in props)
    points = json.loads(pts_path.read_text())["features"]
    low = json.loads((tmp_path / "candidates_low.geojson").read_text())["features"]
    expected = json.loads((tmp_path / "expected_positions.geojson").read_text())["features"]
    ids = {p["id"] for p in props}
    # every candidate is in exactly one of the two layers, split at the mine probability
    assert len(points) + len(low) == len(cs.points) and len(low) == 1
    assert all(f["properties"]["probability"] >= 0.5 for f in points)
    assert all(f["properties"]["probability"] < 0.5 for f in low)
    (exp,) = expected
    assert exp["properties"]["kind"] == "expected_position" and exp["properties"]["spacing_m"] == pytest.approx(2.0, abs=0.01)
    lon, lat = exp["geometry"]["coordinates"]
    want = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform(E0 + 66, N0 + 80)
    assert (lon, lat) == pytest.approx(want, abs=2e-7)
    for f in points + low:
        p = f["properties"]
        assert p["kind"] in {"cnn", "anomaly", "fused"} and "f_cnn_score" in p
        assert {
            "id",
            "class",
            "device_category",
            "confidence",
            "detector",
            "sensor",
            "gsd_m",
            "sha_id",
            "date",
        } <= set(p)
        assert p["sha_id"] is None or p["sha_id"] in ids
        # Each point lies inside its polygon, checked in lon/lat on the written files.
        if p["sha_id"] is not None:
            poly = shape(next(s["geometry"] for s in shas if s["properties"]["id"] == p["sha_id"]))
            assert poly.covers(shape(f["geometry"]))


def test_point_at_known_utm_location_lands_at_expected_lonlat(tmp_path: Path, hand_set_combiner: PointCombiner) -> None:
    det = [MinePoint(E0, N0, "PMN-2", 0.9, "cnn", "rgb", 0.02)]
    cs = build_candidates(
        None, det, [], crs=UTM, flight_id="F", date=None, sensors=["rgb"],
        config=CandidateConfig(isolated_mine_probability=None),  # the lone point stays in the mine layer
        combiner=hand_set_combiner,
    )
    path = write_points_geojson(tmp_path / "d.geojson", cs, UTM)
    lon, lat = json.loads(path.read_text())["features"][0]["geometry"]["coordinates"]
    # An independent transformer in the authority's (lat, lon) axis order.
    lat_ref, lon_ref = Transformer.from_crs(UTM, "EPSG:4326").transform(E0, N0)
    assert lon == pytest.approx(45.0, abs=1e-9)  # x = 500 000 m is the central meridian
    assert (lon, lat) == pytest.approx((lon_ref, lat_ref), abs=1e-7)
    assert 39.74 < lat < 39.76


def test_holes_are_clockwise_and_exterior_ccw() -> None:
    outer = Polygon([(E0, N0), (E0, N0 + 50), (E0 + 50, N0 + 50), (E0 + 50, N0)])  # CW on purpose
    hole = [(E0 + 10, N0 + 10), (E0 + 20, N0 + 10), (E0 + 20, N0 + 20), (E0 + 10, N0 + 20)]  # CCW
    rings = polygon_lonlat_coords(Polygon(outer.exterior.coords, [hole]), UTM)
    assert shapely.LinearRing(rings[0]).is_ccw
    assert not shapely.LinearRing(rings[1]).is_ccw


def test_area_is_in_square_metres(tmp_path: Path, candidates: CandidateFactory) -> None:
    cs = candidates()
    sha_path, _, _ = write_all(tmp_path, cs)
    geod = Geod(ellps="WGS84")
    for feat in json.loads(sha_path.read_text())["features"]:
        geodesic_m2, _ = geod.geometry_area_perimeter(shape(feat["geometry"]))
        # UTM scale factor 0.9996 on the central meridian: areas agree within 0.2 %.
        assert feat["properties"]["area_m2"] == pytest.approx(abs(geodesic_m2), rel=2e-3)
        assert feat["properties"]["area_m2"] > 10.0  # a 5 m buffer is ~78 m², not ~1e-8 deg²


def test_empty_candidates_are_valid_output(tmp_path: Path) -> None:
    empty = CandidateSet(flight_id="F0", date=None)
    sha, pts, gpkg = write_all(tmp_path, empty)
    for path in (sha, pts):
        assert json.loads(path.read_text()) == {"type": "FeatureCollection", "features": []}
    for layer in ("sha", "detections", "candidates_low", "expected_positions"):
        _, _, geoms, _ = ogr_read(gpkg, layer=layer)
        assert len(geoms) == 0


def _gpkg_layer(path: Path, layer: str) -> tuple[list[dict[str, object]], list[shapely.Geometry]]:
    meta, _, geoms, fields = ogr_read(path, layer=layer)
    names = list(meta["fields"])
    rows = [{n: fields[i][k] for i, n in enumerate(names)} for k in range(len(geoms))]
    return rows, [shapely.from_wkb(g) for g in geoms]


def _as_gpkg_value(value: object) -> object:
    return ",".join(value) if isinstance(value, list) else value


def _plain(value: object) -> object:
    return str(value) if isinstance(value, np.datetime64) else value


def test_gpkg_matches_geojson_via_pyogrio(tmp_path: Path, candidates: CandidateFactory) -> None:
    cs = candidates()
    sha_path, pts_path, gpkg = write_all(tmp_path, cs)
    meta, *_ = ogr_read(gpkg, layer="sha", read_geometry=False)
    assert "32638" in meta["crs"]
    to_ll = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
    for layer, gj in (("sha", sha_path), ("detections", pts_path),
                      ("candidates_low", tmp_path / "candidates_low.geojson"),
                      ("expected_positions", tmp_path / "expected_positions.geojson")):
        rows, geoms = _gpkg_layer(gpkg, layer)
        feats = json.loads(gj.read_text())["features"]
        assert len(rows) == len(feats) > 0
        for row, geom, feat in zip(rows, geoms, feats, strict=True):
            for key, value in feat["properties"].items():
                got = _plain(row[key])
                want = _as_gpkg_value(value)
                if want is None:
                    assert got is None or got == "" or (isinstance(got, float) and np.isnan(got))
                elif isinstance(want, float):
                    assert float(got) == pytest.approx(want)
                else:
                    assert got == want, key
            ll = shapely.transform(
                geom, lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1]))
            )
            assert ll.equals_exact(shape(feat["geometry"]), tolerance=2e-7)
        if layer == "sha":
            assert all(g.exterior.is_ccw and g.is_valid for g in geoms)
            assert [r["area_m2"] for r in rows] == pytest.approx(
                [round(g.area, 2) for g in geoms], abs=0.01
            )


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="ogrinfo (gdal-bin) not installed")
def test_gpkg_read_back_with_ogrinfo(tmp_path: Path, candidates: CandidateFactory) -> None:
    cs = candidates()
    _, _, gpkg = write_all(tmp_path, cs)
    summary = subprocess.run(
        ["ogrinfo", "-ro", "-al", "-so", str(gpkg)], capture_output=True, text=True, check=True
    )
    out = summary.stdout
    assert "Layer name: sha" in out and "Layer name: detections" in out
    assert f"Feature Count: {len(cs.polygons)}" in out and f"Feature Count: {len(cs.mine_points)}" in out
    assert "Layer name: candidates_low" in out and "Layer name: expected_positions" in out
    assert 'ID["EPSG",32638]' in out
    for field_def in (
        "area_m2: Real",
        "priority: Integer",
        "evidence: String",
        "sha_id: String",
        "gsd_m: Real",
        "date: Date",
    ):
        assert field_def in out
    assert "partially supported" not in summary.stderr  # GPKG version old GDAL reads cleanly
    full = subprocess.run(
        ["ogrinfo", "-ro", "-al", str(gpkg), "sha"], capture_output=True, text=True, check=True
    ).stdout
    for sha in cs.polygons:
        assert f"id (String) = {sha.id}" in full
        assert f"evidence (String) = {','.join(sha.evidence)}" in full
    assert "POLYGON ((5000" in full  # projected metres, not degrees
    assert "date (Date) = 2026/08/14" in full
