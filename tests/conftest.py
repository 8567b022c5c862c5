"""Shared fixtures: small seeded GeoTIFFs written with explicit CRS and transforms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import yaml
from rasterio.transform import Affine

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"

UTM = "EPSG:32638"
E0, N0 = 600_000.0, 4_400_000.0


def write_raster(
    path: Path,
    data: np.ndarray,
    *,
    crs: str | None = UTM,
    transform: Affine | None = None,
    nodata: float | None = None,
    tiled: bool = True,
    **extra: Any,
) -> Path:
    """Write a (bands, rows, cols) array as a GeoTIFF."""
    if data.ndim == 2:
        data = data[None]
    profile: dict[str, Any] = {
        "driver": "GTiff", "width": data.shape[2], "height": data.shape[1], "count": data.shape[0],
        "dtype": data.dtype.name, "nodata": nodata,
    }
    if crs is not None:
        profile["crs"] = crs
    if transform is not None:
        profile["transform"] = transform
    if tiled:
        profile.update(tiled=True, blockxsize=64, blockysize=64)
    profile.update(extra)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
    return path


def write_manifest(folder: Path, rasters: list[dict[str, Any]], **top: Any) -> Path:
    """Write ``folder/flight.yaml``."""
    path = folder / "flight.yaml"
    path.write_text(yaml.safe_dump({**top, "rasters": rasters}, sort_keys=False))
    return path


@pytest.fixture
def small_flight(tmp_path: Path) -> Callable[..., Path]:
    """Factory of a tiny three-sensor flight (UTM, 40 x 40 m) with a warm, dark target."""

    def make(name: str = "flight", size_m: float = 12.0, seed: int = 0) -> Path:
        rng = np.random.default_rng(seed)
        folder = tmp_path / name
        folder.mkdir()
        n_ms = int(size_m / 0.05)
        ms = (2000 + rng.normal(0, 30, (5, n_ms, n_ms))).astype(np.uint16)
        ms[:, :10, :] = 0  # nodata collar
        write_raster(folder / "ms.tif", ms, transform=Affine(0.05, 0, E0, 0, -0.05, N0), nodata=0)
        n_th = int(size_m / 0.1)
        th = (20 + rng.normal(0, 0.05, (n_th, n_th))).astype(np.float32)
        write_raster(folder / "thermal.tif", th, transform=Affine(0.1, 0, E0 + 0.03, 0, -0.1, N0 - 0.02),
                     nodata=-9999.0)
        n_rgb = int(size_m / 0.02)
        rgb = np.full((3, n_rgb, n_rgb), 120, np.uint8)
        write_raster(folder / "rgb.tif", rgb, transform=Affine(0.02, 0, E0 + 0.011, 0, -0.02, N0 - 0.007))
        write_manifest(folder, [
            {"path": "ms.tif", "sensor": "multispectral", "profile": "micasense-rededge-mx"},
            {"path": "thermal.tif", "sensor": "thermal", "units": "celsius"},
            {"path": "rgb.tif", "sensor": "rgb"},
        ], flight_id="tiny", date="2026-08-14")
        return folder

    return make
