"""Suspected hazardous area (SHA) polygons from anomaly scores and detections.

Method:

1. Threshold the anomaly raster at the configured false-alarm rate ``f`` (score
   ``>= -log10 f``), window by window; close one-pixel gaps, drop blobs smaller than
   ``min_blob_m2``; reduce each blob to its score-weighted centroid (:mod:`.blobs`).
   Without a raster, the pipeline's anomaly peaks stand in for the blobs.
2. Group blobs and CNN detections by density: single linkage at ``cluster_radius_m``
   (:mod:`.clustering`). A group is kept when it has ``min_cluster_size`` members, or
   when it holds a CNN detection (a mine seen is evidence enough on its own) with a
   confidence of at least ``lone_detection_min_confidence`` (default 0: any).
3. Buffer each kept member by ``safety_margin_m`` plus its own radius, union, fill holes
   (ground enclosed by suspected ground is not released from the air), simplify by
   ``simplify_m``, and repair: every polygon is valid, counter-clockwise, with at least
   three distinct vertices and no repeated consecutive points.
4. Attribute each polygon from the points inside it, rank by urgency (mines of known AP
   or AV type first, then UXO, then unknown; within a tier by confidence times the share
   of evidence kinds present; then north to south, west to east), and number them.

Confidence of a polygon is a noisy-OR: ``1 - (1 - c_cnn) * (1 - c_anom)``, where
``c_cnn`` is the noisy-OR of the CNN confidences inside and ``c_anom`` the noisy-OR of at
most five anomaly contributions, each ``0.2 + 0.3 * min(1, (s - t) / t)`` for a blob of
peak score ``s`` over threshold ``t``. An anomaly alone is indirect evidence, so anomalies
alone reach at most ``1 - 0.5**5 ~ 0.97`` and a few weak ones stay near 0.5.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from rams.candidates.blobs import scan_anomaly_raster, threshold_from_false_alarm_rate
from rams.candidates.clustering import cluster_labels
from rams.candidates.model import CandidatePoint, CandidateSet, ShaPolygon
from rams.candidates.points import MinePoint, device_category
from rams.config import CandidateConfig

THERMAL = "thermal_anomaly"
SPECTRAL = "spectral_anomaly"
CNN = "cnn_detection"
#: The evidence kinds a polygon can carry.
EVIDENCE_KINDS = (CNN, SPECTRAL, THERMAL)

#: Urgency tier by device category (lower is more urgent).
_TIER = {"AP": 0, "AV": 0, "UXO": 1, "unknown": 2}
#: Sensor names whose anomalies count as spectral.
_SPECTRAL_SENSORS = {"multispectral", "ms", "spectral", "rgb", "hyperspectral"}
#: Keys of ``MinePoint.extra`` that may carry an anomaly peak's score, -log10(Pfa).
_SCORE_KEYS = ("score", "max_score", "score_log10_pfa")
_MAX_ANOMALY_TERMS = 5


@dataclass
class _Member:
    """One evidence point taking part in grouping and polygon attributes."""

    x_m: float
    y_m: float
    radius_m: float
    kind: str  # "blob", "peak" or "cnn"
    score: float = 0.0
    point: MinePoint | None = None
    evidence: set[str] = field(default_factory=set)
    sensors: set[str] = field(default_factory=set)


def _sensor_evidence(sensor: str) -> set[str]:
    s = sensor.lower()
    out: set[str] = set()
    if "thermal" in s or s in {"lwir", "tir"}:
        out.add(THERMAL)
    if s in _SPECTRAL_SENSORS:
        out.add(SPECTRAL)
    return out


def _flight_anomaly_evidence(sensors: list[str]) -> tuple[set[str], set[str]]:
    """Evidence kinds and sensors implied by an anomaly of unknown origin on this flight."""
    evidence: set[str] = set()
    used: set[str] = set()
    for s in sensors:
        ev = _sensor_evidence(s) - ({SPECTRAL} if s.lower() == "rgb" else set())
        if ev:
            evidence |= ev
            used.add(s)
    return evidence, used


def _peak_score(p: MinePoint) -> float:
    for key in _SCORE_KEYS:
        value = p.extra.get(key)
        if isinstance(value, int | float | np.number) and math.isfinite(float(value)):
            return float(value)
    return 0.0


def _peak_member(p: MinePoint, flight_ev: set[str], flight_sensors: set[str]) -> _Member:
    ev_raw = p.extra.get("evidence")
    if isinstance(ev_raw, list | tuple) and ev_raw:
        evidence = {str(e) for e in ev_raw}
        sensors = {p.sensor} if p.sensor else set()
    else:
        evidence = _sensor_evidence(p.sensor) or set(flight_ev)
        sensors = {p.sensor} if _sensor_evidence(p.sensor) else set(flight_sensors)
    return _Member(p.x_m, p.y_m, 0.0, "peak", _peak_score(p), p, evidence, sensors)


def _cnn_member(p: MinePoint) -> _Member:
    radius_m = 0.5 * math.hypot(p.box_w_m, p.box_h_m)
    return _Member(p.x_m, p.y_m, radius_m, "cnn", 0.0, p, {CNN}, {p.sensor} if p.sensor else set())


def _clean_polygon(poly: Polygon, simplify_m: float) -> list[Polygon]:
    """Fill holes, simplify and repair; return valid CCW polygons (possibly none)."""
    shell = Polygon(poly.exterior)
    if simplify_m > 0:
        shell = shell.simplify(simplify_m, preserve_topology=True)
    geom = shapely.remove_repeated_points(shell, tolerance=1e-6)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon)]
    out = []
    for part in parts:
        part = Polygon(part.exterior)
        if part.is_empty or part.area <= 0:
            continue
        coords = np.asarray(part.exterior.coords)[:-1]
        if len(np.unique(coords.round(9), axis=0)) < 3:
            continue
        out.append(orient(part, sign=1.0))
    return out


def _polygons_from_members(
    members: list[_Member], margin_m: float, simplify_m: float
) -> list[Polygon]:
    if not members:
        return []
    pts = shapely.points(np.array([[m.x_m, m.y_m] for m in members]))
    # A floor keeps a zero-margin, zero-radius point from vanishing.
    dist = np.array([max(margin_m + m.radius_m, 0.05) for m in members])
    union = shapely.union_all(shapely.buffer(pts, dist, quad_segs=8))
    parts = union.geoms if isinstance(union, MultiPolygon) else [union]
    polys: list[Polygon] = []
    for part in parts:
        if isinstance(part, Polygon):
            polys.extend(_clean_polygon(part, simplify_m))
    # Simplification can make neighbours touch; merge any that overlap again.
    if len(polys) > 1:
        merged = shapely.union_all(polys)
        if isinstance(merged, MultiPolygon) and len(merged.geoms) == len(polys):
            return polys
        parts = merged.geoms if isinstance(merged, MultiPolygon) else [merged]
        polys = [
            q for part in parts if isinstance(part, Polygon) for q in _clean_polygon(part, 0.0)
        ]
    return polys


def _noisy_or(probs: list[float]) -> float:
    keep = 1.0
    for p in probs:
        keep *= 1.0 - min(max(p, 0.0), 1.0)
    return 1.0 - keep


def _polygon_category(cnn_points: list[MinePoint]) -> str:
    cats = {device_category(p.class_name) for p in cnn_points}
    for cat in ("AV", "AP", "UXO"):
        if cat in cats:
            return cat
    return "unknown"


@dataclass(frozen=True)
class _Draft:
    """A polygon's attributes before it is ranked and numbered."""

    rank_key: tuple[float, ...]
    geometry: Polygon
    evidence: tuple[str, ...]
    device_category: str
    confidence: float
    n_detections: int
    max_score: float
    sensors: tuple[str, ...]


