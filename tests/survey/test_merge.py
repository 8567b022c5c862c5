"""Merging SHAs and deduplicating points across flights, on hand-built flights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from rams.survey.merge import attach_points_to_shas, dedup_points, merge_shas
from rams.survey.runs import FlightRun

E0, N0 = 600_000.0, 4_400_000.0


def _flight(fid: str, shas: list[tuple[tuple[float, float, float, float], dict]], pts: list[tuple[float, float, float]]) -> FlightRun:
    run = FlightRun(fid, Path(fid), "2026-08-14")
    for (x0, y0, x1, y1), props in shas:
        run.sha_geoms.append(box(E0 + x0, N0 + y0, E0 + x1, N0 + y1))
        run.sha_props.append({"id": f"{fid}-sha-{len(run.sha_props) + 1:03d}", **props})
    run.points_xy = np.array([[E0 + x, N0 + y] for x, y, _ in pts]).reshape(-1, 2)
    run.point_props = [{"id": f"{fid}-pt-{k}", "probability": p, "flight_id": fid} for k, (_, _, p) in enumerate(pts)]
    return run


def test_overlapping_shas_of_two_flights_become_one() -> None:
    a = _flight("A", [((0, 0, 20, 10), {"priority": 2, "confidence": 0.7, "evidence": ["thermal_anomaly"],
                                        "sensors": ["thermal"], "basis": "cluster"}),
                      ((50, 50, 60, 60), {"priority": 3, "confidence": 0.4, "evidence": [], "sensors": ["rgb"]})], [])
    b = _flight("B", [((15, 0, 35, 10), {"priority": 1, "confidence": 0.9, "evidence": ["cnn_detection"],
                                         "sensors": ["rgb"], "basis": "pattern"})], [])
    merged = merge_shas([a, b])
    assert len(merged) == 2
    first, second = merged
    assert first.properties["flight_ids"] == ["A", "B"]
    assert first.properties["source_ids"] == ["A-sha-001", "B-sha-001"]
    assert first.properties["priority"] == 1 and first.properties["confidence"] == 0.9
    assert first.properties["evidence"] == ["cnn_detection", "thermal_anomaly"]
    assert first.properties["sensors"] == ["rgb", "thermal"] and first.properties["basis"] == "pattern"
    assert first.properties["area_m2"] == pytest.approx(35 * 10)  # the union, not 200 + 200
    assert first.geometry.area == pytest.approx(350.0)
    assert second.properties["flight_ids"] == ["A"] and second.properties["area_m2"] == pytest.approx(100.0)
    assert [s.properties["id"] for s in merged] == ["survey-sha-001", "survey-sha-002"]


def test_chain_of_overlaps_is_one_sha() -> None:
    runs = [_flight(f, [((10 * k, 0, 10 * k + 12, 5), {"priority": 2, "confidence": 0.5})], [])
            for k, f in enumerate("ABC")]
    (merged,) = merge_shas(runs)
    assert merged.properties["flight_ids"] == ["A", "B", "C"]
    assert merged.geometry.area == pytest.approx(32 * 5)


def test_points_deduplicated_most_confident_kept() -> None:
    a = _flight("A", [], [(10.0, 10.0, 0.7), (30.0, 30.0, 0.9)])
    b = _flight("B", [], [(10.2, 10.1, 0.95), (31.0, 30.0, 0.8)])  # 1 m apart: two mines
    pts = dedup_points([a, b], radius_m=0.6)
    assert len(pts) == 3
    by_src = {tuple(p.properties["source_ids"]): p for p in pts}
    both = by_src[("A-pt-0", "B-pt-0")]
    assert both.properties["flight_ids"] == ["A", "B"] and both.properties["n_sightings"] == 2
    assert (both.x_m, both.y_m) == pytest.approx((E0 + 10.2, N0 + 10.1))  # B's point: more confident
    assert both.properties["probability"] == 0.95 and "flight_id" not in both.properties
    assert {tuple(p.properties["source_ids"]) for p in pts} == {("A-pt-0", "B-pt-0"), ("A-pt-1",), ("B-pt-1",)}


def test_points_attached_to_merged_shas() -> None:
    a = _flight("A", [((0, 0, 20, 10), {"priority": 1, "confidence": 0.9})], [(5.0, 5.0, 0.9), (40.0, 40.0, 0.9)])
    b = _flight("B", [((10, 0, 30, 10), {"priority": 1, "confidence": 0.9})], [(5.1, 5.0, 0.8), (25.0, 5.0, 0.9)])
    shas = merge_shas([a, b])
    pts = dedup_points([a, b], radius_m=0.6)
    attach_points_to_shas(pts, shas)
    assert shas[0].properties["n_detections"] == 2
    inside = {p.properties["sha_id"] for p in pts if shapely.Point(p.x_m, p.y_m).within(shas[0].geometry)}
    assert inside == {"survey-sha-001"}
    assert sum(p.properties["sha_id"] is None for p in pts) == 1
