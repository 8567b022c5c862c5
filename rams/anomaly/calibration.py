"""Turning RX scores into a false-alarm scale.

Both functions return ``-log10(Pfa)``: the value 3 means that a background pixel scores
at least as high with probability 1e-3, so one threshold reads the same for every
detector, band set and flight, and ``anomaly.tif`` can be thresholded in false alarms.

* :func:`chi2_log10_pfa`: theoretical. For Gaussian background with known mean and
  covariance, the RX score of ``b`` bands is chi-square with ``b`` degrees of freedom.
  Real scenes have heavier tails, so this over-reports significance; it is exact for the
  Gaussian model and needs no reference data.
* :func:`empirical_log10_pfa`: per flight. The fraction of the flight's own valid scores
  at least as high; it is honest about heavy tails but cannot resolve Pfa below
  ``1 / len(reference)``.
"""

from __future__ import annotations

import numpy as np
import scipy.special
from numpy.typing import ArrayLike, NDArray

from rams.anomaly._calibration_numba import capped_chi2_log10_pfa_even

_LN10 = float(np.log(10.0))
_UNDERFLOW_LOGSF = -600.0
"""Below this natural-log tail, scipy's logsf underflows; use the asymptotic series."""


def _log_chi2_sf_asymptotic(x: NDArray[np.float64], dof: int) -> NDArray[np.float64]:
    """``ln P(chi2_dof >= x)`` for large ``x``, from the upper incomplete gamma series.

    ``Gamma(a, z) ~ z^(a-1) e^(-z) sum_i (a-1)(a-2)...(a-i) / z^i`` with ``a = dof / 2``,
    ``z = x / 2``; the series terminates for even ``dof`` and converges fast for
    ``z >> a`` otherwise (used only where the tail is below e^-600).
    """
    a = dof / 2.0
    z = x / 2.0
    total = np.ones_like(z)
    term = np.ones_like(z)
    for i in range(1, 200):
        term = term * ((a - i) / z)
        total += term
        if np.all(np.abs(term) <= 1e-17 * np.abs(total)):
            break
    return np.asarray((a - 1.0) * np.log(z) - z - scipy.special.gammaln(a) + np.log(total), dtype=np.float64)


def _chi2_log10_pfa_even(x: NDArray[np.float64], dof: int) -> NDArray[np.float32]:
    """:func:`chi2_log10_pfa` for even ``dof`` in closed form (``x`` >= 0, finite).

    For integer ``a = dof / 2`` the tail is a finite sum, ``Q(a, z) = e^-z sum_{k<a} z^k /
    k!`` with ``z = x / 2``, so ``-ln Q = z - ln(1 + t)``, ``t = sum_{1<=k<a} z^k / k!`` (by
    Horner's rule): a few array operations instead of scipy's incomplete gamma, about 8x
    faster per pixel and the same value within float64 rounding. Two regions go back to
    the general path: where ``t`` overflows (``z^(a-1)`` beyond float64; the factored series)
    and where ``-ln Q < 1e-6`` (deep in the bulk, where ``z - ln(1 + t)`` cancels).
    """
    a = dof // 2
    z = x * 0.5
    t = np.zeros_like(z)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(a - 1, 0, -1):  # t = z (1 + z/2 (1 + ... (1 + z/(a-1))))
            t += 1.0
            t *= z
            t *= 1.0 / k
        out = np.log1p(t)
        np.subtract(z, out, out=out)
    huge = ~np.isfinite(out)
    if np.any(huge):
        out[huge] = -_log_chi2_sf_asymptotic(x[huge], dof)
    bulk = (out < 1e-6) & (x > 0.0)
    if np.any(bulk):
        out[bulk] = -np.log(scipy.special.chdtrc(float(dof), x[bulk]))
    out *= 1.0 / _LN10
    np.maximum(out, 0.0, out=out)
    return np.asarray(np.minimum(out, np.finfo(np.float32).max), dtype=np.float32)


