"""Reliability of point probabilities: binned table and expected calibration error (ECE).

With ``B`` equal-width bins over [0, 1], bin ``b`` holding ``n_b`` of ``N`` points with mean
predicted probability ``conf_b`` and observed frequency ``acc_b`` (share of the bin's points
that are mines),

    ECE = sum_b (n_b / N) * |acc_b - conf_b|.

A calibrated model has ``acc_b ~ conf_b`` in every bin and an ECE near 0.

Whatever the calibration, the ranking: :func:`threshold_sweep` counts the points and the hits
at or above each threshold of a fixed grid (counts pool over flights by summing), and
:func:`operating_points` reads from it the figures of a target stated as precision at a recall
(the best precision with recall at least 0.9, the best recall with precision at least 0.85, the
best F1), each with its threshold: how far the probabilities are from a target, apart from
where the mine layer's threshold puts the operating point.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rams.core.flight_metrics import ReliabilityBin, SweepPoint

__all__ = ["SWEEP_THRESHOLDS", "ReliabilityBin", "SweepPoint", "labelled_operating_points", "operating_points", "reliability", "threshold_sweep"]

#: The thresholds of :func:`threshold_sweep`: 0.00 to 0.99 in steps of 0.01.
SWEEP_THRESHOLDS: tuple[float, ...] = tuple(round(i / 100, 2) for i in range(100))


def reliability(probability: np.ndarray, label: np.ndarray, n_bins: int = 10) -> tuple[list[ReliabilityBin], float | None]:
    """Reliability table and ECE of probabilities against 0/1 labels.

    Args:
        probability: (N,) predicted probabilities in [0, 1].
        label: (N,) 1 for a mine, 0 otherwise.
        n_bins: equal-width bins over [0, 1].

    Returns:
        ``(bins, ece)``; ``ece`` is None when there are no points.
    """
    p = np.clip(np.asarray(probability, np.float64).ravel(), 0.0, 1.0)
    y = np.asarray(label, np.float64).ravel()
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.minimum((p * n_bins).astype(int), n_bins - 1)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        sel = which == b
        n = int(sel.sum())
        conf = float(p[sel].mean()) if n else None
        freq = float(y[sel].mean()) if n else None
        if n:
            ece += n / len(p) * abs(float(freq) - float(conf))  # type: ignore[arg-type]
        bins.append(ReliabilityBin(
            round(float(edges[b]), 4), round(float(edges[b + 1]), 4), n,
            None if conf is None else round(conf, 4), None if freq is None else round(freq, 4),
        ))
    return bins, (round(ece, 4) if len(p) else None)


def threshold_sweep(probability: np.ndarray, label: np.ndarray,
                    thresholds: tuple[float, ...] = SWEEP_THRESHOLDS) -> list[SweepPoint]:
    """Points and hits at or above each threshold.

    Args:
        probability: (N,) predicted probabilities.
        label: (N,) 1 for a point matched to a mine, 0 otherwise.
        thresholds: increasing thresholds.

    Returns:
        One :class:`SweepPoint` per threshold.
    """
    p = np.asarray(probability, np.float64).ravel()
    y = np.asarray(label, np.float64).ravel() > 0.5
    return [SweepPoint(t, int((p >= t).sum()), int((y & (p >= t)).sum())) for t in thresholds]


def operating_points(sweep: list[SweepPoint] | tuple[SweepPoint, ...], n_truth: int,
                     recall_target: float = 0.9, precision_target: float = 0.85) -> dict[str, Any]:
    """The best operating points of a sweep against ``n_truth`` true mines.

    Recall counts hits over all true mines (a mine with no candidate point is never found).
    Each figure comes with the lowest threshold that gives it; a target no threshold reaches
    gives None.

    Returns:
        ``best_precision_at_recall`` (precision, recall, threshold: the highest precision
        among thresholds with recall >= ``recall_target``), ``best_recall_at_precision``
        (likewise with precision >= ``precision_target``), ``best_f1`` and the targets.
    """
    table = []
    for s in sweep:
        precision = s.n_on_mines / s.n_points if s.n_points else 0.0
        recall = s.n_on_mines / n_truth if n_truth else 0.0
        f1 = 2 * s.n_on_mines / (s.n_points + n_truth) if s.n_points + n_truth else 0.0
        table.append({"threshold": s.threshold, "precision": precision, "recall": recall, "f1": f1})

    def best(key: str, ok: Any) -> dict[str, float] | None:
        rows = [r for r in table if ok(r)]
        if not rows:
            return None
        top = max(rows, key=lambda r: (r[key], -r["threshold"]))
        return {k: round(v, 4) for k, v in top.items()}

    return {
        "recall_target": recall_target, "precision_target": precision_target,
        "best_precision_at_recall": best("precision", lambda r: r["recall"] >= recall_target),
        "best_recall_at_precision": best("recall", lambda r: r["precision"] >= precision_target and r["recall"] > 0),
        "best_f1": best("f1", lambda r: True) if n_truth else None,
    }


def labelled_operating_points(ops: dict[str, Any]) -> list[tuple[str, dict[str, float] | None]]:
    """The three figures of :func:`operating_points` with their names for people, in order."""
    return [
        (f"best precision at recall >= {ops['recall_target']}", ops["best_precision_at_recall"]),
        (f"best recall at precision >= {ops['precision_target']}", ops["best_recall_at_precision"]),
        ("best F1", ops["best_f1"]),
    ]
