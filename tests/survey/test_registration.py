"""RANSAC rigid registration on hand-built patterns with known moves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rams.survey.registration import RigidFit, kabsch_2d, register_pattern


def _rows(n_rows: int = 3, per_row: int = 8, row_sep_m: float = 3.0, step_m: float = 2.0) -> np.ndarray:
    return np.array([[k * step_m + (r % 2) * step_m / 2, r * row_sep_m]
                     for r in range(n_rows) for k in range(per_row)], dtype=float) + np.array([600_100.0, 4_400_100.0])


def _moved(xy: np.ndarray, centre: np.ndarray, theta_deg: float, t: tuple[float, float]) -> np.ndarray:
    fit = RigidFit(centre, math.radians(theta_deg), np.asarray(t), 0, 0.0, np.zeros((0, 2), dtype=int))
    return fit.apply(xy)


def test_kabsch_recovers_an_exact_move() -> None:
    rng = np.random.default_rng(0)
    src = rng.uniform(0, 50, (10, 2))
    theta = math.radians(17.0)
    c, s = math.cos(theta), math.sin(theta)
    dst = src @ np.array([[c, s], [-s, c]]) + [12.5, -40.0]
    got_theta, got_t = kabsch_2d(src, dst)
    assert got_theta == pytest.approx(theta, abs=1e-9)
    assert got_t == pytest.approx([12.5, -40.0], abs=1e-9)


@pytest.mark.parametrize(("theta_deg", "shift"), [(14.0, (55.0, -20.0)), (-19.0, (-8.0, 71.0)), (0.0, (10.0, 0.0))])
def test_pattern_found_despite_misses_noise_and_clutter(theta_deg: float, shift: tuple[float, float]) -> None:
    rng = np.random.default_rng(1)
    recorded = _rows()
    centre = recorded.mean(axis=0)
    found = _moved(recorded, centre, theta_deg, shift)
    seen = found[rng.random(len(found)) < 0.8]  # 80 % recall
    seen = seen + rng.normal(0, 0.08, seen.shape)
    clutter = centre + rng.uniform(-120, 120, (60, 2))
    detected = np.vstack([seen, clutter])
    fit = register_pattern(recorded, detected, centre, inlier_radius_m=0.75, max_rotation_deg=30,
                           max_offset_m=100, n_pairs=300)
    assert fit is not None
    assert fit.offset_xy_m == pytest.approx(shift, abs=0.3)
    assert fit.rotation_deg == pytest.approx(theta_deg, abs=0.5)
    assert fit.n_inliers >= len(seen) - 1
    assert fit.rms_m < 0.2


def test_no_pattern_in_clutter_gives_few_inliers() -> None:
    rng = np.random.default_rng(2)
    recorded = _rows()
    centre = recorded.mean(axis=0)
    clutter = centre + rng.uniform(-100, 100, (80, 2))
    fit = register_pattern(recorded, clutter, centre, inlier_radius_m=0.75, max_rotation_deg=30, max_offset_m=100)
    assert fit is None or fit.n_inliers < 0.3 * len(recorded)


def test_too_few_points_returns_none() -> None:
    assert register_pattern(np.zeros((1, 2)), np.zeros((5, 2)), np.zeros(2), inlier_radius_m=1,
                            max_rotation_deg=30, max_offset_m=100) is None
