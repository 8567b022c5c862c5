"""Numba kernels of global RX: tile moments and scoring.

The numpy references are :func:`rams.anomaly.moments.tile_moments` (``backend="numpy"``)
and :func:`rams.anomaly.rx._score_numpy`; ``tests/anomaly`` checks that they agree.

Both kernels stream the band-major cube one row at a time in blocks of ``BLOCK`` columns:
a block of every band is converted to float64 into a small buffer (L1-resident), and the
inner loops run over columns so that they vectorise (they index 1-D views from 0, which
lets LLVM drop numba's negative-index checks). Global RX is bandwidth-bound, so each
kernel reads the cube exactly once.
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


@njit(cache=True, parallel=True, fastmath=FASTMATH, error_model="numpy")
def chunk_moments(cube, mask, use_mask):  # type: ignore[no-untyped-def]
    """Count, mean and centred scatter of the valid pixels of each row chunk.

    Each chunk sums ``x - s`` and ``(x - s)(x - s)^T`` in float64, shifted by its first
    valid pixel ``s`` (a shift close to the mean keeps cancellation small), then converts
    to a centred scatter ``M2 = Q - S S^T / n``. Chunks are merged by the caller with
    Chan's pairwise formula.

    Args:
        cube: (bands, rows, cols) numeric.
        mask: (rows, cols) bool, True = valid; ignored unless ``use_mask``.
        use_mask: whether ``mask`` applies.

    Returns:
        counts (chunks,) int64, means (chunks, bands) and scatters (chunks, bands, bands),
        float64. Pixels with a non-finite band are excluded.
    """
    b, rows, cols = cube.shape
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
        d = np.empty((b, BLOCK))
        tot = np.empty(BLOCK)
        ok = np.empty(BLOCK, np.bool_)
        s1_block = np.empty(b)
        s1 = np.zeros(b)
        s2 = np.zeros((b, b))
        n = 0
        for r in range(r0, r1):
            mrow = mask[r] if use_mask else mask[0]
            for c0 in range(0, cols, BLOCK):
                w = min(BLOCK, cols - c0)
                for c in range(w):
                    tot[c] = 0.0
                for k in range(b):
                    sk = shift[k]
                    src = cube[k, r, c0 : c0 + w]
                    dk = d[k]
                    acc = 0.0
                    for c in range(w):
                        v = np.float64(src[c]) - sk
                        dk[c] = v
                        tot[c] += v
                        acc += v
                    s1_block[k] = acc
                n_block = 0
                if use_mask:
                    mb = mrow[c0 : c0 + w]
                    for c in range(w):
                        ok[c] = np.isfinite(tot[c]) & mb[c]
                        n_block += ok[c]
                else:
                    for c in range(w):
                        ok[c] = np.isfinite(tot[c])
                        n_block += ok[c]
                n += n_block
                if n_block < w:  # zero the invalid pixels (NaN * 0 is NaN: select)
                    for k in range(b):
                        dk = d[k]
                        acc = 0.0
                        for c in range(w):
                            v = dk[c] if ok[c] else 0.0
                            dk[c] = v
                            acc += v
                        s1_block[k] = acc
                for k in range(b):
                    s1[k] += s1_block[k]
                    dk = d[k]
                    for j in range(0, k, 2):  # pairs of j: one load of d[k] for two sums
                        dj, dj1 = d[j], d[j + 1]
                        acc = 0.0
                        acc1 = 0.0
                        for c in range(w):
                            acc += dk[c] * dj[c]
                            acc1 += dk[c] * dj1[c]
                        s2[k, j] += acc
                        s2[k, j + 1] += acc1
                    if k % 2 == 0:
                        acc = 0.0
                        for c in range(w):
                            acc += dk[c] * dk[c]
                        s2[k, k] += acc
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
    for r in prange(rows):
        d = np.empty((b, BLOCK))
        acc = np.empty(BLOCK)
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
            for k in range(b):
                for c in range(w):
                    acc[c] = 0.0
                for j in range(k + 1):
                    wkj = white[k, j]
                    dj = d[j]
                    for c in range(w):
                        acc[c] += wkj * dj[c]
                for c in range(w):
                    s[c] += acc[c] * acc[c]
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
