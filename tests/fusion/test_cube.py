from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from rasterio.windows import Window

from rams.fusion.cube import fuse_window, local_contrast
from rams.grid.reader import GridReader
from rams.grid.target import build_target_grid
from rams.ingest.flight import load_flight


def test_band_list_and_masks(small_flight: Callable[..., Path]) -> None:
    flight = load_flight(small_flight())
    grid = build_target_grid(flight, extent="intersection")
    readers = {s: GridReader(r, grid) for s, r in flight.rasters.items()}
    fused = fuse_window(readers, Window(0, 0, 60, 60))
    assert fused.band_names == [
        "ms_blue", "ms_green", "ms_red", "ms_rededge", "ms_nir", "ndvi", "ndre",
        "thermal_deg_c", "thermal_contrast_deg_c", "rgb_red", "rgb_green", "rgb_blue",
    ]
    assert fused.cube.dtype == np.float32 and fused.cube.shape == (12, 60, 60)
    # the multispectral nodata collar (top 10 ms rows = 0.5 m) is invalid in the fused mask
    assert not fused.sensor_valid["multispectral"][:5].any()
    assert not fused.valid[:5].any() and fused.valid[20:, 1:].all()  # column 0 straddles the thermal edge
    ms = fused.bands(["ms_red"])[0][fused.valid]
    assert np.median(ms) == pytest.approx(0.2, abs=0.01)  # 2000 * 1e-4
    assert np.median(fused.bands(["thermal_deg_c"])[0][fused.valid]) == pytest.approx(20.0, abs=0.05)
    assert np.median(fused.bands(["rgb_red"])[0][fused.valid]) == pytest.approx(120 / 255, abs=1e-3)
    # a missing sensor is simply absent
    no_rgb = fuse_window({s: r for s, r in readers.items() if s != "rgb"}, Window(0, 0, 8, 8))
    assert not any(n.startswith("rgb_") for n in no_rgb.band_names)


def test_local_contrast_ignores_nodata() -> None:
    values = np.full((40, 40), 20.0, np.float32)
    valid = np.ones((40, 40), bool)
    valid[:, :10] = False
    values[:, :10] = -9999.0  # nodata values must not drag the background down
    values[20, 25] = 23.0
    out = local_contrast(values, valid, 9)
    assert out[20, 25] == pytest.approx(3.0 - 3.0 / 81, abs=1e-4)
    assert abs(out[20, 12]) < 1e-5
    assert (out[:, :10] == 0).all()
