"""Numba factorisation of local background covariances (numpy twin: :mod:`._linalg`).

:func:`score_row` factorises the backgrounds of a row of pixels together, every loop
running across pixels so that it vectorises; :func:`score_pixel` handles single pixels
whose covariance needs regularisation or whose background is too small. Both follow the
rules of :func:`rams.anomaly._linalg.regularized_cholesky`: a pivot must exceed
``PIVOT_RTOL * trace / bands`` (floored), else a growing ridge is added.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rams.anomaly._linalg import EPS_START, EPS_STOP, PIVOT_RTOL
from rams.anomaly._rx_numba import FASTMATH


@njit(cache=True, error_model="numpy")
def _cholesky_into(a, lower, inv_diag, ridge, tol):  # type: ignore[no-untyped-def]
    """Cholesky of ``a + ridge I`` (lower triangle of ``a`` read) into ``lower``.

    Stores ``1 / L[j, j]`` in ``inv_diag`` (one division per column). Returns False as
    soon as a pivot is not above ``tol`` (or is NaN).
    """
    b = a.shape[0]
    for j in range(b):
        s = a[j, j] + ridge
        for m in range(j):
            s -= lower[j, m] * lower[j, m]
        if not s > tol:
            return False
        ljj = np.sqrt(s)
        inv = 1.0 / ljj
        lower[j, j] = ljj
        inv_diag[j] = inv
        for i in range(j + 1, b):
            t = a[i, j]
            for m in range(j):
                t -= lower[i, m] * lower[j, m]
            lower[i, j] = t * inv
    return True


@njit(cache=True, error_model="numpy")
def regularized_cholesky_into(a, lower, inv_diag, floor):  # type: ignore[no-untyped-def]
    """Per-matrix twin of :func:`rams.anomaly._linalg.regularized_cholesky`."""
    b = a.shape[0]
    trace = 0.0
    for k in range(b):
        trace += a[k, k]
    scale = trace / b
    if not scale > floor:
        scale = floor
    tol = PIVOT_RTOL * scale
    if _cholesky_into(a, lower, inv_diag, 0.0, tol):
        return
    eps = EPS_START
    while eps <= EPS_STOP * (1 + 1e-9):
        if _cholesky_into(a, lower, inv_diag, eps * scale, tol):
            return
        eps *= 10.0
    for i in range(b):
        for j in range(i + 1):
            lower[i, j] = np.sqrt(scale) if i == j else 0.0
        inv_diag[i] = 1.0 / np.sqrt(scale)


@njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def score_row(x, sums, m, floor, st):  # type: ignore[no-untyped-def]
    """Local RX of ``m`` adjacent pixels at once, every loop running over the pixels.

    Pixel ``p`` is column ``p`` of ``x`` and ``sums``. Loops index 1-D views from 0 over
    ``m`` pixels, so LLVM vectorises them across pixels (a per-pixel 8 x 8 factorisation
    does not vectorise: its loops are too short).

    Args:
        x: (bands, >= m) centred spectra.
        sums: (features, >= m) background sums ``[n, sum x, sum x x^T]``.
        m: pixel count.
        floor: regularisation scale floor.
        st: scratch (n, mean, a, inv_diag, s, tol, score, ok), last axis >= m.

    ``score[:m]`` gets the scores; ``ok[p]`` is False where a pivot was not above the
    tolerance (those pixels need the regularised scalar routine).
    """
    n, mean, a, inv_diag, s, tol, score, ok = st
    b = x.shape[0]
    nn = sums[0]
    for p in range(m):
        n[p] = nn[p]
        score[p] = 0.0
        ok[p] = True
        s[p] = 0.0
        tol[p] = 1.0 / nn[p]  # tol holds 1/n, then 1/(n-1), until the factorisation
    for k in range(b):
        mk, sk = mean[k], sums[1 + k]
        for p in range(m):
            mk[p] = sk[p] * tol[p]
    for p in range(m):
        tol[p] = 1.0 / (n[p] - 1.0)
    q = 1 + b
    for k in range(b):
        mk = mean[k]
        for j in range(k + 1):
            akj, mj, sq = a[k, j], mean[j], sums[q]
            for p in range(m):
                akj[p] = (sq[p] - n[p] * mk[p] * mj[p]) * tol[p]
            q += 1
        akk = a[k, k]
        for p in range(m):
            s[p] += akk[p]
    for p in range(m):
        scale = s[p] / b
        tol[p] = PIVOT_RTOL * (scale if scale > floor else floor)
    # right-looking Cholesky in place (a becomes L)
    for j in range(b):
        ajj, inv = a[j, j], inv_diag[j]
        for p in range(m):
            v = ajj[p]
            ok[p] = ok[p] & (v > tol[p])
            ljj = np.sqrt(max(v, tol[p]))
            ajj[p] = ljj
            inv[p] = 1.0 / ljj
        for i in range(j + 1, b):
            aij = a[i, j]
            for p in range(m):
                aij[p] *= inv[p]
        for i in range(j + 1, b):
            aij = a[i, j]
            for k in range(j + 1, i + 1):
                aik, akj = a[i, k], a[k, j]
                for p in range(m):
                    aik[p] -= aij[p] * akj[p]
    # forward substitution L y = x - mean; mean becomes the residual, then y
    for k in range(b):
        xk, rk = x[k], mean[k]
        for p in range(m):
            rk[p] = xk[p] - rk[p]
    for j in range(b):
        rj, inv = mean[j], inv_diag[j]
        for p in range(m):
            y = rj[p] * inv[p]
            rj[p] = y
            score[p] += y * y
        for i in range(j + 1, b):
            ri, aij = mean[i], a[i, j]
            for p in range(m):
                ri[p] -= aij[p] * rj[p]


@njit(cache=True, error_model="numpy")
def score_pixel(x, p, bsum, c, white, min_bg, floor, a1, l1, inv1, mean1):  # type: ignore[no-untyped-def]
    """Local RX of pixel ``p`` alone, for the pixels :func:`score_row` cannot do.

    Global statistics (``white`` = ``L^{-1}`` of the global covariance) when the
    background has fewer than ``min_bg`` pixels, else the regularised factorisation of
    the background covariance from ``bsum[:, c]``. ``a1``, ``l1`` (bands, bands) and
    ``inv1``, ``mean1`` (bands,) are scratch.
    """
    b = x.shape[0]
    n = bsum[0, c]
    score = 0.0
    if n < min_bg:
        for k in range(b):
            acc = 0.0
            for j in range(k + 1):
                acc += white[k, j] * x[j, p]
            score += acc * acc
        return score
    for k in range(b):
        mean1[k] = bsum[1 + k, c] / n
    q = 1 + b
    for k in range(b):
        for j in range(k + 1):
            a1[k, j] = (bsum[q, c] - n * mean1[k] * mean1[j]) / (n - 1.0)
            q += 1
    regularized_cholesky_into(a1, l1, inv1, floor)
    for k in range(b):
        acc = x[k, p] - mean1[k]
        for j in range(k):
            acc -= l1[k, j] * mean1[j]
        acc *= inv1[k]
        mean1[k] = acc
        score += acc * acc
    return score