def _draft(poly: Polygon, inside: list[_Member], threshold: float, *, from_raster: bool) -> _Draft:
    """Attributes of one polygon from the evidence points inside it (see module docstring)."""
    cnn_pts = [m.point for m in inside if m.kind == "cnn" and m.point is not None]
    anomalies = [m for m in inside if m.kind != "cnn"]
    evidence: set[str] = set()
    sensors: set[str] = set()
    # Peaks say which sensor saw them; raster blobs do not, so their flight-level guess
    # only counts where no peak is inside.
    has_peak = any(m.kind == "peak" for m in inside)
    for m in inside:
        if not (m.kind == "blob" and has_peak):
            evidence |= m.evidence
            sensors |= m.sensors
    c_cnn = _noisy_or([float(p.confidence) for p in cnn_pts])
    scores = sorted((m.score for m in anomalies), reverse=True)
    terms = [0.2 + 0.3 * min(1.0, max(0.0, (s - threshold) / threshold)) for s in scores]
    confidence = round(1.0 - (1.0 - c_cnn) * (1.0 - _noisy_or(terms[:_MAX_ANOMALY_TERMS])), 4)
    # Blobs stand for the anomalies when the raster was read (peaks would double count).
    anomaly_kind = "blob" if from_raster else "peak"
    n_detections = len(cnn_pts) + sum(1 for m in anomalies if m.kind == anomaly_kind)
    category = _polygon_category(cnn_pts)
    share = len(evidence & set(EVIDENCE_KINDS)) / len(EVIDENCE_KINDS)
    c = poly.centroid
    rank_key = (_TIER[category], -round(confidence * share, 6), -round(c.y, 3), round(c.x, 3))
    return _Draft(
        rank_key,
        poly,
        tuple(sorted(evidence)),
        category,
        confidence,
        n_detections,
        max(scores, default=0.0),
        tuple(sorted(sensors)),
    )


