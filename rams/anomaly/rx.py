"""Global RX (Reed-Xiaoli) anomaly detector.

The RX score of a pixel spectrum ``x`` is its squared Mahalanobis distance to the
background::

    rx(x) = (x - mu)^T C^{-1} (x - mu) = |L^{-1} (x - mu)|^2,   C = L L^T,

with ``mu`` and ``C`` the mean and (unbiased) covariance of the valid pixels. For Gaussian
background it follows a chi-square law with ``bands`` degrees of freedom, which is what
:mod:`rams.anomaly.calibration` turns into a false-alarm rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike, NDArray

from rams.anomaly import _rx_numba
from rams.anomaly._inputs import Backend, as_cube, as_mask, resolve_backend, valid_pixels
from rams.anomaly._linalg import regularized_cholesky, scale_floor, whitening_matrix
from rams.anomaly.moments import Moments, tile_moments

_F32_MAX = float(np.finfo(np.float32).max)
_NO_MASK = np.ones((1, 1), dtype=np.bool_)
F32_SCORE_MAX_ERROR = 1e-5
"""Largest predicted relative rounding error of a float32 score (see :meth:`RXBackground.score_dtype`)."""
_F32_EPS = 2.0**-24


@dataclass(frozen=True)
class RXBackground:
    """Background statistics ready for scoring.

    Attributes:
        count: number of background pixels the statistics come from.
        mean: (bands,) float64 background mean.
        covariance: (bands, bands) float64 unbiased covariance.
        cholesky: (bands, bands) float64 lower factor ``L`` of the covariance,
            regularised when it is singular (see :mod:`rams.anomaly._linalg`).
        whitening: (bands, bands) float64 ``L^{-1}``.
        floor: variance scale floor used for regularisation (data units squared).
    """

    count: int
    mean: NDArray[np.float64]
    covariance: NDArray[np.float64]
    cholesky: NDArray[np.float64]
    whitening: NDArray[np.float64]
    floor: float

    @classmethod
    def from_moments(cls, moments: Moments) -> RXBackground:
        """Factorise the covariance of ``moments``.

        Raises:
            ValueError: ``moments`` counts no pixel.
        """
        if moments.count == 0:
            raise ValueError("no valid pixel: RX background statistics are undefined")
        cov = moments.covariance()
        floor = scale_floor(moments.mean, cov)
        lower = regularized_cholesky(cov, floor)
        return cls(moments.count, moments.mean, cov, lower, whitening_matrix(lower), floor)

    def score(
        self, cube: ArrayLike, mask: ArrayLike | None = None, *, backend: Backend = "auto",
        exact: bool = False,
    ) -> NDArray[np.float32]:
        """RX scores of a cube against this background.

        Args:
            cube: (bands, rows, cols) any numeric dtype, same bands as the background.
            mask: (rows, cols) bool, True = valid; None = all pixels.
            backend: ``"auto"`` (numba), ``"numba"`` or ``"numpy"``.
            exact: work in float64 whatever :meth:`score_dtype` allows.

        The numba kernel works in float32 when :meth:`score_dtype` allows it (the rounding
        it adds is predicted to stay below 1e-5 relative) and in float64 otherwise; the
        numpy reference always works in float64.

        Returns:
            (rows, cols) float32 squared Mahalanobis distances (dimensionless). Masked-out
            pixels and pixels with a non-finite band score 0.

        Raises:
            ValueError: the band count differs from the background's.
        """
        arr = as_cube(cube)
        valid_mask = as_mask(mask, arr.shape[1:])
        if arr.shape[0] != self.mean.shape[0]:
            raise ValueError(f"cube has {arr.shape[0]} bands, background {self.mean.shape[0]}")
        if resolve_backend(backend) == "numpy":
            return _score_numpy(arr, valid_pixels(arr, valid_mask), self.mean, self.cholesky)
        out = np.empty(arr.shape[1:], dtype=np.float32)
        use_mask = valid_mask is not None
        mean_p, white_p, corr_p = self._padded(np.float64 if exact else self.score_dtype(arr.dtype))
        return _rx_numba.score_global(  # type: ignore[no-any-return]
            arr, valid_mask if use_mask else _NO_MASK, use_mask, self.mean, self.whitening,
            mean_p, white_p, corr_p, out,
        )

    def predicted_float32_error(self) -> float:
        """Predicted relative rounding error of a float32 score of a typical pixel.

        Each ``y_k = sum_j W_kj (x_j - m_j)`` computed in float32 is off by about
        ``(bands + 2) eps sum_j |W_kj| sigma_j`` (``eps = 2^-24``, ``sigma_j`` the band's
        standard deviation), while ``|y|`` is about ``sqrt(bands)``; the score
        ``|y|^2`` doubles the relative error. Strongly correlated bands make
        ``sum_j |W_kj| sigma_j`` large (cancellation) and this figure with it.
        """
        bands = self.mean.shape[0]
        sigma = np.sqrt(np.maximum(np.diag(self.covariance), 0.0))
        a = np.abs(self.whitening) @ sigma
        return float(2.0 * (bands + 2) * _F32_EPS * np.linalg.norm(a) / np.sqrt(bands))

    def score_dtype(self, cube_dtype: np.dtype) -> type[np.floating]:
        """Working precision of the numba scoring kernel for a cube of ``cube_dtype``.

        float32 when the cube converts to float32 exactly (float32, 8- and 16-bit
        integers) and :meth:`predicted_float32_error` is at most
        ``F32_SCORE_MAX_ERROR`` (1e-5, ten times below the backends' agreement
        tolerance); float64 otherwise. Statistics and factorisation are always float64.
        """
        if np.result_type(cube_dtype, np.float32) != np.float32:
            return np.float64
        return np.float32 if self.predicted_float32_error() <= F32_SCORE_MAX_ERROR else np.float64

    def _padded(
        self, dtype: type[np.floating]
    ) -> tuple[NDArray[np.floating], NDArray[np.floating], NDArray[np.floating]]:
        """Mean, whitening and mean-rounding correction padded to a multiple of 4 bands."""
        bands = self.mean.shape[0]
        bp = (bands + 3) // 4 * 4
        idx = np.minimum(np.arange(bp), bands - 1)
        mean_p = self.mean[idx].astype(dtype)
        white_p = np.zeros((bp, bp), dtype)
        white_p[:bands, :bands] = self.whitening
        corr = np.zeros(bp)
        corr[:bands] = self.whitening @ (self.mean - mean_p[:bands].astype(np.float64))
        return mean_p, white_p, corr.astype(dtype)


def _score_numpy(
    cube: NDArray[np.generic],
    valid: NDArray[np.bool_],
    mean: NDArray[np.float64],
    lower: NDArray[np.float64],
) -> NDArray[np.float32]:
    """Reference scoring: forward substitution ``L y = x - mu`` on the valid pixels."""
    out = np.zeros(cube.shape[1:], dtype=np.float32)
    centred = cube[:, valid].astype(np.float64) - mean[:, None]
    y = scipy.linalg.solve_triangular(lower, centred, lower=True)
    scores = np.einsum("ij,ij->j", y, y)
    out[valid] = np.where(np.isnan(scores), 0.0, np.minimum(scores, _F32_MAX))
    return out


def rx_global(
    cube: ArrayLike, mask: ArrayLike | None = None, *, backend: Backend = "auto"
) -> NDArray[np.float32]:
    """Global RX: each pixel's squared Mahalanobis distance to the scene's statistics.

    Mean and covariance come from the valid pixels only; they are accumulated and
    factorised in float64 (centred sums; a regularised Cholesky when the covariance is
    singular), so scores are always finite.

    Args:
        cube: (bands, rows, cols) any integer or floating dtype.
        mask: (rows, cols) bool, True = valid pixel; None = all pixels valid. Pixels with
            a non-finite value in any band are treated as masked out.
        backend: ``"auto"`` (numba), ``"numba"`` (parallel kernels) or ``"numpy"``
            (reference implementation).

    Returns:
        (rows, cols) float32 scores, dimensionless (chi-square with ``bands`` degrees of
        freedom for Gaussian background). Masked-out pixels score 0; so does every pixel
        when none is valid.
    """
    arr = as_cube(cube)
    valid_mask = as_mask(mask, arr.shape[1:])
    moments = tile_moments(arr, valid_mask, backend=backend)
    if moments.count == 0:
        return np.zeros(arr.shape[1:], dtype=np.float32)
    return RXBackground.from_moments(moments).score(arr, valid_mask, backend=backend)
