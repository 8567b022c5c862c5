from __future__ import annotations

import math

import numpy as np
import pytest

from rams.tiles.windows import iter_tiles, tile_grid_shape


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
