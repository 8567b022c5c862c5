"""Pixel-level ROC AUC of a detector's scores against ground truth.

``AUC = P(score of a random target pixel > score of a random background pixel)``, ties
counted one half, computed from ranks (Mann-Whitney U)::

    AUC = (sum of target ranks - n1 (n1 + 1) / 2) / (n1 n0)

with ranks 1..n of the pooled scores and tied scores given their average rank. This is
the area under the empirical ROC curve with ties joined by straight segments, the value
scikit-learn's ``roc_auc_score`` reports.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def average_ranks(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """1-based ranks of a 1-D array, ties sharing the mean of their ranks."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], ordered.size]
    # tie group occupying sorted positions [start, end) gets rank (start + 1 + end) / 2
    group_rank = (starts + 1 + ends) / 2.0
    ranks = np.empty(values.size, dtype=np.float64)
    ranks[order] = np.repeat(group_rank, ends - starts)
    return ranks


def roc_auc(scores: ArrayLike, labels: ArrayLike, mask: ArrayLike | None = None) -> float:
    """Area under the ROC curve of ``scores`` for detecting ``labels``.

    Args:
        scores: detector scores, any shape; higher = more anomalous.
        labels: ground truth of the same shape; nonzero / True = target.
        mask: optional bool array of the same shape, True = pixel counts (e.g. valid
            data); None = all pixels.

    Returns:
        AUC in [0, 1]; 0.5 for an uninformative detector.

    Raises:
        ValueError: shapes differ, a counted score is NaN, or the counted pixels
            contain no target or no background.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels)
    if s.shape != y.shape:
        raise ValueError(f"scores shape {s.shape} differs from labels shape {y.shape}")
    keep = np.ones(s.shape, dtype=np.bool_) if mask is None else np.asarray(mask, dtype=np.bool_)
    if keep.shape != s.shape:
        raise ValueError(f"mask shape {keep.shape} differs from scores shape {s.shape}")
    s = s[keep]
    positive = y[keep] != 0
    if np.isnan(s).any():
        raise ValueError("scores contain NaN; mask them out or replace them")
    n1 = int(positive.sum())
    n0 = positive.size - n1
    if n1 == 0 or n0 == 0:
        raise ValueError(f"ROC AUC needs targets and background, got {n1} and {n0} pixels")
    rank_sum = float(average_ranks(s)[positive].sum())
    return float((rank_sum - n1 * (n1 + 1) / 2.0) / (n1 * n0))
