"""Numba kernel of the capped chi-square calibration for even band counts.

The pipeline calibrates every pixel of every tile (``-log10 Pfa``, capped at
:data:`rams.anomaly.calibration.MAX_LOG10_PFA`). The numpy closed form
(:func:`rams.anomaly.calibration._chi2_log10_pfa_even`) makes about ten float64 passes over
a tile; this kernel makes one, in parallel, reading the float32 scores as they are. Same
formulas, per pixel:

* ``z = x / 2``, ``t = sum_{1<=k<a} z^k / k!`` by Horner's rule (``a = dof / 2``), and
  ``-ln Q = z - ln(1 + t)``;
* deep in the bulk (``-ln Q < 1e-6``, where that difference cancels) the lower tail
  ``P = e^-z sum_{k>=a} z^k / k!`` instead (a short series there, ``z`` being small), and
  ``-ln Q = -ln(1 - P)``;
* where ``t`` overflows (``z^(a-1)`` beyond float64) the tail is far below the cap.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

_LN10 = math.log(10.0)
_CHUNK = 16384


@njit(cache=True, parallel=True, error_model="numpy")
def capped_chi2_even_kernel(x, a, cap, out):  # type: ignore[no-untyped-def]
    """``min(-log10 Q(a, x / 2), cap)`` of a flat array ``x`` into the float32 ``out``.

    Scores that are not positive (masked pixels, NaN) give 0; ``+inf`` gives ``cap``.
    """
    n = x.size
    for chunk in prange((n + _CHUNK - 1) // _CHUNK):
        for i in range(chunk * _CHUNK, min(n, (chunk + 1) * _CHUNK)):
            v = float(x[i])
            if not v > 0.0:
                out[i] = 0.0
                continue
            z = 0.5 * v
            t = 0.0
            for k in range(a - 1, 0, -1):
                t = (t + 1.0) * z * (1.0 / k)
            if not t < np.inf:
                out[i] = cap
                continue
            # log(1 + t), not log1p(t) (twice as slow): rounding 1 + t moves -ln Q by
            # about 1e-16 at most, a relative 1e-10 where it is above the 1e-6 below
            # which the lower tail takes over, far below float32's resolution
            neg_ln_q = z - math.log(1.0 + t)
            if neg_ln_q < 1e-6:
                term = math.exp(-z)
                for k in range(1, a + 1):
                    term *= z / k
                total = term
                k = a
                while term > 1e-17 * total:
                    k += 1
                    term *= z / k
                    total += term
                neg_ln_q = -math.log1p(-total)
            r = neg_ln_q / _LN10
            out[i] = min(max(r, 0.0), cap)
    return out


def capped_chi2_log10_pfa_even(scores: np.ndarray, dof: int, cap: float) -> np.ndarray:
    """``min(-log10 Pfa, cap)`` of RX scores with an even number of degrees of freedom.

    Args:
        scores: RX scores, any shape and float dtype.
        dof: degrees of freedom (even, >= 2).
        cap: ceiling of the result.

    Returns:
        float32 array of the shape of ``scores``.
    """
    x = np.ascontiguousarray(scores)
    out = np.empty(x.shape, np.float32)
    capped_chi2_even_kernel(x.reshape(-1), dof // 2, float(cap), out.reshape(-1))
    return out
