"""``rams survey`` on the command line: with and without records, and bad input (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rams.cli.main import main
from rams.survey.scenario import SurveyFlights
from tests.survey.conftest import write_records


def test_survey_without_records(survey_flights: SurveyFlights, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["survey", str(survey_flights.runs_root), "-o", str(out)]) == 0
    stdout = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert f"{summary['n_sha']} SHA(s) from {summary['n_sha_flights']}" in stdout
    assert summary["n_records"] == 0 and summary["n_sha_unrecorded"] == summary["n_sha"]
    for name in ("survey.gpkg", "sha.geojson", "points.geojson", "records_assessed.geojson",
                 "footprints.geojson", "survey.html"):
        assert (out / name).is_file(), name
    assert json.loads((out / "records_assessed.geojson").read_text())["features"] == []
    html = (out / "survey.html").read_text()
    assert "SHAs (no records given), by priority" in html and "survey-sha-001" in html
    assert not list(out.glob(".*part*")), "temporary files left behind"


def test_survey_with_records(survey_flights: SurveyFlights, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    truths = write_records(survey_flights, tmp_path / "records.geojson", {}, seed=11, phantom_clear_m=5.0)
    out = tmp_path / "out"
    code = main(["survey", str(survey_flights.runs_root), "-o", str(out), "--records", str(tmp_path / "records.geojson")])
    assert code == 0
    stdout = capsys.readouterr().out
    feats = json.loads((out / "records_assessed.geojson").read_text())["features"]
    verdicts = {f["properties"]["record_id"]: f["properties"]["verdict"] for f in feats}
    assert set(verdicts) == {t.record_id for t in truths}
    assert f"{len(truths)} record(s)" in stdout and "displaced" in stdout
    html = (out / "survey.html").read_text()
    for rid, verdict in verdicts.items():
        assert f"<td class=l>{rid}</td><td class=l>{verdict}</td>" in html
    assert "marker-end" in html  # the offset arrow of the displaced record


def test_missing_runs_root_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope"
    assert main(["survey", str(missing), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{missing}: runs root folder does not exist" in err


def test_empty_runs_root_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["survey", str(tmp_path), "-o", str(tmp_path / "out")]) == 2
    assert "no completed flight (run.json)" in capsys.readouterr().err


def test_records_without_id_exit_2(survey_flights: SurveyFlights, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "records.geojson"
    write_records(survey_flights, path, {}, seed=11, n_phantom=0, outside=False)
    doc = json.loads(path.read_text())
    doc["features"][0]["properties"].pop("id")
    path.write_text(json.dumps(doc))
    assert main(["survey", str(survey_flights.runs_root), "-o", str(tmp_path / "out"), "--records", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: record polygon #0 has no 'id'" in err and err.count("\n") == 1
    assert not (tmp_path / "out" / "survey.gpkg").exists()


def test_unreadable_records_exit_2(survey_flights: SurveyFlights, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "records.gpkg"
    path.write_bytes(b"PK\x03\x04 not a geopackage")
    assert main(["survey", str(survey_flights.runs_root), "-o", str(tmp_path / "out"), "--records", str(path)]) == 2
    assert f"{path}: cannot be read as a vector file" in capsys.readouterr().err


def test_json_summary_on_stdout(survey_flights: SurveyFlights, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["survey", str(survey_flights.runs_root), "-o", str(out), "--json", "-q"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == json.loads((out / "summary.json").read_text())
    assert captured.err == ""


@pytest.mark.parametrize("option", [["--dedup-radius-m", "-1"], ["--search-radius-m", "nan"]])
def test_a_bad_radius_is_one_line(survey_flights: SurveyFlights, tmp_path: Path, option: list[str],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["survey", str(survey_flights.runs_root), "-o", str(tmp_path / "out"), *option]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"rams: error: {option[0]}: ")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("feature", "problem"), [
    ({"type": "Feature", "geometry": {"type": "Point"}, "properties": {}}, "feature 0: coordinates must be"),
    ({"type": "Feature", "geometry": {"type": "Point", "coordinates": ["x", "y"]}}, "feature 0: coordinates must be"),
    ({"type": "Feature", "geometry": {"type": "Point", "coordinates": [10.0, 95.0]}}, "is not a WGS84 longitude"),
    ("a string", "feature 0: every feature must be a Point"),
])
def test_a_damaged_points_file_of_a_run_is_named(survey_flights: SurveyFlights, tmp_path: Path, feature: object,
                                                  problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    runs = tmp_path / "runs"
    shutil.copytree(survey_flights.runs_root, runs)
    points = sorted(runs.rglob("detections.geojson"))[0]
    points.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    assert main(["survey", str(runs), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{points}: " in err and problem in err, err
