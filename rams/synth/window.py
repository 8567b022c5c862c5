"""Where the pixels of one raster window sample the synthetic scene."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Float64Array = NDArray[np.float64]


class WindowGeometry:
    """Where the pixels of one raster window sample the scene.

    For a projected grid aligned with the scene axes, pixel x depends only on the column
    and y only on the row: the geometry is *separable* and kept as vectors ``x1_m`` (w,)
    and ``y1_m`` (h,); full (h, w) coordinate arrays are built only when asked for.

    Args:
        rows: global row index of each window row, (h,).
        cols: global column index of each window column, (w,).
        jac_m: 2x2 matrix, metres per pixel: column 0 = d(x, y)/d(col), column 1 = d/d(row).
        x1_m: scene x of each column (separable grids), (w,).
        y1_m: scene y of each row (separable grids), (h,).
        x_m: scene x of each pixel centre (non-separable grids), (h, w).
        y_m: scene y of each pixel centre (non-separable grids), (h, w).
    """

    def __init__(
        self,
        rows: NDArray[np.int64],
        cols: NDArray[np.int64],
        jac_m: Float64Array,
        *,
        x1_m: Float64Array | None = None,
        y1_m: Float64Array | None = None,
        x_m: Float64Array | None = None,
        y_m: Float64Array | None = None,
    ) -> None:
        self.rows = rows
        self.cols = cols
        self.jac_m = jac_m
        self.x1_m = x1_m
        self.y1_m = y1_m
        self._x_m = x_m
        self._y_m = y_m
        self.shape = (rows.size, cols.size)

    @property
    def separable(self) -> bool:
        """True when x depends only on the column and y only on the row."""
        return self.x1_m is not None

    def _mesh(self) -> None:
        if self._x_m is None:
            assert self.x1_m is not None and self.y1_m is not None
            self._x_m, self._y_m = np.meshgrid(self.x1_m, self.y1_m)

    @property
    def x_m(self) -> Float64Array:
        """Scene x (local metres, misregistration applied) of each pixel centre, (h, w)."""
        self._mesh()
        assert self._x_m is not None
        return self._x_m

    @property
    def y_m(self) -> Float64Array:
        """Scene y of each pixel centre, (h, w)."""
        self._mesh()
        assert self._y_m is not None
        return self._y_m

    def coords(self) -> tuple[Float64Array, Float64Array]:
        """(x, y) as 1-D vectors for a separable grid, else as (h, w) arrays."""
        if self.x1_m is not None and self.y1_m is not None:
            return self.x1_m, self.y1_m
        return self.x_m, self.y_m

    def sub(self, sl: tuple[slice, slice]) -> tuple[Float64Array, Float64Array]:
        """(h', w') coordinate arrays of a sub-window."""
        if self.x1_m is not None and self.y1_m is not None:
            x, y = np.meshgrid(self.x1_m[sl[1]], self.y1_m[sl[0]])
            return x, y
        return self.x_m[sl], self.y_m[sl]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the pixel centres, scene metres."""
        x, y = self.coords()
        return (float(x.min()), float(y.min()), float(x.max()), float(y.max()))

    def pixel_slices(
        self, xmin: float, ymin: float, xmax: float, ymax: float, pad_px: int = 2
    ) -> tuple[slice, slice] | None:
        """Window-local (row, col) slices covering a scene rectangle, or None if outside."""
        inv = np.linalg.inv(self.jac_m)
        corners = np.array([[xmin, ymin], [xmax, ymin], [xmin, ymax], [xmax, ymax]])
        x, y = self.coords()
        x00 = x[0] if x.ndim == 1 else x[0, 0]
        y00 = y[0] if y.ndim == 1 else y[0, 0]
        rel = (corners - [x00, y00]) @ inv.T
        h, w = self.shape
        c0 = max(0, math.floor(rel[:, 0].min()) - pad_px)
        c1 = min(w, math.ceil(rel[:, 0].max()) + pad_px + 1)
        r0 = max(0, math.floor(rel[:, 1].min()) - pad_px)
        r1 = min(h, math.ceil(rel[:, 1].max()) + pad_px + 1)
        if r0 >= r1 or c0 >= c1:
            return None
        return slice(r0, r1), slice(c0, c1)
