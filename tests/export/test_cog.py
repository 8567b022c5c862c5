"""``cog_writer``: a tiled, compressed Cloud-Optimized GeoTIFF with overviews, values intact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window

from rams.export.cog import cog_writer, gdal_has_zstd
from rams.grid.target import TargetGrid
from tests.conftest import E0, N0


def test_cog_writer_writes_a_compressed_cog_with_overviews(tmp_path: Path) -> None:
    grid = TargetGrid(rasterio.crs.CRS.from_epsg(32638), from_origin(E0, N0, 0.05, 0.05), 1300, 1100)
    rng = np.random.default_rng(0)
    score = rng.gamma(2.0, 1.5, (grid.height, grid.width)).astype(np.float32)
    score[:40, :] = np.nan  # a nodata collar
    out = tmp_path / "anomaly.tif"
    with cog_writer(out, grid, description="rx_log10_pfa") as dst:
        for r0 in range(0, grid.height, 512):  # written tile by tile, as the pipeline does
            for c0 in range(0, grid.width, 512):
                h, w = min(512, grid.height - r0), min(512, grid.width - c0)
                dst.write(score[r0:r0 + h, c0:c0 + w], 1, window=Window(c0, r0, w, h))
    assert not (tmp_path / ".anomaly.tif.scratch.tif").exists()
    with rasterio.open(out) as src:
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert src.compression is not None and src.compression.value == ("ZSTD" if gdal_has_zstd() else "DEFLATE")
        assert src.tags(ns="IMAGE_STRUCTURE").get("PREDICTOR") == "3"
        assert src.block_shapes[0] == (512, 512)
        assert src.overviews(1) == [2, 4]  # down to under 512 px
        assert src.descriptions[0] == "rx_log10_pfa"
        assert src.transform == grid.transform and src.crs == grid.crs
        back = src.read(1)
    assert np.array_equal(np.isnan(back), np.isnan(score))
    assert np.array_equal(back[40:], score[40:])  # lossless
