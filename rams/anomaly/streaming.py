"""Global RX over a whole flight, computed tile by tile.

A mosaic is too large to hold in memory, so global RX runs in two passes::

    stats = GlobalRXStats()
    for cube, mask in tiles:            # pass 1: statistics (or one object per Dask task,
        stats.update(cube, mask)        #          combined with ``merge``)
    stats.finalize()
    for cube, mask in tiles:            # pass 2: scores
        write(stats.score(cube, mask))

Tiles must not overlap in pass 1 (each pixel counted once; give halo pixels ``mask=False``
or pass only tile cores). The result equals :func:`rams.anomaly.rx_global` on the whole
mosaic up to float rounding, because per-tile moments merge exactly (Chan's formula).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from rams.anomaly._inputs import Backend, resolve_backend
from rams.anomaly.moments import Moments, tile_moments
from rams.anomaly.rx import RXBackground


class GlobalRXStats:
    """Mergeable, picklable accumulator of global RX background statistics.

    Args:
        backend: kernels for moments and scoring: ``"auto"`` (numba), ``"numba"`` or
            ``"numpy"``.

    Attributes:
        moments: the :class:`~rams.anomaly.moments.Moments` accumulated so far (None
            before the first update).
    """

    def __init__(self, backend: Backend = "auto") -> None:
        resolve_backend(backend)
        self.backend: Backend = backend
        self.moments: Moments | None = None
        self._background: RXBackground | None = None

    @property
    def count(self) -> int:
        """Number of valid pixels accumulated."""
        return 0 if self.moments is None else self.moments.count

    def update(self, cube: ArrayLike, mask: ArrayLike | None = None) -> GlobalRXStats:
        """Add the valid pixels of one tile (pass 1); returns ``self``.

        Args:
            cube: (bands, rows, cols) any numeric dtype.
            mask: (rows, cols) bool, True = valid; None = all valid. Non-finite pixels
                are excluded too.

        Raises:
            ValueError: the band count differs from earlier tiles.
        """
        tile = tile_moments(cube, mask, backend=self.backend)
        self.moments = tile if self.moments is None else self.moments.merge(tile)
        self._background = None
        return self

    def merge(self, other: GlobalRXStats) -> GlobalRXStats:
        """Statistics of both accumulators' pixels, as a new object (inputs unchanged).

        Raises:
            ValueError: the band counts differ.
        """
        merged = GlobalRXStats(self.backend)
        if self.moments is None:
            merged.moments = other.moments
        elif other.moments is None:
            merged.moments = self.moments
        else:
            merged.moments = self.moments.merge(other.moments)
        return merged

    def finalize(self) -> RXBackground:
        """Factorise the accumulated covariance (cached until the next update).

        Returns:
            The background statistics used by :meth:`score`.

        Raises:
            ValueError: no valid pixel was accumulated.
        """
        if self._background is None:
            if self.moments is None or self.moments.count == 0:
                raise ValueError("GlobalRXStats has no valid pixel: update() it with tiles first")
            self._background = RXBackground.from_moments(self.moments)
        return self._background

    def score(self, cube: ArrayLike, mask: ArrayLike | None = None) -> NDArray[np.float32]:
        """RX scores of one tile against the flight statistics (pass 2).

        Args:
            cube: (bands, rows, cols) any numeric dtype.
            mask: (rows, cols) bool, True = valid; None = all valid.

        Returns:
            (rows, cols) float32 scores; masked-out and non-finite pixels score 0.

        Raises:
            ValueError: no valid pixel was accumulated, or the band count differs.
        """
        return self.finalize().score(cube, mask, backend=self.backend)
