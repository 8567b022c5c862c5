"""Numba kernel of dual-window (local) RX; the numpy reference is in :mod:`.local`.

Background sums over the outer window minus the inner (guard) window are kept as
running sums, so the cost per pixel does not depend on the window sizes:

* for the current row ``r``, ``col_out[:, c]`` holds the sums over rows
  ``[r - h_out, r + h_out]`` (clipped to the image) of the features of column ``c``:
  ``[1, x_k, x_k x_j (j <= k)]`` of valid pixels, ``x`` centred by the global mean;
  moving to the next row adds one row and subtracts one;
* along the row, the window sum is a running sum of ``col_out`` over columns
  ``[c - h_out, c + h_out]`` (one column in, one out per step); the same for the inner
  window with ``h_in``.

Rows are split into strips processed in parallel; each strip starts its running sums
afresh, which also bounds the float64 drift of the add/subtract updates. Per pixel, the
background covariance is factorised by an in-place Cholesky with the same regularised
fallback as :func:`rams.anomaly._linalg.regularized_cholesky`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rams.anomaly._linalg import EPS_START, EPS_STOP, PIVOT_RTOL
from rams.anomaly._rx_numba import F32_MAX, FASTMATH


@njit(cache=True)
def _cholesky_into(a, lower, ridge, tol):  # type: ignore[no-untyped-def]
    """Cholesky of ``a + ridge I`` (lower triangle of ``a`` read) into ``lower``.

    Returns False as soon as a pivot is not above ``tol`` (or is NaN).
    """
    b = a.shape[0]
    for j in range(b):
        s = a[j, j] + ridge
        for m in range(j):
            s -= lower[j, m] * lower[j, m]
        if not s > tol:
            return False
        ljj = np.sqrt(s)
        lower[j, j] = ljj
        for i in range(j + 1, b):
            t = a[i, j]
            for m in range(j):
                t -= lower[i, m] * lower[j, m]
            lower[i, j] = t / ljj
    return True


@njit(cache=True)
def regularized_cholesky_into(a, lower, floor):  # type: ignore[no-untyped-def]
    """Per-matrix twin of :func:`rams.anomaly._linalg.regularized_cholesky`."""
    b = a.shape[0]
    trace = 0.0
    for k in range(b):
        trace += a[k, k]
    scale = trace / b
    if not scale > floor:
        scale = floor
    tol = PIVOT_RTOL * scale
    if _cholesky_into(a, lower, 0.0, tol):
        return
    eps = EPS_START
    while eps <= EPS_STOP * (1 + 1e-9):
        if _cholesky_into(a, lower, eps * scale, tol):
            return
        eps *= 10.0
    for i in range(b):
        for j in range(i + 1):
            lower[i, j] = np.sqrt(scale) if i == j else 0.0


@njit(cache=True, fastmath=FASTMATH)
def _add_row(cube, valid, centre, row, sums, sign, d):  # type: ignore[no-untyped-def]
    """Add (sign=1) or subtract (sign=-1) one row's features to the column sums.

    ``sums`` is feature-major (features, cols) so every loop runs along columns and
    vectorises; ``d`` (bands, cols) is scratch for the centred, masked row.
    """
    b, _, cols = cube.shape
    for c in range(cols):
        if valid[row, c]:
            sums[0, c] += sign
    for k in range(b):
        ck = centre[k]
        for c in range(cols):
            v = np.float64(cube[k, row, c]) - ck if valid[row, c] else 0.0
            d[k, c] = v
            sums[1 + k, c] += sign * v
    q = 1 + b
    for k in range(b):
        for j in range(k + 1):
            for c in range(cols):
                sums[q, c] += sign * d[k, c] * d[j, c]
            q += 1


@njit(cache=True, fastmath=FASTMATH)
def _window_steps(col_out, col_in, h_out, h_in, steps):  # type: ignore[no-untyped-def]
    """Per-column increments of the background (outer minus inner) window sums.

    ``steps[:, 0]`` is the background sum of column 0 and ``steps[:, c]`` what moving
    the windows from column ``c - 1`` to ``c`` adds, so a running sum of ``steps`` along
    the row gives every pixel's background sums. Windows are clipped to the row.
    """
    nf, cols = col_out.shape
    for f in range(nf):
        s = 0.0
        for c in range(min(cols, h_out + 1)):
            s += col_out[f, c]
        for c in range(min(cols, h_in + 1)):
            s -= col_in[f, c]
        steps[f, 0] = s
        for c in range(1, cols):
            steps[f, c] = 0.0
        for c in range(1, cols - h_out):
            steps[f, c] += col_out[f, c + h_out]
        for c in range(h_out + 1, cols):
            steps[f, c] -= col_out[f, c - 1 - h_out]
        for c in range(1, cols - h_in):
            steps[f, c] -= col_in[f, c + h_in]
        for c in range(h_in + 1, cols):
            steps[f, c] += col_in[f, c - 1 - h_in]


@njit(cache=True, parallel=True, fastmath=FASTMATH)
def rx_local_kernel(  # type: ignore[no-untyped-def]
    cube, valid, centre, white, h_in, h_out, min_bg, floor, strip_rows, out
):
    """Dual-window RX scores written into ``out``.

    Args:
        cube: (bands, rows, cols) numeric.
        valid: (rows, cols) bool, pixels that take part (mask and finite).
        centre: (bands,) float64 global mean, subtracted before forming sums.
        white: (bands, bands) float64 ``L^{-1}`` of the global covariance, used for pixels
            whose background has fewer than ``min_bg`` valid pixels.
        h_in: inner half-width (inner = 2 h_in + 1).
        h_out: outer half-width.
        min_bg: smallest background count for local statistics.
        floor: regularisation scale floor.
        strip_rows: rows per parallel strip.
        out: (rows, cols) float32 scores; invalid pixels get 0.
    """
    b, rows, cols = cube.shape
    nf = 1 + b + b * (b + 1) // 2
    n_strips = (rows + strip_rows - 1) // strip_rows
    for s in prange(n_strips):
        r0 = s * strip_rows
        r1 = min(rows, r0 + strip_rows)
        col_out = np.zeros((nf, cols))
        col_in = np.zeros((nf, cols))
        steps = np.empty((nf, cols))
        d = np.empty((b, cols))
        bg = np.empty(nf)
        x = np.empty(b)
        y = np.empty(b)
        mean = np.empty(b)
        a = np.empty((b, b))
        lower = np.empty((b, b))
        for rr in range(max(0, r0 - h_out), min(rows, r0 + h_out + 1)):
            _add_row(cube, valid, centre, rr, col_out, 1.0, d)
        for rr in range(max(0, r0 - h_in), min(rows, r0 + h_in + 1)):
            _add_row(cube, valid, centre, rr, col_in, 1.0, d)
        for r in range(r0, r1):
            if r > r0:
                if r + h_out < rows:
                    _add_row(cube, valid, centre, r + h_out, col_out, 1.0, d)
                if r - 1 - h_out >= 0:
                    _add_row(cube, valid, centre, r - 1 - h_out, col_out, -1.0, d)
                if r + h_in < rows:
                    _add_row(cube, valid, centre, r + h_in, col_in, 1.0, d)
                if r - 1 - h_in >= 0:
                    _add_row(cube, valid, centre, r - 1 - h_in, col_in, -1.0, d)
            _window_steps(col_out, col_in, h_out, h_in, steps)
            bg[:] = 0.0
            for c in range(cols):
                for f in range(nf):
                    bg[f] += steps[f, c]
                if not valid[r, c]:
                    out[r, c] = 0.0
                    continue
                for k in range(b):
                    x[k] = np.float64(cube[k, r, c]) - centre[k]
                n = bg[0]
                score = 0.0
                if n < min_bg:
                    for k in range(b):
                        acc = 0.0
                        for j in range(k + 1):
                            acc += white[k, j] * x[j]
                        score += acc * acc
                else:
                    for k in range(b):
                        mean[k] = bg[1 + k] / n
                    q = 1 + b
                    for k in range(b):
                        for j in range(k + 1):
                            a[k, j] = (bg[q] - n * mean[k] * mean[j]) / (n - 1)
                            q += 1
                    regularized_cholesky_into(a, lower, floor)
                    for k in range(b):
                        acc = x[k] - mean[k]
                        for j in range(k):
                            acc -= lower[k, j] * y[j]
                        y[k] = acc / lower[k, k]
                        score += y[k] * y[k]
                if score != score:
                    score = 0.0
                out[r, c] = min(score, F32_MAX)
    return out
