"""Dual-window (local) RX anomaly detector.

Each pixel is scored against the mean and covariance of the valid pixels in a square
``outer`` x ``outer`` window centred on it, minus the ``inner`` x ``inner`` guard window
(which keeps the target itself, and its blur, out of its own background). Windows are
clipped at the image borders, so a corner pixel of a (5, 21) detector sees
``11^2 - 3^2 = 112`` background pixels instead of ``21^2 - 5^2 = 416``.

The numba kernel (:mod:`rams.anomaly._local_numba`) keeps running sums of
``[1, x, x x^T]`` so its cost per pixel is independent of the window sizes; the numpy
reference here uses integral images over the whole cube and is meant for small cubes
(memory ``(1 + b + b (b + 1) / 2) * rows * cols * 8`` bytes).
"""

from __future__ import annotations

import numba
import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from rams.anomaly._inputs import Backend, as_cube, as_mask, resolve_backend
from rams.anomaly._inputs import valid_pixels as _valid_pixels
from rams.anomaly._linalg import regularized_cholesky
from rams.anomaly._local_numba import rx_local_kernel
from rams.anomaly.moments import tile_moments
from rams.anomaly.rx import RXBackground
from rams.core.windows import check_window

_F32_MAX = float(np.finfo(np.float32).max)
_PANEL_COLS = 256
"""Most columns per numba task; 8 bands: running sums 45 x (256 + 2 h_out) float64 x 3."""
_TASK_BYTES = 1 << 20
"""Target size of a task's running sums (3 arrays), to stay in L2 cache."""


