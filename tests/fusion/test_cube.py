from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest
from rasterio.windows import Window

from rams.fusion.cube import (
    FusedTile,
    fuse_window,
    local_contrast,
    local_contrasts,
    local_contrasts_at,
)
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
        "thermal_contrast_deg_c", "thermal_deg_c", "rgb_red", "rgb_green", "rgb_blue",
    ]
    assert fused.cube.dtype == np.float32 and fused.cube.shape == (12, 60, 60)
    # the multispectral nodata collar (top 10 ms rows = 0.5 m) is invalid in the fused mask
    assert not fused.sensor_valid["multispectral"][:5].any()
    assert not fused.valid[:5].any() and fused.valid[20:, 1:].all()  # column 0 straddles the thermal edge
    ms = fused.bands(["ms_red"])[0][fused.valid]
    assert np.median(ms) == pytest.approx(0.2, abs=0.01)  # 2000 * 1e-4
    assert np.median(fused.bands(["thermal_deg_c"])[0][fused.valid]) == pytest.approx(20.0, abs=0.05)
    assert np.median(fused.bands(["rgb_red"])[0][fused.valid]) == pytest.approx(120 / 255, abs=1e-3)
    # without the indices, the default anomaly bands are one slice of the cube: no copy
    lean = fuse_window(readers, Window(0, 0, 60, 60), indices=False)
    anomaly_bands = ["ms_blue", "ms_green", "ms_red", "ms_rededge", "ms_nir", "thermal_contrast_deg_c"]
    sub = lean.bands(anomaly_bands)
    assert np.shares_memory(sub, lean.cube) and sub.flags.c_contiguous
    assert np.array_equal(sub[-1], lean.cube[lean.band_names.index("thermal_contrast_deg_c")])
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


def test_ndvi_and_ndre_match_hand_computed_values(tmp_path: Path) -> None:
    """Two fields of known reflectance (RedEdge-MX profile: counts x 1e-4): vegetation on
    the left, bare soil on the right; the indices are checked against the formulas by hand."""
    from rasterio.transform import Affine

    from tests.conftest import E0, N0, write_manifest, write_raster

    counts = np.zeros((5, 40, 40), np.uint16)  # blue, green, red, rededge, nir
    counts[:, :, :20] = np.array([300, 600, 800, 2500, 4000], np.uint16)[:, None, None]
    counts[:, :, 20:] = np.array([1500, 2000, 2400, 2600, 3000], np.uint16)[:, None, None]
    folder = tmp_path / "ms_only"
    folder.mkdir()
    write_raster(folder / "ms.tif", counts, transform=Affine(0.05, 0, E0, 0, -0.05, N0), nodata=0)
    write_manifest(folder, [{"path": "ms.tif", "sensor": "multispectral", "profile": "micasense-rededge-mx"}])
    flight = load_flight(folder)
    grid = build_target_grid(flight)
    assert (grid.width, grid.height) == (40, 40)
    fused = fuse_window({"multispectral": GridReader(flight.rasters["multispectral"], grid)}, Window(0, 0, 40, 40))
    ndvi, ndre = fused.bands(["ndvi", "ndre"])
    # vegetation: red 0.08, red edge 0.25, nir 0.40
    assert ndvi[:, :18] == pytest.approx(np.full((40, 18), (0.40 - 0.08) / (0.40 + 0.08)), abs=1e-5)  # 0.6667
    assert ndre[:, :18] == pytest.approx(np.full((40, 18), (0.40 - 0.25) / (0.40 + 0.25)), abs=1e-5)  # 0.2308
    # bare soil: red 0.24, red edge 0.26, nir 0.30
    assert ndvi[:, 22:] == pytest.approx(np.full((40, 18), 0.06 / 0.54), abs=1e-5)  # 0.1111
    assert ndre[:, 22:] == pytest.approx(np.full((40, 18), 0.04 / 0.56), abs=1e-5)  # 0.0714


def test_normalised_difference_is_zero_where_both_bands_are_zero() -> None:
    from rams.fusion.cube import _normalised_difference

    a = np.array([0.0, 0.5, 0.2], np.float32)
    b = np.array([0.0, 0.1, 0.6], np.float32)
    assert _normalised_difference(a, b).tolist() == pytest.approx([0.0, 0.4 / 0.6, -0.4 / 0.8])


def test_fuse_without_indices_leaves_only_them_out(small_flight: Callable[..., Path]) -> None:
    flight = load_flight(small_flight())
    grid = build_target_grid(flight, extent="intersection")
    readers = {s: GridReader(r, grid) for s, r in flight.rasters.items()}
    full = fuse_window(readers, Window(3, 5, 50, 40))
    lean = fuse_window(readers, Window(3, 5, 50, 40), indices=False)
    assert lean.band_names == [n for n in full.band_names if n not in ("ndvi", "ndre")]
    np.testing.assert_array_equal(lean.cube, full.bands(lean.band_names))
    np.testing.assert_array_equal(lean.valid, full.valid)


