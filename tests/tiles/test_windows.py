from __future__ import annotations

import math

import numpy as np
import pytest

from rams.tiles.windows import iter_tiles, strip_order, tile_grid_shape


@pytest.mark.parametrize(("width", "height", "tile", "halo"), [(100, 70, 32, 5), (64, 64, 64, 0), (1, 1, 16, 4)])
def test_cores_partition_the_grid_and_halos_stay_inside(width: int, height: int, tile: int, halo: int) -> None:
    cover = np.zeros((height, width), int)
    tiles = list(iter_tiles(width, height, tile, halo))
    assert len(tiles) == math.ceil(width / tile) * math.ceil(height / tile)
    assert tile_grid_shape(width, height, tile) == (math.ceil(height / tile), math.ceil(width / tile))
    for t in tiles:
        r0, c0 = int(t.core.row_off), int(t.core.col_off)
        cover[r0 : r0 + int(t.core.height), c0 : c0 + int(t.core.width)] += 1
        assert t.read.col_off >= 0 and t.read.row_off >= 0
        assert t.read.col_off + t.read.width <= width and t.read.row_off + t.read.height <= height
        assert t.core.col_off - t.read.col_off == min(halo, c0)
        # the core slice of a read array is the core
        read = np.arange(width * height).reshape(height, width)[
            int(t.read.row_off) : int(t.read.row_off + t.read.height),
            int(t.read.col_off) : int(t.read.col_off + t.read.width),
        ]
        core = np.arange(width * height).reshape(height, width)[r0 : r0 + int(t.core.height), c0 : c0 + int(t.core.width)]
        assert np.array_equal(read[t.core_in_read], core)
    assert (cover == 1).all()
    assert len({t.key for t in tiles}) == len(tiles)


@pytest.mark.parametrize("strip_cols", [1, 2, 3, 5])
def test_strip_order_walks_strips_of_columns_row_by_row(strip_cols: int) -> None:
    tiles = list(iter_tiles(500, 300, 100, 8))  # 3 rows x 5 columns
    order = strip_order(tiles, strip_cols)
    assert sorted(order) == list(range(len(tiles)))
    walked = [(tiles[i].col // strip_cols, tiles[i].row, tiles[i].col) for i in order]
    assert walked == sorted(walked)
    # each strip is one contiguous stretch of the order, its rows one after the other
    strips = [tiles[i].col // strip_cols for i in order]
    assert all(a <= b for a, b in zip(strips, strips[1:], strict=False))
    if strip_cols >= 5:
        assert order == list(range(len(tiles)))  # as wide as the grid: row-major
    else:
        assert order != list(range(len(tiles)))


def test_strip_order_needs_a_column() -> None:
    with pytest.raises(ValueError, match="strip_cols"):
        strip_order(list(iter_tiles(10, 10, 5, 0)), 0)
