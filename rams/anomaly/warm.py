"""Loading the numba kernels before the first tile needs them.

The kernels are compiled once and cached on disk (``cache=True``), but each new process
still loads them and starts numba's thread pool on first use: about 0.3-0.4 s on a loaded
2-core machine, paid by the first tile. :func:`warm_up` does it on a tiny cube, so a caller
can run it in a background thread while the process does something else (the pipeline:
while ingest hashes the orthomosaics, which holds no Python lock).
"""

from __future__ import annotations

import numpy as np

from rams.anomaly._inputs import Backend, resolve_backend
from rams.anomaly._threading import numba_threading_layer
from rams.anomaly.calibration import capped_chi2_log10_pfa
from rams.anomaly.local import rx_local
from rams.anomaly.streaming import GlobalRXStats


def warm_up(detector: str = "local", backend: Backend = "auto", inner: int = 5, outer: int = 21) -> None:
    """Load the kernels of ``detector`` ("local" or "global") and numba's thread pool.

    Runs the detector once on a seeded 3-band, 32 x 32 cube (the kernels' types do not
    depend on the band count); a no-op for the numpy backend.
    """
    if resolve_backend(backend) == "numpy":
        return
    numba_threading_layer()
    cube = np.random.default_rng(0).normal(size=(3, 32, 32)).astype(np.float32)
    valid = np.ones(cube.shape[1:], bool)
    if detector == "global":
        stats = GlobalRXStats(backend=backend)
        stats.update(cube, valid)
        stats.finalize()
        scores = stats.score(cube, valid)
    else:
        scores = rx_local(cube, inner, outer, mask=valid, backend=backend)
    capped_chi2_log10_pfa(scores, 6)  # even band counts: the numba path, loaded here
