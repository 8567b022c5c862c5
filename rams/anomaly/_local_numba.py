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

The image is cut into tasks (row strips x column panels with a halo) processed in
parallel; each task starts its running sums afresh, which also bounds the float64 drift
of the add/subtract updates, and its arrays stay in L2 cache. The covariances are
factorised by :mod:`rams.anomaly._cholesky_numba`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from rams.anomaly._cholesky_numba import score_pixel, score_row
from rams.anomaly._rx_numba import F32_MAX, FASTMATH


@njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def _add_row(cube, valid, centre, row, g0, width, pad, sums, sign, d):  # type: ignore[no-untyped-def]
    """Add (sign=1) or subtract (sign=-1) one row's features to the column sums.

    Image columns ``[g0, g0 + width)`` go to ``sums[:, pad + c]``; ``sums`` is
    feature-major so every loop runs along columns and vectorises. ``d`` (bands, width)
    is scratch for the centred, masked row. (Loops index 1-D views from 0 so that LLVM
    can drop numba's negative-index wraparound and vectorise.)
    """
    b = cube.shape[0]
    ok = valid[row, g0 : g0 + width]
    count = sums[0, pad : pad + width]
    for c in range(width):
        if ok[c]:
            count[c] += sign
    for k in range(b):
        ck = centre[k]
        src = cube[k, row, g0 : g0 + width]
        dk = d[k]
        sk = sums[1 + k, pad : pad + width]
        for c in range(width):
            v = np.float64(src[c]) - ck if ok[c] else 0.0
            dk[c] = v
            sk[c] += sign * v
    q = 1 + b
    for k in range(b):
        dk = d[k]
        for j in range(k + 1):
            dj = d[j]
            sq = sums[q, pad : pad + width]
            for c in range(width):
                sq[c] += sign * dk[c] * dj[c]
            q += 1


@njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def _background_sums(col_out, col_in, h_out, h_in, c0, c1, bsum, start):  # type: ignore[no-untyped-def]
    """Background (outer minus inner window) sums of columns ``c0 <= c < c1``.

    ``col_*`` are zero-padded by more than ``h_out`` columns on each side, which clips
    the windows for free. Running sums along the row, one feature at a time, from the
    window at ``c0 - 1``: add the columns entering, subtract those leaving. The feature
    count is padded to a multiple of four; ``start`` is scratch (features,).
    """
    m = c1 - c0
    for f in range(col_out.shape[0]):
        acc = 0.0
        for c in range(c0 - 1 - h_out, c0 + h_out):
            acc += col_out[f, c]
        for c in range(c0 - 1 - h_in, c0 + h_in):
            acc -= col_in[f, c]
        out_add = col_out[f, c0 + h_out : c1 + h_out]
        out_sub = col_out[f, c0 - 1 - h_out : c1 - 1 - h_out]
        in_add = col_in[f, c0 + h_in : c1 + h_in]
        in_sub = col_in[f, c0 - 1 - h_in : c1 - 1 - h_in]
        step = bsum[f, c0:c1]
        for i in range(m):
            step[i] = out_add[i] - out_sub[i] - in_add[i] + in_sub[i]
        start[f] = acc
    # prefix sums: four features per pass for independent dependency chains
    for f in range(0, col_out.shape[0], 4):
        s0, s1, s2, s3 = bsum[f, c0:c1], bsum[f + 1, c0:c1], bsum[f + 2, c0:c1], bsum[f + 3, c0:c1]
        a0, a1, a2, a3 = start[f], start[f + 1], start[f + 2], start[f + 3]
        for i in range(m):
            a0 += s0[i]
            s0[i] = a0
            a1 += s1[i]
            s1[i] = a1
            a2 += s2[i]
            s2[i] = a2
            a3 += s3[i]
            s3[i] = a3


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model="numpy")
def rx_local_kernel(  # type: ignore[no-untyped-def]
    cube, valid, centre, white, h_in, h_out, min_bg, floor, strip_rows, panel_cols, row_lo, col_lo, out
):
    """Dual-window RX scores written into ``out``.

    The image is cut into tasks of ``strip_rows`` x ``panel_cols`` pixels; a task keeps
    running column sums for its columns plus an ``h_out`` halo (so they stay in L2
    cache) and factorises the backgrounds of a task row together (loops across pixels
    vectorise). Tasks run in parallel.

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
        strip_rows: rows per task.
        panel_cols: columns per task (without halo).
        row_lo: the first row of the scored region (0 for the whole cube).
        col_lo: its first column.
        out: float32 scores of the region ``row_lo:row_lo + out.shape[0]``,
            ``col_lo:col_lo + out.shape[1]``; invalid pixels get 0. The backgrounds of
            its pixels take the cube's pixels around it, so its scores are those the
            whole cube would have there.
    """
    b, rows, cols = cube.shape
    row_hi, col_hi = row_lo + out.shape[0], col_lo + out.shape[1]
    nf = 1 + b + b * (b + 1) // 2
    nf_pad = (nf + 3) // 4 * 4
    n_strips = (row_hi - row_lo + strip_rows - 1) // strip_rows
    n_panels = (col_hi - col_lo + panel_cols - 1) // panel_cols
    for task in prange(n_strips * n_panels):
        r0 = row_lo + (task // n_panels) * strip_rows
        r1 = min(row_hi, r0 + strip_rows)
        p0 = col_lo + (task % n_panels) * panel_cols
        p1 = min(col_hi, p0 + panel_cols)
        g0 = max(0, p0 - h_out)
        width = min(cols, p1 + h_out) - g0
        pad = h_out + 1
        padded = width + 2 * pad
        col_out = np.zeros((nf_pad, padded))
        col_in = np.zeros((nf_pad, padded))
        bsum = np.zeros((nf_pad, padded))
        start = np.empty(nf_pad)
        d = np.empty((b, width))
        w = p1 - p0
        x = np.empty((b, w))
        st = (
            np.empty(w),
            np.empty((b, w)),
            np.empty((b, b, w)),
            np.empty((b, w)),
            np.empty(w),
            np.empty(w),
            np.empty(w),
            np.empty(w, np.bool_),
        )
        a1 = np.empty((b, b))
        l1 = np.zeros((b, b))
        inv1 = np.empty(b)
        mean1 = np.empty(b)
        for rr in range(max(0, r0 - h_out), min(rows, r0 + h_out + 1)):
            _add_row(cube, valid, centre, rr, g0, width, pad, col_out, 1.0, d)
        for rr in range(max(0, r0 - h_in), min(rows, r0 + h_in + 1)):
            _add_row(cube, valid, centre, rr, g0, width, pad, col_in, 1.0, d)
        c0, c1 = pad + p0 - g0, pad + p1 - g0  # the task's own columns, padded coords
        for r in range(r0, r1):
            if r > r0:
                if r + h_out < rows:
                    _add_row(cube, valid, centre, r + h_out, g0, width, pad, col_out, 1.0, d)
                if r - 1 - h_out >= 0:
                    _add_row(cube, valid, centre, r - 1 - h_out, g0, width, pad, col_out, -1.0, d)
                if r + h_in < rows:
                    _add_row(cube, valid, centre, r + h_in, g0, width, pad, col_in, 1.0, d)
                if r - 1 - h_in >= 0:
                    _add_row(cube, valid, centre, r - 1 - h_in, g0, width, pad, col_in, -1.0, d)
            _background_sums(col_out, col_in, h_out, h_in, c0, c1, bsum, start)
            m = c1 - c0
            for k in range(b):
                ck, src, xk = centre[k], cube[k, r, p0:p1], x[k]
                for p in range(m):
                    xk[p] = np.float64(src[p]) - ck
            score_row(x, bsum[:, c0:c1], m, floor, st)
            n, score, ok = st[0], st[6], st[7]
            for p in range(m):
                v = score[p]
                if not valid[r, p0 + p]:
                    v = 0.0
                elif n[p] < min_bg or not ok[p]:
                    v = score_pixel(x, p, bsum, c0 + p, white, min_bg, floor, a1, l1, inv1, mean1)
                if v != v:
                    v = 0.0
                out[r - row_lo, p0 + p - col_lo] = min(v, F32_MAX)
    return out
