"""Anomaly detection without training data: RX (Reed-Xiaoli) detectors.

* :func:`rx_global`: squared Mahalanobis distance to the scene's mean and covariance.
* :func:`rx_local`: the same against a dual-window (outer minus guard) local background.
* :class:`GlobalRXStats`: global RX over a flight, tile by tile (two passes, mergeable).
* :func:`chi2_log10_pfa`, :func:`empirical_log10_pfa`: scores to ``-log10`` false-alarm
  probability (``capped_*``: at :data:`MAX_LOG10_PFA`).
* :func:`local_maxima`, :func:`merge_peaks`: anomaly peaks of a calibrated score raster.

Every kernel has a numba implementation (``backend="auto"`` or ``"numba"``) and a numpy
reference (``backend="numpy"``). Cubes are ``(bands, rows, cols)``, masks ``(rows, cols)``
with True for valid pixels; masked-out pixels score 0.
"""

from rams.anomaly._threading import numba_threading_layer, share_kernel_threads
from rams.anomaly.calibration import (
    MAX_LOG10_PFA,
    capped_chi2_log10_pfa,
    capped_empirical_log10_pfa,
    chi2_log10_pfa,
    empirical_log10_pfa,
)
from rams.anomaly.local import rx_local
from rams.anomaly.moments import Moments, tile_moments
from rams.anomaly.peaks import local_maxima, merge_peaks
from rams.anomaly.rx import RXBackground, rx_global
from rams.anomaly.streaming import GlobalRXStats

__all__ = [
    "MAX_LOG10_PFA",
    "GlobalRXStats",
    "Moments",
    "RXBackground",
    "capped_chi2_log10_pfa",
    "capped_empirical_log10_pfa",
    "chi2_log10_pfa",
    "empirical_log10_pfa",
    "local_maxima",
    "merge_peaks",
    "numba_threading_layer",
    "rx_global",
    "rx_local",
    "share_kernel_threads",
    "tile_moments",
]
