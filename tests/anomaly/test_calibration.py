"""Scores to -log10 false-alarm probability."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special
import scipy.stats

from rams.anomaly import chi2_log10_pfa, empirical_log10_pfa


@pytest.mark.parametrize("bands", [1, 3, 8, 200])
def test_chi2_matches_scipy_where_it_is_representable(bands: int) -> None:
    scores = np.linspace(0.0, scipy.stats.chi2.isf(1e-250, bands), 200)
    expected = -np.log10(scipy.stats.chi2.sf(scores, bands))
    np.testing.assert_allclose(chi2_log10_pfa(scores, bands), expected, rtol=1e-6, atol=1e-6)


def test_chi2_threshold_means_false_alarm_rate() -> None:
    score = scipy.stats.chi2.isf(1e-3, 8)
    assert chi2_log10_pfa(np.array([score]), 8)[0] == pytest.approx(3.0, rel=1e-6)
    # background drawn from the model: the fraction above threshold 2 is about 1e-2
    draws = np.random.default_rng(0).chisquare(8, size=200_000)
    assert np.mean(chi2_log10_pfa(draws, 8) >= 2.0) == pytest.approx(1e-2, rel=0.05)


@pytest.mark.parametrize("bands", [2, 4, 8])
def test_chi2_deep_tail_is_exact_for_even_bands(bands: int) -> None:
    # even dof: sf(x) = exp(-x/2) sum_{i<k/2} (x/2)^i / i!, so the tail is known in closed form
    x = np.array([1e3, 1.5e3, 5e3, 1e5, 1e8])
    z = x / 2
    log_sf = -z + np.log(sum(z**i / np.prod(np.arange(1, i + 1)) for i in range(bands // 2)))
    got = chi2_log10_pfa(x, bands)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, -log_sf / np.log(10), rtol=1e-6)


@pytest.mark.parametrize("bands", [1, 5, 6, 191, 200])
def test_chi2_is_finite_monotone_and_continuous_through_the_switch(bands: int) -> None:
    scores = np.concatenate([np.linspace(0, 5e3, 20001), [1e6, 1e12, 3e38, np.inf]])
    got = chi2_log10_pfa(scores, bands)
    assert got.dtype == np.float32 and np.all(np.isfinite(got))
    assert np.all(np.diff(got.astype(np.float64)) >= 0)
    steps = np.diff(got[:20001].astype(np.float64))
    assert steps.max() < 0.01 * bands + 0.2  # no jump where the asymptotic series takes over


@pytest.mark.parametrize("bands", [2, 6, 40, 200])
def test_chi2_even_closed_form_agrees_with_the_incomplete_gamma(bands: int) -> None:
    # even dof take a closed form (a finite sum); the incomplete gamma is the general path
    scores = np.concatenate([[0.0, 1e-12], np.geomspace(1e-6, 1.0e4, 4001)]).astype(np.float32)
    with np.errstate(divide="ignore"):
        expected = -np.log(scipy.special.chdtrc(float(bands), scores.astype(np.float64))) / np.log(10)
    representable = np.isfinite(expected)
    got = chi2_log10_pfa(scores, bands)
    np.testing.assert_allclose(got[representable], expected[representable], rtol=2e-7, atol=1e-12)
    # beyond float64 the sum overflows (z^(a-1) > 1.8e308) and the factored series takes over
    huge = chi2_log10_pfa(np.array([1e200, 1e300, 1.7e308]), bands)
    z = np.array([1e200, 1e300, 1.7e308]) / 2
    expected_huge = (z - (bands / 2 - 1) * np.log(z) + scipy.special.gammaln(bands / 2)) / np.log(10)
    np.testing.assert_allclose(huge, np.minimum(expected_huge, np.finfo(np.float32).max), rtol=1e-6)


def test_chi2_masked_and_bad_scores_map_to_zero() -> None:
    got = chi2_log10_pfa(np.array([0.0, -1.0, np.nan]), 4)
    np.testing.assert_array_equal(got, [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="n_bands"):
        chi2_log10_pfa(np.ones(3), 0)


def test_empirical_fractions() -> None:
    reference = np.array([1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, np.nan, np.inf])
    scores = np.array([[0.5, 1.0, 2.0], [9.0, 9.5, np.nan]])
    got = empirical_log10_pfa(scores, reference)
    # finite reference: 10 values; >= 2.0: 9; >= 9.0: 1; beyond all: clipped to 1/10
    expected = -np.log10(np.array([[1.0, 1.0, 0.9], [0.1, 0.1, 1.0]]))
    expected[1, 2] = 0.0
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    assert got.shape == scores.shape and got.dtype == np.float32
    with pytest.raises(ValueError, match="reference"):
        empirical_log10_pfa(scores, np.array([np.nan]))


def test_empirical_matches_chi2_on_model_data() -> None:
    reference = np.random.default_rng(1).chisquare(6, size=400_000)
    scores = scipy.stats.chi2.isf([1e-1, 1e-2, 1e-3], 6)
    np.testing.assert_allclose(empirical_log10_pfa(scores, reference), [1, 2, 3], atol=0.03)


@pytest.mark.parametrize("bands", [2, 4, 6, 8, 12, 64])
def test_capped_chi2_numba_path_matches_the_numpy_closed_form(bands: int) -> None:
    # even band counts take one numba pass (the pipeline's per-tile calibration); the
    # general path, capped afterwards, is the reference
    from rams.anomaly import capped_chi2_log10_pfa
    from rams.anomaly.calibration import MAX_LOG10_PFA

    x = np.concatenate([np.geomspace(1e-3, 2e3, 50002), [1e6, 1e20, 3e38]]).reshape(-1, 5).astype(np.float32)
    expected = np.minimum(chi2_log10_pfa(x, bands), MAX_LOG10_PFA)
    got = capped_chi2_log10_pfa(x, bands)
    assert got.dtype == np.float32 and got.shape == x.shape
    meaningful = expected >= 1e-6  # below that both are 0 to float32 precision of the scores
    np.testing.assert_allclose(got[meaningful], expected[meaningful], rtol=1e-6)
    assert np.all(got[~meaningful] < 1e-5)
    assert got.max() == MAX_LOG10_PFA
    bad = capped_chi2_log10_pfa(np.array([0.0, -2.0, np.nan, np.inf], np.float32), bands)
    np.testing.assert_array_equal(bad, [0.0, 0.0, 0.0, MAX_LOG10_PFA])


def test_capped_chi2_deep_bulk_uses_the_lower_tail_series() -> None:
    # two bands: Pfa = exp(-x / 2) exactly, so -log10 Pfa = x / (2 ln 10) even for tiny x,
    # where 1 - Pfa cancels in the upper-tail form
    from rams.anomaly import capped_chi2_log10_pfa

    x = np.array([1e-12, 1e-9, 1e-7, 1e-5], np.float64)
    np.testing.assert_allclose(capped_chi2_log10_pfa(x, 2), x / (2 * np.log(10)), rtol=1e-6)
