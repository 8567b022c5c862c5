"""Where a flight was surveyed, on a coarse grid: the share of scored pixels per cell.

The density features of the candidate points (:func:`rams.candidates.fusion.add_density_features`)
count the other candidates in a disc around each point and compare the count with the
flight's rate. Near the edge of the orthomosaic, or beside a hole in it, part of that disc
was never surveyed, and a count over the whole disc reads as sparse ground. This grid says
how much of each disc was surveyed. It is accumulated window by window while the anomaly
raster is scanned (:func:`rams.candidates.blobs.scan_anomaly_raster`), never from the whole
raster at once, and stays small: cells of at least :data:`MIN_CELL_M` and at most
:data:`MAX_CELLS` of them (coarser cells on a larger flight).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine

#: Finest coverage cell, metres (a 5 m density disc spans some 300 cells).
MIN_CELL_M = 0.5
#: Most cells in a coverage grid (16 MB of float32); a larger flight gets coarser cells.
MAX_CELLS = 4_000_000
#: Points per batch of :meth:`ValidCoverage.disc_share` (a 5 m disc at 0.5 m cells: about
#: 4 MB per array of a batch).
_CHUNK = 1024


@dataclass(frozen=True)
class ValidCoverage:
    """Share of surveyed (scored) pixels per cell of a north-up grid.

    Attributes:
        x0: easting of the grid's west edge, metres.
        y0: northing of its north edge, metres.
        cell_m: cell side, metres.
        share: float32 (rows, cols), 0 (nothing surveyed) to 1 (every pixel), row 0 north.
    """

    x0: float
    y0: float
    cell_m: float
    share: np.ndarray

    def share_at(self, xy: np.ndarray) -> np.ndarray:
        """Surveyed share of the cell under each point of ``xy`` (N, 2); 0 outside the grid."""
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        col = np.floor((xy[:, 0] - self.x0) / self.cell_m)
        row = np.floor((self.y0 - xy[:, 1]) / self.cell_m)
        rows, cols = self.share.shape
        inside = (row >= 0) & (row < rows) & (col >= 0) & (col < cols)
        r = np.clip(row, 0, rows - 1).astype(np.int64)
        c = np.clip(col, 0, cols - 1).astype(np.int64)
        return np.where(inside, self.share[r, c], 0.0)

    def disc_share(self, xy: np.ndarray, radius_m: float) -> np.ndarray:
        """Surveyed share (0 to 1) of the disc of ``radius_m`` around each point of ``xy`` (N, 2).

        The mean of the cells whose centres lie in the disc, weighted equally (outside the
        grid counts as not surveyed); a disc with no cell centre in it (``radius_m`` below
        half a cell) takes the share of the point's own cell.
        """
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        if len(xy) > _CHUNK:  # bounded memory: (chunk, cells across, cells across) arrays
            return np.concatenate([self.disc_share(xy[i:i + _CHUNK], radius_m) for i in range(0, len(xy), _CHUNK)])
        rows, cols = self.share.shape
        col_f = (xy[:, 0] - self.x0) / self.cell_m
        row_f = (self.y0 - xy[:, 1]) / self.cell_m
        reach = math.ceil(radius_m / self.cell_m) + 1
        d = np.arange(-reach, reach + 1)
        # cell centres around each point's cell, kept where they lie within the disc
        c_idx = np.floor(col_f)[:, None, None] + d[None, None, :]
        r_idx = np.floor(row_f)[:, None, None] + d[None, :, None]
        dx = (c_idx + 0.5 - col_f[:, None, None]) * self.cell_m
        dy = (r_idx + 0.5 - row_f[:, None, None]) * self.cell_m
        inside = dx**2 + dy**2 <= radius_m**2
        in_grid = (r_idx >= 0) & (r_idx < rows) & (c_idx >= 0) & (c_idx < cols)
        r_safe = np.clip(r_idx, 0, rows - 1).astype(np.int64)
        c_safe = np.clip(c_idx, 0, cols - 1).astype(np.int64)
        values = np.where(in_grid, self.share[r_safe, c_safe], 0.0)
        n = inside.sum(axis=(1, 2))
        total = np.where(inside, values, 0.0).sum(axis=(1, 2))
        own = values[:, reach, reach]
        return np.where(n > 0, total / np.maximum(n, 1), own)


class CoverageBuilder:
    """Accumulates :class:`ValidCoverage` from the valid masks of a raster's windows.

    Args:
        transform: the raster's north-up affine transform (ValueError otherwise).
        width: raster width, pixels.
        height: raster height, pixels.
    """

    def __init__(self, transform: Affine, width: int, height: int) -> None:
        if transform.b != 0 or transform.d != 0 or transform.a <= 0 or transform.e >= 0:
            raise ValueError(f"coverage needs a north-up grid (row 0 north, columns east), not {tuple(transform)[:6]}")
        self._px_w, self._px_h = abs(transform.a), abs(transform.e)
        self._x0, self._y0 = transform.c, transform.f
        ground_w, ground_h = width * self._px_w, height * self._px_h
        cell = max(MIN_CELL_M, self._px_w, self._px_h, math.sqrt(ground_w * ground_h / MAX_CELLS))
        self.cell_m = cell
        self._cols = max(1, math.ceil(ground_w / cell))
        self._rows = max(1, math.ceil(ground_h / cell))
        self._valid = np.zeros((self._rows, self._cols), np.float64)
        self._all = np.zeros((self._rows, self._cols), np.float64)

    def add(self, valid: np.ndarray, row_off: int, col_off: int) -> None:
        """Count a window's pixels (``valid`` bool (rows, cols) at ``row_off, col_off``)."""
        rows, cols = valid.shape
        cell_r = ((row_off + np.arange(rows) + 0.5) * self._px_h // self.cell_m).astype(np.int64)
        cell_c = ((col_off + np.arange(cols) + 0.5) * self._px_w // self.cell_m).astype(np.int64)
        cell_r = np.minimum(cell_r, self._rows - 1)
        cell_c = np.minimum(cell_c, self._cols - 1)
        if not rows or not cols:
            return
        # the cell indices never decrease along an axis: each cell is a run of rows (columns),
        # so the counts are sums over runs, one reduceat per axis (no per-pixel index array)
        r_starts = np.flatnonzero(np.diff(cell_r, prepend=-1))
        c_starts = np.flatnonzero(np.diff(cell_c, prepend=-1))
        rr, cc = cell_r[r_starts], cell_c[c_starts]
        per_r = np.diff(np.append(r_starts, rows))
        per_c = np.diff(np.append(c_starts, cols))
        self._all[np.ix_(rr, cc)] += np.outer(per_r, per_c)
        by_row = np.add.reduceat(valid, r_starts, axis=0, dtype=np.int64)
        self._valid[np.ix_(rr, cc)] += np.add.reduceat(by_row, c_starts, axis=1)

    def result(self) -> ValidCoverage:
        """The coverage so far (cells never counted are not surveyed)."""
        share = np.divide(self._valid, self._all, out=np.zeros_like(self._valid), where=self._all > 0)
        return ValidCoverage(self._x0, self._y0, self.cell_m, share.astype(np.float32))