def test_local_contrasts_equal_band_by_band() -> None:
    rng = np.random.default_rng(3)
    values = rng.normal(0.3, 0.05, (4, 37, 41)).astype(np.float32)
    valid = rng.random((37, 41)) > 0.2
    valid[:, :6] = False
    values[:, ~valid] = -9999.0
    stacked = local_contrasts(values, valid, 9)
    assert stacked.dtype == np.float32 and stacked.shape == values.shape
    for band, got in zip(values, stacked, strict=True):
        np.testing.assert_array_equal(got, local_contrast(band, valid, 9))
    # by hand: the centre pixel of an all-valid 9 x 9 box
    valid[16:25, 16:25] = True
    values[:, 16:25, 16:25] = rng.normal(0.3, 0.05, (4, 9, 9))
    stacked = local_contrasts(values, valid, 9)
    expected = values[2, 20, 20] - values[2, 16:25, 16:25].mean(dtype=np.float64)
    assert stacked[2, 20, 20] == pytest.approx(expected, abs=1e-5)


def test_local_contrasts_at_pixels_equal_the_dense_ones() -> None:
    rng = np.random.default_rng(4)
    values = rng.normal(0.3, 0.05, (3, 53, 47)).astype(np.float32)
    valid = rng.random((53, 47)) > 0.2
    valid[:, :5] = False
    values[:, ~valid] = -9999.0  # not zeroed: the weights must keep them out
    dense = local_contrasts(values, valid, 21)
    # corners and borders (clipped boxes), interior pixels and invalid pixels
    pixels = np.array([0, 46, 52 * 47, 53 * 47 - 1, 20 * 47 + 20, 30 * 47 + 2, 10 * 47 + 40, 7])
    sparse = local_contrasts_at(values, valid, 21, pixels)
    assert sparse.dtype == np.float32 and sparse.shape == (3, len(pixels))
    np.testing.assert_allclose(sparse, dense.reshape(3, -1)[:, pixels], atol=1e-5)
    assert (sparse[:, ~valid.reshape(-1)[pixels]] == 0).all()
    # by hand: a fully valid 21 x 21 box around (26, 23)
    valid[16:37, 13:34] = True
    values[:, 16:37, 13:34] = rng.normal(0.3, 0.05, (3, 21, 21))
    got = local_contrasts_at(values, valid, 21, np.array([26 * 47 + 23]))
    expected = values[1, 26, 23] - values[1, 16:37, 13:34].mean(dtype=np.float64)
    assert got[1, 0] == pytest.approx(expected, abs=1e-5)


def test_bands_are_a_view_when_consecutive_and_a_copy_otherwise() -> None:
    cube = np.arange(4 * 3 * 2, dtype=np.float32).reshape(4, 3, 2)
    fused = FusedTile(cube=cube, band_names=["a", "b", "c", "d"], valid=np.ones((3, 2), bool), sensor_valid={})
    view = fused.bands(["b", "c"])
    assert np.shares_memory(view, cube) and np.array_equal(view, cube[1:3])
    picked = fused.bands(["d", "a"])
    assert not np.shares_memory(picked, cube) and np.array_equal(picked, cube[[3, 0]])


def _weighted_contrasts(values: np.ndarray, valid: np.ndarray, size_px: int) -> np.ndarray:
    """The nodata-aware box contrast written out with weights, whatever the mask."""
    box = (size_px, size_px)
    weights = valid.astype(np.float32)
    den = cv2.boxFilter(weights, cv2.CV_32F, box, normalize=False, borderType=cv2.BORDER_CONSTANT)
    out = np.empty(values.shape, np.float32)
    for band, dst in zip(values, out, strict=True):
        num = cv2.boxFilter(band * weights, cv2.CV_32F, box, normalize=False, borderType=cv2.BORDER_CONSTANT)
        dst[:] = band - np.divide(num, den, out=np.zeros_like(num), where=den > 0.5)
        dst[~valid] = 0.0
    return out


@pytest.mark.parametrize("size_px", [3, 9, 41, 81])  # 81: a box wider than the grid
def test_local_contrasts_of_an_all_valid_tile_are_the_weighted_ones_bit_for_bit(size_px: int) -> None:
    rng = np.random.default_rng(5)
    values = rng.normal(0.3, 0.05, (3, 61, 77)).astype(np.float32)
    valid = np.ones((61, 77), bool)
    np.testing.assert_array_equal(local_contrasts(values, valid, size_px), _weighted_contrasts(values, valid, size_px))
    # and the box counts at the corner and in the interior, by hand
    half = size_px // 2
    corner = min(half + 1, 61) * min(half + 1, 77)
    inside = min(size_px, 61) * min(size_px, 77)
    den = cv2.boxFilter(valid.astype(np.float32), cv2.CV_32F, (size_px, size_px), normalize=False,
                        borderType=cv2.BORDER_CONSTANT)
    assert den[0, 0] == corner and den[30, 38] == inside
    # one invalid pixel takes the general path: the same formula
    valid[30, 38] = False
    np.testing.assert_array_equal(local_contrasts(values, valid, size_px), _weighted_contrasts(values, valid, size_px))


