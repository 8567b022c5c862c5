"""First and second moments of a cube's valid pixels, mergeable across tiles.

A :class:`Moments` holds the count ``n``, the mean ``mu`` and the centred scatter
``M2 = sum (x - mu)(x - mu)^T`` of a set of pixels, all in float64. Two sets merge exactly
with Chan et al.'s pairwise formula::

    n = na + nb,  delta = mu_b - mu_a,
    mu = mu_a + delta * nb / n,  M2 = M2_a + M2_b + delta delta^T * na * nb / n,

which is what lets a flight's statistics be accumulated tile by tile, or by Dask tasks,
without the cancellation of raw sums of ``x x^T``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rams.anomaly import _rx_numba
from rams.anomaly._inputs import Backend, as_cube, as_mask, resolve_backend, valid_pixels

_NO_MASK = np.ones((1, 1), dtype=np.bool_)


@dataclass(frozen=True)
class Moments:
    """Count, mean and centred scatter of a set of pixels.

    Attributes:
        count: number of pixels.
        mean: (bands,) float64 mean.
        scatter: (bands, bands) float64 ``sum (x - mean)(x - mean)^T``.
    """

    count: int
    mean: NDArray[np.float64]
    scatter: NDArray[np.float64]

    @classmethod
    def empty(cls, bands: int) -> Moments:
        """Moments of no pixels."""
        return cls(0, np.zeros(bands), np.zeros((bands, bands)))

    @property
    def bands(self) -> int:
        """Number of bands."""
        return int(self.mean.shape[0])

    def covariance(self) -> NDArray[np.float64]:
        """(bands, bands) unbiased covariance ``M2 / (n - 1)`` (``M2`` itself when n <= 1)."""
        return self.scatter / max(self.count - 1, 1)

    def merge(self, other: Moments) -> Moments:
        """Moments of the union of two disjoint pixel sets (Chan's pairwise formula).

        Raises:
            ValueError: the band counts differ.
        """
        if other.bands != self.bands:
            raise ValueError(f"cannot merge moments of {self.bands} and {other.bands} bands")
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        n = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / n)
        scatter = (
            self.scatter + other.scatter + np.outer(delta, delta) * (self.count * other.count / n)
        )
        return Moments(n, mean, scatter)


def merge_all(
    counts: NDArray[np.int64], means: NDArray[np.float64], scatters: NDArray[np.float64]
) -> Moments:
    """Merge many disjoint pixel sets at once (the k-way form of Chan's formula).

    ``mu = sum n_i mu_i / n``, ``M2 = sum M2_i + sum n_i (mu_i - mu)(mu_i - mu)^T``.

    Args:
        counts: (sets,) pixel counts (sets with 0 pixels are ignored).
        means: (sets, bands) means.
        scatters: (sets, bands, bands) centred scatters.
    """
    keep = counts > 0
    counts, means, scatters = counts[keep], means[keep], scatters[keep]
    n = int(counts.sum())
    if n == 0:
        return Moments.empty(means.shape[1])
    weights = counts.astype(np.float64)
    mean = weights @ means / n
    delta = means - mean
    scatter = scatters.sum(axis=0) + (delta * weights[:, None]).T @ delta
    return Moments(n, mean, scatter)


def tile_moments(
    cube: ArrayLike, mask: ArrayLike | None = None, *, backend: Backend = "auto"
) -> Moments:
    """Moments of the valid pixels of one cube (or tile).

    Args:
        cube: (bands, rows, cols) any integer or floating dtype.
        mask: (rows, cols) bool, True = valid; None = all pixels. Pixels with a
            non-finite value in any band are excluded as well.
        backend: ``"numpy"`` (exact two-pass centring), ``"numba"`` (one parallel pass,
            shifted sums per row chunk merged pairwise) or ``"auto"`` (numba).

    Returns:
        The :class:`Moments` of the valid pixels (count 0 when there are none).
    """
    arr = as_cube(cube)
    valid_mask = as_mask(mask, arr.shape[1:])
    if resolve_backend(backend) == "numba":
        use_mask = valid_mask is not None
        counts, means, scatters = _rx_numba.chunk_moments(
            arr, valid_mask if valid_mask is not None else _NO_MASK, use_mask
        )
        return merge_all(counts, means, scatters)
    valid = valid_pixels(arr, valid_mask)
    pixels = arr[:, valid].astype(np.float64)
    count = pixels.shape[1]
    if count == 0:
        return Moments.empty(arr.shape[0])
    mean = pixels.mean(axis=1)
    centred = pixels - mean[:, None]
    return Moments(count, mean, centred @ centred.T)
