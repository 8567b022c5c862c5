"""Which numba threading layer the parallel kernels run on."""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange


@njit(parallel=True, cache=True)
def _touch(values: np.ndarray) -> float:  # pragma: no cover - compiled
    total = 0.0
    for i in prange(values.size):
        total += values[i]
    return total


def numba_threading_layer() -> str:
    """The layer numba picked (``tbb``, ``omp`` or ``workqueue``), after a first launch."""
    _touch(np.zeros(4))
    return str(numba.threading_layer())  # type: ignore[attr-defined]
