"""Anomaly peaks: local maxima of a calibrated score raster, and their de-duplication.

A peak is a pixel whose score exceeds the threshold and is the largest within
``spacing_px`` in every direction (a square window); peaks found twice where tiles overlap
are merged by keeping the strongest within a radius (:func:`rams.core.dedup.keep_strongest_within`).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from rams.core.dedup import keep_strongest_within
from rams.core.points import MinePoint


def local_maxima(
    score: NDArray[np.float32], valid: NDArray[np.bool_], threshold: float, spacing_px: int,
    max_peaks: int | None = None,
) -> NDArray[np.int64]:
    """Local maxima of ``score`` above ``threshold`` among valid pixels, strongest first.

    Args:
        score: (rows, cols) float32 score raster (-log10 Pfa).
        valid: (rows, cols) True where the score may hold a peak.
        threshold: a peak's score must exceed this.
        spacing_px: a peak is the largest within this many pixels (Chebyshev distance);
            ties within the window all count.
        max_peaks: keep at most this many (the strongest); None keeps all.

    Returns:
        (n, 2) int64 row and column of each peak.
    """
    half = max(1, spacing_px)
    above = np.flatnonzero((score > threshold) & valid)  # row-major, as np.nonzero
    window = _window_max_at(score, above, half) if len(above) <= _SPARSE_PEAK_PIXELS else None
    if window is None:  # many pixels above the threshold: one dilation of the whole raster
        size = 2 * half + 1
        local_max = cv2.dilate(score, np.ones((size, size), np.uint8))
        rows, cols = np.nonzero((score >= local_max) & (score > threshold) & valid)
    else:
        rows, cols = np.divmod(above[score.reshape(-1)[above] >= window], score.shape[1])
    order = np.argsort(-score[rows, cols], kind="stable")[:max_peaks]
    return np.stack([rows[order], cols[order]], axis=1).astype(np.int64)


#: Up to this many pixels above the threshold, :func:`local_maxima` takes the window maximum
#: at those pixels only (a raster of a tile has tens to hundreds), not a dilation of it all.
_SPARSE_PEAK_PIXELS = 2_000


def _window_max_at(score: np.ndarray, pixels: np.ndarray, half: int) -> np.ndarray | None:
    """The largest score within ``half`` pixels (Chebyshev, clipped at the borders) of each pixel.

    The same values as a dilation by the square window read at those pixels (both take the
    maximum of the same finite values); None when a window holds a NaN (the dilation's
    NaN handling then decides).
    """
    rows, cols = score.shape
    r, c = np.divmod(pixels, cols)
    offsets = np.arange(-half, half + 1)
    # clipping a window's coordinates repeats pixels of the clipped window, never adds one
    rr = np.clip(r[:, None] + offsets, 0, rows - 1)
    cc = np.clip(c[:, None] + offsets, 0, cols - 1)
    values = score[rr[:, :, None], cc[:, None, :]].reshape(len(pixels), len(offsets) ** 2)
    if np.isnan(values).any():
        return None
    return values.max(axis=1)  # type: ignore[no-any-return]


def merge_peaks(peaks: list[MinePoint], radius_m: float) -> list[MinePoint]:
    """Keep the strongest peak (``extra["score"]``) within ``radius_m`` of each kept one.

    Ties are broken by position, so the result does not depend on the order of the input.
    """
    if len(peaks) < 2:
        return peaks
    order = sorted(range(len(peaks)), key=lambda i: (-peaks[i].extra["score"], peaks[i].x_m, peaks[i].y_m))
    xy = np.array([[p.x_m, p.y_m] for p in peaks])
    return [peaks[i] for i in keep_strongest_within(xy, order, radius_m)]
