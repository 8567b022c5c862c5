"""Rasters in different CRSs, GSDs, extents and pixel grids land on the same ground pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine, from_origin
from rasterio.windows import Window

from rams.crs import transform_point
from rams.grid.reader import GridReader
from rams.grid.target import build_target_grid
from rams.ingest.flight import load_flight
from tests.conftest import E0, N0, UTM, write_manifest, write_raster

TARGET_E, TARGET_N = E0 + 7.13, N0 - 6.41  # the planted target, UTM metres
RADIUS_M = 0.2


def _disc(xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
    return (xx - TARGET_E) ** 2 + (yy - TARGET_N) ** 2 <= RADIUS_M**2


def _pixel_centres(transform: Affine, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    c, r = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    return transform * (c, r)


def _make_flight(folder: Path, *, striped: bool = False) -> None:
    # multispectral: 5 cm, UTM, origin off the others' pixel edges
    t_ms = from_origin(E0 - 1.013, N0 + 0.987, 0.05, 0.05)
    xx, yy = _pixel_centres(t_ms, 300, 320)
    ms = np.full((5, 300, 320), 1500, np.uint16)
    ms[:, _disc(xx, yy)] = 6000
    write_raster(folder / "ms.tif", ms, transform=t_ms, nodata=0, tiled=not striped)
    # thermal: ~10 cm in EPSG:4326, so every pixel centre is projected to UTM to render it
    lon0, lat0 = transform_point(UTM, "EPSG:4326", E0 - 0.5, N0 + 0.5)
    dlon, dlat = 1.17e-6, 0.9e-6  # about 0.10 m x 0.10 m at this latitude
    t_th = from_origin(lon0, lat0, dlon, dlat)
    lon, lat = _pixel_centres(t_th, 140, 150)
    from rams.crs import transformer

    ex, ny = transformer("EPSG:4326", UTM).transform(lon, lat)
    th = np.full((1, 140, 150), 20.0, np.float32)
    th[0][_disc(ex, ny)] = 30.0
    write_raster(folder / "thermal.tif", th, crs="EPSG:4326", transform=t_th, nodata=-9999.0)
    # rgb: 2 cm, UTM, different origin and extent
    t_rgb = from_origin(E0 + 0.311, N0 - 0.207, 0.02, 0.02)
    xx, yy = _pixel_centres(t_rgb, 600, 640)
    rgb = np.full((3, 600, 640), 200, np.uint8)
    rgb[:, _disc(xx, yy)] = 10
    write_raster(folder / "rgb.tif", rgb, transform=t_rgb, tiled=not striped)
    write_manifest(folder, [
        {"path": "ms.tif", "sensor": "multispectral", "bands": ["blue", "green", "red", "rededge", "nir"],
         "scale": 0.0001},
        {"path": "thermal.tif", "sensor": "thermal"},
        {"path": "rgb.tif", "sensor": "rgb"},
    ])


def _centroid(values: np.ndarray) -> tuple[float, float]:
    weights = values / values.sum()
    rows, cols = np.indices(values.shape)
    return float((rows * weights).sum()), float((cols * weights).sum())


@pytest.mark.parametrize("striped", [False, True])
def test_target_found_at_same_grid_pixel_in_all_sensors(tmp_path: Path, striped: bool) -> None:
    _make_flight(tmp_path, striped=striped)
    flight = load_flight(tmp_path)
    grid = build_target_grid(flight, extent="intersection")
    assert grid.gsd_m == pytest.approx(0.05)
    assert grid.crs.to_epsg() == 32638  # the projected input CRS, not the thermal's WGS84
    col, row = ~grid.transform * (TARGET_E, TARGET_N)  # expected position, fractional pixels
    window = Window(int(col) - 20, int(row) - 20, 40, 40)
    expected = (row - window.row_off - 0.5, col - window.col_off - 0.5)
    found = {}
    for sensor, raster in flight.rasters.items():
        data, valid = GridReader(raster, grid).read(window)
        assert valid.all()
        band = data[0]
        signal = np.abs(band - np.median(band))
        signal[signal < 0.5 * signal.max()] = 0
        found[sensor] = _centroid(signal)
    for sensor, (r, c) in found.items():
        assert abs(r - expected[0]) <= 1.0 and abs(c - expected[1]) <= 1.0, (sensor, found, expected)


def test_reader_returns_physical_units_and_masks_outside(tmp_path: Path) -> None:
    _make_flight(tmp_path)
    flight = load_flight(tmp_path)
    grid = build_target_grid(flight, extent="union")
    reader = GridReader(flight.rasters["multispectral"], grid)
    # the multispectral spans the union here; a window 4 px wider on each side reaches past it
    data, valid = reader.read(Window(-4, -4, grid.width + 8, grid.height + 8))
    assert data.dtype == np.float32 and data.shape == (5, grid.height + 8, grid.width + 8)
    assert not valid.all() and valid.any()
    assert np.allclose(np.median(data[:, valid], axis=1), 0.15, atol=1e-3)  # 1500 * 1e-4
    assert (data[:, ~valid] == 0).all()
    thermal, tvalid = GridReader(flight.rasters["thermal"], grid).read(Window(0, 0, grid.width, grid.height))
    assert np.median(thermal[0][tvalid]) == pytest.approx(20.0, abs=1e-3)


def test_grid_origin_on_the_multispectral_lattice(tmp_path: Path) -> None:
    # the grid takes the multispectral's pixel lattice (its GSD, origin off any multiple of
    # 5 cm), so multispectral windows are the source pixels, copied without resampling
    _make_flight(tmp_path)
    flight = load_flight(tmp_path)
    ms = flight.rasters["multispectral"]
    for extent in ("union", "intersection"):
        grid = build_target_grid(flight, extent=extent)  # type: ignore[arg-type]
        col, row = ~ms.transform * (grid.transform.c, grid.transform.f)
        assert col == pytest.approx(round(col), abs=1e-6) and row == pytest.approx(round(row), abs=1e-6)
    grid = build_target_grid(flight, extent="intersection")
    col, row = (round(v) for v in ~ms.transform * (grid.transform.c, grid.transform.f))
    assert col > 0 and row > 0  # the intersection starts inside the multispectral
    with rasterio.open(ms.path) as src:
        source = src.read(window=Window(col, row, 40, 30)).astype(np.float32) * np.float32(1e-4)
    data, valid = GridReader(ms, grid).read(Window(0, 0, 40, 30))
    assert valid.all()
    assert np.array_equal(data, source)


def test_grid_origin_on_a_multiple_of_the_gsd_without_a_raster_at_that_gsd(tmp_path: Path) -> None:
    _make_flight(tmp_path)
    grid = build_target_grid(load_flight(tmp_path), gsd_m=0.04)  # no raster at 4 cm
    assert grid.transform.c / 0.04 == pytest.approx(round(grid.transform.c / 0.04), abs=1e-6)
    assert grid.transform.f / 0.04 == pytest.approx(round(grid.transform.f / 0.04), abs=1e-6)


@pytest.mark.parametrize("nodata", [0.0, None])
def test_same_crs_fast_path_matches_gdal_warper(tmp_path: Path, nodata: float | None) -> None:
    # a thermal raster in the grid's CRS, 10 cm, off the 5 cm grid by a fraction of a pixel,
    # with a nodata collar (or NaN holes when there is no nodata value): the separable
    # OpenCV path and GDAL's warper give the same values and the same valid pixels
    t = from_origin(E0 + 0.013, N0 - 0.021, 0.1, 0.1)
    xx, yy = _pixel_centres(t, 200, 230)
    data = (20.0 + 3.0 * np.sin((xx - E0) / 1.3) * np.cos((yy - N0) / 0.9))[None].astype(np.float32)
    if nodata is not None:
        data[:, :12, :] = nodata
        data[:, :, -9:] = nodata
    else:
        data[:, 50:60, 70:90] = np.nan
    write_raster(tmp_path / "t.tif", data, nodata=nodata, transform=t)
    write_manifest(tmp_path, [{"path": "t.tif", "sensor": "thermal"}])
    flight = load_flight(tmp_path)
    grid = build_target_grid(flight, gsd_m=0.05)
    fast = GridReader(flight.rasters["thermal"], grid)
    assert fast._axis_maps() is not None
    gdal = GridReader(flight.rasters["thermal"], grid)
    gdal._axis_maps = lambda: None  # type: ignore[method-assign]
    window = Window(0, 0, grid.width, grid.height)
    a, va = fast.read(window)
    b, vb = gdal.read(window)
    both = va & vb
    # validity differs at most in a one-pixel rim around invalid areas (GDAL keeps a pixel
    # with any valid neighbour; the fast path asks for half the weight)
    assert np.mean(va != vb) < 0.005
    assert both.sum() > 0.8 * vb.sum()
    # (measured: max 0.003 degC, mean 0.0013 degC on a 6 degC field; GDAL approximates the
    # transform to 1/8 px and OpenCV quantises positions to 1/32 px)
    assert np.abs(a - b)[:, both].max() < 0.01
    assert np.abs(a - b)[:, both].mean() < 0.003


def test_interior_window_of_a_fully_valid_source_skips_the_weights_with_the_same_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a window well inside a fully valid 10 cm thermal raster: the fast path remaps the data
    # alone (every weight is 1); its values and validity are those of the weighted remap
    # (forced here by a mask that is not all valid) and of GDAL's warper
    t = from_origin(E0 + 0.013, N0 - 0.021, 0.1, 0.1)
    xx, yy = _pixel_centres(t, 200, 230)
    data = (20.0 + 3.0 * np.sin((xx - E0) / 1.3) * np.cos((yy - N0) / 0.9))[None].astype(np.float32)
    write_raster(tmp_path / "t.tif", data, nodata=-9999.0, transform=t)
    write_manifest(tmp_path, [{"path": "t.tif", "sensor": "thermal"}])
    flight = load_flight(tmp_path)
    grid = build_target_grid(flight, gsd_m=0.05)
    window = Window(40, 50, 300, 280)  # inside, with room for the bilinear footprint
    fast = GridReader(flight.rasters["thermal"], grid)
    a, va = fast.read(window)
    assert va.all()
    gdal = GridReader(flight.rasters["thermal"], grid)
    gdal._axis_maps = lambda: None  # type: ignore[method-assign]
    b, vb = gdal.read(window)
    assert vb.all()
    assert np.abs(a - b).max() < 0.01
    # the weighted remap: same reader code, the mask's all() made false
    real_all = np.ndarray.all

    class NotAll(np.ndarray):
        def all(self, *args: object, **kwargs: object) -> bool:  # type: ignore[override]
            return False

    weighted = GridReader(flight.rasters["thermal"], grid)
    original = weighted._read_source

    def read_source(*args: object, **kwargs: object) -> tuple[np.ndarray, np.ndarray]:
        d, m = original(*args, **kwargs)  # type: ignore[arg-type]
        return d, m.view(NotAll)

    monkeypatch.setattr(weighted, "_read_source", read_source)
    c, vc = weighted.read(window)
    assert real_all(vc)
    np.testing.assert_array_equal(a, c)


def test_reading_on_the_sources_own_grid_returns_its_pixels(tmp_path: Path) -> None:
    # the detector reads the RGB on its own grid: windows inside, across the edge and
    # outside the raster give the source pixels unchanged, and invalid outside
    rgb = np.random.default_rng(0).integers(1, 255, (3, 90, 110)).astype(np.uint8)
    t = from_origin(E0, N0, 0.02, 0.02)
    write_raster(tmp_path / "r.tif", rgb, transform=t)
    write_manifest(tmp_path, [{"path": "r.tif", "sensor": "rgb"}])
    raster = load_flight(tmp_path).rasters["rgb"]
    from rams.grid.target import TargetGrid

    reader = GridReader(raster, TargetGrid(raster.crs, t, 110, 90))
    assert reader._axis_maps() is not None
    for col, row, w, h in [(10, 5, 40, 30), (0, 0, 110, 90), (-7, 80, 30, 20), (100, -3, 20, 10), (200, 200, 5, 5)]:
        data, valid = reader.read(Window(col, row, w, h))
        expect = np.zeros((3, h, w), np.float32)
        inside = np.zeros((h, w), bool)
        r0, r1, c0, c1 = max(row, 0), min(row + h, 90), max(col, 0), min(col + w, 110)
        if r1 > r0 and c1 > c0:
            expect[:, r0 - row:r1 - row, c0 - col:c1 - col] = rgb[:, r0:r1, c0:c1] / 255.0
            inside[r0 - row:r1 - row, c0 - col:c1 - col] = True
        assert np.array_equal(valid, inside)
        assert np.allclose(data, expect, atol=1e-6)
        # as stored: the 8-bit counts themselves, invalid pixels 0
        counts, ok = reader.read(Window(col, row, w, h), stored=True)
        assert counts.dtype == np.uint8 and np.array_equal(ok, inside)
        assert np.array_equal(counts, np.rint(expect * 255).astype(np.uint8))


def test_stored_values_skip_the_manifest_scale_and_are_float_when_resampled(tmp_path: Path) -> None:
    _make_flight(tmp_path)
    flight = load_flight(tmp_path)
    grid = build_target_grid(flight, extent="intersection")  # on the multispectral's lattice
    window = Window(3, 4, 50, 40)
    ms = GridReader(flight.rasters["multispectral"], grid)
    physical, valid = ms.read(window)
    stored, stored_valid = ms.read(window, stored=True)
    assert stored.dtype == np.uint16 and np.array_equal(stored_valid, valid)  # copied, not resampled
    assert np.allclose(stored.astype(np.float32) * np.float32(1e-4), physical, rtol=1e-6)
    rgb = GridReader(flight.rasters["rgb"], grid)  # 2 cm RGB averaged onto the 5 cm grid
    physical, valid = rgb.read(window)
    stored, stored_valid = rgb.read(window, stored=True)
    assert stored.dtype == np.float32 and np.array_equal(stored_valid, valid)
    assert np.allclose(stored, physical * 255.0, atol=1e-3)


def test_backdrop_is_small_thermal_first_and_scaled(tmp_path: Path) -> None:
    """The quicklook backdrop: decimated to max_px, thermal preferred, 0-1 with the target bright."""
    from rams.grid.backdrop import read_backdrop

    _make_flight(tmp_path)
    flight = load_flight(tmp_path)
    grid = build_target_grid(flight, extent="intersection")
    image, transform = read_backdrop(flight, grid, max_px=64)
    assert image is not None and image.ndim == 2  # one thermal band, not RGB
    assert max(image.shape) == 64 and image.dtype == np.float32
    assert 0.0 <= float(image.min()) and float(image.max()) <= 1.0
    # The warm disc (30 degC on 20) is the brightest part, at the same place as on the grid.
    r, c = np.unravel_index(np.argmax(image), image.shape)
    x, y = transform * (c + 0.5, r + 0.5)
    assert np.hypot(x - TARGET_E, y - TARGET_N) < 0.4
    # Without thermal, the RGB is used (three bands).
    del flight.rasters["thermal"]
    rgb, _ = read_backdrop(flight, grid, max_px=64)
    assert rgb is not None and rgb.shape[-1] == 3


@pytest.mark.parametrize("entry", [{"offset": 5.0}, {"units": "kelvin"}, {"units": "centikelvin"}, {"scale": 0.5}])
def test_invalid_pixels_are_zero_after_any_unit_conversion(tmp_path: Path, entry: dict[str, object]) -> None:
    # read on the source's own lattice, whose invalid pixels come back zeroed before the
    # conversion: an offset or a kelvin shift must not leave them at the shifted zero
    values = np.full((1, 20, 30), 300.0, np.float32)
    values[0, :5, :7] = -9999.0
    t = from_origin(E0, N0, 0.1, 0.1)
    write_raster(tmp_path / "t.tif", values, transform=t, nodata=-9999.0)
    write_manifest(tmp_path, [{"path": "t.tif", "sensor": "thermal", **entry}])
    raster = load_flight(tmp_path).rasters["thermal"]
    from rams.grid.target import TargetGrid

    reader = GridReader(raster, TargetGrid(raster.crs, t, 30, 20))
    data, valid = reader.read(Window(-3, -3, 20, 15))
    assert not valid[:8, :10].any() and valid[8:, 10:].all()
    assert (data[:, ~valid] == 0).all()
    assert (data[:, valid] != 0).all()
