"""Input checking shared by the RX detectors: cube and mask layout, backend choice."""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

Backend = Literal["auto", "numpy", "numba"]

_BACKENDS = ("auto", "numpy", "numba")


def resolve_backend(backend: str) -> Literal["numpy", "numba"]:
    """Map ``"auto"`` to the fastest backend (numba) and reject unknown names.

    Raises:
        ValueError: ``backend`` is not one of ``"auto"``, ``"numpy"``, ``"numba"``.
    """
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")
    return "numpy" if backend == "numpy" else "numba"


def as_cube(cube: ArrayLike) -> NDArray[np.generic]:
    """Check a ``(bands, rows, cols)`` cube; return it C-contiguous, native byte order.

    Integer and floating dtypes are kept (the kernels convert to float64 per pixel);
    float16 is widened to float32 and bool to uint8, which numba cannot read directly.

    Raises:
        ValueError: not 3-D, empty, or not numeric.
    """
    arr = np.asarray(cube)
    if arr.ndim != 3:
        raise ValueError(f"cube must be (bands, rows, cols), got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1 or arr.shape[2] < 1:
        raise ValueError(f"cube must not be empty, got shape {arr.shape}")
    if arr.dtype == np.bool_:
        arr = arr.astype(np.uint8)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    elif not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"cube must be integer or floating point, got dtype {arr.dtype}")
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return np.ascontiguousarray(arr)


def as_mask(mask: ArrayLike | None, shape: tuple[int, int]) -> NDArray[np.bool_] | None:
    """Check a ``(rows, cols)`` validity mask (True = valid pixel); None stays None.

    Raises:
        ValueError: the mask's shape differs from the cube's ``(rows, cols)``.
    """
    if mask is None:
        return None
    arr = np.asarray(mask)
    if arr.shape != shape:
        raise ValueError(f"mask shape {arr.shape} does not match cube (rows, cols) {shape}")
    return np.ascontiguousarray(arr, dtype=np.bool_)


def valid_pixels(cube: NDArray[np.generic], mask: NDArray[np.bool_] | None) -> NDArray[np.bool_]:
    """Pixels that take part: inside ``mask`` and finite in every band, shape (rows, cols)."""
    valid = np.ones(cube.shape[1:], dtype=np.bool_) if mask is None else mask.copy()
    if np.issubdtype(cube.dtype, np.floating):
        valid &= np.isfinite(cube).all(axis=0)
    return valid


