"""Verdict rules on hand-built records, points, SHAs and footprints (metres)."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import LineString, Point, box

from rams.survey.config import SurveyConfig
from rams.survey.merge import SurveyPoint, SurveySha, attach_points_to_shas
from rams.survey.records import Record
from rams.survey.verdicts import assess_record, link_records

CFG = SurveyConfig()
IMAGED = box(0, 0, 200, 200)


def _record(x0: float, y0: float, x1: float, y1: float, mines: np.ndarray | None = None) -> Record:
    return Record("R", box(x0, y0, x1, y1), {"id": "R", "owner": "x"}, mines if mines is not None else np.zeros((0, 2)))


def _sha(geom: object, basis: str = "cluster") -> SurveySha:
    return SurveySha(geom, {"id": "S", "basis": basis, "record_ids": []})  # type: ignore[arg-type]


def test_points_inside_confirm() -> None:
    pts = np.array([[10.0, 10.0], [12.0, 11.0], [14.0, 12.0]])
    a = assess_record(_record(0, 0, 20, 20), pts, [], IMAGED, CFG)
    assert a.verdict == "confirmed" and a.n_points_inside == 3
    two = assess_record(_record(0, 0, 20, 20), pts[:2], [], IMAGED, CFG)
    assert two.verdict == "no_surface_evidence" and two.n_points_inside == 2


def test_imaging_verdicts() -> None:
    empty = np.zeros((0, 2))
    assert assess_record(_record(300, 300, 320, 320), empty, [], IMAGED, CFG).verdict == "not_imaged"
    part = assess_record(_record(190, 0, 210, 20), empty, [], IMAGED, CFG)
    assert part.verdict == "partly_imaged" and part.imaged_fraction == pytest.approx(0.5)
    full = assess_record(_record(50, 50, 70, 70), empty, [], IMAGED, CFG)
    assert full.verdict == "no_surface_evidence" and full.imaged_fraction == pytest.approx(1.0)
    assert "not a release decision" in full.properties()["note"]


def test_evidence_outside_with_distance() -> None:
    sha = _sha(box(100, 50, 110, 60))
    a = assess_record(_record(50, 50, 70, 70), np.zeros((0, 2)), [sha], IMAGED, CFG)
    assert a.verdict == "evidence_outside" and a.evidence_distance_m == pytest.approx(30.0)
    far = assess_record(_record(0, 0, 20, 20), np.zeros((0, 2)), [_sha(box(150, 150, 160, 160))], IMAGED, CFG)
    assert far.verdict == "no_surface_evidence"


def test_fitted_pattern_inside_confirms() -> None:
    a = assess_record(_record(50, 50, 70, 70), np.zeros((0, 2)), [_sha(box(55, 55, 60, 60), "pattern")], IMAGED, CFG)
    assert a.verdict == "confirmed"


def test_displaced_record_links_by_found_position_only() -> None:
    grid = np.array([[x, y] for x in range(0, 20, 3) for y in (0.0, 4.0, 8.0)], dtype=float)
    recorded = grid + np.array([20.0, 20.0])
    found = grid + np.array([60.0, 80.0])  # the field lies 40 m east, 60 m north
    rec = Record("R", box(18, 18, 40, 30), {"id": "R"}, recorded)
    a = assess_record(rec, found, [], IMAGED, CFG)
    assert a.verdict == "displaced" and a.fit is not None
    assert a.properties()["offset_east_m"] == pytest.approx(40.0, abs=0.01)
    assert a.properties()["offset_north_m"] == pytest.approx(60.0, abs=0.01)
    assert a.properties()["rotation_deg"] == pytest.approx(0.0, abs=0.01)
    under_record = _sha(box(25, 22, 30, 26))  # another, unrecorded field under the wrong polygon
    at_found = _sha(box(62, 82, 70, 86))
    points = [SurveyPoint(27.0, 24.0, {"record_ids": []}), SurveyPoint(65.0, 84.0, {"record_ids": []})]
    link_records([a], [under_record, at_found], points)
    assert under_record.properties["record_ids"] == [] and at_found.properties["record_ids"] == ["R"]
    assert [p.properties["record_ids"] for p in points] == [[], ["R"]]
    assert Point(65, 84).within(a.found_geometry)


def test_an_sha_is_linked_by_its_evidence_not_its_margin() -> None:
    """A fence that only grazes a record with its margin leaves the record's verdict to the
    evidence: the record is ``evidence_outside`` (distance to the mines) and not named."""
    mines = [SurveyPoint(x, 75.0, {"record_ids": []}) for x in (80.0, 84.0, 88.0)]
    xy = np.array([[p.x_m, p.y_m] for p in mines])

    def fence() -> SurveySha:
        sha = _sha(box(72, 67, 96, 83))  # mines 8 m inside its edges
        attach_points_to_shas(mines, [sha])
        return sha

    grazing = fence()
    assert grazing.evidence_hull is not None and grazing.properties["n_detections"] == 3
    a = assess_record(_record(50, 50, 74, 90), xy, [grazing], IMAGED, CFG)  # the record ends at x = 74
    assert a.verdict == "evidence_outside" and a.evidence_distance_m == pytest.approx(6.0)
    link_records([a], [grazing], mines)
    assert grazing.properties["record_ids"] == [] and not grazing.properties["recorded"]
    # within reach by the fence, whatever the distance to the mines
    short = assess_record(_record(50, 50, 74, 90), xy, [fence()], IMAGED, CFG.model_copy(update={"evidence_outside_m": 1.0}))
    assert short.verdict == "evidence_outside" and short.evidence_distance_m == pytest.approx(6.0)
    # the same fence over a record that holds one of its mines is that record's
    holds = assess_record(_record(50, 50, 82, 90), xy, [fence()], IMAGED, CFG)
    held = fence()
    link_records([holds], [held], mines)
    assert held.properties["record_ids"] == ["R"]
    # and over a record that covers most of it, though its mines lie outside
    most = _record(76, 60, 100, 90)
    mostly = SurveySha(box(60, 67, 96, 83), {"id": "S", "basis": "cluster", "record_ids": []})
    edge = [SurveyPoint(70.0, 75.0, {"record_ids": []})]
    attach_points_to_shas(edge, [mostly])
    link_records([assess_record(most, np.array([[70.0, 75.0]]), [mostly], IMAGED, CFG)], [mostly], edge)
    assert mostly.properties["record_ids"] == ["R"]
    # with no mine point under it, an SHA is linked by its polygon, as before
    bare = _sha(box(72, 67, 96, 83))
    attach_points_to_shas([], [bare])
    assert bare.evidence_hull is None
    link_records([a], [bare], [])
    assert bare.properties["record_ids"] == ["R"]


def test_evidence_of_a_bent_fence_stays_inside_it() -> None:
    """An L-shaped fence (three groups of mines joined): the hull of all its mines would
    cover the inner corner, outside the fence; its evidence does not, so a record in that
    corner is not named and a pattern there does not confirm it."""
    groups = [(0.0, 0.0), (40.0, 0.0), (40.0, 40.0)]
    mines = [SurveyPoint(x + dx, y + dy, {"record_ids": []}) for x, y in groups for dx, dy in ((-1, 0), (1, 0), (0, 1))]
    leg = LineString(groups).buffer(8.0)
    for basis in ("cluster", "pattern"):
        sha = _sha(leg, basis)
        attach_points_to_shas(mines, [sha])
        assert sha.evidence_hull is not None and leg.covers(sha.evidence_hull)
        corner = _record(10, 15, 25, 35)  # 7 m clear of the fence
        assert corner.geometry.distance(leg) == pytest.approx(7.0)
        a = assess_record(corner, np.array([[p.x_m, p.y_m] for p in mines]), [sha], IMAGED, CFG)
        assert a.verdict == "evidence_outside" and a.evidence_distance_m == pytest.approx(7.0)
        link_records([a], [sha], mines)
        assert sha.properties["record_ids"] == []