def rx_local(
    cube: ArrayLike,
    inner: int = 5,
    outer: int = 21,
    mask: ArrayLike | None = None,
    *,
    min_background: int | None = None,
    backend: Backend = "auto",
    task_shape: tuple[int, int] | None = None,
    region: tuple[slice, slice] | None = None,
) -> NDArray[np.float32]:
    """Dual-window RX: squared Mahalanobis distance to the local background.

    Background of pixel ``(r, c)``: valid pixels with ``|dr|, |dc| <= outer // 2`` but
    not ``|dr|, |dc| <= inner // 2``, windows clipped to the image. Its mean and
    unbiased covariance are computed in float64 (sums centred by the global mean) and
    factorised with a regularised Cholesky, so scores are always finite.

    Args:
        cube: (bands, rows, cols) any integer or floating dtype.
        inner: guard window width, pixels (odd, >= 1; 1 excludes only the pixel itself).
        outer: outer window width, pixels (odd, > inner).
        mask: (rows, cols) bool, True = valid; None = all valid. Masked pixels (and
            pixels with a non-finite band) contribute nothing and score 0.
        min_background: fewest background pixels for local statistics (>= 2); pixels
            with fewer (near masks or in small images) fall back to the global
            statistics of all valid pixels. Default ``2 * bands``.
        backend: ``"auto"`` (numba), ``"numba"`` or ``"numpy"`` (reference, small cubes).
        task_shape: (rows, cols) of the parallel tasks of the numba kernel, halo
            excluded (tuning; None = about four row strips per thread, at least 32 rows,
            by 32 to 256 columns, fewer for many bands).
        region: score only this window of the cube, ``(rows, cols)`` slices (steps of 1;
            None = the whole cube). The backgrounds of its pixels still take the cube's
            pixels around it, and the global statistics are still those of the whole
            cube, so its scores are the whole cube's there (within float rounding): for
            a tile read with a halo, whose halo needs no score of its own.

    Returns:
        float32 scores of the cube (or of ``region``), dimensionless; 0 for invalid
        pixels and everywhere when no pixel is valid.

    Raises:
        ValueError: bad window sizes, ``min_background < 2`` or a non-positive
            ``task_shape``.
    """
    check_window(inner, outer)
    arr = as_cube(cube)
    bands = arr.shape[0]
    min_bg = 2 * bands if min_background is None else int(min_background)
    if min_bg < 2:
        raise ValueError(f"min_background must be at least 2, got {min_background}")
    (row_lo, row_hi), (col_lo, col_hi) = _region_bounds(region, arr.shape[1:])
    valid = _valid_pixels(arr, as_mask(mask, arr.shape[1:]))
    moments = tile_moments(arr, valid, backend=backend)
    if moments.count == 0:
        return np.zeros((row_hi - row_lo, col_hi - col_lo), dtype=np.float32)
    background = RXBackground.from_moments(moments)
    h_in, h_out = inner // 2, outer // 2
    if resolve_backend(backend) == "numpy":
        return _rx_local_numpy(arr, valid, background, h_in, h_out, min_bg)[row_lo:row_hi, col_lo:col_hi]
    if task_shape is None:
        n_features = 1 + bands + bands * (bands + 1) // 2
        panel_cols = max(32, min(_PANEL_COLS, _TASK_BYTES // (24 * n_features)))
        task_shape = (max(32, -(-(row_hi - row_lo) // (4 * numba.get_num_threads()))), panel_cols)
    if min(task_shape) < 1:
        raise ValueError(f"task_shape must be positive, got {task_shape}")
    out = np.empty((row_hi - row_lo, col_hi - col_lo), dtype=np.float32)
    if out.size == 0:
        return out
    return rx_local_kernel(  # type: ignore[no-any-return]
        arr,
        valid,
        background.mean,
        background.whitening,
        h_in,
        h_out,
        float(min_bg),
        background.floor,
        int(task_shape[0]),
        int(task_shape[1]),
        row_lo,
        col_lo,
        out,
    )


def _region_bounds(region: tuple[slice, slice] | None, shape: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """``((row_lo, row_hi), (col_lo, col_hi))`` of ``region`` in an image of ``shape``."""
    if region is None:
        return (0, int(shape[0])), (0, int(shape[1]))
    bounds = []
    for sl, size in zip(region, shape, strict=True):
        lo, hi, step = sl.indices(int(size))
        if step != 1:
            raise ValueError(f"region slices must have step 1, got {sl}")
        bounds.append((lo, max(lo, hi)))
    return tuple(bounds)


def _box_sums(integral: NDArray[np.float64], half: int) -> NDArray[np.float64]:
    """Sums over clipped ``(2 half + 1)^2`` windows from an integral image.

    Args:
        integral: (features, rows + 1, cols + 1) zero-padded cumulative sums.
        half: window half-width.

    Returns:
        (features, rows, cols) window sums.
    """
    rows, cols = integral.shape[1] - 1, integral.shape[2] - 1
    r = np.arange(rows)
    c = np.arange(cols)
    r0, r1 = np.clip(r - half, 0, rows)[:, None], np.clip(r + half + 1, 0, rows)[:, None]
    c0, c1 = np.clip(c - half, 0, cols)[None, :], np.clip(c + half + 1, 0, cols)[None, :]
    return integral[:, r1, c1] - integral[:, r0, c1] - integral[:, r1, c0] + integral[:, r0, c0]


def _rx_local_numpy(
    cube: NDArray[np.generic],
    valid: NDArray[np.bool_],
    background: RXBackground,
    h_in: int,
    h_out: int,
    min_bg: int,
) -> NDArray[np.float32]:
    """Reference dual-window RX with integral images (see :func:`rx_local`)."""
    bands, rows, cols = cube.shape
    x = cube.astype(np.float64) - background.mean[:, None, None]
    x[:, ~valid] = 0.0
    pairs = [(k, j) for k in range(bands) for j in range(k + 1)]
    features = np.concatenate(
        [valid[None].astype(np.float64), x, np.stack([x[k] * x[j] for k, j in pairs])]
    )
    integral = np.zeros((features.shape[0], rows + 1, cols + 1))
    integral[:, 1:, 1:] = features.cumsum(axis=1).cumsum(axis=2)
    sums = _box_sums(integral, h_out) - _box_sums(integral, h_in)

    count = sums[0]
    local = valid & (count >= min_bg)
    fallback = valid & ~local
    out = np.zeros((rows, cols), dtype=np.float64)

    n = count[local]
    mean = sums[1 : 1 + bands][:, local] / n
    cov = np.empty((n.size, bands, bands))
    for q, (k, j) in enumerate(pairs):
        value = (sums[1 + bands + q][local] - n * mean[k] * mean[j]) / (n - 1)
        cov[:, k, j] = value
        cov[:, j, k] = value
    lower = regularized_cholesky(cov, background.floor)
    centred = (x[:, local] - mean).T[:, :, None]
    y = np.linalg.solve(lower, centred)[:, :, 0] if n.size else np.zeros((0, bands))
    out[local] = np.einsum("ij,ij->i", y, y)

    y_global = scipy.linalg.solve_triangular(background.cholesky, x[:, fallback], lower=True)
    out[fallback] = np.einsum("ij,ij->j", y_global, y_global)
    out = np.where(np.isnan(out), 0.0, np.minimum(out, _F32_MAX))
    return out.astype(np.float32)