def test_local_contrasts_at_pixels_of_an_all_valid_tile_equal_the_weighted_path() -> None:
    rng = np.random.default_rng(6)
    values = rng.normal(0.3, 0.05, (2, 40, 45)).astype(np.float32)
    valid = np.ones((40, 45), bool)
    pixels = np.array([0, 44, 39 * 45, 40 * 45 - 1, 20 * 45 + 20, 7])
    fast = local_contrasts_at(values, valid, 21, pixels)
    # a mask that is all True but not recognised as such cannot exist, so compare with the
    # same integral-image formula written out with weights
    stride = 46
    r, c = np.divmod(pixels, 45)
    r0, r1 = np.maximum(r - 10, 0), np.minimum(r + 11, 40)
    c0, c1 = np.maximum(c - 10, 0), np.minimum(c + 11, 45)
    for band, got in zip(values, fast, strict=True):
        integral = cv2.integral(band * valid.astype(np.float32), sdepth=cv2.CV_64F).ravel()
        num = integral[r1 * stride + c1] - integral[r0 * stride + c1] - integral[r1 * stride + c0] + integral[r0 * stride + c0]
        den = (r1 - r0) * (c1 - c0)
        np.testing.assert_array_equal(got, (band.ravel()[pixels] - num / den).astype(np.float32))


@pytest.mark.parametrize("window", [Window(0, 0, 60, 60), Window(20, 30, 50, 40), Window(170, 150, 70, 90)])
def test_fused_cube_is_each_sensors_read_stacked(small_flight: Callable[..., Path], window: Window) -> None:
    """The readers decode into the cube's slices; the cube is what reading each sensor on its
    own and stacking gives, bit for bit, inside the rasters and across their edges."""
    flight = load_flight(small_flight())
    grid = build_target_grid(flight, extent="union")
    readers = {s: GridReader(r, grid) for s, r in flight.rasters.items()}
    fused = fuse_window(readers, window)
    reads = {s: readers[s].read(window) for s in ("multispectral", "thermal", "rgb")}
    ms, th, rgb = (reads[s][0] for s in ("multispectral", "thermal", "rgb"))
    nir, red, rededge = ms[4], ms[2], ms[3]
    layers = [*ms, _nd(nir, red), _nd(nir, rededge), local_contrast(th[0], reads["thermal"][1], 40), th[0], *rgb]
    expected = np.stack(layers)
    valid = np.logical_and.reduce([v for _, v in reads.values()])
    expected[:, ~valid] = 0.0
    np.testing.assert_array_equal(fused.valid, valid)
    np.testing.assert_array_equal(fused.cube, expected)
    for s, (_, v) in reads.items():
        np.testing.assert_array_equal(fused.sensor_valid[s], v)


def _nd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros_like(a)
    np.divide(a - b, a + b, out=out, where=np.abs(a + b) > 1e-6)
    return out


def test_read_into_out_gives_the_same_values_and_rejects_stored(small_flight: Callable[..., Path]) -> None:
    flight = load_flight(small_flight())
    grid = build_target_grid(flight, extent="union")
    for sensor, raster in flight.rasters.items():
        reader = GridReader(raster, grid)
        for window in (Window(0, 0, 60, 60), Window(20, 30, 50, 40), Window(170, 150, 70, 90)):
            data, valid = reader.read(window)
            out = np.full(data.shape, np.nan, np.float32)
            got, got_valid = reader.read(window, out=out)
            assert got is out, sensor
            np.testing.assert_array_equal(out, data)
            np.testing.assert_array_equal(got_valid, valid)
        with pytest.raises(ValueError, match="stored"):
            reader.read(Window(0, 0, 4, 4), stored=True, out=np.empty((len(reader.band_names), 4, 4), np.float32))


def test_an_anomaly_band_the_flight_does_not_fuse_is_a_user_error_naming_it() -> None:
    """A misspelt ``anomaly.bands`` entry says which name and which bands there are."""
    from rams.errors import RamsInputError

    tile = FusedTile(cube=np.zeros((2, 4, 4), np.float32), band_names=["ms_red", "ms_nir"],
                     valid=np.ones((4, 4), bool), sensor_valid={})
    assert tile.bands(["ms_nir"]).shape == (1, 4, 4)
    with pytest.raises(RamsInputError, match=r"'ms_bogus', not fused from this flight \(it has ms_red, ms_nir\)"):
        tile.bands(["ms_red", "ms_bogus"])
