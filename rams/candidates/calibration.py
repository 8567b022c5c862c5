"""Reliability of point probabilities: binned table and expected calibration error (ECE).

With ``B`` equal-width bins over [0, 1], bin ``b`` holding ``n_b`` of ``N`` points with mean
predicted probability ``conf_b`` and observed frequency ``acc_b`` (share of the bin's points
that are mines),

    ECE = sum_b (n_b / N) * |acc_b - conf_b|.

A calibrated model has ``acc_b ~ conf_b`` in every bin and an ECE near 0.
"""

from __future__ import annotations

import numpy as np

from rams.core.flight_metrics import ReliabilityBin

__all__ = ["ReliabilityBin", "reliability"]


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
