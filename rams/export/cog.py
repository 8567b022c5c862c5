"""Cloud-Optimized GeoTIFF output, written tile by tile.

Tiles are written into a tiled scratch GeoTIFF, which GDAL's COG driver then copies (with
overviews) to a temporary name that is renamed onto the final path. DEFLATE level 1: on a
0.29 km2 flight's score raster, 1.5 % larger than the default level 6 and 1.7x faster. The
scratch file is read once and deleted, so it is compressed with ZSTD level 1: writing it
costs about a fifth of DEFLATE's time on a 4.6 Mpx score raster (a GDAL built without ZSTD
writes it uncompressed, which is faster still).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import rasterio
import rasterio.shutil

from rams.atomic import atomic_path
from rams.grid.target import TargetGrid


@contextlib.contextmanager
def cog_writer(path: Path, grid: TargetGrid, *, dtype: str = "float32", nodata: float = float("nan"),
               description: str = "") -> Iterator[Any]:
    """Open a scratch raster on ``grid``; on exit convert it to a COG at ``path`` atomically.

    Yields:
        An open rasterio dataset; write windows of band 1 with ``dst.write(arr, 1, window=w)``.
    """
    scratch = path.with_name(f".{path.name}.scratch.tif")
    profile = {
        "driver": "GTiff", "width": grid.width, "height": grid.height, "count": 1, "dtype": dtype,
        "crs": grid.crs, "transform": grid.transform, "nodata": nodata, "tiled": True,
        "blockxsize": 512, "blockysize": 512, "compress": "zstd", "zstd_level": 1,
        "num_threads": "ALL_CPUS", "BIGTIFF": "IF_SAFER",
    }
    try:
        with rasterio.open(scratch, "w", **profile) as dst:
            if description:
                dst.set_band_description(1, description)
            yield dst
        with atomic_path(path) as tmp:
            rasterio.shutil.copy(
                scratch, tmp, driver="COG", compress="DEFLATE", level=1, predictor=3 if dtype.startswith("float") else 2,
                blocksize=512, overviews="AUTO", resampling="average", BIGTIFF="IF_SAFER",
                num_threads="ALL_CPUS",
            )
    finally:
        scratch.unlink(missing_ok=True)
