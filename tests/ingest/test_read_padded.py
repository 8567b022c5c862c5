"""``read_padded`` gives what rasterio's boundless reads give, without their virtual rasters."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.enums import ColorInterp
from rasterio.transform import from_origin
from rasterio.windows import Window

from rams.ingest.rasters import read_padded

#: Windows inside, across every edge and corner, larger than the raster and wholly outside.
WINDOWS = [Window(3, 4, 10, 10), Window(-5, 2, 12, 9), Window(30, -6, 15, 11), Window(-4, -3, 8, 8),
           Window(35, 25, 10, 12), Window(-3, -2, 50, 40), Window(60, 5, 6, 6), Window(2, -20, 5, 5)]


def _raster(path: Path, *, alpha: bool, nodata: float | None, dtype: str) -> Path:
    rng = np.random.default_rng(7)
    count = 4 if alpha else 3
    data = rng.integers(1, 250, (count, 31, 41)).astype(dtype)
    if alpha:
        data[3] = np.where(rng.random((31, 41)) < 0.2, 0, 255)
    if nodata is not None:
        data[:, :5, :7] = nodata
    profile = {"driver": "GTiff", "width": 41, "height": 31, "count": count, "dtype": dtype,
               "crs": "EPSG:32638", "transform": from_origin(500000, 4400000, 0.01, 0.01),
               "tiled": True, "blockxsize": 16, "blockysize": 16, "compress": "deflate", "nodata": nodata}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        if alpha:
            dst.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
    return path


@pytest.mark.parametrize("kind", ["rgba", "nodata_float", "nodata_uint8", "plain"])
def test_same_as_boundless(tmp_path: Path, kind: str) -> None:
    nodata = {"nodata_float": -9999.0, "nodata_uint8": 0}.get(kind)
    path = _raster(tmp_path / "r.tif", alpha=kind == "rgba", nodata=nodata,
                   dtype="float32" if kind == "nodata_float" else "uint8")
    with rasterio.open(path) as src:
        for w in WINDOWS:
            if kind == "rgba":  # the alpha band on its own, as training tiles read it
                np.testing.assert_array_equal(read_padded(src, 4, w),
                                              src.read(4, window=w, boundless=True, fill_value=0))
            for fill in (0, 7):
                want = src.read([1, 2, 3], window=w, boundless=True, fill_value=fill)
                got = read_padded(src, [1, 2, 3], w, fill=fill)
                assert got.dtype == want.dtype and got.shape == want.shape
                np.testing.assert_array_equal(got, want)
            one = read_padded(src, 2, w, fill=np.nan, dtype=np.float64)
            ref = src.read(2, window=w, boundless=True, fill_value=0).astype(np.float64)
            outside = np.isnan(one)
            np.testing.assert_array_equal(one[~outside], ref[~outside])
            assert outside.sum() == w.width * w.height - _inside_px(src, w)
            # boundless masks come back as bool for a raster without nodata or alpha: compare > 0
            mask = read_padded(src, 1, w, masks=True) > 0
            np.testing.assert_array_equal(mask, src.read_masks(1, window=w, boundless=True) > 0)
            assert not mask[outside].any()


def _inside_px(src: rasterio.DatasetReader, w: Window) -> int:
    cols = max(0, min(w.col_off + w.width, src.width) - max(w.col_off, 0))
    rows = max(0, min(w.row_off + w.height, src.height) - max(w.row_off, 0))
    return int(cols * rows)


def test_nan_fill_on_a_nan_nodata_raster(tmp_path: Path) -> None:
    """Blob features read small windows of the anomaly raster around points, across its edges."""
    data = np.random.default_rng(0).normal(size=(40, 50)).astype(np.float32)
    data[5:9, 10:20] = np.nan  # nodata inside
    path = tmp_path / "anomaly.tif"
    with rasterio.open(path, "w", driver="GTiff", width=50, height=40, count=1, dtype="float32",
                       crs="EPSG:32638", transform=from_origin(0, 40, 1, 1), nodata=np.nan) as dst:
        dst.write(data, 1)
    with rasterio.open(path) as src:
        for r0, c0 in [(0, 0), (-3, -4), (35, 45), (-20, 10), (38, -9), (60, 60), (10, 20)]:
            w = Window(c0, r0, 9, 9)
            want = src.read(1, window=w, boundless=True, fill_value=np.nan).astype(np.float64)
            np.testing.assert_array_equal(read_padded(src, 1, w, fill=np.nan, dtype=np.float64), want)


def test_fractional_windows_are_refused_and_masks_are_zero_outside(tmp_path: Path) -> None:
    path = _raster(tmp_path / "r.tif", alpha=False, nodata=None, dtype="uint8")
    with rasterio.open(path) as src:
        with pytest.raises(ValueError, match="whole-pixel window"):
            read_padded(src, 1, Window(-3.6, 2.4, 10, 10))
        with pytest.raises(ValueError, match="whole-pixel window"):
            read_padded(src, 1, Window(2, 2, 9.6, 9))
        mask = read_padded(src, 1, Window(-5, -5, 10, 10), masks=True, fill=255)
        assert (mask[:5] == 0).all() and (mask[5:, 5:] == 255).all()
