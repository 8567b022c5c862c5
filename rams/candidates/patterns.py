"""Minefield patterns: rows of regularly spaced points, grouped into lattices.

Mines are laid in rows a few metres apart with a regular spacing along each row (see
``shared/DOMAIN.md``). Rows are searched among *seed* points (candidates the evidence
model already finds likely) by an exhaustive RANSAC over pairs:

1. Every pair of seeds ``(a, b)`` at ``min_spacing_m <= |b - a| <= max_spacing_m`` proposes
   a row through ``a`` with direction ``d = (b - a) / s`` and spacing ``s = |b - a|``. A seed
   ``p`` is on its lattice when its offset across the row is within ``tol_across_m`` and its
   position along it, ``t = (p - a) . d``, is within ``tol_along = min(tol_along_m, s / 4)`` of
   ``k s`` for an integer ``k``.
2. The row is the chain of lattice positions through ``k = 0`` and ``k = 1`` in which at most
   ``max_missing`` consecutive positions are empty (tolerance to gaps). The lattice is then
   refitted to the chain's members (least squares of position on ``k``) and the members
   found again, while the chain grows (laying scatter makes a lattice extrapolated from two
   neighbours drift a few positions away); seeds on the line
   between lattice positions count against it (spacing regularity: clutter strewn along a
   furrow fills the line at random, a row only at multiples of ``s``). A hypothesis is
   valid with at least ``min_row_members`` members, at most a quarter as many seeds off the
   lattice, and when seeds strewn at random at the local density (within
   ``_DENSITY_RADIUS_M``) would make it with probability (Poisson tail, times the number of
   pairs tried) at most ``max_chance``: dense clutter needs longer rows to count.
3. The best row (most members, then least residual) is kept and refined: direction by
   principal axis of its members, ``t0`` and ``s`` by least squares of ``t = t0 + k s``;
   its members leave the pool and the search repeats (outliers never join a row).

Empty lattice positions inside a row are its **expected positions**: where the spacing
predicts a mine that no sensor saw (buried, hidden by vegetation, or a gap in the row).
Rows that are nearly parallel (within ``max_angle_deg``) and within ``max_row_gap_m`` of each
other form one **pattern** (a minefield's lattice).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import pdtrc

#: Pattern features of a candidate point (after ``evidence_logit`` in the pattern model).
PATTERN_FEATURES: tuple[str, ...] = ("row_member", "row_log_members", "on_lattice", "neighbour_evidence")


#: Radius of the seed density behind the chance test of a row, metres.
_DENSITY_RADIUS_M = 10.0
#: Most refits of a pair's lattice to its members (see :func:`_hypothesis`).
_LOCAL_STEPS = 3


@dataclass(frozen=True)
class RowParams:
    """Tolerances of the row search (metres unless stated).

    Attributes:
        min_spacing_m: smallest spacing along a row.
        max_spacing_m: largest spacing along a row.
        tol_across_m: largest offset of a member across the row.
        tol_along_m: largest offset of a member from its lattice position along the row.
        max_missing: most consecutive empty lattice positions inside a row.
        min_row_members: fewest members of a row.
        max_angle_deg: largest angle between rows of one pattern, degrees.
        max_row_gap_m: largest distance between neighbouring rows of one pattern.
        max_chance: largest probability (Bonferroni over all pairs tried) that random
            seeds at the local density make a row this good.
    """

    min_spacing_m: float = 1.0
    max_spacing_m: float = 12.0
    tol_across_m: float = 0.4
    tol_along_m: float = 0.4
    max_missing: int = 2
    min_row_members: int = 4
    max_angle_deg: float = 12.0
    max_row_gap_m: float = 10.0
    max_chance: float = 1e-2


@dataclass(frozen=True)
class Row:
    """One row of regularly spaced points.

    Attributes:
        members: indices of the member points (in the input order), by lattice index.
        lattice: (len(members),) lattice index ``k`` of each member.
        origin_xy_m: position of lattice index 0, metres.
        direction: unit vector along the row.
        spacing_m: spacing along the row, metres.
        expected_xy_m: (G, 2) empty lattice positions inside the row, metres.
    """

    members: tuple[int, ...]
    lattice: tuple[int, ...]
    origin_xy_m: tuple[float, float]
    direction: tuple[float, float]
    spacing_m: float
    expected_xy_m: np.ndarray

    def position(self, k: float) -> np.ndarray:
        """Lattice position ``k`` in metres."""
        return np.array(self.origin_xy_m) + k * self.spacing_m * np.array(self.direction)

    @property
    def angle_rad(self) -> float:
        """Direction angle in [0, pi)."""
        return math.atan2(self.direction[1], self.direction[0]) % math.pi


def _chain(ks: np.ndarray, max_missing: int) -> tuple[int, int]:
    """(lowest, highest) lattice index of the chain through 0 and 1 with bounded gaps."""
    present = set(ks.tolist())
    lo = 0
    while True:
        nxt = [lo - g for g in range(1, max_missing + 2) if lo - g in present]
        if not nxt:
            break
        lo = nxt[0]
    hi = 1
    while True:
        nxt = [hi + g for g in range(1, max_missing + 2) if hi + g in present]
        if not nxt:
            break
        hi = nxt[0]
    return lo, hi


def _chance_p(n: int, length_m: float, s: float, tol_along: float, p: RowParams, density_per_m2: float) -> float:
    """Chance that random seeds put ``n - 2`` or more points on a row's lattice.

    Seeds strewn at random (Poisson, this density), besides the proposing pair, on the
    lattice of a row this long: the corridor is ``2 tol_across`` wide and a share
    ``2 tol_along / s`` of it lies on lattice positions.
    """
    lam = density_per_m2 * (length_m + s) * 2 * p.tol_across_m * min(1.0, 2 * tol_along / s)
    return float(pdtrc(n - 3, lam))  # Poisson survival P(X > n - 3), without importing scipy.stats


def _lattice_members(
    xy: np.ndarray, origin: np.ndarray, d: np.ndarray, s: float, p: RowParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int, float]:
    """Members of the lattice ``origin + k s d`` (one per position, chain through 0 and 1).

    Returns:
        ``(members, ks, near_line, on, t, lo, hi, tol_along)`` with ``t`` every point's
        position along the row and ``near_line``/``on`` its masks.
    """
    rel = xy - origin
    t = rel @ d
    e = rel @ np.array([-d[1], d[0]])
    k = np.round(t / s)
    resid = np.abs(t - k * s)
    tol_along = min(p.tol_along_m, s / 4)
    near_line = np.abs(e) <= p.tol_across_m
    on = near_line & (resid <= tol_along)
    idx = np.flatnonzero(on)
    # One member per lattice position: the closest.
    order = idx[np.lexsort((resid[idx] + np.abs(e[idx]), k[idx]))]
    ks = k[order].astype(int)
    first = np.ones(len(ks), bool)
    first[1:] = ks[1:] != ks[:-1]
    order, ks = order[first], ks[first]
    lo, hi = _chain(ks, p.max_missing)
    sel = (ks >= lo) & (ks <= hi)
    return order[sel], ks[sel], near_line, on, t, lo, hi, tol_along


#: Pair-point products per chunk of :func:`_lattice_counts`, bounding its memory.
_COUNT_CHUNK = 1 << 19
#: Slack of :func:`_lattice_counts`' tolerances, metres: far above float64 rounding, so
#: that a different order of operations can only count a point more, never one fewer.
_COUNT_SLACK_M = 1e-6


def _lattice_counts(xy: np.ndarray, pairs: np.ndarray, p: RowParams) -> np.ndarray:
    """For each pair, at least as many points as lie on its first lattice (before any refit).

    :func:`_hypothesis` finds the pair's members among the points on its lattice, at most
    one per lattice position, and refits only from three members on, so a pair with fewer
    than three points on its lattice makes no row (``min_row_members`` >= 3): the search
    skips it. Vectorised over pairs in chunks; the tolerances get :data:`_COUNT_SLACK_M`
    of slack, so the count is never below :func:`_lattice_members`' and the skip changes
    no row.
    """
    x, y = xy[:, 0], xy[:, 1]
    out = np.empty(len(pairs), np.int64)
    step = max(1, _COUNT_CHUNK // max(1, len(xy)))
    for i in range(0, len(pairs), step):
        a, b = pairs[i:i + step, 0], pairs[i:i + step, 1]
        vec = xy[b] - xy[a]
        s = np.hypot(vec[:, 0], vec[:, 1])[:, None]
        d0, d1 = vec[:, 0, None] / s, vec[:, 1, None] / s
        rx = x - xy[a, 0, None]  # every point relative to a
        ry = y - xy[a, 1, None]
        across = ry * d0
        across -= rx * d1
        near = np.abs(across, out=across) <= p.tol_across_m + _COUNT_SLACK_M
        along = rx
        along *= d0
        ry *= d1
        along += ry
        along /= s  # in lattice steps
        resid = np.abs(along - np.round(along), out=along)
        resid *= s
        near &= resid <= np.minimum(p.tol_along_m, s / 4) + _COUNT_SLACK_M
        out[i:i + step] = near.sum(axis=1)
    return out


def _hypothesis(
    xy: np.ndarray, a: int, b: int, p: RowParams, density_per_m2: float, n_tests: int
) -> tuple[int, float, np.ndarray, np.ndarray] | None:
    """Members (indices, lattice ks) of the row proposed by the pair ``(a, b)``, or None.

    The pair's lattice is refitted to its members (least squares of position on lattice
    index) and the members found again, up to ``_LOCAL_STEPS`` times: mines are laid with
    a few centimetres to decimetres of scatter, so the lattice extrapolated from two
    neighbours drifts by several times that a few positions away, and a long row would
    otherwise never be seen whole (locally optimised RANSAC).
    """
    vec = xy[b] - xy[a]
    s = float(np.hypot(*vec))
    d = vec / s
    origin = xy[a]
    members, ks, near_line, on, t, lo, hi, tol_along = _lattice_members(xy, origin, d, s, p)
    for _ in range(_LOCAL_STEPS):
        if len(members) < 3 or not (0 in ks and 1 in ks):
            break
        design = np.column_stack([np.ones(len(ks)), ks])
        coef, *_ = np.linalg.lstsq(design, xy[members], rcond=None)
        step = coef[1]
        s_new = float(np.hypot(*step))
        if not p.min_spacing_m <= s_new <= p.max_spacing_m:
            break
        refit = _lattice_members(xy, coef[0], step / s_new, s_new, p)
        if len(refit[0]) < len(members):
            break
        grown = len(refit[0]) > len(members)
        origin, d, s = coef[0], step / s_new, s_new
        members, ks, near_line, on, t, lo, hi, tol_along = refit
        if not grown:
            break
    if len(members) < p.min_row_members:
        return None
    between = near_line & ~on & (t > (lo - 0.5) * s) & (t < (hi + 0.5) * s)
    if between.sum() * 4 > len(members):
        return None
    # Every pair is a test: a row must be unlikely to arise by chance among all of them.
    if _chance_p(len(members), (hi - lo) * s, s, tol_along, p, density_per_m2) * n_tests > p.max_chance:
        return None
    rel = xy[members] - origin
    resid = np.abs(rel @ d - ks * s)
    cost = float(resid.sum() + np.abs(rel @ np.array([-d[1], d[0]])).sum())
    return len(members), cost, members, ks


def _refine(xy: np.ndarray, members: np.ndarray, ks: np.ndarray) -> Row:
    pts = xy[members]
    centre = pts.mean(axis=0)
    _, _, vt = np.linalg.svd(pts - centre)
    d = vt[0]
    # keep the lattice order: k grows along d
    t = (pts - centre) @ d
    if np.corrcoef(ks, t)[0, 1] < 0:
        d = -d
        t = -t
    design = np.column_stack([np.ones(len(ks)), ks])
    (t0, s), *_ = np.linalg.lstsq(design, t, rcond=None)
    origin = centre + t0 * d
    k_all = np.arange(int(ks.min()), int(ks.max()) + 1)
    gaps = np.setdiff1d(k_all, ks)
    expected = origin + np.outer(gaps * s, d)
    order = np.argsort(ks)
    return Row(
        members=tuple(int(m) for m in members[order]), lattice=tuple(int(k) for k in ks[order]),
        origin_xy_m=(float(origin[0]), float(origin[1])), direction=(float(d[0]), float(d[1])),
        spacing_m=float(s), expected_xy_m=expected.reshape(-1, 2),
    )


def find_rows(xy_m: np.ndarray, params: RowParams | None = None) -> list[Row]:
    """Rows among points (see the module docstring).

    Args:
        xy_m: (N, 2) seed positions, metres.
        params: tolerances (defaults: :class:`RowParams`).

    Returns:
        Rows, best first; a point belongs to at most one row.
    """
    p = params or RowParams()
    xy = np.asarray(xy_m, np.float64).reshape(-1, 2)
    pool = np.arange(len(xy))
    rows: list[Row] = []
    while len(pool) >= p.min_row_members:
        sub = xy[pool]
        pairs = cKDTree(sub).query_pairs(p.max_spacing_m, output_type="ndarray")
        if len(pairs) == 0:
            break
        dist = np.hypot(*(sub[pairs[:, 1]] - sub[pairs[:, 0]]).T)
        pairs = pairs[dist >= p.min_spacing_m]
        near = np.array([len(n) for n in cKDTree(sub).query_ball_point(sub, _DENSITY_RADIUS_M)])
        density = near / (math.pi * _DENSITY_RADIUS_M**2)
        n_tests = len(pairs)  # every pair is a test, also those that cannot make a row
        if p.min_row_members >= 3:
            pairs = pairs[_lattice_counts(sub, pairs, p) >= 3]
        best: tuple[int, float, np.ndarray, np.ndarray] | None = None
        for a, b in pairs:
            h = _hypothesis(sub, int(a), int(b), p, float(density[a]), n_tests)
            if h is not None and (best is None or (h[0], -h[1]) > (best[0], -best[1])):
                best = h
        if best is None:
            break
        _, _, members, ks = best
        row = _refine(sub, members, ks)
        rows.append(Row(tuple(int(pool[m]) for m in row.members), row.lattice, row.origin_xy_m,
                        row.direction, row.spacing_m, row.expected_xy_m))
        pool = np.setdiff1d(pool, pool[members])
    return rows


def _segment(row: Row, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ends = xy[[row.members[0], row.members[-1]]]
    return ends[0], ends[1]


def _segment_distance(a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray) -> float:
    from shapely.geometry import LineString

    return float(LineString([a0, a1]).distance(LineString([b0, b1])))


def group_rows(rows: list[Row], xy_m: np.ndarray, params: RowParams | None = None) -> list[int]:
    """Pattern label of each row: nearly parallel rows within ``max_row_gap_m`` share one."""
    p = params or RowParams()
    xy = np.asarray(xy_m, np.float64).reshape(-1, 2)
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    max_angle = math.radians(p.max_angle_deg)
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            da = abs(rows[i].angle_rad - rows[j].angle_rad)
            if min(da, math.pi - da) > max_angle:
                continue
            if _segment_distance(*_segment(rows[i], xy), *_segment(rows[j], xy)) <= p.max_row_gap_m:
                parent[find(i)] = find(j)
    roots = [find(i) for i in range(len(rows))]
    first: dict[int, int] = {}
    return [first.setdefault(r, len(first)) for r in roots]


def pattern_features(
    xy_m: np.ndarray, seed_index: np.ndarray, rows: list[Row], evidence_p: np.ndarray,
    tol_m: float, neighbour_radius_m: float,
) -> np.ndarray:
    """(N, len(PATTERN_FEATURES)) pattern features of every candidate point.

    Args:
        xy_m: (N, 2) all candidate positions, metres.
        seed_index: indices into ``xy_m`` of the seeds the rows were found among.
        rows: rows over the seeds (member indices refer to ``seed_index``).
        evidence_p: (N,) evidence-model probability of every point.
        tol_m: distance to a lattice position that counts as on it.
        neighbour_radius_m: radius of ``neighbour_evidence`` (log(1 + sum of the other
            points' evidence probabilities within it)).
    """
    xy = np.asarray(xy_m, np.float64).reshape(-1, 2)
    out = np.zeros((len(xy), len(PATTERN_FEATURES)))
    if len(xy) == 0:
        return out
    tree = cKDTree(xy)
    for row in rows:
        members = [int(seed_index[m]) for m in row.members]
        out[members, 0] = 1.0
        out[members, 1] = math.log(len(members))
        lattice = np.array([row.position(k) for k in range(min(row.lattice) - 1, max(row.lattice) + 2)])
        for hits in tree.query_ball_point(lattice, tol_m):
            out[hits, 2] = 1.0
    for i, hits in enumerate(tree.query_ball_point(xy, neighbour_radius_m)):
        out[i, 3] = math.log1p(float(evidence_p[hits].sum() - evidence_p[i]))
    return out
