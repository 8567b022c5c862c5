"""Flight metrics: a run's outputs scored against ground truth, as typed results.

Produced by :func:`rams.evaluation.flight.flight_metrics`, read by ``rams benchmark flight``,
the evaluation section of ``report.html`` (:mod:`rams.export.report`) and the benchmarks.
They live here, below both producer and readers, because the report (export) sits below
evaluation in the data flow.

``to_dict()`` gives the JSON form written to ``evaluation.json`` (and kept by benchmark
result files): the same keys and values as before the results were typed, so earlier files
and their readers keep working. Ratios are rounded as written (4 decimals, areas 2).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ClassScores:
    """Point scores of one class: recall over its true mines, precision over its predictions.

    Attributes:
        n_truth: true mines of the class (optional ones excluded).
        n_pred: predicted points of the class.
        precision: None without predictions.
        recall: None without true mines.
        f1: None when either is None or both are 0.
    """

    n_truth: int
    n_pred: int
    precision: float | None
    recall: float | None
    f1: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class PointScores:
    """Points matched one to one to true mines within a tolerance (any class).

    Attributes:
        tp: matched points.
        fp: unmatched points (points on optional mines excluded).
        fn: unmatched true mines (optional mines excluded).
        precision: tp / points (1.0 with no points and no mines, 0.0 with mines only).
        recall: tp / true mines (1.0 with no mines).
        f1: harmonic mean of precision and recall (0.0 when both are 0).
        n_optional_matched: points matched to optional (e.g. buried) mines, counted neither way.
        per_class: scores by class (true class for recall, predicted class for precision).
        class_accuracy: share of matches whose predicted class is the true one (None without
            matches).
        mean_distance_m: mean distance of the matches, metres (None without matches).
    """

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    n_optional_matched: int = 0
    per_class: dict[str, ClassScores] = field(default_factory=dict)
    class_accuracy: float | None = None
    mean_distance_m: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        out = asdict(self)
        out["per_class"] = {k: v.to_dict() for k, v in self.per_class.items()}
        return out


@dataclass(frozen=True)
class ExpectedPositionScores:
    """Expected positions (row gaps) against the true mines.

    Attributes:
        tp, fp, fn, precision, recall, f1: as :class:`PointScores`, over all true mines.
        n_missed_mines: true mines the mine layer missed.
        missed_mines_predicted: of those, how many an expected position points at.
    """

    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    f1: float
    n_missed_mines: int
    missed_mines_predicted: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class ReliabilityBin:
    """One bin of a reliability table (:func:`rams.candidates.calibration.reliability`).

    Attributes:
        lower: lower edge of the bin (inclusive).
        upper: upper edge (exclusive, except 1.0).
        n: points in the bin.
        mean_probability: mean predicted probability (None when empty).
        frequency: share of the points that are mines (None when empty).
    """

    lower: float
    upper: float
    n: int
    mean_probability: float | None
    frequency: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class SweepPoint:
    """The candidate points at or above one probability threshold.

    One row of :func:`rams.candidates.calibration.threshold_sweep`.

    Attributes:
        threshold: the probability threshold.
        n_points: candidate points with a probability at or above it.
        n_on_mines: of those, points matched to a true mine (the labels of the calibration).
    """

    threshold: float
    n_points: int
    n_on_mines: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class CalibrationScores:
    """Reliability of the candidate points' probabilities against one-to-one labels.

    Attributes:
        n_points: candidate points with a probability.
        n_on_mines: of those, points matched to a true mine.
        ece: expected calibration error (None without points).
        reliability: the table, bins of increasing probability.
        sweep: points and hits at or above each threshold of a fixed grid (counts, so flights
            pool by summing); the operating curve of the probabilities whatever the mine
            layer's threshold (:func:`rams.candidates.calibration.operating_points`).
    """

    n_points: int
    n_on_mines: int
    ece: float | None
    reliability: tuple[ReliabilityBin, ...]
    sweep: tuple[SweepPoint, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"n_points": self.n_points, "n_on_mines": self.n_on_mines, "ece": self.ece,
                "reliability": [b.to_dict() for b in self.reliability],
                "sweep": [b.to_dict() for b in self.sweep]}


@dataclass(frozen=True)
class PolygonScores:
    """SHA polygons against true mines and minefields (areas in the metric CRS).

    Attributes:
        n_sha: SHA polygons.
        n_sha_priority_1: of those, priority 1.
        n_sha_without_mine: SHAs holding no true mine.
        n_minefields: true minefield polygons.
        mine_coverage: share of true mines inside any SHA (None without mines).
        flagged_area_m2: area of the union of SHAs, m².
        surveyed_area_m2: surveyed area, m² (None when unknown).
        surveyed_area_source: "run.json", "extent of outputs and truth" or "none".
        minefield_area_m2: area of the union of true minefields, m².
        flagged_over_surveyed: flagged / surveyed area (None when unknown).
        flagged_over_minefield: flagged / minefield area (None without minefields).
        minefield_area_covered: share of the minefield area inside SHAs (None without
            minefields).
    """

    n_sha: int
    n_sha_priority_1: int
    n_sha_without_mine: int
    n_minefields: int
    mine_coverage: float | None
    flagged_area_m2: float
    surveyed_area_m2: float | None
    surveyed_area_source: str
    minefield_area_m2: float
    flagged_over_surveyed: float | None
    flagged_over_minefield: float | None
    minefield_area_covered: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class FlightMetrics:
    """One run folder scored against a truth file.

    Attributes:
        run: the run folder.
        truth: the truth file.
        tolerance_m: point matching tolerance, metres.
        metric_crs: the metric CRS distances and areas are computed in ("EPSG:326NN").
        matching: how points are matched, in words.
        n_truth_mines: true mines (points of kind mine).
        n_points: points of the mine layer.
        n_candidates: candidate points of the mine and low layers.
        points: the mine layer against all true mines.
        points_by_kind: the mine layer's points of each kind (``fused``, ``cnn``,
            ``anomaly``): recall is the share of mines that kind found.
        expected_positions: the expected positions (JSON: ``points_by_kind["expected_position"]``).
        candidates_by_kind: as ``points_by_kind`` over every candidate point.
        calibration: reliability of the candidate points' probabilities.
        false_mine_points_per_1000m2: false mine-layer points per 1,000 m² surveyed (None
            when the surveyed area is unknown).
        polygons: SHA polygons against mines and minefields.
    """

    run: str
    truth: str
    tolerance_m: float
    metric_crs: str
    matching: str
    n_truth_mines: int
    n_points: int
    n_candidates: int
    points: PointScores
    points_by_kind: dict[str, PointScores]
    expected_positions: ExpectedPositionScores
    candidates_by_kind: dict[str, PointScores]
    calibration: CalibrationScores
    false_mine_points_per_1000m2: float | None
    polygons: PolygonScores

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``evaluation.json``).

        The expected positions sit in ``points_by_kind`` under ``"expected_position"``.
        """
        return {
            "run": self.run, "truth": self.truth, "tolerance_m": self.tolerance_m,
            "metric_crs": self.metric_crs, "matching": self.matching,
            "n_truth_mines": self.n_truth_mines, "n_points": self.n_points,
            "n_candidates": self.n_candidates,
            "points": self.points.to_dict(),
            "points_by_kind": {**{k: v.to_dict() for k, v in self.points_by_kind.items()},
                               "expected_position": self.expected_positions.to_dict()},
            "candidates_by_kind": {k: v.to_dict() for k, v in self.candidates_by_kind.items()},
            "calibration": self.calibration.to_dict(),
            "false_mine_points_per_1000m2": self.false_mine_points_per_1000m2,
            "polygons": self.polygons.to_dict(),
        }


__all__ = [
    "CalibrationScores",
    "ClassScores",
    "ExpectedPositionScores",
    "FlightMetrics",
    "PointScores",
    "PolygonScores",
    "ReliabilityBin",
    "SweepPoint",
]
