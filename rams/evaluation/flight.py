"""Flight-level evaluation of a run's outputs against ground truth.

Reads ``sha.geojson``, ``detections.geojson`` (the mine layer) and, when present,
``candidates_low.geojson`` and ``expected_positions.geojson`` from a run folder and a truth GeoJSON
(WGS84; mines are points without a ``kind`` or with ``kind == "mine"``, with a ``class``; minefields are polygons
with ``kind == "minefield"``; anything else is ignored), projects all of it to the UTM zone
of the truth's centroid, and scores:

- **points**: one-to-one matching of predicted points to true mines within a tolerance
  (metres). The matching is optimal (Hungarian, ``scipy.optimize.linear_sum_assignment``)
  inside each connected group of candidate pairs: it first maximises the number of
  matches, then minimises their total distance, so two detections near one mine give one
  true positive and one false positive. Matching ignores class; per-class figures use the
  true class for recall and the predicted class for precision, and ``class_accuracy`` is
  the share of matches whose predicted class equals the true one. ``points`` scores the
  mine layer against all true mines; ``points_by_kind`` scores the mine-layer points of
  each kind (``fused``, ``cnn``, ``anomaly``: recall is then the share of mines that kind
  found) and the expected positions; ``candidates_by_kind`` the same over all candidate
  points (mine and low layers).
- **calibration**: all candidate points matched one to one to the mines; the reliability
  table of their probabilities against those labels and the expected calibration error
  (:mod:`rams.candidates.calibration`), and the points and hits at or above each threshold
  of a fixed grid (the operating curve: precision at a given recall whatever the mine
  layer's threshold); false mine points per 1,000 m² surveyed.
- **polygons**: SHA count (and of priority 1) against the minefield count, mine coverage
  (share of true mines inside any SHA polygon), flagged area over surveyed area and over
  true minefield area, the share of the minefield area inside SHA polygons, and SHAs
  holding no true mine.

:func:`flight_metrics` returns them typed (:class:`rams.core.flight_metrics.FlightMetrics`)
and writes ``evaluation.json`` (their ``to_dict()`` form) and ``evaluation.png`` (a map of
hits, misses and false alarms) into the run folder; :func:`evaluate_flight` returns the
dict form.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from rams.atomic import atomic_path, write_json_atomic
from rams.core.flight_metrics import (
    CalibrationScores,
    ClassScores,
    ExpectedPositionScores,
    FlightMetrics,
    PointScores,
    PolygonScores,
)
from rams.core.truth import KIND_MINE, KIND_MINEFIELD, truth_kind
from rams.crs import WGS84, on_the_globe, transformer, utm_crs_for_lonlat
from rams.errors import RamsInputError

#: Point kinds scored separately (``expected_position`` comes from its own file).
SCORED_KINDS = ("fused", "cnn", "anomaly")


# --- reading -------------------------------------------------------------------------------


def _read_geojson(path: Path, what: str) -> list[dict[str, Any]]:
    if not path.is_file():
        raise RamsInputError(path, f"{what} not found")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RamsInputError(path, f"{what} is not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise RamsInputError(path, f"{what} is not a GeoJSON FeatureCollection")
    feats = doc.get("features")
    if not isinstance(feats, list):
        raise RamsInputError(path, f"{what} has no 'features' list")
    out = []
    for i, feat in enumerate(feats):
        if not isinstance(feat, dict) or not isinstance(feat.get("geometry"), dict):
            raise RamsInputError(path, f"{what}: feature {i} has no geometry")
        try:
            geom = shape(feat["geometry"])
        except Exception as exc:
            raise RamsInputError(
                path, f"{what}: feature {i} has an invalid geometry ({exc})"
            ) from exc
        if not geom.is_empty:
            if not on_the_globe(shapely.get_coordinates(geom)):
                raise RamsInputError(path, f"{what}: feature {i} lies beyond longitude +-180 or latitude +-90 "
                                           "(GeoJSON is longitude, latitude in WGS84; swapped?)")
        out.append({"geometry": geom, "properties": feat.get("properties") or {}})
    return out


def _project(geom: BaseGeometry, metric_crs: Any) -> BaseGeometry:
    tr = transformer(WGS84, metric_crs)

    def fn(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon):
        return list(geom.geoms)
    return []


# --- matching ------------------------------------------------------------------------------


def match_points(
    pred_xy_m: np.ndarray, truth_xy_m: np.ndarray, tolerance_m: float
) -> list[tuple[int, int, float]]:
    """Optimal one-to-one matching of predictions to truth within a tolerance.

    Candidate pairs (distance <= tolerance) split into connected groups; each group is
    solved with the Hungarian algorithm on a cost of the distance for a candidate pair and
    a prohibitive cost otherwise, which maximises the number of matches first and then
    minimises their summed distance.

    Args:
        pred_xy_m: (P, 2) predicted positions, metres.
        truth_xy_m: (T, 2) true positions, metres.
        tolerance_m: largest matching distance, metres.

    Returns:
        (pred_index, truth_index, distance_m) for every match, sorted by pred_index.
    """
    pred = np.asarray(pred_xy_m, dtype=np.float64).reshape(-1, 2)
    truth = np.asarray(truth_xy_m, dtype=np.float64).reshape(-1, 2)
    n_p, n_t = len(pred), len(truth)
    if n_p == 0 or n_t == 0:
        return []
    pairs = cKDTree(pred).sparse_distance_matrix(
        cKDTree(truth), tolerance_m, output_type="coo_matrix"
    )
    if pairs.nnz == 0:
        return []
    # Bipartite graph over P + T nodes; its components are independent subproblems.
    rows, cols = pairs.row, pairs.col + n_p
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_p + n_t, n_p + n_t))
    _, comp = connected_components(graph, directed=False)
    pair_comp = comp[pairs.row]
    big = 1e6 * max(tolerance_m, 1.0)
    out: list[tuple[int, int, float]] = []
    for c in np.unique(pair_comp):
        sel = pair_comp == c
        pi, ti, dist = pairs.row[sel], pairs.col[sel], pairs.data[sel]
        up, ut = np.unique(pi), np.unique(ti)
        cost = np.full((len(up), len(ut)), big)
        cost[np.searchsorted(up, pi), np.searchsorted(ut, ti)] = dist
        r, k = linear_sum_assignment(cost)
        for a, b in zip(r, k, strict=True):
            if cost[a, b] < big:
                out.append((int(up[a]), int(ut[b]), float(cost[a, b])))
    return sorted(out)


def _prf(tp: int, n_pred: int, n_truth: int) -> tuple[float, float, float]:
    """(precision, recall, F1), rounded to 4 decimals; no predictions and no truth is perfect."""
    precision = tp / n_pred if n_pred else (1.0 if n_truth == 0 else 0.0)
    recall = tp / n_truth if n_truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def _class_scores(
    cls: str, pred_class: list[str], truth_class: list[str], optional: np.ndarray, keep_pred: list[int],
    matched_pred: set[int], matched_truth: set[int],
) -> ClassScores:
    n_t = sum(1 for c, o in zip(truth_class, optional, strict=True) if c == cls and not o)
    n_p = sum(1 for i in keep_pred if pred_class[i] == cls)
    tp_t = sum(1 for i in matched_truth if truth_class[i] == cls)
    tp_p = sum(1 for i in matched_pred if pred_class[i] == cls)
    precision = tp_p / n_p if n_p else None
    recall = tp_t / n_t if n_t else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall > 0
        else None
    )
    return ClassScores(
        n_truth=n_t, n_pred=n_p,
        precision=None if precision is None else round(precision, 4),
        recall=None if recall is None else round(recall, 4),
        f1=None if f1 is None else round(f1, 4),
    )


def score_points(
    pred_xy_m: np.ndarray,
    pred_class: list[str],
    truth_xy_m: np.ndarray,
    truth_class: list[str],
    tolerance_m: float,
    truth_optional: np.ndarray | None = None,
) -> tuple[PointScores, list[tuple[int, int, float]]]:
    """Precision, recall and F1 overall and per class (see the module docstring).

    Args:
        pred_xy_m: (P, 2) predicted positions, metres.
        pred_class: P predicted classes.
        truth_xy_m: (T, 2) true positions, metres.
        truth_class: T true classes.
        tolerance_m: matching tolerance, metres.
        truth_optional: (T,) bool, mines that may be found but are not missed when not
            (buried mines, for surface-mine scoring); a prediction matched to one is
            neither a true nor a false positive.

    Returns:
        (scores, matches) with matches as from :func:`match_points` (optional mines
        excluded).
    """
    optional = np.zeros(len(truth_class), dtype=bool) if truth_optional is None else truth_optional
    all_matches = match_points(pred_xy_m, truth_xy_m, tolerance_m)
    matches = [m for m in all_matches if not optional[m[1]]]
    ignored_pred = {p for p, t, _ in all_matches if optional[t]}
    keep_pred = [i for i in range(len(pred_class)) if i not in ignored_pred]
    n_truth = int((~optional).sum())
    tp = len(matches)
    precision, recall, f1 = _prf(tp, len(keep_pred), n_truth)
    matched_pred = {p for p, _, _ in matches}
    matched_truth = {t for _, t, _ in matches}
    per_class = {
        cls: _class_scores(cls, pred_class, truth_class, optional, keep_pred, matched_pred, matched_truth)
        for cls in sorted(set(pred_class) | set(truth_class))
    }
    scores = PointScores(
        tp=tp, fp=len(keep_pred) - tp, fn=n_truth - tp, precision=precision, recall=recall, f1=f1,
        n_optional_matched=len(ignored_pred),
        per_class=per_class,
        class_accuracy=(
            round(sum(1 for p, t, _ in matches if pred_class[p] == truth_class[t]) / len(matches), 4)
            if matches
            else None
        ),
        mean_distance_m=round(float(np.mean([d for *_, d in matches])), 4) if matches else None,
    )
    return scores, matches


def _optional(path: Path, what: str) -> list[dict[str, Any]]:
    return _read_geojson(path, what) if path.is_file() else []


def _xy(geoms: list[BaseGeometry], metric_crs: Any) -> np.ndarray:
    return np.array([[*_project(g, metric_crs).coords[0]] for g in geoms]).reshape(-1, 2)


def _kind(props: dict[str, Any]) -> str:
    """A point's kind; runs older than point kinds carry only the detector."""
    kind = props.get("kind")
    if isinstance(kind, str):
        return kind
    return {"cnn": "cnn", "anomaly_core": "anomaly"}.get(str(props.get("detector", "")), "cnn")