def build_candidates(
    anomaly_path: Path | None,
    detections: list[MinePoint],
    anomaly_peaks: list[MinePoint],
    *,
    crs: Any,
    flight_id: str,
    date: dt.date | None,
    sensors: list[str],
    config: CandidateConfig,
    surveyed_area_m2: float | None = None,
) -> CandidateSet:
    """Build SHA polygons and attributed points for one flight.

    Args:
        anomaly_path: ``anomaly.tif`` (-log10 Pfa, NaN nodata), or None to group the
            anomaly peaks instead of raster blobs.
        detections: CNN detections (``detector="cnn"``), flight CRS metres.
        anomaly_peaks: anomaly-core peaks (``detector="anomaly_core"``); their
            ``extra["evidence"]`` (list of evidence kinds) and ``extra["score"]`` are used
            when present.
        crs: the flight's projected CRS (metres); kept for the caller's exporters and
            checked to be projected.
        flight_id: flight id, used in the polygon and point ids.
        date: survey date, or None.
        sensors: sensors of the flight ("rgb", "multispectral", "thermal", ...).
        config: candidates configuration.
        surveyed_area_m2: scored ground area; None to measure it from the raster.

    Returns:
        The polygons (by priority) and every detection and peak with its ``sha_id``.

    Raises:
        ValueError: ``crs`` is geographic (areas and buffers need metres).
    """
    from rams.crs import is_geographic

    if is_geographic(crs):
        raise ValueError("build_candidates needs the flight's projected CRS, not lon/lat")
    threshold = threshold_from_false_alarm_rate(config.false_alarm_rate)
    flight_ev, flight_sensors = _flight_anomaly_evidence(sensors)

    members: list[_Member] = []
    n_blobs = 0
    peak_members = [_peak_member(p, flight_ev, flight_sensors) for p in anomaly_peaks]
    if anomaly_path is not None:
        scan = scan_anomaly_raster(
            Path(anomaly_path),
            threshold=threshold,
            min_blob_m2=config.min_blob_m2,
            max_blobs_per_window=config.max_blobs_per_window,
        )
        n_blobs = len(scan.blobs)
        if surveyed_area_m2 is None:
            surveyed_area_m2 = scan.valid_area_m2
        members.extend(
            _Member(
                b.x_m,
                b.y_m,
                b.radius_m,
                "blob",
                b.max_score,
                None,
                set(flight_ev),
                set(flight_sensors),
            )
            for b in scan.blobs
        )
    else:
        members.extend(peak_members)
    cnn_members = [_cnn_member(p) for p in detections]
    members.extend(cnn_members)

    kept: list[_Member] = []
    if members:
        labels = cluster_labels(
            np.array([[m.x_m, m.y_m] for m in members]), config.cluster_radius_m
        )
        counts = np.bincount(labels)
        has_cnn = np.zeros(len(counts), dtype=bool)
        for lab, m in zip(labels, members, strict=True):
            if m.kind == "cnn" and m.point is not None:
                if m.point.confidence >= config.lone_detection_min_confidence:
                    has_cnn[lab] = True
        keep_label = (counts >= config.min_cluster_size) | has_cnn
        kept = [m for lab, m in zip(labels, members, strict=True) if keep_label[lab]]
    polys = _polygons_from_members(kept, config.safety_margin_m, config.simplify_m)

    # Attribute each polygon from every evidence point inside it.
    evidence_members = members if anomaly_path is None else [*members, *peak_members]
    tree = shapely.STRtree(polys)
    inside: list[list[_Member]] = [[] for _ in polys]
    if polys and evidence_members:
        pts = shapely.points(np.array([[m.x_m, m.y_m] for m in evidence_members]))
        member_idx, poly_idx = tree.query(pts, predicate="intersects")
        for mi, pi in zip(member_idx, poly_idx, strict=True):
            inside[int(pi)].append(evidence_members[int(mi)])

    drafts = sorted(
        (
            _draft(poly, ms, threshold, from_raster=anomaly_path is not None)
            for poly, ms in zip(polys, inside, strict=True)
        ),
        key=lambda d: d.rank_key,
    )
    polygons = [
        ShaPolygon(
            id=f"{flight_id}-sha-{rank:03d}",
            geometry=d.geometry,
            evidence=d.evidence,
            device_category=d.device_category,
            confidence=d.confidence,
            area_m2=round(float(d.geometry.area), 2),
            n_detections=d.n_detections,
            max_score=round(float(d.max_score), 3),
            priority=rank,
            sensors=d.sensors,
            flight_id=flight_id,
            date=date,
        )
        for rank, d in enumerate(drafts, start=1)
    ]
    points = _attribute_points([*detections, *anomaly_peaks], polygons, flight_id, date)
    return CandidateSet(
        flight_id=flight_id,
        date=date,
        polygons=polygons,
        points=points,
        surveyed_area_m2=surveyed_area_m2,
        n_blobs=n_blobs,
    )


