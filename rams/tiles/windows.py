"""Tiling a grid into windows: the one tiler of the pipeline, in two schemes.

- **Partition with a halo** (:func:`iter_tiles`, the anomaly stage): for a grid of ``n``
  pixels along an axis and tiles of ``k`` pixels, there are ``ceil(n / k)`` tiles along it;
  their cores partition the grid and each read window is the core grown by ``halo``
  pixels on every side, clipped to the grid (local statistics need the context).
- **Fixed-size overlapping tiles** (:func:`slice_window`, the CNN's sliced inference):
  along an axis of ``n`` pixels, tile starts are ``0, s, 2s, ...`` with
  ``s = tile_px - overlap_px``, the last one moved back to ``n - tile_px`` so that no tile
  runs off the raster; that is ``ceil((n - tile_px) / s) + 1`` tiles (one when
  ``n <= tile_px``). Every tile has the network's input size, and an object narrower than
  the overlap is whole in at least one tile.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rasterio.windows import Window


@dataclass(frozen=True)
class Tile:
    """One tile of a grid.

    Attributes:
        row: tile row index.
        col: tile column index.
        core: the pixels this tile owns (tiles' cores partition the grid).
        read: the core plus its halo, clipped to the grid.
    """

    row: int
    col: int
    core: Window
    read: Window

    @property
    def key(self) -> str:
        """Stable name of the tile, e.g. ``r0003_c0012``."""
        return f"r{self.row:04d}_c{self.col:04d}"

    @property
    def core_in_read(self) -> tuple[slice, slice]:
        """Slices selecting the core out of an array read with :attr:`read`."""
        r0 = int(self.core.row_off - self.read.row_off)
        c0 = int(self.core.col_off - self.read.col_off)
        return slice(r0, r0 + int(self.core.height)), slice(c0, c0 + int(self.core.width))


def tile_grid_shape(width: int, height: int, tile_px: int) -> tuple[int, int]:
    """(rows, cols) of tiles covering a ``width`` x ``height`` grid."""
    return math.ceil(height / tile_px), math.ceil(width / tile_px)


def iter_tiles(width: int, height: int, tile_px: int = 1024, halo_px: int = 32) -> Iterator[Tile]:
    """Yield the tiles of a grid in row-major order.

    Args:
        width: grid columns.
        height: grid rows.
        tile_px: core size of a tile, pixels.
        halo_px: overlap added on each side of the core for the read window.
    """
    if tile_px <= 0 or halo_px < 0:
        raise ValueError("tile_px must be > 0 and halo_px >= 0")
    n_rows, n_cols = tile_grid_shape(width, height, tile_px)
    for tr in range(n_rows):
        for tc in range(n_cols):
            r0, c0 = tr * tile_px, tc * tile_px
            r1, c1 = min(r0 + tile_px, height), min(c0 + tile_px, width)
            rr0, cc0 = max(0, r0 - halo_px), max(0, c0 - halo_px)
            rr1, cc1 = min(height, r1 + halo_px), min(width, c1 + halo_px)
            yield Tile(
                row=tr,
                col=tc,
                core=Window(c0, r0, c1 - c0, r1 - r0),
                read=Window(cc0, rr0, cc1 - cc0, rr1 - rr0),
            )


def strip_order(tiles: Sequence[Tile], strip_cols: int) -> list[int]:
    """Indices of ``tiles`` in vertical strips of ``strip_cols`` tile columns, row-major in each.

    A worker walking its stretch of this order meets, in its next tile row, source blocks it
    decoded one strip-row ago, while they are still in a block cache that holds a strip's
    row but not the whole grid's (the halo of a tile reaches into a further block on every
    side, so a tile row shares a block row with the next). Row-major order is
    ``strip_cols >= `` the number of tile columns.
    """
    if strip_cols < 1:
        raise ValueError(f"strip_cols must be >= 1, got {strip_cols}")
    return sorted(range(len(tiles)), key=lambda i: (tiles[i].col // strip_cols, tiles[i].row, tiles[i].col))


def tile_starts(n: int, tile_px: int, overlap_px: int) -> list[int]:
    """Tile start offsets along an axis of ``n`` pixels (see the module docstring)."""
    if tile_px <= overlap_px:
        raise ValueError(f"tile_px ({tile_px}) must exceed overlap_px ({overlap_px})")
    if n <= tile_px:
        return [0]
    step = tile_px - overlap_px
    count = math.ceil((n - tile_px) / step) + 1
    return [min(i * step, n - tile_px) for i in range(count)]


def slice_window(window: Window, tile_px: int, overlap_px: int) -> Iterator[Window]:
    """Tiles covering ``window`` (itself when it fits in one tile)."""
    c0, r0 = int(window.col_off), int(window.row_off)
    w, h = int(window.width), int(window.height)
    for r in tile_starts(h, tile_px, overlap_px):
        for c in tile_starts(w, tile_px, overlap_px):
            yield Window(c0 + c, r0 + r, min(tile_px, w), min(tile_px, h))


def full_scan_windows(width: int, height: int, tile_px: int, overlap_px: int) -> list[Window]:
    """Overlapping tiles covering a ``width`` x ``height`` raster."""
    return list(slice_window(Window(0, 0, width, height), tile_px, overlap_px))
