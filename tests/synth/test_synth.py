"""Tests of the synthetic flight generator (small flights, a few seconds each)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
import typer
import yaml
from shapely.geometry import Point, shape
from typer.testing import CliRunner

from rams.cli import synth as synth_cli
from rams.crs import transformer
from rams.errors import RamsInputError
from rams.synth import SynthFlight, generate_flight
from tests.synth.probe import contrast, load_json, patch_at, truth_points

FILES = ("ms.tif", "thermal.tif", "rgb.tif", "flight.yaml", "truth.geojson", "synth.json")


@pytest.fixture(scope="module")
def flight(tmp_path_factory: pytest.TempPathFactory) -> SynthFlight:
    return generate_flight(tmp_path_factory.mktemp("synth") / "f", size_m=40.0, seed=3)


@pytest.fixture(scope="module")
def flight_wgs84(tmp_path_factory: pytest.TempPathFactory) -> SynthFlight:
    return generate_flight(tmp_path_factory.mktemp("synth") / "g", size_m=40.0, seed=3, wgs84_sensor="thermal")


def _utm(lon: float, lat: float) -> tuple[float, float]:
    e, n = transformer("EPSG:4326", "EPSG:32638").transform(lon, lat)
    return float(e), float(n)


def test_folder_and_manifest(flight: SynthFlight) -> None:
    for name in FILES:
        assert (flight.out_dir / name).is_file(), name
    manifest = yaml.safe_load(flight.manifest_path.read_text())
    assert set(manifest) == {"flight_id", "date", "rasters"}
    assert manifest["flight_id"] == "synth-s3"
    assert [r["path"] for r in manifest["rasters"]] == ["ms.tif", "thermal.tif", "rgb.tif"]
    assert manifest["rasters"][0]["bands"] == ["blue", "green", "red", "rededge", "nir"]


def test_ingest_accepts_the_flight(flight: SynthFlight) -> None:
    from rams.ingest.flight import load_flight

    loaded = load_flight(flight.out_dir, checksum=False)
    assert loaded.flight_id == "synth-s3" and loaded.date is not None and loaded.date.isoformat() == "2026-08-14"
    assert loaded.sensors == ["multispectral", "thermal", "rgb"]
    for sensor, key in (("multispectral", "ms"), ("thermal", "thermal"), ("rgb", "rgb")):
        raster, grid = loaded.rasters[sensor], flight.grids[key]
        assert (raster.width, raster.height) == (grid.width, grid.height), sensor
        assert raster.transform.almost_equals(grid.transform), sensor
        assert raster.gsd_m == pytest.approx(grid.gsd_m), sensor
        assert raster.decode_error == "" and raster.valid_fraction > 0.5, sensor
    assert loaded.rasters["multispectral"].entry.bands == ["blue", "green", "red", "rededge", "nir"]


def test_raster_formats(flight: SynthFlight) -> None:
    expected = {
        "ms.tif": (5, "uint16", 0.05, 0.0),
        "thermal.tif": (1, "float32", 0.10, -9999.0),
        "rgb.tif": (4, "uint8", 0.005, None),
    }
    for name, (count, dtype, gsd, nodata) in expected.items():
        with rasterio.open(flight.out_dir / name) as src:
            assert src.count == count and src.dtypes[0] == dtype, name
            assert src.crs.to_epsg() == 32638
            assert src.transform.a == pytest.approx(gsd) and src.transform.e == pytest.approx(-gsd)
            assert src.nodata == nodata
            assert src.profile["tiled"] and src.block_shapes[0] == (512, 512)
            assert src.compression is not None and src.compression.value == "DEFLATE"
    with rasterio.open(flight.rgb_path) as src:
        assert src.colorinterp[3] == rasterio.enums.ColorInterp.alpha


def test_grids_differ(flight: SynthFlight) -> None:
    bounds, origins = {}, {}
    for name in ("ms.tif", "thermal.tif", "rgb.tif"):
        with rasterio.open(flight.out_dir / name) as src:
            bounds[name] = tuple(src.bounds)
            origins[name] = (src.transform.c, src.transform.f, src.transform.a)
    assert len(set(bounds.values())) == 3
    # No origin lies on another sensor's pixel edges.
    for a, (xa, ya, _) in origins.items():
        for b, (xb, yb, gb) in origins.items():
            if a != b:
                frac_x = ((xa - xb) / gb) % 1.0
                frac_y = ((ya - yb) / gb) % 1.0
                assert 1e-3 < frac_x < 1 - 1e-3 or 1e-3 < frac_y < 1 - 1e-3, (a, b)
    # Every sensor covers most, but not all, of the surveyed square.
    e0, n0, size = 600000.0, 4400000.0, 40.0
    for name, (left, bottom, right, top) in bounds.items():
        inter = max(0.0, min(right, e0 + size) - max(left, e0)) * max(0.0, min(top, n0 + size) - max(bottom, n0))
        assert 0.8 < inter / size**2 <= 1.0, name
    shifts = load_json(flight.meta_path)["sensors"]
    assert math.hypot(*shifts["thermal"]["shift_m"]) == pytest.approx(math.hypot(*flight.shifts_m["thermal"]))
    assert 0.09 < math.hypot(*flight.shifts_m["thermal"]) < 0.16
    assert 0.045 < math.hypot(*flight.shifts_m["ms"]) < 0.08


def test_nodata_collar(flight: SynthFlight) -> None:
    for path in (flight.ms_path, flight.thermal_path, flight.rgb_path):
        with rasterio.open(path) as src:
            mask = src.dataset_mask() > 0  # small flight: full resolution is cheap
        assert not mask[0, 0] and not mask[-1, -1] and not mask[0, -1] and not mask[-1, 0], path.name
        h, w = mask.shape
        assert mask[h // 2 - 5 : h // 2 + 5, w // 2 - 5 : w // 2 + 5].all()
        assert 0.7 < mask.mean() < 0.99, path.name
        # The footprint is rotated and jagged: edge rows/columns are not all-or-nothing.
        first_valid_col = np.argmax(mask, axis=1)[h // 4 : 3 * h // 4]
        assert len(set(first_valid_col.tolist())) > 3


def test_truth_is_rfc7946(flight: SynthFlight) -> None:
    truth = load_json(flight.truth_path)
    assert truth["type"] == "FeatureCollection" and "crs" not in truth
    kinds = {f["properties"]["kind"] for f in truth["features"]}
    assert kinds == {"minefield", "mine", "distractor"}
    for f in truth["features"]:
        geom = f["geometry"]
        coords = [geom["coordinates"]] if geom["type"] == "Point" else geom["coordinates"][0]
        for lon, lat in coords:
            assert 45.0 < lon < 47.0 and 39.0 < lat < 41.0
            assert round(lon, 7) == lon and round(lat, 7) == lat
        if geom["type"] == "Polygon":
            ring = np.asarray(geom["coordinates"][0])
            assert (ring[0] == ring[-1]).all() and len(ring) >= 4
            signed = np.sum(ring[:-1, 0] * ring[1:, 1] - ring[1:, 0] * ring[:-1, 1])
            assert signed > 0  # counter-clockwise exterior
    mines = truth_points(flight.out_dir, "mine")
    assert len(mines) == flight.n_mines > 0
    for m in mines:
        p = m["properties"]
        assert p["class"] in {"PFM-1", "PMN-2", "TM-62", "OZM-72"}
        assert p["device_category"] == ("AV" if p["class"] == "TM-62" else "AP")
        assert p["buried"] is False


def test_spacing_and_minefield_membership(flight: SynthFlight) -> None:
    mines = truth_points(flight.out_dir, "mine")
    xy = np.array([_utm(*m["geometry"]["coordinates"]) for m in mines])
    d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])
    np.fill_diagonal(d, np.inf)
    assert d.min() >= 0.99
    others = np.array([_utm(*f["geometry"]["coordinates"]) for f in truth_points(flight.out_dir, "distractor")])
    dd = np.hypot(xy[:, None, 0] - others[None, :, 0], xy[:, None, 1] - others[None, :, 1])
    assert dd.min() >= 1.0
    fields = {f["properties"]["id"]: shape(f["geometry"]) for f in load_json(flight.truth_path)["features"]
              if f["properties"]["kind"] == "minefield"}
    for m in mines:
        fid = m["properties"]["minefield_id"]
        if fid is not None:
            assert fields[fid].buffer(1e-6).contains(Point(m["geometry"]["coordinates"]))


def _check_visible(flight_dir: Path, thermal_shift: tuple[float, float]) -> None:
    meta = load_json(flight_dir / "synth.json")
    sign = 1.0 if meta["scene"]["mine_thermal_contrast"] == "warmer" else -1.0
    pfm_ok = []
    for m in truth_points(flight_dir, "mine"):
        lon, lat = m["geometry"]["coordinates"]
        rgb = patch_at(flight_dir / "rgb.tif", lon, lat, 25, bands=[1, 2, 3])
        assert np.abs(contrast(rgb, 1, 15)).max() > 20, m["properties"]
        temp = patch_at(flight_dir / "thermal.tif", lon, lat, 5, thermal_shift)
        dt = sign * contrast(temp, 0, 3)[0]
        if m["properties"]["class"] == "PFM-1":
            pfm_ok.append(dt > 0.0)
        else:
            assert dt > 0.15, m["properties"]
    assert not pfm_ok or np.mean(pfm_ok) >= 0.8


def test_mines_visible_where_truth_says(flight: SynthFlight) -> None:
    _check_visible(flight.out_dir, flight.shifts_m["thermal"])


def test_thermal_in_wgs84(flight: SynthFlight, flight_wgs84: SynthFlight) -> None:
    with rasterio.open(flight_wgs84.thermal_path) as src:
        assert src.crs.to_epsg() == 4326
    _check_visible(flight_wgs84.out_dir, flight_wgs84.shifts_m["thermal"])
    for name in ("ms.tif", "rgb.tif", "truth.geojson"):
        assert (flight.out_dir / name).read_bytes() == (flight_wgs84.out_dir / name).read_bytes()


def test_distractors_signatures(flight: SynthFlight) -> None:
    seen = set()
    for d in truth_points(flight.out_dir, "distractor"):
        lon, lat = d["geometry"]["coordinates"]
        cls = d["properties"]["class"]
        seen.add(cls)
        if cls == "warm_patch":
            temp = patch_at(flight.thermal_path, lon, lat, 12, flight.shifts_m["thermal"])
            assert contrast(temp, 0, 10)[0] > 0.3
        elif cls == "metal_debris":
            temp = patch_at(flight.thermal_path, lon, lat, 5, flight.shifts_m["thermal"])
            assert contrast(temp, 0, 3)[0] < 0.0
            rgb = patch_at(flight.rgb_path, lon, lat, 25, bands=[1, 2, 3])
            assert np.abs(contrast(rgb, 0, 20)).max() > 10  # rusty debris on soil is subtle
    assert seen == {"rock", "metal_debris", "warm_patch"}


def test_deterministic_and_seed_dependent(tmp_path: Path) -> None:
    a = generate_flight(tmp_path / "a", size_m=20.0, seed=5)
    b = generate_flight(tmp_path / "b", size_m=20.0, seed=5)
    for name in FILES:
        assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes(), name
    c = generate_flight(tmp_path / "c", size_m=20.0, seed=6)
    assert (c.truth_path).read_bytes() != (a.truth_path).read_bytes()
    assert (c.rgb_path).read_bytes() != (a.rgb_path).read_bytes()


def test_block_size_and_striped_do_not_change_pixels(tmp_path: Path) -> None:
    a = generate_flight(tmp_path / "a", size_m=24.0, seed=2)
    b = generate_flight(tmp_path / "b", size_m=24.0, seed=2, block_px=512, striped=True)
    with rasterio.open(b.rgb_path) as src:
        assert not src.profile.get("tiled", False)
    for name in ("ms.tif", "thermal.tif", "rgb.tif"):
        with rasterio.open(a.out_dir / name) as sa, rasterio.open(b.out_dir / name) as sb:
            np.testing.assert_array_equal(sa.read(), sb.read(), err_msg=name)


def test_cli(tmp_path: Path) -> None:
    app = typer.Typer()
    synth_cli.register(app)
    app.command("noop")(lambda: None)  # keep typer in multi-command mode, as in rams
    runner = CliRunner()
    result = runner.invoke(app, ["synth", str(tmp_path / "cli"), "--size-m", "20", "--seed", "1", "--no-misregister"])
    assert result.exit_code == 0, result.output
    out = result.output.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("synth-s1:")
    assert load_json(tmp_path / "cli" / "synth.json")["sensors"]["thermal"]["shift_m"] == [0.0, 0.0]
    bad = runner.invoke(app, ["synth", str(tmp_path / "bad"), "--crs-wgs84-sensor", "lidar"])
    assert isinstance(bad.exception, RamsInputError)


@pytest.mark.parametrize(("args", "problem"), [
    (["synth", "X", "--crs-epsg", "99999"], "--crs-epsg: EPSG:99999 is not a known CRS"),
    (["synth", "X", "--crs-epsg", "4326"], "--crs-epsg: EPSG:4326 is not a projected CRS in metres"),
    (["demo", "-o", "X", "--size-m", "0"], "--size-m must be positive, got 0"),
])
def test_generator_options_it_cannot_honour_are_one_line(tmp_path: Path, args: list[str], problem: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Not a traceback, and not rasters in degrees laid out as if in metres."""
    from rams.cli.main import main

    out = tmp_path / "out"
    assert main([str(out) if a == "X" else a for a in args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and problem in err and "Traceback" not in err
    assert not out.exists()
