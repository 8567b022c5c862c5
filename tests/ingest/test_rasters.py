"""Each bad input of the foundation issue gives a RamsInputError naming the file and problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from rasterio.transform import Affine

from rams.errors import FlightGeometryError, RamsInputError, RasterError
from rams.grid.target import build_target_grid
from rams.ingest.flight import load_flight
from tests.conftest import E0, N0, write_manifest, write_raster


def _thermal_only(folder: Path, path: str = "t.tif") -> None:
    write_manifest(folder, [{"path": path, "sensor": "thermal"}])


def test_valid_flight_loads(small_flight: Callable[..., Path]) -> None:
    flight = load_flight(small_flight())
    assert flight.sensors == ["multispectral", "thermal", "rgb"]
    assert flight.rasters["multispectral"].gsd_m == pytest.approx(0.05)
    assert flight.rasters["rgb"].gsd_m == pytest.approx(0.02)
    assert 0.9 < flight.rasters["multispectral"].valid_fraction < 1.0  # the nodata collar
    assert len(flight.rasters["thermal"].checksum) == 64


def test_missing_file(tmp_path: Path) -> None:
    _thermal_only(tmp_path)
    with pytest.raises(RasterError, match=r"t\.tif: file not found"):
        load_flight(tmp_path)


def test_not_a_geotiff(tmp_path: Path) -> None:
    (tmp_path / "t.tif").write_text("this is not an image\n")
    _thermal_only(tmp_path)
    with pytest.raises(RasterError, match=r"t\.tif: cannot be read as a GeoTIFF"):
        load_flight(tmp_path)


def test_png_is_not_a_geotiff(tmp_path: Path) -> None:
    write_raster(tmp_path / "t.png", np.zeros((1, 8, 8), np.uint8), driver="PNG", tiled=False,
                 transform=Affine(0.1, 0, E0, 0, -0.1, N0))
    _thermal_only(tmp_path, "t.png")
    with pytest.raises(RasterError, match="not a GeoTIFF"):
        load_flight(tmp_path)


def test_corrupt_geotiff(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "t.tif", np.ones((1, 64, 64), np.float32),
                        transform=Affine(0.1, 0, E0, 0, -0.1, N0))
    data = path.read_bytes()
    path.write_bytes(data[:8] + b"\xff" * 64 + data[72:200])  # header kept, directory destroyed
    _thermal_only(tmp_path)
    with pytest.raises(RasterError, match=r"t\.tif: "):
        load_flight(tmp_path)


def test_no_georeferencing(tmp_path: Path) -> None:
    write_raster(tmp_path / "t.tif", np.ones((1, 16, 16), np.float32), crs=None)
    _thermal_only(tmp_path)
    with pytest.raises(RasterError, match="no georeferencing"):
        load_flight(tmp_path)


def test_band_count_contradicts_profile(tmp_path: Path) -> None:
    write_raster(tmp_path / "ms.tif", np.ones((4, 16, 16), np.uint16), transform=Affine(0.05, 0, E0, 0, -0.05, N0))
    write_manifest(tmp_path, [{"path": "ms.tif", "sensor": "multispectral", "profile": "micasense-rededge-mx"}])
    with pytest.raises(RasterError, match=r"ms\.tif: has 4 data band\(s\) but profile 'micasense-rededge-mx' says 5"):
        load_flight(tmp_path)


def test_all_nodata(tmp_path: Path) -> None:
    write_raster(tmp_path / "t.tif", np.full((1, 32, 32), -9999, np.float32), nodata=-9999.0,
                 transform=Affine(0.1, 0, E0, 0, -0.1, N0))
    _thermal_only(tmp_path)
    with pytest.raises(RasterError, match="all nodata"):
        load_flight(tmp_path)


@pytest.mark.parametrize("patch", [True, False])
def test_large_raster_validation_samples_but_never_misses_valid_pixels(tmp_path: Path, patch: bool) -> None:
    # 1200 x 1200 px, no overviews: validation samples a grid of windows. A small valid patch
    # between the sampled windows must not make the raster "all nodata"; a truly empty
    # raster still is.
    data = np.full((1, 1200, 1200), -9999, np.float32)
    if patch:
        data[0, 600:610, 600:610] = 20.0
    write_raster(tmp_path / "t.tif", data, nodata=-9999.0, transform=Affine(0.1, 0, E0, 0, -0.1, N0))
    _thermal_only(tmp_path)
    if patch:
        fraction = load_flight(tmp_path).rasters["thermal"].valid_fraction
        assert 0.0 < fraction < 0.01
    else:
        with pytest.raises(RasterError, match="all nodata"):
            load_flight(tmp_path)


@pytest.mark.parametrize("striped", [False, True])
def test_large_raster_valid_fraction_is_estimated_from_sampled_blocks(tmp_path: Path, striped: bool) -> None:
    # 1500 x 1400 px, no overviews, a nodata collar over the left 30 % and a diagonal cut:
    # the block sample, weighted by block area, lands near the true fraction
    data = np.full((1, 1400, 1500), 20.0, np.float32)
    data[0, :, :450] = -9999.0
    rows, cols = np.indices((1400, 1500))
    data[0][rows + cols < 700] = -9999.0
    write_raster(tmp_path / "t.tif", data, nodata=-9999.0, transform=Affine(0.1, 0, E0, 0, -0.1, N0),
                 tiled=not striped)
    _thermal_only(tmp_path)
    truth = float(np.mean(data != -9999.0))
    assert load_flight(tmp_path).rasters["thermal"].valid_fraction == pytest.approx(truth, abs=0.03)


def test_footprints_do_not_overlap(tmp_path: Path) -> None:
    write_raster(tmp_path / "t.tif", np.ones((1, 32, 32), np.float32), transform=Affine(0.1, 0, E0, 0, -0.1, N0))
    write_raster(tmp_path / "r.tif", np.ones((3, 32, 32), np.uint8),
                 transform=Affine(0.02, 0, E0 + 500, 0, -0.02, N0))
    write_manifest(tmp_path, [{"path": "t.tif", "sensor": "thermal"}, {"path": "r.tif", "sensor": "rgb"}])
    flight = load_flight(tmp_path)
    with pytest.raises(FlightGeometryError, match="footprints do not overlap"):
        build_target_grid(flight)


def test_errors_are_input_errors() -> None:
    assert issubclass(RasterError, RamsInputError)
    assert issubclass(FlightGeometryError, RamsInputError)


@pytest.mark.parametrize(("rgb_gsd_m", "with_thermal", "expected_m"),
                         [(0.005, False, 0.02), (0.05, False, 0.05), (0.005, True, 0.1)])
def test_default_grid_gsd(tmp_path: Path, rgb_gsd_m: float, with_thermal: bool, expected_m: float) -> None:
    """The finest multispectral/thermal GSD; an RGB orthomosaic alone: its own, no finer than 2 cm."""
    from rams.grid.target import RGB_ONLY_GRID_GSD_M

    n = int(4.0 / rgb_gsd_m)
    write_raster(tmp_path / "r.tif", np.full((3, n, n), 120, np.uint8), transform=Affine(rgb_gsd_m, 0, E0, 0, -rgb_gsd_m, N0))
    rasters = [{"path": "r.tif", "sensor": "rgb"}]
    if with_thermal:
        write_raster(tmp_path / "t.tif", np.full((40, 40), 20.0, np.float32), transform=Affine(0.1, 0, E0, 0, -0.1, N0))
        rasters.append({"path": "t.tif", "sensor": "thermal"})
    write_manifest(tmp_path, rasters)
    flight = load_flight(tmp_path)
    assert RGB_ONLY_GRID_GSD_M == 0.02
    assert build_target_grid(flight).transform.a == pytest.approx(expected_m)
    assert build_target_grid(flight, gsd_m=0.01).transform.a == pytest.approx(0.01)  # configured wins
