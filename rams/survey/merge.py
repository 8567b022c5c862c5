"""One planner layer from many flights: SHAs merged at overlaps, mine points deduplicated.

Neighbouring flights image the same ground where they overlap, so each reports its own SHA
and its own point for the same minefield and the same mine. Here:

- SHAs that intersect (directly or through a chain) become one polygon, their union;
  evidence and sensors are combined, the highest confidence and priority (1 is highest)
  kept and every contributing flight and source SHA listed;
- mine points closer than ``dedup_radius_m`` are one mine: the most confident point is
  kept and the others listed as its provenance (greedy, most confident first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from rams.core.dedup import greedy_radius_groups
from rams.survey.runs import FlightRun


@dataclass
class SurveySha:
    """A merged SHA (working CRS) and its attributes (per-flight keys plus the survey's).

    ``evidence_hull`` is where its mine-layer detections lie: the convex hull of the
    deduplicated mine points it covers, taken per polygon part and clipped to the polygon
    (so it never reaches outside the fence; a point or a line when there are fewer than three
    or they are collinear), set by :func:`attach_points_to_shas`; None when it covers none.
    The polygon adds a safety margin around its evidence (and, with the SHA extent, the weak
    points near it): records are linked by the evidence, not by the margin.
    """

    geometry: BaseGeometry
    properties: dict[str, Any]
    evidence_hull: BaseGeometry | None = None

    @property
    def core(self) -> BaseGeometry:
        """The SHA's evidence hull, or its polygon when it covers no mine point."""
        return self.geometry if self.evidence_hull is None else self.evidence_hull


@dataclass
class SurveyPoint:
    """A deduplicated mine point (working CRS, metres) and its attributes."""

    x_m: float
    y_m: float
    properties: dict[str, Any] = field(default_factory=dict)


def _evidence_hull(geometry: BaseGeometry, pts: np.ndarray) -> BaseGeometry | None:
    """Hull of the points per part of ``geometry``, clipped to it (None when empty)."""
    hulls = []
    for part in shapely.get_parts(geometry):
        inside = pts[shapely.intersects(part, pts)]
        if len(inside):
            hulls.append(shapely.intersection(shapely.convex_hull(shapely.multipoints(inside)), part))
    hull = shapely.union_all(hulls) if hulls else None
    return None if hull is None or hull.is_empty else hull


def _components(geoms: list[BaseGeometry]) -> list[list[int]]:
    """Groups of indices of geometries connected by intersection (union-find)."""
    parent = list(range(len(geoms)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if geoms:
        left, right = STRtree(geoms).query(geoms, predicate="intersects")
        for a, b in zip(left.tolist(), right.tolist(), strict=True):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(len(geoms)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _sorted_union(values: list[Any]) -> list[str]:
    out: set[str] = set()
    for v in values:
        if isinstance(v, list | tuple):
            out.update(str(x) for x in v)
        elif v is not None:
            out.add(str(v))
    return sorted(out)


def _merged_properties(members: list[tuple[dict[str, Any], str]], area_m2: float) -> dict[str, Any]:
    """Attributes of a merged SHA from its members' ``(properties, flight_id)``."""
    props = [p for p, _ in members]

    def rank(p: dict[str, Any]) -> tuple[float, float]:
        return (float(p.get("priority") or 99), -float(p.get("confidence") or 0.0))

    ranked: dict[str, Any] = min(props, key=rank)
    best = dict(ranked)
    categories = _sorted_union([p.get("device_category") for p in props])
    known = [c for c in categories if c not in ("unknown", "")]
    best.update(
        evidence=_sorted_union([p.get("evidence") for p in props]),
        sensors=_sorted_union([p.get("sensors") for p in props]),
        confidence=max(float(p.get("confidence") or 0.0) for p in props),
        priority=min(int(p.get("priority") or 99) for p in props),
        basis="pattern" if any(p.get("basis") == "pattern" for p in props) else best.get("basis"),
        device_category="+".join(known) if len(known) > 1 else (known[0] if known else best.get("device_category")),
        expected_mines=max(float(p.get("expected_mines") or 0.0) for p in props),
        area_m2=round(area_m2, 2),
        flight_ids=sorted({f for _, f in members}),
        source_ids=sorted(str(p.get("id")) for p in props),
        date=max((str(p["date"]) for p in props if p.get("date")), default=None),
        record_ids=[],
    )
    best.pop("flight_id", None)
    return best


def merge_shas(flights: list[FlightRun]) -> list[SurveySha]:
    """Merge the SHAs of all flights where they overlap.

    Returns:
        Merged SHAs sorted by priority, then confidence (highest first), then area (largest
        first), with ids ``survey-sha-001``, ``survey-sha-002``, ...
    """
    geoms: list[BaseGeometry] = []
    members: list[tuple[dict[str, Any], str]] = []
    for run in flights:
        for g, p in zip(run.sha_geoms, run.sha_props, strict=True):
            geoms.append(shapely.make_valid(g))
            members.append((p, run.flight_id))
    merged = []
    for group in _components(geoms):
        geom = shapely.union_all([geoms[i] for i in group])
        merged.append(SurveySha(geom, _merged_properties([members[i] for i in group], float(geom.area))))
    merged.sort(key=lambda s: (s.properties["priority"], -s.properties["confidence"], -s.geometry.area))
    for k, sha in enumerate(merged, start=1):
        sha.properties["id"] = f"survey-sha-{k:03d}"
    return merged


def _confidence(props: dict[str, Any]) -> float:
    value = props.get("probability", props.get("confidence"))
    return float(value) if isinstance(value, int | float) else 0.0


def dedup_points(flights: list[FlightRun], radius_m: float) -> list[SurveyPoint]:
    """One point per mine.

    Points of any flight within ``radius_m`` of a more confident one are folded into it.

    Returns:
        Points ordered by confidence (highest first), ids ``survey-pt-0001``, ... ; each
        lists ``flight_ids`` and ``source_ids`` of the points it stands for.
    """
    xy_parts = [run.points_xy for run in flights if len(run.points_xy)]
    if not xy_parts:
        return []
    xy = np.vstack(xy_parts)
    props: list[dict[str, Any]] = []
    flight_of: list[str] = []
    for run in flights:
        props.extend(run.point_props)
        flight_of.extend([run.flight_id] * len(run.points_xy))
    conf = np.array([_confidence(p) for p in props])
    order = np.lexsort((np.arange(len(conf)), -conf))  # most confident first, stable
    out = []
    for group in greedy_radius_groups(xy, order, radius_m):
        i = group[0]
        p = dict(props[i])
        p.pop("flight_id", None)
        p.update(
            flight_ids=sorted({flight_of[j] for j in group}),
            source_ids=sorted(str(props[j].get("id")) for j in group),
            n_sightings=len(group),
            record_ids=[],
        )
        out.append(SurveyPoint(float(xy[i, 0]), float(xy[i, 1]), p))
    for k, pt in enumerate(out, start=1):
        pt.properties["id"] = f"survey-pt-{k:04d}"
    return out


def attach_points_to_shas(points: list[SurveyPoint], shas: list[SurveySha]) -> None:
    """Link points and merged SHAs.

    Sets each point's ``sha_id`` to the merged SHA that covers it (None when none does),
    each SHA's ``n_detections`` to the deduplicated points it covers and its
    ``evidence_hull`` to where they lie.
    """
    for sha in shas:
        sha.properties["n_detections"] = 0
        sha.evidence_hull = None
    if not points:
        return
    pts = shapely.points(np.array([[p.x_m, p.y_m] for p in points]))
    members: list[list[int]] = [[] for _ in shas]
    for p in points:
        p.properties["sha_id"] = None
    if shas:
        tree = STRtree([s.geometry for s in shas])
        pi, si = tree.query(pts, predicate="intersects")
        for a, b in zip(pi.tolist(), si.tolist(), strict=True):
            if points[a].properties["sha_id"] is None:
                points[a].properties["sha_id"] = shas[b].properties["id"]
                members[b].append(a)
    for sha, idx in zip(shas, members, strict=True):
        sha.properties["n_detections"] = len(idx)
        if idx:
            sha.evidence_hull = _evidence_hull(sha.geometry, pts[idx])
