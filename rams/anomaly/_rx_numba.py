"""Numba kernels of global RX: tile moments and scoring.

The numpy references are :func:`rams.anomaly.moments.tile_moments` (``backend="numpy"``)
and :func:`rams.anomaly.rx._score_numpy`; ``tests/anomaly`` checks that they agree.

Both kernels stream the band-major cube one row at a time in blocks of ``BLOCK`` columns:
a block of every band is converted to float64 into a small buffer (L1-resident), and the
inner loops run over columns so that they vectorise (they index 1-D views from 0, which
lets LLVM drop numba's negative-index checks). Band products are register-blocked so
that the kernels do few loads and stores per multiply-add: global RX is meant to run
near memory bandwidth, and each kernel reads the cube exactly once.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

FASTMATH = {"reassoc", "contract"}
"""Allow vectorised reductions and FMAs but keep NaN/inf semantics (validity tests)."""
BLOCK = 256
"""Columns per block (8 bands x 256 x 8 bytes = 16 KiB of float64 buffer)."""
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


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model="numpy")
def chunk_moments(cube, mask, use_mask):  # type: ignore[no-untyped-def]
    """Count, mean and centred scatter of the valid pixels of each row chunk.

    Each chunk sums ``x - s`` and ``(x - s)(x - s)^T`` in float64, shifted by its first
    valid pixel ``s`` (a shift close to the mean keeps cancellation small), then converts
    to a centred scatter ``M2 = Q - S S^T / n``. Chunks are merged by the caller with
    Chan's pairwise formula. The scatter is accumulated in 2 x 2 blocks of bands (four
    sums in registers per pass over a block of columns).

    Args:
        cube: (bands, rows, cols) numeric.
        mask: (rows, cols) bool, True = valid; ignored unless ``use_mask``.
        use_mask: whether ``mask`` applies.

    Returns:
        counts (chunks,) int64, means (chunks, bands) and scatters (chunks, bands, bands),
        float64. Pixels with a non-finite band are excluded.
    """
    b, rows, cols = cube.shape
    bp = (b + 1) // 2 * 2
    step = (rows + N_CHUNKS - 1) // N_CHUNKS
    n_chunks = (rows + step - 1) // step
    counts = np.zeros(n_chunks, np.int64)
    means = np.zeros((n_chunks, b))
    m2s = np.zeros((n_chunks, b, b))
    for ch in prange(n_chunks):
        r0 = ch * step
        r1 = min(rows, r0 + step)
        shift = np.zeros(b)
        found = False
        for r in range(r0, r1):
            for c in range(cols):
                if _pixel_valid(cube, mask, use_mask, r, c):
                    for k in range(b):
                        shift[k] = np.float64(cube[k, r, c])
                    found = True
                    break
            if found:
                break
        if not found:
            continue
        d = np.zeros((bp, BLOCK))  # rows b..bp-1 stay zero
        tot = np.empty(BLOCK)
        ok = np.empty(BLOCK, np.bool_)
        s1_block = np.empty(b)
        s1 = np.zeros(b)
        s2 = np.zeros((bp, bp))
        n = 0
        for r in range(r0, r1):
            mrow = mask[r] if use_mask else mask[0]
            for c0 in range(0, cols, BLOCK):
                w = min(BLOCK, cols - c0)
                clean = True
                for k in range(b):
                    sk = shift[k]
                    src = cube[k, r, c0 : c0 + w]
                    dk = d[k]
                    acc = 0.0
                    for c in range(w):
                        v = np.float64(src[c]) - sk
                        dk[c] = v
                        acc += v
                    s1_block[k] = acc
                    clean = clean & np.isfinite(acc)
                if use_mask:
                    n_masked = 0
                    for c in range(w):
                        n_masked += not mrow[c0 + c]
                    clean = clean & (n_masked == 0)
                if clean:  # fast path: every pixel of the block is valid
                    n += w
                else:
                    n += _block_validity(d, tot, ok, w, b, mrow, c0, use_mask)
                    for k in range(b):
                        dk = d[k]
                        acc = 0.0
                        for c in range(w):
                            acc += dk[c]
                        s1_block[k] = acc
                for k in range(b):
                    s1[k] += s1_block[k]
                for kb in range(0, bp, 2):
                    dk0, dk1 = d[kb], d[kb + 1]
                    for jb in range(0, kb + 1, 2):
                        dj0, dj1 = d[jb], d[jb + 1]
                        a00 = a01 = a10 = a11 = 0.0
                        for c in range(w):
                            x0, x1, y0, y1 = dk0[c], dk1[c], dj0[c], dj1[c]
                            a00 += x0 * y0
                            a01 += x0 * y1
                            a10 += x1 * y0
                            a11 += x1 * y1
                        s2[kb, jb] += a00
                        s2[kb, jb + 1] += a01
                        s2[kb + 1, jb] += a10
                        s2[kb + 1, jb + 1] += a11
        counts[ch] = n
        for k in range(b):
            means[ch, k] = shift[k] + s1[k] / n
            for j in range(k + 1):
                v = s2[k, j] - s1[k] * s1[j] / n
                m2s[ch, k, j] = v
                m2s[ch, j, k] = v
    return counts, means, m2s


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model="numpy")
def score_global(cube, mask, use_mask, mean, white, out):  # type: ignore[no-untyped-def]
    """RX scores ``|W (x - mu)|^2`` of every pixel, written into ``out``.

    ``y = W (x - mu)`` is computed in 4 x 4 blocks of ``W`` (four outputs from four
    inputs per pass over a block of columns, zero blocks above the diagonal skipped),
    which cuts the loads and stores per multiply-add about threefold.

    Args:
        cube: (bands, rows, cols) numeric.
        mask: (rows, cols) bool, True = valid; ignored unless ``use_mask``.
        use_mask: whether ``mask`` applies.
        mean: (bands,) float64 background mean.
        white: (bands, bands) float64 lower-triangular ``L^{-1}``.
        out: (rows, cols) float32; invalid or non-finite pixels get 0, scores are
            clipped to the float32 maximum.
    """
    b, rows, cols = cube.shape
    bp = (b + 3) // 4 * 4
    wp = np.zeros((bp, bp))
    wp[:b, :b] = white
    for r in prange(rows):
        d = np.zeros((bp, BLOCK))  # rows b..bp-1 stay zero
        y = np.empty((4, BLOCK))
        s = np.empty(BLOCK)
        orow = out[r]
        mrow = mask[r] if use_mask else mask[0]
        for c0 in range(0, cols, BLOCK):
            w = min(BLOCK, cols - c0)
            for k in range(b):
                mk = mean[k]
                src = cube[k, r, c0 : c0 + w]
                dk = d[k]
                for c in range(w):
                    dk[c] = np.float64(src[c]) - mk
            for c in range(w):
                s[c] = 0.0
            y0, y1, y2, y3 = y[0], y[1], y[2], y[3]
            for kb in range(0, bp, 4):
                for jb in range(0, kb + 1, 4):
                    w00, w01, w02, w03 = wp[kb, jb], wp[kb, jb + 1], wp[kb, jb + 2], wp[kb, jb + 3]
                    w10, w11, w12, w13 = (
                        wp[kb + 1, jb],
                        wp[kb + 1, jb + 1],
                        wp[kb + 1, jb + 2],
                        wp[kb + 1, jb + 3],
                    )
                    w20, w21, w22, w23 = (
                        wp[kb + 2, jb],
                        wp[kb + 2, jb + 1],
                        wp[kb + 2, jb + 2],
                        wp[kb + 2, jb + 3],
                    )
                    w30, w31, w32, w33 = (
                        wp[kb + 3, jb],
                        wp[kb + 3, jb + 1],
                        wp[kb + 3, jb + 2],
                        wp[kb + 3, jb + 3],
                    )
                    d0, d1, d2, d3 = d[jb], d[jb + 1], d[jb + 2], d[jb + 3]
                    first, last = jb == 0, jb == kb
                    if first and last:
                        for c in range(w):
                            t0 = w00 * d0[c] + w01 * d1[c] + w02 * d2[c] + w03 * d3[c]
                            t1 = w10 * d0[c] + w11 * d1[c] + w12 * d2[c] + w13 * d3[c]
                            t2 = w20 * d0[c] + w21 * d1[c] + w22 * d2[c] + w23 * d3[c]
                            t3 = w30 * d0[c] + w31 * d1[c] + w32 * d2[c] + w33 * d3[c]
                            s[c] += t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3
                    elif first:
                        for c in range(w):
                            y0[c] = w00 * d0[c] + w01 * d1[c] + w02 * d2[c] + w03 * d3[c]
                            y1[c] = w10 * d0[c] + w11 * d1[c] + w12 * d2[c] + w13 * d3[c]
                            y2[c] = w20 * d0[c] + w21 * d1[c] + w22 * d2[c] + w23 * d3[c]
                            y3[c] = w30 * d0[c] + w31 * d1[c] + w32 * d2[c] + w33 * d3[c]
                    elif last:
                        for c in range(w):
                            t0 = y0[c] + w00 * d0[c] + w01 * d1[c] + w02 * d2[c] + w03 * d3[c]
                            t1 = y1[c] + w10 * d0[c] + w11 * d1[c] + w12 * d2[c] + w13 * d3[c]
                            t2 = y2[c] + w20 * d0[c] + w21 * d1[c] + w22 * d2[c] + w23 * d3[c]
                            t3 = y3[c] + w30 * d0[c] + w31 * d1[c] + w32 * d2[c] + w33 * d3[c]
                            s[c] += t0 * t0 + t1 * t1 + t2 * t2 + t3 * t3
                    else:
                        for c in range(w):
                            y0[c] += w00 * d0[c] + w01 * d1[c] + w02 * d2[c] + w03 * d3[c]
                            y1[c] += w10 * d0[c] + w11 * d1[c] + w12 * d2[c] + w13 * d3[c]
                            y2[c] += w20 * d0[c] + w21 * d1[c] + w22 * d2[c] + w23 * d3[c]
                            y3[c] += w30 * d0[c] + w31 * d1[c] + w32 * d2[c] + w33 * d3[c]
            ob = orow[c0 : c0 + w]
            if use_mask:
                mb = mrow[c0 : c0 + w]
                for c in range(w):
                    v = s[c]
                    ob[c] = min(v, F32_MAX) if np.isfinite(v) and mb[c] else 0.0
            else:
                for c in range(w):
                    v = s[c]
                    ob[c] = min(v, F32_MAX) if np.isfinite(v) else 0.0
    return out
