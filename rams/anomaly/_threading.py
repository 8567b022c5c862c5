"""Which numba threading layer the parallel kernels run on, and how many threads they use."""

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


def share_kernel_threads(callers: int) -> int:
    """Give the calling thread's parallel kernels its share of numba's threads.

    For ``callers`` threads that launch kernels at once (the tile workers of the anomaly
    stage): each launch then uses ``NUMBA_NUM_THREADS // callers`` threads (at least one)
    instead of all of them, so two workers on two cores run one kernel thread each, not four
    threads on two cores. Every kernel splits its rows evenly between its threads, so a
    kernel thread that loses its core to the other worker's reading holds up the whole
    launch. numba's setting is per thread: the caller's own thread only.

    Returns:
        The number of threads the calling thread's kernels now use.
    """
    threads = max(1, int(numba.config.NUMBA_NUM_THREADS) // max(1, callers))  # type: ignore[attr-defined]
    numba.set_num_threads(threads)
    return threads
