"""SHA delineation from scored points: fenced along patterns, bounded by mine-layer density.

Only **area points** (calibrated probability >= ``area_probability``, a lower bar than the
mine layer's: an SHA is reasonable suspicion, a mine point a call to act) make areas, so the
mass of low-probability clutter can never link two groups into one polygon (the chaining
that put a whole flight under one SHA):

1. **Pattern areas.** Each pattern (parallel rows, :mod:`.patterns`) with at least
   ``row_min_members`` area-point members is fenced by the convex hull of its members and
   expected positions, grown by ``pattern_margin_m``: rows plus the safety margin, not a
   blob around everything.
2. **Cluster areas.** Area points outside pattern areas are grouped by single linkage at
   ``cluster_radius_m``; a group of at least ``min_cluster_size`` points (or holding at least
   ``min_cluster_mine_points`` mine-layer points, when that is > 0: rule ZH) whose
   probabilities sum to at least ``min_area_expected_mines`` is fenced by its convex hull
   grown by ``safety_margin_m``.
3. **Extent.** The points an area was fenced around (its *core*: the area points inside a
   pattern fence, or a cluster's points) are a sample of the minefield, not its outline: on
   unfamiliar ground a detector finds some of the mines of a field and misses their
   neighbours. Each area is therefore grown, never shrunk, in this order:

   - the fence's margin is widened, beyond ``safety_margin_m`` (``pattern_margin_m`` for a
     pattern), by the median spacing of the core points to their nearest neighbour, at most
     ``spacing_margin_max_m``: the undetected mines of a field lie about one spacing beyond
     the detected ones;
   - an area point left out of every cluster but within ``attach_m`` of a widened fence
     joins that area's core (a likely mine just outside a fence means the hazard reaches it);
   - candidate points below the area bar but at or above ``extent_probability`` that lie
     within ``cluster_radius_m`` of a core point are fenced with the core (one hop from the
     core: such points never link to each other, so a chain of them cannot drag a fence
     along). Grown fences that overlap merge in step 5, so the extent can join two areas
     that lie close together.

   - with ``scatter_ellipse_k`` > 0, a cluster area (not a pattern) whose core has at least
     :data:`ELLIPSE_MIN_POINTS` points is also fenced by the ellipse those points imply:
     centred on their mean, axes along the eigenvectors of their sample covariance,
     semi-axes ``k * sigma + safety_margin_m``. Scattered mines (PFM-1 from rockets or
     cassettes) form a long ellipse of random points, and the found ones are a sample of
     it: for points spread evenly over an ellipse its semi-axes are 2 sigma, which their
     convex hull underestimates (rule ZG, ``benchmarks/results/rule_ZG_scatter_ellipse.md``).

   ``attach_m: 0``, ``extent_probability: null``, ``spacing_margin_max_m: 0`` and
   ``scatter_ellipse_k: 0`` turn the four parts off (the fences, priorities and everything else of the earlier versions).
4. Mine-layer points of groups too small for an area and not attached to one are **point
   hazards**: exported as points (``hazard = "point"``, priority 3), never as area. Since rule ZV
   a point hazard stays in the mine layer only at ``isolated_mine_probability`` or above
   (:func:`rams.candidates.sha.mine_layer`).
5. Overlapping areas merge; every polygon is filled, simplified by ``simplify_m`` and
   repaired (valid, counter-clockwise, at least three distinct vertices).

Each area gets ``expected_mines`` (the sum of the calibrated probabilities of all candidate
points inside: the expected number of mines found), a confidence ``1 - prod(1 - p)`` over
its three most probable points (probability that it holds a mine, trusting the three
strongest as independent), and a priority from the fused evidence:

- 1: ``expected_mines >= priority1_expected_mines``, or a pattern area with
  ``expected_mines >= priority2_expected_mines``; and in either case at least
  ``priority1_min_mine_points`` points of the mine layer inside (a haze of weak points, each
  below the mine layer's bar, can sum past the bar on degraded imagery or dense clutter: it
  makes an area worth a look, not the first one to walk);
- 2: ``expected_mines >= priority2_expected_mines``;
- 3: otherwise;

each worked out for the areas as drawn before the extent (steps 1, 2 and 5 without step 3);
an area after the extent takes the best priority among the areas as drawn whose interiors it
overlaps (the same area and priority when the extent is off). The extent is a margin for
undetected mines: neither the clutter it sweeps in nor the areas it joins may raise a
priority, and a point it attaches does not either (a conservative choice: the extent never
moves an area up the survey team's list).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from rams.candidates.clustering import cluster_labels
from rams.config import CandidateConfig

BASIS_PATTERN = "pattern"
BASIS_CLUSTER = "cluster"

#: Fewest core points of a cluster area for its scatter ellipse (a covariance of fewer says
#: little about a field's shape).
ELLIPSE_MIN_POINTS = 4


@dataclass(frozen=True)
class Area:
    """An SHA before it is attributed and numbered.

    Attributes:
        geometry: valid CCW polygon, flight CRS metres.
        basis: ``pattern`` or ``cluster``.
        priority: 1 to 3.
        confidence: probability that it holds a mine (see the module docstring).
        expected_mines: sum of the probabilities of the candidate points inside.
        inside: indices of the candidate points inside.
    """

    geometry: Polygon
    basis: str
    priority: int
    confidence: float
    expected_mines: float
    inside: tuple[int, ...]


def clean_polygon(poly: Polygon, simplify_m: float) -> list[Polygon]:
    """Fill holes, simplify and repair; return valid CCW polygons (possibly none)."""
    shell = Polygon(poly.exterior)
    if simplify_m > 0:
        shell = shell.simplify(simplify_m, preserve_topology=True)
    geom = shapely.remove_repeated_points(shell, tolerance=1e-6)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    out = []
    for part in getattr(geom, "geoms", [geom]):
        if not isinstance(part, Polygon):
            continue
        part = Polygon(part.exterior)
        if part.is_empty or part.area <= 0:
            continue
        coords = np.asarray(part.exterior.coords)[:-1]
        if len(np.unique(coords.round(9), axis=0)) < 3:
            continue
        out.append(orient(part, sign=1.0))
    return out


def _hull(xy: np.ndarray, margin_m: float) -> Polygon:
    # a floor keeps a zero margin around collinear points from giving a line
    geom = shapely.convex_hull(shapely.multipoints(xy)).buffer(max(margin_m, 0.05), quad_segs=8)
    assert isinstance(geom, Polygon)
    return geom


@dataclass
class _Fence:
    """One area before merging: its polygon, margin, the positions it was drawn around and its core."""

    polygon: Polygon
    margin_m: float
    positions: np.ndarray
    core: list[int]
    attached: bool = False
    pattern: bool = False


def _attach(fences: list[_Fence], xy: np.ndarray, point_hazard: np.ndarray, attach_m: float) -> None:
    """Move the point hazards within ``attach_m`` of a fence into its core (the nearest fence)."""
    if attach_m <= 0 or not fences:
        return
    tree = shapely.STRtree([f.polygon for f in fences])
    for i in np.flatnonzero(point_hazard):
        pt = shapely.Point(xy[i])
        j = tree.query_nearest(pt, max_distance=attach_m)
        if len(j):
            fence = fences[int(j[0])]
            fence.core.append(int(i))
            fence.positions = np.vstack([fence.positions, xy[i:i + 1]])
            fence.attached = True
            point_hazard[i] = False


def _widen(fence: _Fence, xy: np.ndarray, config: CandidateConfig) -> None:
    """Widen the fence's margin by its core's median neighbour spacing (at most ``spacing_margin_max_m``)."""
    core = np.asarray(fence.core, int)
    if config.spacing_margin_max_m > 0 and len(core) >= 2:
        dist, _ = cKDTree(xy[core]).query(xy[core], k=2)
        fence.margin_m += min(float(np.median(dist[:, 1])), config.spacing_margin_max_m)
        fence.polygon = fence.polygon.union(_hull(fence.positions, fence.margin_m))


def scatter_ellipse(xy: np.ndarray, k: float, margin_m: float) -> Polygon:
    """The ellipse that points scattered over a field imply (module docstring, step 3).

    Centred on the mean of ``xy``; axes along the eigenvectors of their sample covariance;
    semi-axes ``k * sqrt(eigenvalue) + margin_m``.
    """
    pts = np.asarray(xy, np.float64).reshape(-1, 2)
    centre = pts.mean(axis=0)
    cov = np.cov(pts, rowvar=False) if len(pts) > 1 else np.zeros((2, 2))
    evals, evecs = np.linalg.eigh(cov)
    semi = k * np.sqrt(np.clip(evals, 0.0, None)) + max(margin_m, 0.05)
    unit = shapely.Point(0.0, 0.0).buffer(1.0, quad_segs=16)
    ring = np.asarray(unit.exterior.coords) * semi  # axes-aligned, then rotated into place
    geom = Polygon(ring @ evecs.T + centre)
    return orient(geom, sign=1.0)


def _extent(fence: _Fence, xy: np.ndarray, probability: np.ndarray, area_pt: np.ndarray, config: CandidateConfig) -> Polygon:
    """The fence around its positions, attached points and supporting points (module docstring)."""
    polygon = fence.polygon
    if config.scatter_ellipse_k > 0 and not fence.pattern and len(fence.positions) >= ELLIPSE_MIN_POINTS:
        polygon = polygon.union(scatter_ellipse(fence.positions, config.scatter_ellipse_k, config.safety_margin_m))
    core = np.asarray(fence.core, int)
    positions = [fence.positions]
    if config.extent_probability is not None and len(core):
        support = np.flatnonzero((probability >= config.extent_probability) & ~area_pt)
        if len(support):
            dist, _ = cKDTree(xy[core]).query(xy[support])
            positions.append(xy[support[dist <= config.cluster_radius_m]])
    pts = np.vstack(positions)
    if len(pts) == len(fence.positions) and not fence.attached:
        return polygon
    return polygon.union(_hull(pts, fence.margin_m))


def fence_areas(
    xy_m: np.ndarray,
    probability: np.ndarray,
    mine: np.ndarray,
    pattern_groups: list[np.ndarray],
    config: CandidateConfig,
) -> tuple[list[Area], np.ndarray]:
    """SHA areas and point hazards (see the module docstring).

    Args:
        xy_m: (N, 2) candidate positions, metres.
        probability: (N,) calibrated mine probability.
        mine: (N,) bool, the area points (probability >= ``area_probability``).
        pattern_groups: per pattern, the (M, 2) positions to fence (members and expected
            positions); only patterns with enough area-point members are passed.
        config: candidates configuration.

    Returns:
        ``(areas, isolated)``: areas unordered, and an (N,) bool mask of the area points
        of groups too small for an area and not attached to one (the point hazards among
        them are the mine-layer ones).
    """
    xy = np.asarray(xy_m, np.float64).reshape(-1, 2)
    pattern_polys = [_hull(g, config.pattern_margin_m) for g in pattern_groups if len(g)]
    in_pattern = np.zeros(len(xy), bool)
    if pattern_polys and len(xy):
        in_pattern = shapely.covers(shapely.union_all(pattern_polys), shapely.points(xy))
    loose = np.flatnonzero(mine & ~in_pattern)
    fences: list[_Fence] = []
    for poly, group in zip(pattern_polys, (g for g in pattern_groups if len(g)), strict=True):
        fences.append(_Fence(poly, config.pattern_margin_m, group, [int(i) for i in _inside(poly, xy) if mine[i]], pattern=True))
    point_hazard = np.zeros(len(xy), bool)
    if len(loose):
        labels = cluster_labels(xy[loose], config.cluster_radius_m)
        for lab in np.unique(labels):
            idx = loose[labels == lab]
            n_mine = int((probability[idx] >= config.mine_probability).sum())
            big = len(idx) >= config.min_cluster_size or 0 < config.min_cluster_mine_points <= n_mine
            if big and probability[idx].sum() >= config.min_area_expected_mines:
                fences.append(_Fence(_hull(xy[idx], config.safety_margin_m), config.safety_margin_m, xy[idx], list(idx)))
            else:
                point_hazard[idx] = True
    # the areas as drawn before the extent (what the earlier versions returned): priority
    # weighs the evidence of each of them apart, never the ground or the merges the extent adds
    drawn = _merge([f.polygon for f in fences], config.simplify_m)
    pattern_union = shapely.union_all(pattern_polys) if pattern_polys else Polygon()
    drawn_priority = [_area(q, xy, probability, pattern_union, config).priority for q in drawn]
    for fence in fences:
        _widen(fence, xy, config)
    _attach(fences, xy, point_hazard, config.attach_m)
    polys = _merge([_extent(f, xy, probability, mine, config) for f in fences], config.simplify_m)
    areas = []
    for poly in polys:
        area = _area(poly, xy, probability, pattern_union, config)
        # the best priority among the areas as drawn that it holds (interiors overlapping:
        # polygons that only touch lend nothing)
        held = [pr for q, pr in zip(drawn, drawn_priority, strict=True) if poly.intersection(q).area > 0]
        areas.append(replace(area, priority=min(held, default=3)))
    return areas, point_hazard


def _inside(poly: Polygon, xy: np.ndarray) -> np.ndarray:
    return np.flatnonzero(shapely.covers(poly, shapely.points(xy))) if len(xy) else np.zeros(0, int)


def _merge(polygons: list[Polygon], simplify_m: float) -> list[Polygon]:
    """Overlapping polygons merged, filled, simplified and repaired (step 5)."""
    merged = shapely.union_all(polygons) if polygons else Polygon()
    parts = merged.geoms if isinstance(merged, MultiPolygon) else ([merged] if not merged.is_empty else [])
    polys = [q for part in parts if isinstance(part, Polygon) for q in clean_polygon(part, simplify_m)]
    if len(polys) > 1:  # simplification can make neighbours overlap again
        again = shapely.union_all(polys)
        parts = again.geoms if isinstance(again, MultiPolygon) else [again]
        polys = [q for part in parts if isinstance(part, Polygon) for q in clean_polygon(part, 0.0)]
    return polys


def _area(poly: Polygon, xy: np.ndarray, probability: np.ndarray, pattern_union: object, config: CandidateConfig) -> Area:
    inside = _inside(poly, xy)
    p = np.sort(probability[inside])[::-1]
    expected = float(p.sum())
    confidence = float(1.0 - np.prod(1.0 - p[:3])) if len(p) else 0.0
    is_pattern = bool(poly.intersects(pattern_union)) and not getattr(pattern_union, "is_empty", True)
    confirmed = int((p >= config.mine_probability).sum()) >= config.priority1_min_mine_points
    if confirmed and (expected >= config.priority1_expected_mines
                      or (is_pattern and expected >= config.priority2_expected_mines)):
        priority = 1
    elif expected >= config.priority2_expected_mines:
        priority = 2
    else:
        priority = 3
    return Area(
        poly, BASIS_PATTERN if is_pattern else BASIS_CLUSTER, priority, round(confidence, 4),
        round(expected, 3), tuple(int(i) for i in inside),
    )