def _by_kind(
    xy: np.ndarray, kinds: list[str], classes: list[str], truth_xy: np.ndarray, truth_cls: list[str],
    tolerance_m: float,
) -> dict[str, PointScores]:
    out = {}
    for kind in SCORED_KINDS:
        idx = [i for i, k in enumerate(kinds) if k == kind]
        metrics, _ = score_points(xy[idx], [classes[i] for i in idx], truth_xy, truth_cls, tolerance_m)
        out[kind] = metrics
    return out


def _expected_metrics(
    exp_xy: np.ndarray, truth_xy: np.ndarray, layer_matches: list[tuple[int, int, float]], tolerance_m: float
) -> ExpectedPositionScores:
    """Score the expected positions.

    Precision against all mines, and how many mines the mine layer missed they point at.
    """
    found = {t for _, t, _ in layer_matches}
    missed = np.array([i for i in range(len(truth_xy)) if i not in found], dtype=int)
    m_all = match_points(exp_xy, truth_xy, tolerance_m)
    m_missed = match_points(exp_xy, truth_xy[missed], tolerance_m) if len(missed) else []
    tp = len(m_all)
    precision, recall, f1 = _prf(tp, len(exp_xy), len(truth_xy))
    return ExpectedPositionScores(
        tp=tp, fp=len(exp_xy) - tp, fn=len(truth_xy) - tp, precision=precision, recall=recall, f1=f1,
        n_missed_mines=len(missed), missed_mines_predicted=len(m_missed),
    )


