"""Rank-based ROC AUC against a brute-force pairwise count."""

from __future__ import annotations

import numpy as np
import pytest

from rams.evaluation.roc import average_ranks, roc_auc


def pairwise_auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """P(target > background) + P(tie) / 2 over all target/background pairs."""
    pos = scores[labels.astype(bool)][:, None]
    neg = scores[~labels.astype(bool)][None, :]
    return float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


@pytest.mark.parametrize("seed", range(5))
def test_matches_pairwise_count_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.random((23, 31)) < 0.1
    scores = rng.integers(0, 12, size=(23, 31)) + 2.0 * labels  # many ties
    assert roc_auc(scores, labels) == pytest.approx(pairwise_auc(scores, labels), abs=1e-12)


def test_continuous_scores_and_mask() -> None:
    rng = np.random.default_rng(7)
    labels = (rng.random(2000) < 0.05).astype(np.uint8)
    scores = rng.normal(size=2000) + labels
    mask = rng.random(2000) > 0.3
    assert roc_auc(scores, labels, mask) == pytest.approx(
        pairwise_auc(scores[mask], labels[mask]), abs=1e-12
    )


def test_extremes() -> None:
    labels = np.array([0, 0, 1, 1])
    assert roc_auc(np.array([1.0, 2.0, 3.0, 4.0]), labels) == 1.0
    assert roc_auc(np.array([4.0, 3.0, 2.0, 1.0]), labels) == 0.0
    assert roc_auc(np.ones(4), labels) == 0.5


def test_average_ranks() -> None:
    np.testing.assert_array_equal(
        average_ranks(np.array([3.0, 1.0, 3.0, 2.0, 3.0])), [4, 1, 4, 2, 4]
    )


def test_errors() -> None:
    with pytest.raises(ValueError, match="targets and background"):
        roc_auc(np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="shape"):
        roc_auc(np.ones(3), np.zeros(4))
    with pytest.raises(ValueError, match="NaN"):
        roc_auc(np.array([np.nan, 1.0]), np.array([0, 1]))
