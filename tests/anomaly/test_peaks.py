"""Anomaly peaks (local maxima, merging across tiles) and the capped calibrations."""

from __future__ import annotations

import numpy as np
import pytest

from rams.anomaly import (
    MAX_LOG10_PFA,
    capped_chi2_log10_pfa,
    capped_empirical_log10_pfa,
    chi2_log10_pfa,
    local_maxima,
    merge_peaks,
)
from rams.core.points import MinePoint


def test_local_maxima_threshold_spacing_validity_and_order() -> None:
    score = np.zeros((40, 40), np.float32)
    score[10, 10] = 9.0
    score[10, 12] = 8.0  # within 2 px of a stronger one: not a peak at spacing 2
    score[30, 30] = 7.0
    score[5, 35] = 12.0  # masked out
    score[20, 5] = 5.9  # below the threshold
    valid = np.ones_like(score, bool)
    valid[5, 35] = False
    peaks = local_maxima(score, valid, threshold=6.0, spacing_px=2)
    assert peaks.tolist() == [[10, 10], [30, 30]]
    # With spacing 1 the neighbour two pixels away is its own peak; strongest first.
    assert local_maxima(score, valid, 6.0, 1).tolist() == [[10, 10], [10, 12], [30, 30]]
    assert local_maxima(score, valid, 6.0, 1, max_peaks=2).tolist() == [[10, 10], [10, 12]]


def test_local_maxima_at_the_pixels_above_the_threshold_equal_the_dilation(monkeypatch: pytest.MonkeyPatch) -> None:
    """Few pixels above the threshold: the window maximum at those pixels only; many: one
    dilation of the raster. The same peaks, in the same order, at borders and on ties."""
    import rams.anomaly.peaks as peaks_module

    rng = np.random.default_rng(8)
    for trial in range(30):
        rows, cols = rng.integers(5, 90, 2)
        score = rng.gamma(2.0, 1.5, (rows, cols)).astype(np.float32)
        score[rng.random((rows, cols)) < 0.05] = 9.0  # ties
        score[0, :] = rng.choice([0.0, 9.0, 11.0], cols)  # peaks on the border
        valid = rng.random((rows, cols)) > 0.1
        spacing = int(rng.integers(1, 12))
        sparse = local_maxima(score, valid, 6.0, spacing)
        with monkeypatch.context() as m:
            m.setattr(peaks_module, "_SPARSE_PEAK_PIXELS", -1)  # always the dilation
            dense = local_maxima(score, valid, 6.0, spacing)
        assert len(dense) > 0 and sparse.tolist() == dense.tolist(), trial
    # a NaN in a window leaves the decision to the dilation
    score = np.zeros((20, 20), np.float32)
    score[10, 10], score[10, 12] = 9.0, np.nan
    with monkeypatch.context() as m:
        m.setattr(peaks_module, "_SPARSE_PEAK_PIXELS", -1)
        dense = local_maxima(score, np.ones_like(score, bool), 6.0, 3)
    assert local_maxima(score, np.ones_like(score, bool), 6.0, 3).tolist() == dense.tolist()
    assert local_maxima(np.zeros((8, 8), np.float32), np.ones((8, 8), bool), 6.0, 2).shape == (0, 2)


def _peak(x: float, y: float, s: float) -> MinePoint:
    return MinePoint(x_m=x, y_m=y, class_name="unknown", confidence=1.0, detector="anomaly_core",
                     sensor="thermal", gsd_m=0.05, extra={"score": s})


def test_merge_peaks_keeps_the_strongest_within_the_radius() -> None:
    peaks = [_peak(0.0, 0.0, 7.0), _peak(0.3, 0.0, 9.0), _peak(2.0, 0.0, 6.5), _peak(0.6, 0.0, 6.8)]
    kept = merge_peaks(peaks, 0.5)
    # 9.0 at 0.3 takes 0.0 and 0.6 (both within 0.5 m); 2.0 is far.
    assert [(p.x_m, p.extra["score"]) for p in kept] == [(0.3, 9.0), (2.0, 6.5)]
    assert merge_peaks(list(reversed(peaks)), 0.5) == kept  # order of the input does not matter


def test_capped_calibrations() -> None:
    rx = np.array([1.0, 50.0, 1e4], np.float64)
    capped = capped_chi2_log10_pfa(rx, 6)
    assert capped.dtype == np.float32
    assert capped[2] == MAX_LOG10_PFA < chi2_log10_pfa(rx, 6)[2]
    assert capped[1] == np.float32(chi2_log10_pfa(rx, 6)[1])
    reference = np.arange(1000, dtype=np.float64)
    emp = capped_empirical_log10_pfa(np.array([500.0, 1e9]), reference)
    assert emp.dtype == np.float32 and 0 < emp[0] < emp[1] <= MAX_LOG10_PFA