def _calibration(
    feats: list[dict[str, Any]], xy: np.ndarray, truth_xy: np.ndarray, tolerance_m: float
) -> CalibrationScores:
    """Reliability of the candidate points' ``probability`` against one-to-one labels."""
    from rams.candidates.calibration import reliability, threshold_sweep

    prob = np.array([f["properties"].get("probability") for f in feats], dtype=object)
    has = np.array([isinstance(v, int | float) for v in prob], dtype=bool)
    label = np.zeros(len(feats))
    for i, _, _ in match_points(xy, truth_xy, tolerance_m):
        label[i] = 1.0
    bins, ece = reliability(prob[has].astype(np.float64), label[has])
    return CalibrationScores(
        n_points=int(has.sum()),
        n_on_mines=int(label[has].sum()),
        ece=ece,
        reliability=tuple(bins),
        sweep=tuple(threshold_sweep(prob[has].astype(np.float64), label[has])),
    )


# --- the flight ----------------------------------------------------------------------------


def _mines_and_fields(
    truth: list[dict[str, Any]], truth_path: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """True mines (points) and minefield polygons of a truth file.

    A point is a mine unless its ``kind`` says otherwise, since a plain GeoJSON of mine
    positions from another tool carries no kind at all.

    Raises:
        RamsInputError: no mine point and no feature with a kind.
    """
    mines = [f for f in truth if truth_kind(f["properties"]) == KIND_MINE and isinstance(f["geometry"], Point)]
    fields = [f for f in truth if truth_kind(f["properties"]) == KIND_MINEFIELD]
    if not mines and not any("kind" in f["properties"] for f in truth):
        raise RamsInputError(truth_path, (
            "no mine points: expected Point features (a point is a mine unless its property "
            "'kind' says otherwise, e.g. 'distractor'), optionally with 'class', and minefield "
            "polygons with kind 'minefield'"))
    return mines, fields


def _metric_crs_for(anchor: list[BaseGeometry]) -> Any:
    """The UTM zone of the anchor geometries' centroid (WGS84 lon/lat)."""
    if not anchor:
        return utm_crs_for_lonlat(0.0, 0.0)
    c = shapely.union_all([g.envelope for g in anchor]).centroid
    return utm_crs_for_lonlat(c.x, c.y)


@dataclass
class _Projected:
    """A run and its truth in the metric CRS: (N, 2) positions in metres, polygons, classes, kinds."""

    truth_xy: np.ndarray
    truth_cls: list[str]
    sha_geoms: list[Polygon]
    field_geoms: list[Polygon]
    pts: list[dict[str, Any]]  # the mine layer's point features
    pts_xy: np.ndarray
    pts_kind: list[str]
    pts_cls: list[str]
    all_pts: list[dict[str, Any]]  # every candidate point: the mine layer, then the low layer
    all_xy: np.ndarray
    all_kind: list[str]
    exp_xy: np.ndarray


def _project_run(
    mines: list[dict[str, Any]], fields: list[dict[str, Any]], shas: list[dict[str, Any]],
    points: list[dict[str, Any]], low: list[dict[str, Any]], expected: list[dict[str, Any]], metric_crs: Any,
) -> _Projected:
    pts = [f for f in points if isinstance(f["geometry"], Point)]
    pts_xy = _xy([f["geometry"] for f in pts], metric_crs)
    pts_kind = [_kind(f["properties"]) for f in pts]
    low_pts = [f for f in low if isinstance(f["geometry"], Point)]
    return _Projected(
        truth_xy=_xy([f["geometry"] for f in mines], metric_crs),
        truth_cls=[str(f["properties"].get("class", f["properties"].get("cls", "mine"))) for f in mines],
        sha_geoms=[q for f in shas for q in _polygons(_project(f["geometry"], metric_crs))],
        field_geoms=[q for f in fields for q in _polygons(_project(f["geometry"], metric_crs))],
        pts=pts, pts_xy=pts_xy, pts_kind=pts_kind,
        pts_cls=[str(f["properties"].get("class", "")) for f in pts],
        all_pts=pts + low_pts,
        all_xy=np.vstack([pts_xy, _xy([f["geometry"] for f in low_pts], metric_crs)]),
        all_kind=pts_kind + [_kind(f["properties"]) for f in low_pts],
        exp_xy=_xy([f["geometry"] for f in expected if isinstance(f["geometry"], Point)], metric_crs),
    )


def _polygon_scores(
    run: _Projected, priorities: list[Any], surveyed_m2: float | None, surveyed_source: str,
) -> tuple[PolygonScores, np.ndarray]:
    """SHA polygons against mines and minefields; also (T,) whether each mine lies in an SHA."""
    truth_xy, sha_geoms = run.truth_xy, run.sha_geoms
    flagged = shapely.union_all(sha_geoms) if sha_geoms else Polygon()
    field_union = shapely.union_all(run.field_geoms) if run.field_geoms else Polygon()
    covered = (
        shapely.covers(flagged, shapely.points(truth_xy))
        if len(truth_xy) and not flagged.is_empty
        else np.zeros(len(truth_xy), dtype=bool)
    )
    flagged_m2 = float(flagged.area)
    field_m2 = float(field_union.area)
    scores = PolygonScores(
        n_sha=len(sha_geoms),
        n_sha_priority_1=sum(1 for p in priorities if p == 1),
        n_sha_without_mine=sum(
            1 for g in sha_geoms if not (len(truth_xy) and shapely.covers(g, shapely.points(truth_xy)).any())
        ),
        n_minefields=len(run.field_geoms),
        mine_coverage=round(float(covered.mean()), 4) if len(covered) else None,
        flagged_area_m2=round(flagged_m2, 2),
        surveyed_area_m2=None if surveyed_m2 is None else round(surveyed_m2, 2),
        surveyed_area_source=surveyed_source,
        minefield_area_m2=round(field_m2, 2),
        flagged_over_surveyed=round(flagged_m2 / surveyed_m2, 4) if surveyed_m2 else None,
        flagged_over_minefield=round(flagged_m2 / field_m2, 4) if field_m2 > 0 else None,
        minefield_area_covered=(
            round(float(field_union.intersection(flagged).area) / field_m2, 4) if field_m2 > 0 else None
        ),
    )
    return scores, covered


def flight_metrics(
    out_dir: Path, truth_path: Path, tolerance_m: float = 0.5, *, write: bool = True
) -> FlightMetrics:
    """Score one run folder against a truth GeoJSON.

    Reads the run's layers and the truth, projects both to the UTM zone of the truth's
    centroid, scores the points (:func:`score_points`, by kind, expected positions and
    calibration) and the SHA polygons, and writes the files.

    Args:
        out_dir: run folder holding ``sha.geojson`` and ``detections.geojson`` (and
            ``run.json`` with ``surveyed_area_m2``, when the pipeline wrote it).
        truth_path: truth GeoJSON, WGS84.
        tolerance_m: point matching tolerance, metres.
        write: write ``evaluation.json`` (:meth:`FlightMetrics.to_dict`) and
            ``evaluation.png`` into ``out_dir``, and add the metrics to its ``report.html``
            when there is one.

    Returns:
        The metrics (:class:`rams.core.flight_metrics.FlightMetrics`).

    Raises:
        RamsInputError: a file is missing or malformed, or the tolerance is not positive.
    """
    out_dir, truth_path = Path(out_dir), Path(truth_path)
    if not out_dir.is_dir():
        raise RamsInputError(out_dir, "run folder not found")
    if not (tolerance_m > 0 and math.isfinite(tolerance_m)):
        raise RamsInputError(None, f"tolerance must be positive, got {tolerance_m} m")
    truth = _read_geojson(truth_path, "truth file")
    shas = _read_geojson(out_dir / "sha.geojson", "SHA polygons")
    points = _read_geojson(out_dir / "detections.geojson", "detections")
    low = _optional(out_dir / "candidates_low.geojson", "low-confidence candidates")
    expected = _optional(out_dir / "expected_positions.geojson", "expected positions")
    mines, fields = _mines_and_fields(truth, truth_path)
    metric_crs = _metric_crs_for([f["geometry"] for f in (mines + fields) or truth or shas or points])
    run = _project_run(mines, fields, shas, points, low, expected, metric_crs)

    tol = tolerance_m
    mine_layer, matches = score_points(run.pts_xy, run.pts_cls, run.truth_xy, run.truth_cls, tol)
    all_cls = [str(f["properties"].get("class", "")) for f in run.all_pts]
    surveyed_m2, surveyed_source = _surveyed_area(out_dir, [*run.sha_geoms, *run.field_geoms], run.truth_xy, run.pts_xy)
    polygons, covered = _polygon_scores(run, [f["properties"].get("priority") for f in shas], surveyed_m2,
                                        surveyed_source)
    result = FlightMetrics(
        run=str(out_dir),
        truth=str(truth_path),
        tolerance_m=tolerance_m,
        metric_crs=f"EPSG:{metric_crs.to_epsg()}",
        matching="optimal one-to-one (Hungarian per connected group of pairs within tolerance)",
        n_truth_mines=len(mines),
        n_points=len(run.pts),
        n_candidates=len(run.all_pts),
        points=mine_layer,
        points_by_kind=_by_kind(run.pts_xy, run.pts_kind, run.pts_cls, run.truth_xy, run.truth_cls, tol),
        expected_positions=_expected_metrics(run.exp_xy, run.truth_xy, matches, tol),
        candidates_by_kind=_by_kind(run.all_xy, run.all_kind, all_cls, run.truth_xy, run.truth_cls, tol),
        calibration=_calibration(run.all_pts, run.all_xy, run.truth_xy, tol),
        false_mine_points_per_1000m2=round(mine_layer.fp / surveyed_m2 * 1000.0, 4) if surveyed_m2 else None,
        polygons=polygons,
    )
    if write:
        write_json_atomic(out_dir / "evaluation.json", result.to_dict())
        _write_map(out_dir / "evaluation.png", run, matches, covered, result)
        from rams.export.report import refresh_report_with_metrics

        refresh_report_with_metrics(out_dir, result)
    return result


def evaluate_flight(
    out_dir: Path, truth_path: Path, tolerance_m: float = 0.5, *, write: bool = True
) -> dict[str, Any]:
    """:func:`flight_metrics` in its JSON form (:meth:`FlightMetrics.to_dict`).

    For callers that read the result by key (benchmark scripts that add their own keys to it).
    """
    return flight_metrics(out_dir, truth_path, tolerance_m, write=write).to_dict()


def _surveyed_area(
    out_dir: Path, polys: list[Polygon], truth_xy: np.ndarray, pts_xy: np.ndarray
) -> tuple[float | None, str]:
    """Surveyed area from ``run.json`` (valid anomaly footprint), else the union extent."""
    run_json = out_dir / "run.json"
    if run_json.is_file():
        try:
            value = json.loads(run_json.read_text(encoding="utf-8")).get("surveyed_area_m2")
        except (json.JSONDecodeError, AttributeError):
            value = None
        if isinstance(value, int | float) and math.isfinite(value) and value > 0:
            return float(value), "run.json"
    geoms: list[BaseGeometry] = list(polys)
    if len(truth_xy) or len(pts_xy):
        geoms.append(shapely.multipoints(np.vstack([truth_xy, pts_xy])))
    if not geoms:
        return None, "none"
    env = shapely.union_all([g.envelope for g in geoms]).envelope
    return (float(env.area) if env.area > 0 else None), "extent of outputs and truth"


def _write_map(
    path: Path, run: _Projected, layer_matches: list[tuple[int, int, float]], covered: np.ndarray,
    result: FlightMetrics,
) -> None:
    """Map of mine-layer hits, misses and false alarms with SHA and minefield outlines (metres)."""
    truth_xy, pts_xy = run.truth_xy, run.pts_xy
    fig = Figure(figsize=(9, 9), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    for g in run.field_geoms:
        ax.plot(*g.exterior.xy, "--", color="#1a9641", linewidth=1.3)
    for g in run.sha_geoms:
        ax.plot(*g.exterior.xy, color="#d7191c", linewidth=1.3)
    hit_truth = {t for _, t, _ in layer_matches}
    hit_pred = {p for p, _, _ in layer_matches}
    if len(truth_xy):
        hits = np.array(sorted(hit_truth), dtype=int)
        misses = np.array([i for i in range(len(truth_xy)) if i not in hit_truth], dtype=int)
        ax.scatter(
            truth_xy[hits, 0], truth_xy[hits, 1], s=22, facecolors="none", edgecolors="#1a9641"
        )
        ax.scatter(truth_xy[misses, 0], truth_xy[misses, 1], s=30, marker="o", color="#d7191c")
        outside = ~covered
        if outside.any():
            ax.scatter(
                truth_xy[outside, 0],
                truth_xy[outside, 1],
                s=90,
                facecolors="none",
                edgecolors="black",
            )
    fa = np.array([i for i in range(len(pts_xy)) if i not in hit_pred], dtype=int)
    if len(fa):
        ax.scatter(pts_xy[fa, 0], pts_xy[fa, 1], s=26, marker="x", color="#ff7f00")
    ax.set_aspect("equal")
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.tick_params(labelsize=7)
    ax.set_xlabel(f"easting (m), {result.metric_crs}", fontsize=8)
    ax.set_ylabel("northing (m)", fontsize=8)
    p, poly = result.points, result.polygons
    ax.set_title(
        f"mine layer P {p.precision:.2f} R {p.recall:.2f} F1 {p.f1:.2f} | mine coverage "
        f"{poly.mine_coverage if poly.mine_coverage is not None else 'n/a'} | flagged/minefield "
        f"{poly.flagged_over_minefield if poly.flagged_over_minefield is not None else 'n/a'}",
        fontsize=9,
    )
    handles = [
        Line2D([], [], color="#d7191c", label="SHA"),
        Line2D([], [], color="#1a9641", linestyle="--", label="true minefield"),
        Line2D([], [], linestyle="none", marker="o", markerfacecolor="none", color="#1a9641", label="mine found"),
        Line2D([], [], linestyle="none", marker="o", color="#d7191c", label="mine missed (mine layer)"),
        Line2D([], [], linestyle="none", marker="o", markerfacecolor="none", markersize=10, color="black",
               label="mine outside SHA"),
        Line2D([], [], linestyle="none", marker="x", color="#ff7f00", label="false mine point"),
    ]
    ax.legend(handles=handles, loc="upper right", fontsize=7, framealpha=0.8)
    fig.tight_layout()
    with atomic_path(path, suffix=".part.png") as tmp:
        fig.savefig(tmp, format="png")


__all__ = ["evaluate_flight", "flight_metrics", "match_points", "score_points"]
