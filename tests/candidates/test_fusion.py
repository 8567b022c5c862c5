"""Evidence fusion: the CNN support feature."""

from __future__ import annotations

import numpy as np
import pytest

from rams.candidates.fusion import add_support_features, fuse_points
from rams.core.points import MinePoint


def _point(x: float, y: float, score: float, detector: str = "cnn") -> MinePoint:
    return MinePoint(x_m=x, y_m=y, confidence=score, class_name="PMN-2", detector=detector, sensor="rgb", gsd_m=0.005)


def test_support_is_the_strongest_cnn_response_within_the_radius() -> None:
    detections = [_point(0.0, 0.0, 0.7)]
    peaks = [_point(10.0, 0.0, 0.9, "anomaly_core"), _point(20.0, 0.0, 0.9, "anomaly_core")]
    support = [*detections, _point(10.3, 0.0, 0.12), _point(10.1, 0.0, 0.2), _point(10.0, 0.6, 0.4),
               _point(0.1, 0.0, 0.3)]
    points = fuse_points(detections, peaks, 0.4)
    add_support_features(points, support, 0.4)
    by_x = {round(p.x_m): p.features["cnn_support"] for p in points}
    assert by_x[10] == pytest.approx(0.2)  # the 0.4 response is 0.6 m away
    assert by_x[20] == 0.0  # nothing near
    assert by_x[0] == pytest.approx(0.7)  # its own detection counts; a weaker neighbour does not lower it
    add_support_features(points, [], 0.4)
    assert {round(p.x_m): p.features["cnn_support"] for p in points} == {0: pytest.approx(0.7), 10: 0.0, 20: 0.0}


def test_density_contrast_compares_a_cluster_with_the_flights_own_rate() -> None:
    """The same local count stands out on ground where candidates are rare, not on cluttered ground."""
    import math

    from rams.candidates.fusion import FusedPoint, add_density_features

    def field(n_scatter: int) -> list[FusedPoint]:
        rng = np.random.default_rng(1)
        cluster = [FusedPoint(50.0 + dx, 50.0 + dy, "anomaly") for dx, dy in rng.uniform(-2, 2, (6, 2))]
        scatter = [FusedPoint(x, y, "anomaly") for x, y in rng.uniform(0, 100, (n_scatter, 2))
                   if math.hypot(x - 50, y - 50) > 12]
        return cluster + scatter

    sparse, cluttered = field(20), field(2000)
    add_density_features(sparse, 5.0, 100.0 * 100.0)
    add_density_features(cluttered, 5.0, 100.0 * 100.0)
    in_sparse = sparse[0].features["density_contrast"]
    in_cluttered = cluttered[0].features["density_contrast"]
    assert in_sparse > 1.0  # 5 neighbours where about 0.2 are expected
    assert in_sparse > in_cluttered + 0.5
    # a point of the scatter in the sparse field has at most one neighbour: at most log(2 / 1.15)
    lone = [p.features["density_contrast"] for p in sparse[6:]]
    assert max(lone) <= math.log(2.0 / 1.15) + 1e-9
    # the expectation follows the formula: log((n + 1) / (rate * pi r^2 + 1))
    n = sum(math.hypot(p.x_m - sparse[0].x_m, p.y_m - sparse[0].y_m) <= 5.0 for p in sparse) - 1
    expected = (len(sparse) - 1) / 1e4 * math.pi * 25.0
    assert in_sparse == pytest.approx(math.log((n + 1) / (expected + 1)))
    # without a surveyed area the contrast is neutral, the local density is still set
    add_density_features(sparse, 5.0, None)
    assert sparse[0].features["density_contrast"] == 0.0
    assert sparse[0].features["clutter_log_density"] > 0.0
