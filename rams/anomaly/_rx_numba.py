"""Numba kernels of global RX: tile moments and scoring.

The numpy references are :func:`rams.anomaly.moments.tile_moments` (``backend="numpy"``)
and :func:`rams.anomaly.rx._score_numpy`; ``tests/anomaly`` checks that they agree.

Both kernels read the band-major cube straight from memory, a block of ``BLOCK`` columns
of one row at a time, in groups of four bands: each inner loop converts four (or eight)
bands of a pixel on the fly and keeps 10 or 16 sums in registers, so that the cube is
read once from memory and the float64 multiply-adds run at the core's FMA rate (an
earlier design first copied each block into a float64 buffer; that copy alone took as
long as the arithmetic). Inner loops index 1-D views from 0, which lets LLVM drop numba's
negative-index checks and vectorise across columns. A band count that is not a multiple
of four is padded by repeating the last band (its sums are discarded; in scoring its
weights are zero).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

FASTMATH = {"reassoc", "contract"}
"""Allow vectorised reductions and FMAs but keep NaN/inf semantics (validity tests)."""
BLOCK = 1024
"""Columns per block (one block of eight float32 bands is 32 KiB, an L1 cache)."""
SCORE_BLOCK = 4096
"""Columns per block of the scoring kernel (its input, y and score buffers stay in L1)."""
N_CHUNKS = 64
"""Row chunks of the moments kernel: its partial sums; independent of the thread count."""
F32_MAX = float(np.finfo(np.float32).max)


@njit(cache=True)
def _pixel_valid(cube, mask, use_mask, r, c):  # type: ignore[no-untyped-def]
    if use_mask and not mask[r, c]:
        return False
    for k in range(cube.shape[0]):
        if not np.isfinite(np.float64(cube[k, r, c])):
            return False
    return True


@njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def _block_validity(d, tot, ok, w, b, mrow, c0, use_mask):  # type: ignore[no-untyped-def]
    """Slow path of a block with a masked or non-finite pixel: flag and zero them.

    Returns the number of valid pixels; invalid columns of ``d`` are set to 0 (a select:
    NaN * 0 would still be NaN).
    """
    for c in range(w):
        tot[c] = 0.0
    for k in range(b):
        dk = d[k]
        for c in range(w):
            tot[c] += dk[c]
    n_valid = 0
    for c in range(w):
        valid = np.isfinite(tot[c])
        if use_mask:
            valid = valid & mrow[c0 + c]
        ok[c] = valid
        n_valid += valid
    for k in range(b):
        dk = d[k]
        for c in range(w):
            dk[c] = dk[c] if ok[c] else 0.0
    return n_valid


@njit(cache=True, fastmath=FASTMATH, error_model="numpy", inline="always")
def _diag_sums(x0, x1, x2, x3, shift, w, bs1, bs2, o):  # type: ignore[no-untyped-def]
    """Sums of ``d`` and lower-triangle products of four bands over ``w`` columns.

    ``d = float64(x) - shift``; results are added to ``bs1[o:o+4]`` and the lower triangle
    of ``bs2[o:o+4, o:o+4]``.
    """
    h0, h1, h2, h3 = shift[o], shift[o + 1], shift[o + 2], shift[o + 3]
    e0 = e1 = e2 = e3 = 0.0
    a00 = a10 = a11 = a20 = a21 = a22 = a30 = a31 = a32 = a33 = 0.0
    for c in range(w):
        u0 = np.float64(x0[c]) - h0
        u1 = np.float64(x1[c]) - h1
        u2 = np.float64(x2[c]) - h2
        u3 = np.float64(x3[c]) - h3
        e0 += u0
        e1 += u1
        e2 += u2
        e3 += u3
        a00 += u0 * u0
        a10 += u1 * u0
        a11 += u1 * u1
        a20 += u2 * u0
        a21 += u2 * u1
        a22 += u2 * u2
        a30 += u3 * u0
        a31 += u3 * u1
        a32 += u3 * u2
        a33 += u3 * u3
    bs1[o] += e0
    bs1[o + 1] += e1
    bs1[o + 2] += e2
    bs1[o + 3] += e3
    bs2[o, o] += a00
    bs2[o + 1, o] += a10
    bs2[o + 1, o + 1] += a11
    bs2[o + 2, o] += a20
    bs2[o + 2, o + 1] += a21
    bs2[o + 2, o + 2] += a22
    bs2[o + 3, o] += a30
    bs2[o + 3, o + 1] += a31
    bs2[o + 3, o + 2] += a32
    bs2[o + 3, o + 3] += a33


@njit(cache=True, fastmath=FASTMATH, error_model="numpy", inline="always")
def _cross_sums(x0, x1, x2, x3, y0, y1, y2, y3, shift, w, bs2, o, p):  # type: ignore[no-untyped-def]
    """Products of bands ``o..o+3`` (``x``) with bands ``p..p+3`` (``y``), into ``bs2[o:, p:]``."""
    h0, h1, h2, h3 = shift[o], shift[o + 1], shift[o + 2], shift[o + 3]
    g0, g1, g2, g3 = shift[p], shift[p + 1], shift[p + 2], shift[p + 3]
    a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = 0.0
    a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = 0.0
    for c in range(w):
        u0 = np.float64(x0[c]) - h0
        u1 = np.float64(x1[c]) - h1
        u2 = np.float64(x2[c]) - h2
        u3 = np.float64(x3[c]) - h3
        v0 = np.float64(y0[c]) - g0
        v1 = np.float64(y1[c]) - g1
        v2 = np.float64(y2[c]) - g2
        v3 = np.float64(y3[c]) - g3
        a00 += u0 * v0
        a01 += u0 * v1
        a02 += u0 * v2
        a03 += u0 * v3
        a10 += u1 * v0
        a11 += u1 * v1
        a12 += u1 * v2
        a13 += u1 * v3
        a20 += u2 * v0
        a21 += u2 * v1
        a22 += u2 * v2
        a23 += u2 * v3
        a30 += u3 * v0
        a31 += u3 * v1
        a32 += u3 * v2
        a33 += u3 * v3
    bs2[o, p] += a00
    bs2[o, p + 1] += a01
    bs2[o, p + 2] += a02
    bs2[o, p + 3] += a03
    bs2[o + 1, p] += a10
    bs2[o + 1, p + 1] += a11
    bs2[o + 1, p + 2] += a12
    bs2[o + 1, p + 3] += a13
    bs2[o + 2, p] += a20
    bs2[o + 2, p + 1] += a21
    bs2[o + 2, p + 2] += a22
    bs2[o + 2, p + 3] += a23
    bs2[o + 3, p] += a30
    bs2[o + 3, p + 1] += a31
    bs2[o + 3, p + 2] += a32
    bs2[o + 3, p + 3] += a33


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model="numpy")
def chunk_moments(cube, mask, use_mask):  # type: ignore[no-untyped-def]
    """Count, mean and centred scatter of the valid pixels of each row chunk.

    Each chunk sums ``d = x - s`` and ``d d^T`` in float64, shifted by its first valid
    pixel ``s`` (a shift close to the mean keeps cancellation small), then converts to a
    centred scatter ``M2 = Q - S S^T / n``. Chunks are merged by the caller with Chan's
    formula. A block whose pixels are all valid (the usual case) is summed straight from
    the cube in groups of four bands; a block with a masked or non-finite pixel (its band
    sums are not finite, or its mask has a False) is summed again on a slow path that
    zeroes those pixels.

    Args:
        cube: (bands, rows, cols) numeric.
        mask: (rows, cols) bool, True = valid; ignored unless ``use_mask``.
        use_mask: whether ``mask`` applies.

    Returns:
        counts (chunks,) int64, means (chunks, bands) and scatters (chunks, bands, bands),
        float64. Pixels with a non-finite band are excluded.
    """
    b, rows, cols = cube.shape
    groups = (b + 3) // 4
    bp = groups * 4
    idx = np.minimum(np.arange(bp), b - 1)
    step = (rows + N_CHUNKS - 1) // N_CHUNKS
    n_chunks = (rows + step - 1) // step
    counts = np.zeros(n_chunks, np.int64)
    means = np.zeros((n_chunks, b))
    m2s = np.zeros((n_chunks, b, b))
    for ch in prange(n_chunks):
        r0 = ch * step
        r1 = min(rows, r0 + step)
        shift = np.zeros(bp)
        found = False
        for r in range(r0, r1):
            for c in range(cols):
                if _pixel_valid(cube, mask, use_mask, r, c):
                    for k in range(bp):
                        shift[k] = np.float64(cube[idx[k], r, c])
                    found = True
                    break
            if found:
                break
        if not found:
            continue
        d = np.zeros((b, BLOCK))
        tot = np.empty(BLOCK)
        ok = np.empty(BLOCK, np.bool_)
        bs1 = np.zeros(bp)
        bs2 = np.zeros((bp, bp))
        s1 = np.zeros(b)
        s2 = np.zeros((b, b))
        n = 0
        for r in range(r0, r1):
            mrow = mask[r] if use_mask else mask[0]
            for c0 in range(0, cols, BLOCK):
                w = min(BLOCK, cols - c0)
                clean = True
                if use_mask:
                    mseg = mrow[c0 : c0 + w]
                    n_masked = 0
                    for c in range(w):
                        n_masked += not mseg[c]
                    clean = n_masked == 0
                if clean:  # fast path: straight from the cube
                    bs1[:] = 0.0
                    bs2[:] = 0.0
                    for g in range(groups):
                        o = 4 * g
                        x0 = cube[idx[o], r, c0 : c0 + w]
                        x1 = cube[idx[o + 1], r, c0 : c0 + w]
                        x2 = cube[idx[o + 2], r, c0 : c0 + w]
                        x3 = cube[idx[o + 3], r, c0 : c0 + w]
                        _diag_sums(x0, x1, x2, x3, shift, w, bs1, bs2, o)
                        for h in range(g):
                            p = 4 * h
                            _cross_sums(
                                x0, x1, x2, x3,
                                cube[idx[p], r, c0 : c0 + w], cube[idx[p + 1], r, c0 : c0 + w],
                                cube[idx[p + 2], r, c0 : c0 + w], cube[idx[p + 3], r, c0 : c0 + w],
                                shift, w, bs2, o, p,
                            )
                    for k in range(b):
                        clean = clean & np.isfinite(bs1[k])
                    if clean:
                        n += w
                        for k in range(b):
                            s1[k] += bs1[k]
                            for j in range(k + 1):
                                s2[k, j] += bs2[k, j]
                if not clean:  # slow path: zero the masked and non-finite pixels
                    for k in range(b):
                        sk = shift[k]
                        src = cube[k, r, c0 : c0 + w]
                        dk = d[k]
                        for c in range(w):
                            dk[c] = np.float64(src[c]) - sk
                    n += _block_validity(d, tot, ok, w, b, mrow, c0, use_mask)
                    for k in range(b):
                        dk = d[k]
                        acc = 0.0
                        for c in range(w):
                            acc += dk[c]
                        s1[k] += acc
                        for j in range(k + 1):
                            dj = d[j]
                            acc = 0.0
                            for c in range(w):
                                acc += dk[c] * dj[c]
                            s2[k, j] += acc
        counts[ch] = n
        for k in range(b):
            means[ch, k] = shift[k] + s1[k] / n
            for j in range(k + 1):
                v = s2[k, j] - s1[k] * s1[j] / n
                m2s[ch, k, j] = v
                m2s[ch, j, k] = v
    return counts, means, m2s


@njit(cache=True, fastmath=FASTMATH, error_model="numpy")
def _score_pixel64(cube, r, c, mean, white):  # type: ignore[no-untyped-def]
    """Float64 score of one pixel (the fallback for a non-finite fast-path result).

    0 when a band is not finite (the pixel is invalid); may be inf (overflow).
    """
    b = cube.shape[0]
    for k in range(b):
        if not np.isfinite(np.float64(cube[k, r, c])):
            return 0.0
    total = 0.0
    for k in range(b):
        y = 0.0
        for j in range(k + 1):
            y += white[k, j] * (np.float64(cube[j, r, c]) - mean[j])
        total += y * y
    return total


@njit(cache=True, fastmath=FASTMATH, error_model="numpy", inline="always")
def _fix_row(cube, r, c0, w, mask, use_mask, mean, white, out):  # type: ignore[no-untyped-def]
    """Finish ``out[r, c0:c0+w]``.

    NaN results (a non-finite band, or float32 overflow in a partial sum) are recomputed in
    float64 (0 for an invalid pixel); masked pixels are 0.
    """
    ob = out[r, c0 : c0 + w]
    n_bad = 0
    for c in range(w):
        n_bad += np.isnan(ob[c])
    if n_bad:
        for c in range(w):
            if np.isnan(ob[c]):
                v = _score_pixel64(cube, r, c0 + c, mean, white)
                ob[c] = F32_MAX if v > F32_MAX else v
    if use_mask:
        mseg = mask[r, c0 : c0 + w]
        for c in range(w):
            if not mseg[c]:
                ob[c] = 0.0


@njit(cache=True, fastmath=FASTMATH, error_model="numpy", inline="always")
def _score_row8(cube, r, idx, mean_p, white_p, corr_p, out):  # type: ignore[no-untyped-def]
    """Scores of row ``r`` of a cube of 5 to 8 bands into ``out[r]``.

    All eight outputs per pixel, clipped to the float32 maximum (NaN stays NaN for
    :func:`_fix_row`).

    With at most eight (padded) bands every ``y_k`` fits in registers, so the row is read
    once and no partial sums go through memory.
    """
    x0, x1, x2, x3 = cube[idx[0], r], cube[idx[1], r], cube[idx[2], r], cube[idx[3], r]
    x4, x5, x6, x7 = cube[idx[4], r], cube[idx[5], r], cube[idx[6], r], cube[idx[7], r]
    m0, m1, m2, m3 = mean_p[0], mean_p[1], mean_p[2], mean_p[3]
    m4, m5, m6, m7 = mean_p[4], mean_p[5], mean_p[6], mean_p[7]
    k0, k1, k2, k3 = corr_p[0], corr_p[1], corr_p[2], corr_p[3]
    k4, k5, k6, k7 = corr_p[4], corr_p[5], corr_p[6], corr_p[7]
    w = white_p
    w00 = w[0, 0]
    w10, w11 = w[1, 0], w[1, 1]
    w20, w21, w22 = w[2, 0], w[2, 1], w[2, 2]
    w30, w31, w32, w33 = w[3, 0], w[3, 1], w[3, 2], w[3, 3]
    w40, w41, w42, w43, w44 = w[4, 0], w[4, 1], w[4, 2], w[4, 3], w[4, 4]
    w50, w51, w52, w53, w54, w55 = w[5, 0], w[5, 1], w[5, 2], w[5, 3], w[5, 4], w[5, 5]
    w60, w61, w62, w63, w64, w65, w66 = w[6, 0], w[6, 1], w[6, 2], w[6, 3], w[6, 4], w[6, 5], w[6, 6]
    w70, w71, w72, w73, w74, w75, w76, w77 = (
        w[7, 0], w[7, 1], w[7, 2], w[7, 3], w[7, 4], w[7, 5], w[7, 6], w[7, 7]
    )
    orow = out[r]
    for c in range(orow.shape[0]):
        d0, d1, d2, d3 = x0[c] - m0, x1[c] - m1, x2[c] - m2, x3[c] - m3
        d4, d5, d6, d7 = x4[c] - m4, x5[c] - m5, x6[c] - m6, x7[c] - m7
        t0 = w00 * d0 - k0
        t1 = w10 * d0 + w11 * d1 - k1
        t2 = w20 * d0 + w21 * d1 + w22 * d2 - k2
        t3 = w30 * d0 + w31 * d1 + w32 * d2 + w33 * d3 - k3
        t4 = w40 * d0 + w41 * d1 + w42 * d2 + w43 * d3 + w44 * d4 - k4
        t5 = w50 * d0 + w51 * d1 + w52 * d2 + w53 * d3 + w54 * d4 + w55 * d5 - k5
        t6 = w60 * d0 + w61 * d1 + w62 * d2 + w63 * d3 + w64 * d4 + w65 * d5 + w66 * d6 - k6
        t7 = (w70 * d0 + w71 * d1 + w72 * d2 + w73 * d3 + w74 * d4 + w75 * d5 + w76 * d6
              + w77 * d7 - k7)
        v = (t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3) + (t4 * t4 + t5 * t5 + t6 * t6 + t7 * t7)
        orow[c] = F32_MAX if v > F32_MAX else v


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model="numpy")
def score_global(cube, mask, use_mask, mean, white, mean_p, white_p, corr_p, out):  # type: ignore[no-untyped-def]
    """RX scores ``|W (x - mu)|^2`` of every pixel, written into ``out``.

    ``y = W (x - m) - corr`` is computed in 4 x 4 blocks of ``W`` (four outputs from four
    bands per pass over a block of columns, blocks above the diagonal skipped), in the
    precision of ``white_p``: float64, or float32 when the caller has checked that the
    rounding error stays far below the tolerance (see
    :meth:`rams.anomaly.rx.RXBackground.score_dtype`). A pixel whose fast result is not
    finite (a non-finite band, or float32 overflow) is scored again in float64.

    Args:
        cube: (bands, rows, cols) numeric.
        mask: (rows, cols) bool, True = valid; ignored unless ``use_mask``.
        use_mask: whether ``mask`` applies.
        mean: (bands,) float64 background mean (fallback).
        white: (bands, bands) float64 lower-triangular ``L^{-1}`` (fallback).
        mean_p: (bp,) mean in the working precision, ``bp`` = bands rounded up to 4.
        white_p: (bp, bp) ``L^{-1}`` in the working precision, zero-padded.
        corr_p: (bp,) ``W (mean - mean_p)``: the rounding of the mean, put back.
        out: (rows, cols) float32; masked pixels and pixels with a non-finite band get 0,
            scores are clipped to the float32 maximum.
    """
    b, rows, cols = cube.shape
    bp = white_p.shape[0]
    groups = bp // 4
    idx = np.minimum(np.arange(bp), b - 1)
    step = max(1, rows // 256)
    n_chunks = (rows + step - 1) // step
    if groups == 2:  # 5 to 8 bands: one pass per row, everything in registers
        for ch in prange(n_chunks):
            for r in range(ch * step, min(rows, (ch + 1) * step)):
                _score_row8(cube, r, idx, mean_p, white_p, corr_p, out)
                _fix_row(cube, r, 0, cols, mask, use_mask, mean, white, out)
        return out
    for ch in prange(n_chunks):
        y = np.zeros((4, SCORE_BLOCK), white_p.dtype)
        s = np.zeros(SCORE_BLOCK, white_p.dtype)
        y0, y1, y2, y3 = y[0], y[1], y[2], y[3]
        for r in range(ch * step, min(rows, (ch + 1) * step)):
            for c0 in range(0, cols, SCORE_BLOCK):
                w = min(SCORE_BLOCK, cols - c0)
                for c in range(w):
                    s[c] = 0.0
                for g in range(groups):
                    o = 4 * g
                    k0, k1, k2, k3 = corr_p[o], corr_p[o + 1], corr_p[o + 2], corr_p[o + 3]
                    for h in range(g + 1):
                        p = 4 * h
                        x0 = cube[idx[p], r, c0 : c0 + w]
                        x1 = cube[idx[p + 1], r, c0 : c0 + w]
                        x2 = cube[idx[p + 2], r, c0 : c0 + w]
                        x3 = cube[idx[p + 3], r, c0 : c0 + w]
                        m0, m1, m2, m3 = mean_p[p], mean_p[p + 1], mean_p[p + 2], mean_p[p + 3]
                        w00, w01, w02, w03 = white_p[o, p], white_p[o, p + 1], white_p[o, p + 2], white_p[o, p + 3]
                        w10, w11, w12, w13 = white_p[o + 1, p], white_p[o + 1, p + 1], white_p[o + 1, p + 2], white_p[o + 1, p + 3]
                        w20, w21, w22, w23 = white_p[o + 2, p], white_p[o + 2, p + 1], white_p[o + 2, p + 2], white_p[o + 2, p + 3]
                        w30, w31, w32, w33 = white_p[o + 3, p], white_p[o + 3, p + 1], white_p[o + 3, p + 2], white_p[o + 3, p + 3]
                        first, last = h == 0, h == g
                        if first and last:
                            for c in range(w):
                                d0, d1, d2, d3 = x0[c] - m0, x1[c] - m1, x2[c] - m2, x3[c] - m3
                                t0 = w00 * d0 + w01 * d1 + w02 * d2 + w03 * d3 - k0
                                t1 = w10 * d0 + w11 * d1 + w12 * d2 + w13 * d3 - k1
                                t2 = w20 * d0 + w21 * d1 + w22 * d2 + w23 * d3 - k2
                                t3 = w30 * d0 + w31 * d1 + w32 * d2 + w33 * d3 - k3
                                s[c] += t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3
                        elif first:
                            for c in range(w):
                                d0, d1, d2, d3 = x0[c] - m0, x1[c] - m1, x2[c] - m2, x3[c] - m3
                                y0[c] = w00 * d0 + w01 * d1 + w02 * d2 + w03 * d3 - k0
                                y1[c] = w10 * d0 + w11 * d1 + w12 * d2 + w13 * d3 - k1
                                y2[c] = w20 * d0 + w21 * d1 + w22 * d2 + w23 * d3 - k2
                                y3[c] = w30 * d0 + w31 * d1 + w32 * d2 + w33 * d3 - k3
                        elif last:
                            for c in range(w):
                                d0, d1, d2, d3 = x0[c] - m0, x1[c] - m1, x2[c] - m2, x3[c] - m3
                                t0 = y0[c] + w00 * d0 + w01 * d1 + w02 * d2 + w03 * d3
                                t1 = y1[c] + w10 * d0 + w11 * d1 + w12 * d2 + w13 * d3
                                t2 = y2[c] + w20 * d0 + w21 * d1 + w22 * d2 + w23 * d3
                                t3 = y3[c] + w30 * d0 + w31 * d1 + w32 * d2 + w33 * d3
                                s[c] += t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3
                        else:
                            for c in range(w):
                                d0, d1, d2, d3 = x0[c] - m0, x1[c] - m1, x2[c] - m2, x3[c] - m3
                                y0[c] += w00 * d0 + w01 * d1 + w02 * d2 + w03 * d3
                                y1[c] += w10 * d0 + w11 * d1 + w12 * d2 + w13 * d3
                                y2[c] += w20 * d0 + w21 * d1 + w22 * d2 + w23 * d3
                                y3[c] += w30 * d0 + w31 * d1 + w32 * d2 + w33 * d3
                ob = out[r, c0 : c0 + w]
                for c in range(w):
                    v = s[c]
                    ob[c] = F32_MAX if v > F32_MAX else v
                _fix_row(cube, r, c0, w, mask, use_mask, mean, white, out)
    return out
