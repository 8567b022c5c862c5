"""Covariance factorisation with a regularised fallback (numpy side).

The RX score is ``(x - mu)^T C^{-1} (x - mu) = |L^{-1} (x - mu)|^2`` with ``C = L L^T``.
A covariance can be singular (a constant band, a saturated tile, fewer pixels than
bands), so the Cholesky factorisation is accepted only when every pivot exceeds
``PIVOT_RTOL * s``, with ``s = trace(C) / bands``; otherwise ``eps * s * I`` is added with
``eps = 1e-10, 1e-9, ..., 1`` until it is. When the trace itself is (nearly) zero, ``s`` is
raised to a floor tied to the magnitude of the data (:func:`scale_floor`), so scores
stay finite whatever the input. The numba per-pixel factorisation in
:mod:`rams.anomaly._local_numba` follows the same rules.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

PIVOT_RTOL = 1e-12
"""A Cholesky pivot below ``PIVOT_RTOL * trace / bands`` counts as singular."""
EPS_START = 1e-10
"""First ridge added, relative to ``trace / bands``; grows tenfold per retry up to 1."""
EPS_STOP = 1.0
FLOOR_RTOL = 1e-12
"""Scale floor relative to the mean square of the data (see :func:`scale_floor`)."""

F64 = NDArray[np.float64]


def scale_floor(mean: F64, cov: F64) -> float:
    """Smallest variance scale used for regularisation, from global statistics.

    ``FLOOR_RTOL * (trace(C) + |mu|^2) / bands``, i.e. relative to the mean square of the
    data, or 1.0 for an all-zero image.

    Args:
        mean: (bands,) global mean.
        cov: (bands, bands) global covariance.
    """
    bands = mean.shape[0]
    value = FLOOR_RTOL * (float(np.trace(cov)) + float(mean @ mean)) / bands
    return value if np.isfinite(value) and value > 0.0 else 1.0


def _cholesky_ok(matrix: F64, tol: float) -> F64 | None:
    """Cholesky factor of ``matrix`` if all its pivots exceed ``tol``, else None."""
    try:
        lower = np.asarray(np.linalg.cholesky(matrix), dtype=np.float64)
    except np.linalg.LinAlgError:
        return None
    pivots = np.diagonal(lower) ** 2
    if not (np.all(np.isfinite(lower)) and np.all(pivots > tol)):
        return None
    return lower


def regularized_cholesky(cov: F64, floor: float) -> F64:
    """Lower Cholesky factor of a covariance, regularised when it is singular.

    Args:
        cov: (..., bands, bands) symmetric covariance matrices, float64.
        floor: smallest admissible ``trace / bands`` (see :func:`scale_floor`).

    Returns:
        (..., bands, bands) float64 lower-triangular factors ``L`` with
        ``L L^T = cov + ridge * I`` and ``ridge = 0`` whenever ``cov`` is safely positive
        definite. Always finite.
    """
    cov = np.asarray(cov, dtype=np.float64)
    bands = cov.shape[-1]
    flat = cov.reshape(-1, bands, bands)
    out = np.empty_like(flat)
    eye = np.eye(bands)
    scales = np.trace(flat, axis1=1, axis2=2) / bands
    todo = np.ones(flat.shape[0], dtype=np.bool_)
    try:  # fast path: one batched LAPACK call, then check every matrix's pivots
        batch = np.linalg.cholesky(flat)
        pivots = np.diagonal(batch, axis1=1, axis2=2) ** 2
        good = (scales > floor) & np.all(pivots > (PIVOT_RTOL * scales)[:, None], axis=1)
        good &= np.all(np.isfinite(batch), axis=(1, 2))
        out[good] = batch[good]
        todo = ~good
    except np.linalg.LinAlgError:
        pass
    for i in np.flatnonzero(todo):
        matrix = flat[i]
        scale = float(np.trace(matrix)) / bands
        if not (np.isfinite(scale) and scale > floor):
            scale = floor
        tol = PIVOT_RTOL * scale
        lower = _cholesky_ok(matrix, tol) if np.all(np.isfinite(matrix)) else None
        eps = EPS_START
        while lower is None and eps <= EPS_STOP * (1 + 1e-9):
            lower = _cholesky_ok(matrix + (eps * scale) * eye, tol)
            eps *= 10.0
        out[i] = np.sqrt(scale) * eye if lower is None else lower
    return out.reshape(cov.shape)


def whitening_matrix(lower: F64) -> F64:
    """``W = L^{-1}`` (lower triangular), so that the RX score is ``|W (x - mu)|^2``.

    Args:
        lower: (bands, bands) lower Cholesky factor.
    """
    inverse, info = scipy.linalg.lapack.dtrtri(lower, lower=1)
    if info != 0:  # cannot happen for a factor with positive pivots; keep the general path
        eye = np.eye(lower.shape[0])
        return np.asarray(scipy.linalg.solve_triangular(lower, eye, lower=True), dtype=np.float64)
    return np.tril(np.asarray(inverse, dtype=np.float64))