def chi2_log10_pfa(scores: ArrayLike, n_bands: int) -> NDArray[np.float32]:
    """``-log10`` of the chi-square tail probability of RX scores.

    Computed from the log survival function, switching to an asymptotic series where
    it underflows, so large scores give large finite values (not ``inf``).

    Args:
        scores: RX scores (any shape), squared Mahalanobis distances.
        n_bands: bands of the detector = chi-square degrees of freedom.

    Returns:
        float32 array of ``-log10(Pfa) >= 0``, shape of ``scores``; scores <= 0 (masked
        pixels) and NaN give 0.

    Raises:
        ValueError: ``n_bands < 1``.
    """
    if n_bands < 1:
        raise ValueError(f"n_bands must be positive, got {n_bands}")
    x = np.asarray(scores, dtype=np.float64)
    x = np.where(np.isnan(x) | (x < 0.0), 0.0, np.minimum(x, np.finfo(np.float64).max))
    if n_bands % 2 == 0:
        return _chi2_log10_pfa_even(x, n_bands)
    # chdtrc is the regularised upper incomplete gamma Q(dof/2, x/2): the same tail as
    # scipy.stats.chi2.sf without the distribution machinery (3x faster per pixel)
    with np.errstate(divide="ignore"):
        logsf = np.log(scipy.special.chdtrc(float(n_bands), x))
    deep = ~(logsf > _UNDERFLOW_LOGSF)
    if np.any(deep):
        logsf[deep] = _log_chi2_sf_asymptotic(x[deep], n_bands)
    out = np.maximum(-logsf / _LN10, 0.0)
    return np.asarray(np.minimum(out, np.finfo(np.float32).max), dtype=np.float32)


def empirical_log10_pfa(scores: ArrayLike, reference_scores: ArrayLike) -> NDArray[np.float32]:
    """``-log10`` of the fraction of reference scores at least as high as each score.

    ``Pfa(s) = #{ref >= s} / N`` via a binary search in the sorted reference, clipped
    below at ``1 / N`` so a score beyond every reference reads ``log10(N)`` rather than
    ``inf``. Use the valid pixels of the flight (or a random sample of them) as reference.

    Args:
        scores: RX scores, any shape.
        reference_scores: background scores, any shape; non-finite values are dropped.

    Returns:
        float32 array of ``-log10(Pfa)`` in ``[0, log10(N)]``, shape of ``scores``;
        NaN scores give 0.

    Raises:
        ValueError: no finite reference score.
    """
    ref = np.asarray(reference_scores, dtype=np.float64).ravel()
    ref = np.sort(ref[np.isfinite(ref)])
    n = ref.size
    if n == 0:
        raise ValueError("empirical_log10_pfa needs at least one finite reference score")
    x = np.asarray(scores, dtype=np.float64)
    at_least = n - np.searchsorted(ref, x, side="left")
    out = -np.log10(np.maximum(at_least, 1) / n)
    return np.where(np.isnan(x), 0.0, out).astype(np.float32)


#: Ceiling of a calibrated score, -log10(Pfa): beyond it the tails say nothing more.
MAX_LOG10_PFA = 30.0


#: Most degrees of freedom of the numba path of :func:`capped_chi2_log10_pfa` (its Horner sum
#: cannot overflow below the cap there).
_NUMBA_MAX_DOF = 64


def capped_chi2_log10_pfa(rx: ArrayLike, n_bands: int) -> NDArray[np.float32]:
    """:func:`chi2_log10_pfa` capped at :data:`MAX_LOG10_PFA` (float32).

    Even band counts up to 64 (every multispectral + thermal set) take one parallel numba
    pass (:mod:`rams.anomaly._calibration_numba`), the same formulas as the numpy closed
    form without its float64 temporaries; the pipeline calls it on every tile.
    """
    if n_bands < 1:
        raise ValueError(f"n_bands must be positive, got {n_bands}")
    x = np.asarray(rx)
    if n_bands % 2 == 0 and n_bands <= _NUMBA_MAX_DOF and x.dtype in (np.float32, np.float64):
        return capped_chi2_log10_pfa_even(x, n_bands, MAX_LOG10_PFA)
    return np.asarray(np.minimum(chi2_log10_pfa(x, n_bands), MAX_LOG10_PFA), dtype=np.float32)


def capped_empirical_log10_pfa(rx: ArrayLike, reference: ArrayLike) -> NDArray[np.float32]:
    """:func:`empirical_log10_pfa` capped at :data:`MAX_LOG10_PFA` (float32)."""
    return np.asarray(np.minimum(empirical_log10_pfa(rx, reference), MAX_LOG10_PFA), dtype=np.float32)
