"""Radius de-duplication: the strongest of nearby points stands for them all.

One object seen twice (a peak at the border of two anomaly tiles, a detection in two
overlapping CNN windows, a mine in two flights) must become one point. Every stage does
it the same greedy way: points are visited strongest first; an unclaimed point is kept
and claims every unclaimed point within ``radius`` of it (distance <= ``radius``), which
are folded into it.

Greedy by strength rather than clustering: a chain of points each within ``radius`` of
the next does not collapse into one, and the point kept is always a real, strongest one.
Users: :func:`rams.detection.sliced.merge_detections` (cross-window merge, with a box IoU
test besides the radius), ``rams.orchestration.assemble.merge_peaks`` (anomaly peaks) and
:func:`rams.survey.merge.dedup_points` (points of several flights).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.spatial import cKDTree

#: ``joins(kept, candidates)``: which of the unclaimed ``candidates`` (indices) the kept
#: point ``kept`` claims, as a bool array.
JoinTest = Callable[[int, np.ndarray], np.ndarray]


def greedy_radius_groups(
    xy: np.ndarray, order: np.ndarray | list[int], radius: float, *,
    reach: float | None = None, joins: JoinTest | None = None,
) -> list[list[int]]:
    """Group points greedily around the strongest.

    Each group is a kept point and the unclaimed points it claims.

    Args:
        xy: (N, 2) coordinates (any metric units; ``radius`` in the same).
        order: indices of the points, strongest first (the caller's ranking and ties).
        radius: points at most this far from a kept point are claimed by it.
        reach: with ``joins``, how far to look for candidates (default ``radius``).
        joins: a test of the candidates within ``reach`` that replaces the plain radius
            test (e.g. "within ``radius`` or overlapping boxes"); None: every unclaimed
            point within ``radius`` is claimed.

    Returns:
        One list per kept point, in ``order``: the kept index first, then the indices it
        claims (in no particular order).
    """
    xy = np.asarray(xy, np.float64).reshape(-1, 2)
    if len(xy) == 0:
        return []
    tree = cKDTree(xy)
    taken = np.zeros(len(xy), bool)
    groups: list[list[int]] = []
    for i in np.asarray(order, np.int64).tolist():
        if taken[i]:
            continue
        if joins is None:
            group = [i] + [j for j in tree.query_ball_point(xy[i], radius) if j != i and not taken[j]]
        else:
            near = np.array([j for j in tree.query_ball_point(xy[i], radius if reach is None else reach)
                             if j != i and not taken[j]], np.int64)
            group = [i] + (near[joins(i, near)].tolist() if len(near) else [])
        taken[group] = True
        groups.append(group)
    return groups


def keep_strongest_within(xy: np.ndarray, order: np.ndarray | list[int], radius: float) -> list[int]:
    """Indices kept by :func:`greedy_radius_groups` (strongest first), the others dropped."""
    return [g[0] for g in greedy_radius_groups(xy, order, radius)]
