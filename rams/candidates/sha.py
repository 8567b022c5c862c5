"""Candidate points and suspected hazardous area (SHA) polygons of one flight.

Method (each step in its own module):

1. **Fusion** (:mod:`.fusion`): CNN detections and anomaly peaks within ``fusion_radius_m``
   become one ``fused`` point; the rest stay ``cnn`` or ``anomaly`` points. Each point gets
   evidence features (CNN class and score, RX score, blob size and shape, which sensors
   agree) and the local clutter density.
2. **Scoring** (:mod:`.scoring`, :mod:`.combiner`): an evidence model gives each point a
   first probability; rows of regularly spaced points are searched among the likely ones
   (:mod:`.patterns`); a pattern model adds row membership, lattice position and the
   neighbours' evidence; Platt scaling fitted on held-out flights calibrates the result.
3. **Layers**: points with probability >= ``mine_probability`` are the mine layer
   (``detections.geojson``); the rest the low layer (``candidates_low.geojson``); empty
   lattice positions of mine rows are expected positions (``expected_positions.geojson``).
4. **Delineation** (:mod:`.delineate`): SHA polygons fenced along patterns and around
   dense groups of area points (probability >= ``area_probability``); isolated mine-layer
   points are point hazards.

The anomaly raster is scanned window by window for the surveyed area and the blob count;
the points' blob features are read in small windows around them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from rams.candidates.blobs import scan_anomaly_raster
from rams.candidates.combiner import PointCombiner, detector_mismatch, resolve_combiner
from rams.candidates.coverage import ValidCoverage
from rams.candidates.delineate import BASIS_PATTERN, Area, fence_areas
from rams.candidates.fusion import (
    KIND_EXPECTED,
    FusedPoint,
    add_density_features,
    add_raster_features,
    add_support_features,
    fuse_points,
)
from rams.candidates.model import (
    LAYER_EXPECTED,
    LAYER_LOW,
    LAYER_MINE,
    CandidatePoint,
    CandidateSet,
    ShaPolygon,
)
from rams.candidates.patterns import Row
from rams.candidates.scoring import SCORED_BASE_RATE, SCORED_RGB_ONLY, Scored, score_candidates
from rams.config import AnomalyConfig, CandidateConfig
from rams.core.devices import device_category
from rams.core.points import MinePoint

log = logging.getLogger(__name__)

#: Evidence kind of an SHA fenced along mine rows.
MINE_PATTERN = "mine_pattern"


def prepare_points(
    anomaly_path: Path | None, detections: list[MinePoint], peaks: list[MinePoint], config: CandidateConfig,
    anomaly_threshold: float, cnn_support: list[MinePoint] | None = None,
    surveyed_area_m2: float | None = None, coverage: ValidCoverage | None = None,
) -> list[FusedPoint]:
    """Fused candidate points with their evidence, raster and density features.

    ``anomaly_threshold`` (-log10 Pfa) makes a pixel part of a blob; ``cnn_support`` are
    the CNN's responses below the point threshold (None: the detections alone);
    ``surveyed_area_m2`` sets the flight's rate of candidates for ``density_contrast``
    (None: that feature is 0); ``coverage`` says which part of each density disc was
    surveyed (None: every disc counts whole).
    """
    points = fuse_points(detections, peaks, config.fusion_radius_m)
    add_support_features(points, detections if cnn_support is None else cnn_support, config.fusion_radius_m)
    add_raster_features(points, anomaly_path, anomaly_threshold)
    add_density_features(points, config.density_radius_m, surveyed_area_m2, coverage)
    return points


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
    combiner: PointCombiner | None = None,
    anomaly_threshold: float | None = None,
    cnn_support: list[MinePoint] | None = None,
    cnn_ran: bool = True,
    anomaly_sensors: Sequence[str] | None = None,
    detector: str | None = None,
    cascade: bool = False,
) -> CandidateSet:
    """Build candidate points (three layers) and SHA polygons for one flight.

    Args:
        anomaly_path: ``anomaly.tif`` (-log10 Pfa, NaN nodata), or None (no blob features).
        detections: CNN detections (``detector="cnn"``), flight CRS metres.
        anomaly_peaks: anomaly-core peaks with ``extra["score"]`` and ``extra["evidence"]``.
        crs: the flight's projected CRS (metres); checked to be projected.
        flight_id: flight id, used in the polygon and point ids.
        date: survey date, or None.
        sensors: sensors of the flight (kept for the caller; evidence comes from the points).
        config: candidates configuration.
        surveyed_area_m2: scored ground area; None to measure it from the raster.
        combiner: the point combiner; None loads ``config.combiner``.
        anomaly_threshold: -log10(Pfa) above which an ``anomaly.tif`` pixel belongs to a
            blob: the anomaly stage's ``threshold_log10_pfa`` (None: its default).
        cnn_support: CNN responses down to the detection stage's support floor (points
            included), the evidence of feature ``cnn_support``; None: ``detections``.
        cnn_ran: whether the CNN scanned the flight; when it did not (no RGB, RGB too
            coarse, detection off) the combiner's model for runs without the CNN scores the
            points (:meth:`PointCombiner.for_run`).
        anomaly_sensors: the sensors whose rasters fed the anomaly core; without
            ``multispectral`` or ``thermal`` among them (an RGB orthomosaic alone) the
            combiner's RGB-only model scores the points. None: not known, taken as
            multispectral/thermal.
        detector: ``"NAME sha256 FIRST16"`` of the CNN weights that ran; when the combiner
            records other weights (``meta["detector"]``), a warning says that its
            probabilities were calibrated for another detector.
        cascade: whether the CNN read only the windows around the anomaly peaks; the
            combiner's cascade model (when it has one) then scores the points.

    Returns:
        The polygons (by priority), the points (mine layer first) and expected positions.

    Raises:
        ValueError: ``crs`` is geographic (areas and buffers need metres).
    """
    from rams.crs import is_geographic

    del sensors
    if is_geographic(crs):
        raise ValueError("build_candidates needs the flight's projected CRS, not lon/lat")
    warnings: list[str] = []
    if combiner is None:
        combiner, warning = resolve_combiner(config.combiner)
        warnings += [warning] if warning else []
    warnings += [w] if (w := detector_mismatch(combiner, detector)) else []
    ms_thermal = anomaly_sensors is None or bool({"multispectral", "thermal"} & set(anomaly_sensors))
    combiner, warning = combiner.for_run(cnn_ran, ms_thermal, cascade)
    warnings += [warning] if warning else []
    threshold = AnomalyConfig().threshold_log10_pfa if anomaly_threshold is None else anomaly_threshold
    n_blobs = 0
    coverage = None
    if anomaly_path is not None:
        scan = scan_anomaly_raster(
            Path(anomaly_path), threshold=threshold,
            min_blob_m2=config.min_blob_m2, max_blobs_per_window=config.max_blobs_per_window,
        )
        n_blobs = len(scan.blobs)
        surveyed_area_m2 = scan.valid_area_m2 if surveyed_area_m2 is None else surveyed_area_m2
        coverage = scan.coverage
    points = prepare_points(
        anomaly_path, detections, anomaly_peaks, config, threshold, cnn_support, surveyed_area_m2, coverage
    )
    xy = np.array([[p.x_m, p.y_m] for p in points], np.float64).reshape(-1, 2)
    # a point where the anomaly raster has no score: the multispectral and thermal rasters do
    # not both cover it
    uncovered = None if coverage is None else coverage.share_at(xy) < 0.5
    scored = score_candidates(points, combiner, config, uncovered)
    warnings += [w] if (w := _base_rate_warning(scored, combiner)) else []
    warnings += [w] if (w := _cnn_only_warning(scored, uncovered, config)) else []
    rows, expected, areas = _delineate(points, scored, config)
    mine = mine_layer(scored.probability, areas, config)
    exp_xy = np.array([[e[0], e[1]] for e in expected], np.float64).reshape(-1, 2)
    polygons = [
        _sha(rank, area, points, mine, exp_xy, flight_id, date) for rank, area in enumerate(areas, start=1)
    ]
    cand = _attribute_points(points, scored, mine, polygons, rows, flight_id, date)
    exp_pts = _expected_points(expected, rows, points, scored, polygons, flight_id, date)
    for warning in warnings:  # also on the console of a CLI run (the rams logger), not only in run.json
        log.warning("%s", warning)
    return CandidateSet(
        flight_id=flight_id, date=date, polygons=polygons, points=cand, expected=exp_pts,
        surveyed_area_m2=surveyed_area_m2, n_blobs=n_blobs, warnings=warnings,
    )


def _delineate(
    points: list[FusedPoint], scored: Scored, config: CandidateConfig
) -> tuple[list[int], list[tuple[float, float, int]], list[Area]]:
    """Mine rows, their expected positions and the SHA areas (by priority) of scored points."""
    xy = np.array([[p.x_m, p.y_m] for p in points], np.float64).reshape(-1, 2)
    mine = scored.probability >= config.mine_probability
    area_pt = scored.probability >= min(config.area_probability, config.mine_probability)
    rows = _mine_rows(scored, area_pt, config)
    expected = _expected_positions(points, scored, rows, xy[mine], config)
    groups = _pattern_groups(scored, rows, expected, xy)
    areas, _ = fence_areas(xy, scored.probability, area_pt, groups, config)
    areas.sort(key=lambda a: (a.priority, -a.confidence, -round(a.geometry.centroid.y, 3), round(a.geometry.centroid.x, 3)))
    return rows, expected, areas


def mine_layer(probability: np.ndarray, areas: list[Area], config: CandidateConfig) -> np.ndarray:
    """The mine layer: points at or above ``mine_probability``.

    With ``isolated_mine_probability`` set (rule ZV), a point inside no area (a point hazard)
    also needs that probability; below it, it belongs to the low layer (its probability
    unchanged). Mines lie in fields, so a lone call is held to a higher bar than one among
    others.
    """
    p = np.asarray(probability)
    mine = p >= config.mine_probability
    if config.isolated_mine_probability is not None:
        in_area = np.zeros(len(p), bool)
        in_area[[i for a in areas for i in a.inside]] = True
        mine &= in_area | (p >= config.isolated_mine_probability)
    return mine


def delineate_scored(points: list[FusedPoint], scored: Scored, config: CandidateConfig) -> list[Area]:
    """The SHA areas of scored candidate points, by priority (steps 3 and 4 of the module docstring).

    What :func:`build_candidates` fences after scoring; the benchmarks use it to fence the
    points of a finished run again under another configuration (``benchmarks/redelineate.py``).
    """
    return _delineate(points, scored, config)[2]


def _base_rate_warning(scored: Scored, combiner: PointCombiner) -> str | None:
    """Why some points got the base rate (outside the combiner's domain), or None."""
    n = int(np.count_nonzero(scored.scored_by == SCORED_BASE_RATE))
    if not n:
        return None
    what = ", ".join(f"{k} = {v:g}" for k, v in sorted(combiner.domain.items()))
    rate = float(scored.probability[scored.scored_by == SCORED_BASE_RATE][0])
    return (f"{n} candidate point(s) lie outside the point combiner's fit data ({what} at every fit point; "
            "e.g. a CNN detection with no thermal or spectral anomaly where the anomaly core scored the "
            f"ground): no model of it scores them, so they get the base rate ({rate:.3f}) and the low layer "
            "(scored_by: base_rate); check them on the imagery")


def _cnn_only_warning(scored: Scored, uncovered: np.ndarray | None, config: CandidateConfig) -> str | None:
    """How many CNN-only points on scored ground the RGB-only model scored (``cnn_only_scoring: rgb_only``), or None."""
    if config.cnn_only_scoring != "rgb_only":
        return None
    on_scored = np.ones(len(scored.scored_by), bool) if uncovered is None else ~uncovered
    promoted = (scored.scored_by == SCORED_RGB_ONLY) & on_scored
    n = int(promoted.sum())
    if not n:
        return None
    n_mine = int((promoted & (scored.probability >= config.mine_probability)).sum())
    return (f"{n} CNN detection(s) with no thermal or spectral anomaly where the anomaly core scored the "
            f"ground were scored by the point combiner's RGB-only model (cnn_only_scoring: rgb_only), "
            f"{n_mine} of them in the mine layer; on ground where the CNN calls clutter mines (clods, "
            "bricks) these are false points: check them on the imagery")


def _mine_rows(scored: Scored, mine: np.ndarray, config: CandidateConfig) -> list[int]:
    """Indices of the rows with at least ``row_min_members`` area-point members."""
    seeds = scored.patterns.seed_index
    return [
        r for r, row in enumerate(scored.patterns.rows)
        if sum(bool(mine[seeds[m]]) for m in row.members) >= config.row_min_members
    ]


def _expected_positions(
    points: list[FusedPoint], scored: Scored, rows: list[int], mine_xy: np.ndarray, config: CandidateConfig
) -> list[tuple[float, float, int]]:
    """(x, y, row index) of the empty lattice positions of mine rows (not on a mine point)."""
    del points
    out: list[tuple[float, float, int]] = []
    for r in rows:
        for x, y in scored.patterns.rows[r].expected_xy_m:
            if len(mine_xy) and float(np.hypot(*(mine_xy - (x, y)).T).min()) <= config.row_tol_across_m:
                continue
            out.append((float(x), float(y), r))
    return out


def _pattern_groups(scored: Scored, rows: list[int], expected: list[tuple[float, float, int]], xy: np.ndarray) -> list[np.ndarray]:
    """Per pattern with a mine row, the positions to fence: row members and expected positions."""
    seeds = scored.patterns.seed_index
    by_pattern: dict[int, list[np.ndarray]] = {}
    for r in rows:
        row: Row = scored.patterns.rows[r]
        label = scored.patterns.row_pattern[r]
        by_pattern.setdefault(label, []).append(xy[[int(seeds[m]) for m in row.members]])
    for x, y, r in expected:
        by_pattern[scored.patterns.row_pattern[r]].append(np.array([[x, y]]))
    return [np.vstack(v) for _, v in sorted(by_pattern.items())]


def _point_sensors(fp: FusedPoint) -> set[str]:
    out: set[str] = set()
    for p in (fp.cnn, fp.peak):
        if p is not None and p.sensor:
            out |= set(p.sensor.split("+"))
    return out


def _sha(
    rank: int, area: Area, points: list[FusedPoint], mine: np.ndarray, exp_xy: np.ndarray,
    flight_id: str, date: dt.date | None,
) -> ShaPolygon:
    members = [points[i] for i in area.inside if mine[i]]
    evidence = {e for fp in members for e in fp.evidence} | ({MINE_PATTERN} if area.basis == BASIS_PATTERN else set())
    cats = {device_category(fp.cnn.class_name) for fp in members if fp.cnn is not None}
    category = next((c for c in ("AV", "AP", "UXO") if c in cats), "unknown")
    n_exp = int(shapely.covers(area.geometry, shapely.points(exp_xy)).sum()) if len(exp_xy) else 0
    return ShaPolygon(
        id=f"{flight_id}-sha-{rank:03d}", geometry=area.geometry, evidence=tuple(sorted(evidence)),
        device_category=category, confidence=area.confidence, area_m2=round(float(area.geometry.area), 2),
        n_detections=len(members),
        max_score=round(max((fp.features.get("rx_score", 0.0) for fp in members), default=0.0), 3),
        priority=area.priority, sensors=tuple(sorted({s for fp in members for s in _point_sensors(fp)})),
        flight_id=flight_id, date=date, basis=area.basis, expected_mines=area.expected_mines,
        n_expected_positions=n_exp,
    )


def _containing(xy: np.ndarray, polygons: list[ShaPolygon]) -> list[ShaPolygon | None]:
    """The highest-priority polygon covering each position, or None."""
    out: list[ShaPolygon | None] = [None] * len(xy)
    if len(xy) and polygons:
        tree = shapely.STRtree([p.geometry for p in polygons])
        pi, qi = tree.query(shapely.points(xy), predicate="intersects")
        for i, j in zip(pi, qi, strict=True):
            cur = out[int(i)]
            if cur is None or polygons[int(j)].priority < cur.priority:
                out[int(i)] = polygons[int(j)]
    return out


def _attribute_points(
    points: list[FusedPoint], scored: Scored, mine: np.ndarray,
    polygons: list[ShaPolygon], rows: list[int], flight_id: str, date: dt.date | None,
) -> list[CandidatePoint]:
    """Candidate points with layer, hazard, SHA and row; ids by layer, priority, probability."""
    xy = np.array([[p.x_m, p.y_m] for p in points], np.float64).reshape(-1, 2)
    sha_of = _containing(xy, polygons)
    row_of = scored.patterns.row_of_point()
    row_ids = {r: f"{flight_id}-row-{n:02d}" for n, r in enumerate(rows, start=1)}
    prob = scored.probability

    def key(i: int) -> tuple[Any, ...]:
        sha = sha_of[i]
        return (not mine[i], sha.priority if sha is not None else 9, -round(float(prob[i]), 6),
                -round(points[i].y_m, 3), round(points[i].x_m, 3), points[i].kind)

    out = []
    for n, i in enumerate(sorted(range(len(points)), key=key), start=1):
        fp, sha = points[i], sha_of[i]
        base = fp.cnn or fp.peak
        assert base is not None
        detector = "cnn+anomaly_core" if fp.cnn is not None and fp.peak is not None else base.detector
        r = row_of.get(i)
        # an isolated point inside another group's fence is part of that area
        hazard = ("area" if sha is not None else "point") if mine[i] else None
        priority = 3 if hazard == "point" else (sha.priority if sha is not None and mine[i] else None)
        out.append(CandidatePoint(
            f"{flight_id}-pt-{n:04d}", _with_detector(base, detector), sha.id if sha else None, flight_id, date,
            kind=fp.kind, probability=float(prob[i]), layer=LAYER_MINE if mine[i] else LAYER_LOW,
            evidence=fp.evidence, hazard=hazard, priority=priority,
            row_id=row_ids.get(r) if r is not None else None,
            spacing_m=scored.patterns.rows[r].spacing_m if r in row_ids else None,
            features=dict(fp.features), scored_by=str(scored.scored_by[i]),
        ))
    return out


def _with_detector(p: MinePoint, detector: str) -> MinePoint:
    if p.detector == detector:
        return p
    return MinePoint(p.x_m, p.y_m, p.class_name, p.confidence, detector, p.sensor, p.gsd_m, p.box_w_m, p.box_h_m, dict(p.extra))


def _expected_points(
    expected: list[tuple[float, float, int]], rows: list[int], points: list[FusedPoint], scored: Scored,
    polygons: list[ShaPolygon], flight_id: str, date: dt.date | None,
) -> list[CandidatePoint]:
    """Expected positions as points; probability is the row's fill rate (not calibrated)."""
    row_ids = {r: f"{flight_id}-row-{n:02d}" for n, r in enumerate(rows, start=1)}
    xy = np.array([[x, y] for x, y, _ in expected], np.float64).reshape(-1, 2)
    sha_of = _containing(xy, polygons)
    seeds = scored.patterns.seed_index
    out = []
    for n, ((x, y, r), sha) in enumerate(zip(expected, sha_of, strict=True), start=1):
        row = scored.patterns.rows[r]
        classes = Counter(points[int(seeds[m])].class_name for m in row.members)
        cls = classes.most_common(1)[0][0]
        fill = len(row.members) / (max(row.lattice) - min(row.lattice) + 1)
        mp = MinePoint(x, y, cls, round(fill, 4), "row_pattern", "", 0.0)
        out.append(CandidatePoint(
            f"{flight_id}-exp-{n:03d}", mp, sha.id if sha else None, flight_id, date, kind=KIND_EXPECTED,
            probability=fill, layer=LAYER_EXPECTED, evidence=(MINE_PATTERN,), hazard="area" if sha else None,
            priority=sha.priority if sha else None, row_id=row_ids[r], spacing_m=row.spacing_m,
            scored_by="row_fill",
        ))
    return out
