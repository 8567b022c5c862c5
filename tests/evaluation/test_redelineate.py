"""``benchmarks/redelineate.py``: the pooled figures of its summary."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import load_benchmark


def _run(n_truth: int, tp: int, n_points: int, probability: list[float], on_mine: list[float],
         surveyed: float | None = 1000.0, **extra: Any) -> dict[str, Any]:
    run = {"run": "r", "n_truth_mines": n_truth, "n_covered": min(tp + 1, n_truth),
           "n_covered_priority_1": min(tp, n_truth), "flagged_area_m2": 100.0,
           "minefield_area_m2": 200.0 if n_truth else 0.0, "surveyed_area_m2": surveyed, "n_sha": 1,
           "n_sha_priority_1": 0, "n_sha_without_mine": 0, "max_probability_difference": 0.0,
           "mine_layer": {"tp": tp, "n_points": n_points, "n_truth": n_truth},
           "scored_by": {"combiner": len(probability)}, "_probability": probability, "_on_mine": on_mine}
    run.update(extra)
    return run


def test_mine_layer_is_pooled_over_the_flights_with_mines() -> None:
    bench = load_benchmark("redelineate")
    runs = [_run(10, 6, 8, [0.9] * 8, [1.0] * 6 + [0.0] * 2), _run(5, 1, 1, [0.6, 0.1], [1.0, 0.0]),
            _run(0, 0, 3, [0.7, 0.7, 0.7], [0.0, 0.0, 0.0], surveyed=2000.0)]
    s = bench.summarise(runs)
    # 7 of 15 mines with 9 mine points on the mined flights; the clutter flight's 3 points are
    # false mine points per 1,000 m2 of its ground, not part of the mine layer's precision
    assert s["mine_layer"] == {"tp": 7, "fp": 2, "fn": 8, "precision": pytest.approx(0.7778, abs=1e-4),
                               "recall": pytest.approx(0.4667, abs=1e-4), "f1": pytest.approx(14 / 24, abs=1e-4)}
    assert s["clutter_false_mine_points_per_1000m2"] == pytest.approx(1.5)
    assert s["scored_by"] == {"combiner": 13}
    # mines inside priority-1 SHAs over the mined flights' mines: (6 + 1) of 15
    assert s["mine_coverage_priority_1"] == pytest.approx(7 / 15, abs=1e-4)
    # the ECE over the mined flights' points only: 8 at 0.9 (6 mines), one at 0.6 (a mine), one at 0.1
    assert s["ece"] == pytest.approx((8 * abs(0.9 - 0.75) + abs(0.6 - 1.0) + abs(0.1 - 0.0)) / 10, abs=1e-4)


def test_a_clutter_flight_without_its_surveyed_area_counts_in_no_rate() -> None:
    bench = load_benchmark("redelineate")
    runs = [_run(4, 2, 2, [0.8, 0.8], [1.0, 1.0]), _run(0, 0, 5, [0.9] * 5, [0.0] * 5, surveyed=None),
            _run(0, 0, 1, [0.9], [0.0], surveyed=500.0)]
    s = bench.summarise(runs)
    assert s["clutter_false_mine_points_per_1000m2"] == pytest.approx(2.0)  # 1 point on 500 m2
    assert s["clutter_only"]["flagged_over_surveyed"] == pytest.approx(0.2)  # 100 m2 of 500 m2
    no_clutter = bench.summarise(runs[:1])
    assert no_clutter["clutter_false_mine_points_per_1000m2"] is None
    assert no_clutter["clutter_only"]["flagged_over_surveyed"] is None


def test_operating_points_pool_the_mined_flights_points_against_all_their_mines() -> None:
    bench = load_benchmark("redelineate")
    # flight A: 4 mines, its points at 0.9 (mine), 0.8 (mine), 0.3 (clutter), 0.2 (mine);
    # flight B: 6 mines, points at 0.7 (mine), 0.6 (mine), 0.4 (clutter), 0.15 (mine), 0.1 (mine)
    # and a clutter-only flight whose points are in no operating point
    runs = [_run(4, 2, 2, [0.9, 0.8, 0.3, 0.2], [1.0, 1.0, 0.0, 1.0]),
            _run(6, 2, 2, [0.7, 0.6, 0.4, 0.15, 0.1], [1.0, 1.0, 0.0, 1.0, 1.0]),
            _run(0, 0, 1, [0.95] * 20, [0.0] * 20)]
    ops = bench.summarise(runs)["operating_points"]
    # recall >= 0.9 needs 9 of 10 mines: nothing reaches it (7 mines have a point), whatever the threshold
    assert ops["best_precision_at_recall"] is None
    # best F1: every point (7 hits of 9 points, 10 mines): 14 / 19; above 0.1 only 6 of 8 (12 / 18)
    assert ops["best_f1"]["f1"] == pytest.approx(14 / 19, abs=1e-4)
    assert ops["best_f1"]["precision"] == pytest.approx(7 / 9, abs=1e-4)
    assert bench.summarise(runs[2:])["operating_points"] is None
