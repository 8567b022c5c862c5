"""A small backdrop image of a flight over its common grid, for quicklooks and reports.

Read decimated through a warped VRT (average resampling), so memory is bounded by the
output size whatever the orthomosaic's.
"""

from __future__ import annotations

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import RasterioError
from rasterio.transform import Affine
from rasterio.vrt import WarpedVRT

from rams.errors import RasterError
from rams.grid.target import TargetGrid
from rams.ingest.flight import Flight
from rams.ingest.rasters import PARTIAL_HINT, decode_failure


def read_backdrop(
    flight: Flight, grid: TargetGrid, max_px: int = 1600, *, allow_partial: bool = False
) -> tuple[np.ndarray | None, Affine]:
    """A small backdrop image over the grid for the quicklook.

    Prefers thermal (smallest file), then RGB, then multispectral. Read decimated through a
    warped VRT, so memory stays bounded by the output size.

    Args:
        flight: the flight.
        grid: the grid the backdrop covers.
        max_px: longest side of the backdrop, pixels.
        allow_partial: a raster whose decimated read fails (a damaged block or overview) is
            skipped for the next one instead of failing the run.

    Returns:
        ``(image, transform)``: float32 (rows, cols) or (rows, cols, 3) scaled to 0-1 (None if
        nothing could be read), and its affine transform.

    Raises:
        RasterError: a block fails to decode (without ``allow_partial``).
    """
    scale = max(grid.width, grid.height) / max_px
    width, height = max(1, round(grid.width / max(scale, 1))), max(1, round(grid.height / max(scale, 1)))
    transform = grid.transform * Affine.scale(grid.width / width, grid.height / height)
    for sensor in ("thermal", "rgb", "multispectral"):
        raster = flight.rasters.get(sensor)
        if raster is None:
            continue
        bands = raster.data_bands[:3] if sensor == "rgb" else raster.data_bands[:1]
        with rasterio.open(raster.path) as src, WarpedVRT(
            src, crs=grid.crs, transform=transform, width=width, height=height,
            resampling=Resampling.average, add_alpha=raster.alpha_band is None,
            **({"src_nodata": raster.nodata, "nodata": raster.nodata} if raster.nodata is not None else {}),
        ) as vrt:
            try:
                data = vrt.read(bands, out_dtype="float32")
                valid = vrt.dataset_mask() > 0
            except RasterioError as exc:
                if allow_partial:
                    continue
                raise RasterError(raster.path, f"{decode_failure(exc, raster.path)}; {PARTIAL_HINT}") from exc
        data = np.where(np.isfinite(data), data, 0.0)
        if not valid.any():
            continue
        lo, hi = np.percentile(data[:, valid], [2, 98], axis=1)
        img = np.clip((data - lo[:, None, None]) / np.maximum(hi - lo, 1e-6)[:, None, None], 0, 1)
        img[:, ~valid] = 1.0
        image = np.moveaxis(img, 0, -1) if img.shape[0] == 3 else img[0]
        return image.astype(np.float32), transform
    return None, transform
