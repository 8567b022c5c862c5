"""Radius de-duplication (rams.core.dedup): hand-worked cases and a brute-force reference."""

from __future__ import annotations

import numpy as np

from rams.core.dedup import greedy_radius_groups, keep_strongest_within


def _brute_force(xy: np.ndarray, order: np.ndarray, radius: float) -> list[list[int]]:
    """The definition, O(n^2): strongest unclaimed point claims the unclaimed within radius."""
    taken = np.zeros(len(xy), bool)
    groups = []
    for i in order:
        if taken[i]:
            continue
        d = np.hypot(*(xy - xy[i]).T)
        group = [int(i)] + [int(j) for j in np.flatnonzero((d <= radius) & ~taken) if j != i]
        taken[group] = True
        groups.append(group)
    return groups


def test_chain_is_not_collapsed_and_strongest_is_kept() -> None:
    # 0 -- 1 -- 2 spaced 0.8 m, radius 1 m: the strongest (the middle) takes both ends;
    # strongest at one end instead: it takes its neighbour only, the far end stays.
    xy = np.array([[0.0, 0.0], [0.8, 0.0], [1.6, 0.0]])
    assert greedy_radius_groups(xy, [1, 0, 2], 1.0) == [[1, 0, 2]]
    assert greedy_radius_groups(xy, [0, 1, 2], 1.0) == [[0, 1], [2]]
    assert keep_strongest_within(xy, [0, 1, 2], 1.0) == [0, 2]


def test_radius_is_inclusive_and_empty_input() -> None:
    xy = np.array([[0.0, 0.0], [0.5, 0.0]])
    assert keep_strongest_within(xy, [1, 0], 0.5) == [1]
    assert keep_strongest_within(xy, [1, 0], 0.49) == [1, 0]
    assert greedy_radius_groups(np.zeros((0, 2)), [], 1.0) == []


def test_joins_replaces_the_radius_test_within_reach() -> None:
    xy = np.array([[0.0, 0.0], [2.0, 0.0], [5.0, 0.0]])
    # claims every candidate within reach 3 whatever the distance, none beyond it
    groups = greedy_radius_groups(xy, [0, 1, 2], 0.1, reach=3.0,
                                  joins=lambda _i, near: np.ones(len(near), bool))
    assert groups == [[0, 1], [2]]
    # a test that refuses everything keeps every point
    assert greedy_radius_groups(xy, [2, 1, 0], 10.0, joins=lambda _i, near: np.zeros(len(near), bool)) == [[2], [1], [0]]


def test_matches_brute_force_reference() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        xy = rng.uniform(0, 10, (200, 2))
        order = np.argsort(-rng.random(200), kind="stable")
        radius = float(rng.uniform(0.2, 1.5))
        got = [[g[0], *sorted(g[1:])] for g in greedy_radius_groups(xy, order, radius)]
        assert got == _brute_force(xy, order, radius)
