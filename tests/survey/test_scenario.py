"""The synthetic survey scenario: overlapping flights, records with known errors, verdicts.

Targets checked here at small size (the full-size numbers are in benchmarks/bench_survey.py):
displacements within 1 m and 2 degrees, the phantom record never ``confirmed``, an
unrecorded minefield reported ``unrecorded``, nothing duplicated at the flight overlap.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from rams.survey import SurveyConfig, SurveyResult, run_survey
from rams.survey.scenario import SurveyFlights
from rams.survey.scenario_records import RecordTruth, read_truth_fields, truth_mines_xy
from tests.survey.conftest import write_records


def _survey(flights: SurveyFlights, out: Path, roles: dict[str, str], seed: int, **kwargs: object) -> tuple[SurveyResult, list[RecordTruth]]:
    truths = write_records(flights, out / "records.geojson", roles, seed, phantom_clear_m=5.0, **kwargs)  # type: ignore[arg-type]
    return run_survey(flights.runs_root, out / "survey", out / "records.geojson"), truths


def _check_recovered(result: SurveyResult, truths: list[RecordTruth], rid: str) -> None:
    a = next(a for a in result.assessments if a.record.record_id == rid)
    t = next(t for t in truths if t.record_id == rid)
    assert a.verdict == "displaced" and a.fit is not None
    want_offset, want_rot = t.expected_fit(np.asarray(a.record.geometry.centroid.coords[0]))
    assert np.hypot(*(a.fit.offset_xy_m - want_offset)) < 1.0, (a.fit.offset_xy_m, want_offset)
    assert abs(a.fit.rotation_deg - want_rot) < 2.0, (a.fit.rotation_deg, want_rot)
    p = a.properties()
    assert (p["offset_east_m"], p["offset_north_m"]) == pytest.approx(tuple(a.fit.offset_xy_m), abs=1e-3)


def test_shifted_record_phantom_and_outside(survey_flights: SurveyFlights, tmp_path: Path) -> None:
    result, truths = _survey(survey_flights, tmp_path, {}, seed=11, rows_share=0.0)
    roles = {t.record_id: t.role for t in truths}
    assert sorted(roles.values()) == ["outside", "phantom", "shifted"]
    (shifted,) = [r for r, role in roles.items() if role == "shifted"]
    _check_recovered(result, truths, shifted)
    verdicts = {a.record.record_id: a.verdict for a in result.assessments}
    (phantom,) = [r for r, role in roles.items() if role == "phantom"]
    assert verdicts[phantom] != "confirmed"
    (outside,) = [r for r, role in roles.items() if role == "outside"]
    assert verdicts[outside] == "not_imaged"
    # the displaced record's minefield is accounted for: its SHA names the record
    assert any(shifted in s.properties["record_ids"] for s in result.shas)


def test_missing_row_recorded_as_rows(survey_flights: SurveyFlights, tmp_path: Path) -> None:
    result, truths = _survey(survey_flights, tmp_path, {"mf01": "missing_row"}, seed=12, rows_share=1.0,
                             n_phantom=0, outside=False)
    (t,) = truths
    assert t.role == "missing_row" and t.as_rows
    _check_recovered(result, truths, t.record_id)


def test_exact_record_confirmed_and_unrecorded_field_reported(survey_flights: SurveyFlights, tmp_path: Path) -> None:
    exact, _ = _survey(survey_flights, tmp_path / "exact", {"mf01": "exact"}, seed=13, n_phantom=0, outside=False)
    (a,) = exact.assessments
    assert a.verdict == "confirmed" and a.n_points_inside >= 3
    unrec, truths = _survey(survey_flights, tmp_path / "unrec", {"mf01": "unrecorded"}, seed=14, outside=False)
    assert [t.role for t in truths] == ["phantom"]
    field = read_truth_fields(json.loads(survey_flights.truth_path.read_text()), unrec.crs)[0].polygon
    on_field = [s for s in unrec.shas if s.geometry.intersects(field)]
    assert on_field and all(s.properties["record_ids"] == [] for s in on_field)
    assert unrec.summary["n_sha_unrecorded"] >= len(on_field)
    inside = sum(field.buffer(1.0).covers(shapely.Point(p.x_m, p.y_m)) for p in unrec.points)
    assert inside >= 3
    assert unrec.summary["n_points_outside_records"] == len(unrec.points)  # nothing lies in the phantom
    assert unrec.summary["share_points_outside_records"] == pytest.approx(1.0)


def test_merged_layer_has_no_duplicates_at_the_overlap(survey_flights: SurveyFlights, tmp_path: Path) -> None:
    result = run_survey(survey_flights.runs_root, tmp_path / "survey")
    radius = SurveyConfig().dedup_radius_m
    xy = np.array([[p.x_m, p.y_m] for p in result.points])
    assert len(xy) >= 5
    gaps = np.hypot(*(xy[:, None] - xy[None]).T)[np.triu_indices(len(xy), 1)]
    assert gaps.min() > radius
    assert any(p.properties["n_sightings"] == 2 for p in result.points), "no mine seen by both flights"
    assert sum(p.properties["n_sightings"] for p in result.points) == result.summary["n_points_flights"]
    mines = truth_mines_xy(json.loads(survey_flights.truth_path.read_text()), result.crs)
    near = np.hypot(*(mines[:, None] - xy[None]).T) < 0.5
    assert near.sum(axis=1).max() <= 1  # no truth mine carries two survey points
    assert any(len(s.properties["flight_ids"]) == 2 for s in result.shas)
    for s, t in itertools.combinations(result.shas, 2):
        assert s.geometry.intersection(t.geometry).area == pytest.approx(0.0, abs=1e-6)
    union = shapely.union_all([g for f in result.flights for g in f.sha_geoms])
    assert sum(s.geometry.area for s in result.shas) == pytest.approx(union.area, rel=1e-9)
    assert sum(s.properties["area_m2"] for s in result.shas) == pytest.approx(union.area, abs=0.01 * len(result.shas))


def test_outputs_are_rfc7946_and_read_by_ogr(survey_flights: SurveyFlights, tmp_path: Path) -> None:
    import re
    import shutil
    import subprocess

    result, _ = _survey(survey_flights, tmp_path, {}, seed=11)
    out = tmp_path / "survey"
    counts = {"sha": len(result.shas), "points": len(result.points),
              "records_assessed": len(result.assessments), "footprints": len(result.flights)}
    for layer, n in counts.items():
        doc = json.loads((out / f"{layer}.geojson").read_text())
        assert doc["type"] == "FeatureCollection" and "crs" not in doc and len(doc["features"]) == n
        for feat in doc["features"]:
            assert not re.search(r"\.\d{8,}", json.dumps(feat["geometry"]["coordinates"]))
            geom = shape(feat["geometry"])
            assert geom.is_valid
            lon, lat = shapely.get_coordinates(geom)[0]
            assert 46.0 < lon < 46.3 and 39.7 < lat < 39.8  # lon/lat order (zone 38, 600 km E)
            for poly in getattr(geom, "geoms", [geom]):
                if poly.geom_type == "Polygon":
                    assert poly.exterior.is_ccw and all(not r.is_ccw for r in poly.interiors)
                    assert len(set(poly.exterior.coords)) >= 3
    rec = json.loads((out / "records_assessed.geojson").read_text())["features"][0]["properties"]
    assert {"record_id", "verdict", "offset_east_m", "offset_north_m", "rotation_deg", "imaged_fraction",
            "n_points_inside", "fit_rms_m"} <= set(rec)
    assert rec["source"] == "synthetic hand-over form"  # the record's own attribute passes through
    sha = json.loads((out / "sha.geojson").read_text())["features"][0]["properties"]
    assert isinstance(sha["flight_ids"], list) and isinstance(sha["record_ids"], list)
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo not installed")
    info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(out / "survey.gpkg")], capture_output=True,
                          text=True, check=True).stdout
    for layer, n in counts.items():
        assert re.search(rf"Layer name: {layer}\n(.*\n)*?Feature Count: {n}\n", info), layer
    assert "UTM zone 38N" in info
    for layer in counts:
        check = subprocess.run(["ogrinfo", "-ro", "-so", str(out / f"{layer}.geojson")], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
