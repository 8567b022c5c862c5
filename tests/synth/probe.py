"""Reading synthetic rasters back at truth locations (helpers for the synth tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.windows import Window

from rams.crs import transformer


def load_json(path: Path) -> Any:
    """Parse a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def truth_points(flight_dir: Path, kind: str) -> list[dict[str, Any]]:
    """Point features of one kind from ``truth.geojson``."""
    truth = load_json(flight_dir / "truth.geojson")
    return [f for f in truth["features"] if f["properties"]["kind"] == kind]


def patch_at(
    path: Path, lon: float, lat: float, half_px: int, shift_m: tuple[float, float] = (0.0, 0.0),
    bands: list[int] | None = None,
) -> np.ndarray:
    """A (bands, 2h+1, 2h+1) float patch centred on a lon/lat point (plus a shift in metres).

    The point goes through the raster's own CRS (UTM or EPSG:4326) and inverse transform;
    the shift is applied in the scene's UTM CRS (EPSG:32638).
    """
    e, n = transformer("EPSG:4326", "EPSG:32638").transform(lon, lat)
    with rasterio.open(path) as src:
        x, y = transformer("EPSG:32638", src.crs).transform(e + shift_m[0], n + shift_m[1])
        col, row = ~src.transform * (x, y)
        window = Window(int(np.floor(col)) - half_px, int(np.floor(row)) - half_px, 2 * half_px + 1, 2 * half_px + 1)
        return src.read(bands, window=window, boundless=True).astype(np.float64)


def contrast(patch: np.ndarray, core_px: int, ring_px: int) -> np.ndarray:
    """Per band: median of the central (2c+1)^2 pixels minus the median of a ring.

    The ring is the pixels whose Chebyshev distance from the centre is at least
    ``ring_px``.
    """
    h = patch.shape[-1] // 2
    rr, cc = np.mgrid[-h : h + 1, -h : h + 1]
    cheb = np.maximum(np.abs(rr), np.abs(cc))
    core = patch[:, cheb <= core_px]
    ring = patch[:, cheb >= ring_px]
    return np.asarray(np.median(core, axis=1) - np.median(ring, axis=1))
