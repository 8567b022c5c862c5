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


def test_deferred_cog_finishes_in_another_thread_and_cleans_up_on_error(tmp_path: Path) -> None:
    """The pipeline writes the scratch, then finishes the COG in a thread while the CNN runs."""
    import threading

    import pytest

    from rams.export.cog import cog_scratch

    grid = TargetGrid(rasterio.crs.CRS.from_epsg(32638), from_origin(E0, N0, 0.05, 0.05), 600, 520)
    score = np.random.default_rng(1).gamma(2.0, 1.5, (grid.height, grid.width)).astype(np.float32)
    out = tmp_path / "anomaly.tif"
    with cog_scratch(out, grid) as (dst, pending):
        dst.write(score, 1, window=Window(0, 0, grid.width, grid.height))
    assert pending.scratch.exists() and not out.exists()  # nothing at the final path yet
    worker = threading.Thread(target=pending.finish)
    worker.start()
    worker.join()
    assert not pending.scratch.exists()
    with rasterio.open(out) as src:
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert np.array_equal(src.read(1), score)
    pending.discard()  # safe again
    # an error while writing leaves neither scratch nor output
    failed = tmp_path / "failed.tif"
    with pytest.raises(RuntimeError), cog_scratch(failed, grid) as (dst, pending2):
        raise RuntimeError("tile failed")
    assert not pending2.scratch.exists() and not failed.exists()