def _attribute_points(
    raw: list[MinePoint], polygons: list[ShaPolygon], flight_id: str, date: dt.date | None
) -> list[CandidatePoint]:
    """Give each point its containing polygon and a stable id (by polygon priority, then
    detector, confidence and position)."""
    sha_of: list[ShaPolygon | None] = [None] * len(raw)
    if raw and polygons:
        tree = shapely.STRtree([p.geometry for p in polygons])
        pts = shapely.points(np.array([[p.x_m, p.y_m] for p in raw]))
        pi_idx, poly_idx = tree.query(pts, predicate="intersects")
        for i, j in zip(pi_idx, poly_idx, strict=True):
            cand = polygons[int(j)]
            cur = sha_of[int(i)]
            if cur is None or cand.priority < cur.priority:
                sha_of[int(i)] = cand
    order = sorted(
        range(len(raw)),
        key=lambda i: (
            sha_of[i].priority if sha_of[i] is not None else 1 << 30,  # type: ignore[union-attr]
            raw[i].detector != "cnn",
            -round(float(raw[i].confidence), 6),
            -round(raw[i].y_m, 3),
            round(raw[i].x_m, 3),
            raw[i].class_name,
        ),
    )
    out = []
    for n, i in enumerate(order, start=1):
        sha = sha_of[i]
        out.append(
            CandidatePoint(
                f"{flight_id}-pt-{n:04d}", raw[i], None if sha is None else sha.id, flight_id, date
            )
        )
    return out
