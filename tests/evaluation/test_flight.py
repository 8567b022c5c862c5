"""Flight evaluation: one-to-one matching, polygon metrics, files written, CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import box

from rams.candidates.model import CandidatePoint, CandidateSet, ShaPolygon
from rams.cli.main import main
from rams.core.flight_metrics import ClassScores, FlightMetrics
from rams.core.points import MinePoint
from rams.crs import to_wgs84
from rams.errors import RamsInputError
from rams.evaluation.flight import evaluate_flight, flight_metrics, match_points
from rams.export.vector import write_points_geojson, write_sha_geojson

UTM = "EPSG:32638"
E0, N0 = 600_000.0, 4_400_000.0


def test_two_detections_near_one_mine_give_one_tp_one_fp() -> None:
    m = match_points(np.array([[0.1, 0.0], [-0.2, 0.0]]), np.array([[0.0, 0.0]]), 0.5)
    assert m == [(0, 0, pytest.approx(0.1))]


def test_matching_maximises_matches_not_greedy() -> None:
    # Greedy by distance pairs pred 0 with mine 0 (0.1 m) and leaves pred 1 unmatched;
    # the optimal assignment matches both.
    pred = np.array([[0.1, 0.0], [-0.35, 0.0]])
    truth = np.array([[0.0, 0.0], [0.4, 0.0]])
    m = match_points(pred, truth, 0.5)
    assert [(p, t) for p, t, _ in m] == [(0, 1), (1, 0)]


def test_no_match_beyond_tolerance_and_empty() -> None:
    assert match_points(np.array([[0.0, 0.0]]), np.array([[0.6, 0.0]]), 0.5) == []
    assert match_points(np.zeros((0, 2)), np.array([[0.0, 0.0]]), 0.5) == []


def _lonlat(x: float, y: float) -> list[float]:
    lon, lat = to_wgs84(UTM).transform(E0 + x, N0 + y)
    return [lon, lat]


def write_truth(path: Path, mines: list[tuple[float, float, str]], fields: list[tuple[float, float, float, float]]) -> Path:
    feats = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": _lonlat(x, y)},
         "properties": {"kind": "mine", "class": cls}}
        for x, y, cls in mines
    ]
    for x0, y0, x1, y1 in fields:
        ring = [_lonlat(x0, y0), _lonlat(x1, y0), _lonlat(x1, y1), _lonlat(x0, y1), _lonlat(x0, y0)]
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                      "properties": {"kind": "minefield"}})
    feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": _lonlat(5, 5)},
                  "properties": {"kind": "distractor", "class": "rock"}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return path


Pt = tuple[MinePoint, str, float]


def write_run(out: Path, sha_boxes: list[tuple[float, float, float, float]], pts: list[Pt],
              surveyed_area_m2: float | None = 10_000.0, expected: list[tuple[float, float]] = ()) -> Path:
    date = dt.date(2026, 8, 14)
    polys = [
        ShaPolygon(f"F-sha-{i:03d}", box(E0 + x0, N0 + y0, E0 + x1, N0 + y1), ("cnn_detection",), "AP",
                   0.9, (x1 - x0) * (y1 - y0), 1, 0.0, i, ("rgb",), "F", date)
        for i, (x0, y0, x1, y1) in enumerate(sha_boxes, start=1)
    ]
    points = [CandidatePoint(f"F-pt-{i:04d}", p, None, "F", date, kind=kind, probability=prob,
                             layer="mine" if prob >= 0.5 else "low")
              for i, (p, kind, prob) in enumerate(pts, start=1)]
    exp = [CandidatePoint(f"F-exp-{i:03d}", MinePoint(E0 + x, N0 + y, "PMN-2", 0.8, "row_pattern", "", 0.0),
                          None, "F", date, kind="expected_position", probability=0.8, layer="expected")
           for i, (x, y) in enumerate(expected, start=1)]
    cs = CandidateSet("F", date, polys, points, exp)
    out.mkdir(parents=True, exist_ok=True)
    write_sha_geojson(out / "sha.geojson", cs, UTM)
    for layer in ("detections", "candidates_low", "expected_positions"):
        write_points_geojson(out / f"{layer}.geojson", cs, UTM, layer)
    if surveyed_area_m2 is not None:
        (out / "run.json").write_text(json.dumps({"surveyed_area_m2": surveyed_area_m2}))
    return out


def det(x: float, y: float, cls: str = "PFM-1", detector: str = "cnn", p: float = 0.9) -> Pt:
    kind = "anomaly" if detector == "anomaly_core" else "cnn"
    return MinePoint(E0 + x, N0 + y, cls, 0.9, detector, "rgb", 0.02), kind, p


@pytest.fixture
def scored(tmp_path: Path) -> tuple[FlightMetrics, Path]:
    mines = [(10, 10, "PFM-1"), (12, 10, "PFM-1"), (14, 10, "TM-62"), (40, 40, "PFM-1")]
    truth = write_truth(tmp_path / "truth.geojson", mines, [(5, 5, 35, 15)])
    pts = [
        det(10.1, 10.0), det(9.8, 10.0, p=0.6),  # two near one mine: 1 TP + 1 FP
        det(12.0, 10.2), det(14.0, 10.0, "PFM-1"),  # the TM-62 found but misclassified
        det(70, 70, p=0.6),  # a false alarm
        det(40.05, 40.0, "anomaly", "anomaly_core"),  # peak on the mine the CNN missed
        det(60, 10, "TM-62", p=0.2),  # a low-layer candidate on nothing
    ]
    out = write_run(tmp_path / "run", [(0, 0, 20, 20)], pts, expected=[(40.2, 40.0), (80.0, 80.0)])
    return flight_metrics(out, truth, 0.5), out


def test_point_metrics(scored: tuple[FlightMetrics, Path]) -> None:
    r, _ = scored
    p = r.points  # the mine layer (detections.geojson)
    assert (p.tp, p.fp, p.fn) == (4, 2, 0)
    assert p.precision == pytest.approx(4 / 6, abs=1e-4) and p.recall == 1.0
    assert p.per_class["TM-62"] == ClassScores(n_truth=1, n_pred=0, precision=None, recall=1.0, f1=None)
    assert p.per_class["PFM-1"].recall == 1.0
    assert p.class_accuracy == pytest.approx(2 / 4, abs=1e-4)  # the TM-62 and the "anomaly"
    cnn = r.points_by_kind["cnn"]
    assert (cnn.tp, cnn.fp, cnn.fn) == (3, 2, 1)
    peaks = r.points_by_kind["anomaly"]
    assert (peaks.tp, peaks.fp, peaks.fn) == (1, 0, 3)
    assert r.points_by_kind["fused"].tp == 0
    assert r.candidates_by_kind["cnn"].fp == 3  # the low-layer point counts there
    exp = r.expected_positions
    assert (exp.tp, exp.fp, exp.n_missed_mines, exp.missed_mines_predicted) == (1, 1, 0, 0)
    assert r.false_mine_points_per_1000m2 == pytest.approx(2 / 10_000 * 1000)
    assert r.n_truth_mines == 4  # the distractor is ignored
    assert r.metric_crs == "EPSG:32638"


def test_polygon_metrics(scored: tuple[FlightMetrics, Path]) -> None:
    poly = scored[0].polygons
    assert poly.mine_coverage == pytest.approx(0.75)  # (40, 40) is outside the SHA
    assert poly.flagged_area_m2 == pytest.approx(400.0, rel=2e-3)  # metres, not degrees
    assert poly.minefield_area_m2 == pytest.approx(300.0, rel=2e-3)
    assert poly.flagged_over_minefield == pytest.approx(4 / 3, rel=2e-3)
    assert poly.flagged_over_surveyed == pytest.approx(0.04, rel=2e-3)
    assert poly.surveyed_area_source == "run.json"
    assert poly.minefield_area_covered == pytest.approx(150 / 300, rel=2e-3)


def test_files_written_in_the_dict_form(scored: tuple[FlightMetrics, Path]) -> None:
    r, out = scored
    saved = json.loads((out / "evaluation.json").read_text())
    assert saved == json.loads(json.dumps(r.to_dict()))
    # the JSON keys earlier result files and benchmark scripts read
    assert saved["points_by_kind"]["expected_position"] == {
        "tp": 1, "fp": 1, "fn": 3, "precision": 0.5, "recall": 0.25, "f1": 0.3333,
        "n_missed_mines": 0, "missed_mines_predicted": 0}
    assert saved["points"]["per_class"]["TM-62"] == {"n_truth": 1, "n_pred": 0, "precision": None, "recall": 1.0, "f1": None}
    assert saved["calibration"]["reliability"][9] == {"lower": 0.9, "upper": 1.0, "n": 4, "mean_probability": 0.9, "frequency": 1.0}
    assert (out / "evaluation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_calibration_table_and_ece(scored: tuple[FlightMetrics, Path]) -> None:
    cal = scored[0].calibration
    assert cal.n_points == 7 and cal.n_on_mines == 4
    bins = {b.lower: b for b in cal.reliability if b.n}
    assert {k: (b.n, b.frequency) for k, b in bins.items()} == {0.2: (1, 0.0), 0.6: (2, 0.0), 0.9: (4, 1.0)}
    # (4 * |1 - 0.9| + 2 * |0 - 0.6| + 1 * |0 - 0.2|) / 7
    assert cal.ece == pytest.approx(1.8 / 7, abs=1e-4)
    poly = scored[0].polygons
    assert poly.n_sha_priority_1 == 1 and poly.n_sha_without_mine == 0


def test_threshold_sweep_and_operating_points(scored: tuple[FlightMetrics, Path]) -> None:
    """The sweep counts points and hits at or above each threshold; the operating points read it."""
    from rams.candidates.calibration import operating_points

    cal = scored[0].calibration
    sweep = {s.threshold: (s.n_points, s.n_on_mines) for s in cal.sweep}
    assert len(sweep) == 100 and sweep[0.0] == (7, 4)
    # four points of 0.9 on the mines, two of 0.6 and one of 0.2 on nothing
    assert sweep[0.2] == (7, 4) and sweep[0.21] == (6, 4) and sweep[0.6] == (6, 4)
    assert sweep[0.61] == (4, 4) and sweep[0.9] == (4, 4) and sweep[0.91] == (0, 0)
    ops = operating_points(cal.sweep, 4)
    assert ops["best_precision_at_recall"] == {"threshold": 0.61, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert ops["best_recall_at_precision"]["threshold"] == 0.61
    assert ops["best_f1"]["f1"] == 1.0
    # against five mines (one never a candidate) recall 0.9 is out of reach at any threshold
    five = operating_points(cal.sweep, 5)
    assert five["best_precision_at_recall"] is None
    assert five["best_recall_at_precision"] == {"threshold": 0.61, "precision": 1.0, "recall": 0.8,
                                                "f1": pytest.approx(0.8889, abs=1e-4)}
    assert json.loads((scored[1] / "evaluation.json").read_text())["calibration"]["sweep"][61] == {
        "threshold": 0.61, "n_points": 4, "n_on_mines": 4}


def test_surveyed_area_falls_back_to_extent(tmp_path: Path) -> None:
    truth = write_truth(tmp_path / "t.geojson", [(10, 10, "PFM-1")], [])
    out = write_run(tmp_path / "run", [(0, 0, 20, 20)], [det(30, 40)], surveyed_area_m2=None)
    result = flight_metrics(out, truth, write=False)
    poly = result.polygons
    assert poly.surveyed_area_source != "run.json"
    assert poly.surveyed_area_m2 == pytest.approx(30 * 40, rel=2e-3)
    assert poly.flagged_over_minefield is None
    # the dict form for callers that read keys: the same values
    assert evaluate_flight(out, truth, write=False) == result.to_dict()
    assert not (out / "evaluation.json").exists()


def test_empty_outputs(tmp_path: Path) -> None:
    truth = write_truth(tmp_path / "t.geojson", [(10, 10, "PFM-1")], [(0, 0, 20, 20)])
    out = write_run(tmp_path / "run", [], [])
    r = flight_metrics(out, truth)
    assert r.points.recall == 0.0 and r.polygons.mine_coverage == 0.0
    assert r.polygons.flagged_area_m2 == 0.0


def test_bad_inputs(tmp_path: Path) -> None:
    out = write_run(tmp_path / "run", [], [])
    with pytest.raises(RamsInputError, match="truth file not found"):
        evaluate_flight(out, tmp_path / "missing.geojson")
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(RamsInputError, match="not valid JSON"):
        evaluate_flight(out, bad)
    (tmp_path / "empty").mkdir()
    truth = write_truth(tmp_path / "t.geojson", [], [])
    with pytest.raises(RamsInputError, match="SHA polygons not found"):
        evaluate_flight(tmp_path / "empty", truth)


def test_cli_prints_table_and_exit_codes(scored: tuple[FlightMetrics, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out = scored
    truth = tmp_path / "truth.geojson"
    assert main(["benchmark", "flight", str(out), "--truth", str(truth), "--tolerance-m", "0.5"]) == 0
    text = capsys.readouterr().out
    assert "precision" in text and "mine_coverage" in text and "TM-62" in text
    assert "best precision at recall >= 0.9 (any probability threshold): P 1.000 R 1.000 at probability >= 0.61" in text
    assert main(["benchmark", "flight", str(out), "--truth", str(tmp_path / "nope.geojson")]) == 2
    assert "truth file not found" in capsys.readouterr().err


def test_report_gets_metrics_section(tmp_path: Path) -> None:
    from rams.export.report import write_report

    truth = write_truth(tmp_path / "t.geojson", [(10, 10, "PFM-1")], [(0, 0, 20, 20)])
    out = write_run(tmp_path / "run", [(0, 0, 20, 20)], [det(10, 10)])
    write_report(out / "report.html", flight_id="F", date=None, candidates=CandidateSet("F", None),
                 quicklook_png=None, metrics=None, run_info={"surveyed_area_m2": 10_000.0})
    assert "Evaluation" not in (out / "report.html").read_text()
    evaluate_flight(out, truth)
    text = (out / "report.html").read_text()
    assert "Evaluation against ground truth" in text and "mine_coverage" in text
    assert "F-sha-001" in text  # SHA table rebuilt from sha.geojson
    assert "Mine-layer points by class" in text and "Calibration of point probabilities" in text
    # one point of 0.9 on the one mine: every operating point is reached at the lowest threshold keeping it
    assert "Operating points of the point probabilities" in text and "best precision at recall &gt;= 0.9" in text


def test_truth_points_without_kind_are_mines_and_empty_truth_is_an_error(tmp_path: Path) -> None:
    out = write_run(tmp_path / "run", [], [det(10.0, 10.0), det(30.0, 30.0)])
    plain = tmp_path / "plain.geojson"  # mine positions from another tool: class, no kind
    plain.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": _lonlat(10, 10)},
         "properties": {"class": "PMN-2"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": _lonlat(50, 50)},
         "properties": {}},
    ]}))
    m = flight_metrics(out, plain, 0.5)
    assert m.points.tp == 1 and m.points.recall == 0.5
    empty = tmp_path / "empty.geojson"
    empty.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(RamsInputError, match="no mine points: expected Point features"):
        evaluate_flight(out, empty, 0.5)


def test_report_rebuilds_the_run_in_the_flight_crs(tmp_path: Path) -> None:
    from rams.export.report import _candidates_from_run

    out = write_run(tmp_path / "run", [(0, 0, 20, 20)], [det(10.0, 12.0)], expected=[(30.0, 4.0)])
    for run_info in ({"grid": {"crs": UTM}}, {}):  # the grid CRS of run.json, else the UTM zone
        cs = _candidates_from_run(out, run_info)
        (pt,) = cs.points
        assert (pt.point.x_m, pt.point.y_m) == pytest.approx((E0 + 10.0, N0 + 12.0), abs=0.01)
        assert (cs.expected[0].point.x_m, cs.expected[0].point.y_m) == pytest.approx((E0 + 30.0, N0 + 4.0), abs=0.01)
        assert cs.polygons[0].geometry.area == pytest.approx(400.0, rel=1e-3)  # m², not degrees²
        assert cs.polygons[0].geometry.bounds == pytest.approx((E0, N0, E0 + 20.0, N0 + 20.0), abs=0.01)


def test_truth_off_the_globe_and_an_infinite_tolerance_are_user_errors(tmp_path: Path) -> None:
    """Both reached a NaN check deep in the matching (or JSON writing) as a traceback."""
    from rams.errors import RamsInputError
    from rams.evaluation.flight import _read_geojson, evaluate_flight

    truth = tmp_path / "truth.geojson"
    truth.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [44.0, 95.0]}, "properties": {}}]}))
    with pytest.raises(RamsInputError, match=r"truth\.geojson: truth: feature 0 lies beyond longitude"):
        _read_geojson(truth, "truth")
    with pytest.raises(RamsInputError, match="tolerance"):
        evaluate_flight(tmp_path, truth, tolerance_m=float("inf"))
