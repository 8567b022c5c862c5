"""End-to-end pipeline runs on small flights: outputs, resume, determinism, Dask, faults."""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import rasterio

from rams.config import PipelineConfig, load_config
from rams.orchestration.pipeline import OUTPUT_FILES, process_flight

VECTOR_FILES = ("sha.geojson", "detections.geojson", "candidates_low.geojson", "expected_positions.geojson")


@pytest.fixture(autouse=True)
def _test_combiner(hand_set_combiner_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-set combiner (anomaly peaks of score >= 7.5 are mine points, see
    ``tests/conftest.py``), independent of the fitted models/rams_combiner.json."""
    monkeypatch.setenv("RAMS_TEST_COMBINER", str(hand_set_combiner_path))


def _config(**anomaly: object) -> PipelineConfig:
    import os

    return load_config(overrides={
        "tiles": {"tile_px": 128},
        "detection": {"enabled": False},
        "anomaly": dict(anomaly),
        "candidates": {"combiner": os.environ["RAMS_TEST_COMBINER"]},
    })


def _plant_targets(flight: Path) -> None:
    """Warm, dark targets in every sensor so the candidates stage has something to group."""
    with rasterio.open(flight / "thermal.tif", "r+") as dst:
        th = dst.read(1)
        for r, c in [(40, 40), (44, 52), (52, 44), (90, 20)]:
            th[r - 1 : r + 1, c - 1 : c + 1] += 3.0
        dst.write(th, 1)
    with rasterio.open(flight / "ms.tif", "r+") as dst:
        ms = dst.read()
        for r, c in [(80, 80), (88, 104), (104, 88), (180, 40)]:
            ms[:, r - 2 : r + 2, c - 2 : c + 2] = 500
        dst.write(ms)


def test_process_writes_every_output(small_flight: Callable[..., Path], tmp_path: Path) -> None:
    flight = small_flight()
    _plant_targets(flight)
    out = tmp_path / "out"
    result = process_flight(flight, out, _config())
    assert not result.skipped
    assert gc.get_freeze_count() == 0  # the objects the stages froze go back to the collector
    for name in OUTPUT_FILES:
        assert (out / name).is_file(), name
    assert not (out / ".rams-work").exists()  # the work folder goes after success
    with rasterio.open(out / "anomaly.tif") as src:
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert src.dtypes[0] == "float32" and src.crs.to_epsg() == 32638
        score = src.read(1)
    valid = np.isfinite(score)
    assert valid.mean() > 0.8 and (~valid[:5]).all()  # the ms nodata collar is nodata
    assert (score[valid] >= 0).all()
    assert result.n_anomaly_peaks >= 4
    assert result.n_sha >= 1
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["sha"] == result.n_sha
    counts = run["counts"]
    assert counts["mine_points"] + counts["low_points"] == counts["points_exported"] == counts["anomaly_peaks"]
    mine = json.loads((out / "detections.geojson").read_text())["features"]
    assert len(mine) == counts["mine_points"] >= 1
    assert all(f["properties"]["kind"] == "anomaly" and f["properties"]["probability"] >= 0.5 for f in mine)
    assert {i["sensor"] for i in run["inputs"]} == {"multispectral", "thermal", "rgb"}
    assert all(len(i["sha256"]) == 64 and i["size_bytes"] > 0 for i in run["inputs"])
    assert set(run["seconds"]) >= {"ingest", "anomaly", "candidates", "export"}
    sha = json.loads((out / "sha.geojson").read_text())
    assert sha["type"] == "FeatureCollection" and "crs" not in sha
    lon, lat = sha["features"][0]["geometry"]["coordinates"][0][0]
    assert 46 < lon < 47 and 39 < lat < 40.5  # EPSG:32638 easting 600 km lies near 46.2 E


def test_completed_run_is_skipped_and_outputs_are_deterministic(
    small_flight: Callable[..., Path], tmp_path: Path
) -> None:
    flight = small_flight()
    _plant_targets(flight)
    first = process_flight(flight, tmp_path / "a", _config())
    again = process_flight(flight, tmp_path / "a", _config())
    assert again.skipped and again.n_sha == first.n_sha
    process_flight(flight, tmp_path / "b", _config())
    for name in VECTOR_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_global_rx_streaming_matches_local_layout(small_flight: Callable[..., Path], tmp_path: Path) -> None:
    """Global RX writes the same grid and nodata as local RX and peaks on the same targets."""
    flight = small_flight()
    _plant_targets(flight)
    result = process_flight(flight, tmp_path / "g", _config(detector="global"))
    process_flight(flight, tmp_path / "l", _config(detector="local"))
    with rasterio.open(tmp_path / "g" / "anomaly.tif") as g, rasterio.open(tmp_path / "l" / "anomaly.tif") as loc:
        assert (g.crs, g.transform, g.shape) == (loc.crs, loc.transform, loc.shape)
        scores = {"global": g.read(1), "local": loc.read(1)}
    np.testing.assert_array_equal(np.isnan(scores["global"]), np.isnan(scores["local"]))
    # the planted targets, on the grid (5 cm, the ms pixels; thermal pixels are 2 x 2 of them)
    targets = np.zeros(scores["global"].shape, bool)
    for r, c in [(80, 80), (88, 104), (104, 88), (180, 40)]:
        targets[r - 6 : r + 6, c - 6 : c + 6] = True
    for name, score in scores.items():
        assert np.nanmedian(score) < 1.0, name
        for r, c in [(80, 80), (88, 104), (104, 88), (180, 40)]:
            assert np.nanmax(score[r - 3 : r + 3, c - 3 : c + 3]) >= 20.0, (name, r, c)
        assert not (np.nan_to_num(score) >= 6.0)[~targets].any(), name  # nothing else passes the threshold
    assert result.n_anomaly_peaks >= 4


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_values_are_nodata(small_flight: Callable[..., Path], tmp_path: Path, value: float) -> None:
    flight = small_flight()
    with rasterio.open(flight / "thermal.tif", "r+") as dst:
        th = dst.read(1)
        th[30:50, 30:50] = value
        dst.write(th, 1)
    process_flight(flight, tmp_path / "out", _config())
    with rasterio.open(tmp_path / "out" / "anomaly.tif") as src:
        score = src.read(1)
    # thermal pixels 30..50 cover grid rows/cols 60..100 (10 cm -> 5 cm)
    assert np.isnan(score[62:98, 62:98]).all()
    assert np.isfinite(score[120:]).any()


def test_wgs84_only_flight_is_processed_in_its_utm_zone(tmp_path: Path) -> None:
    from rasterio.transform import from_origin

    from tests.conftest import write_thermal_only_flight

    folder = write_thermal_only_flight(tmp_path / "wgs84", (150, 160), from_origin(46.20, 39.70, 1.2e-6, 0.9e-6),
                                       crs="EPSG:4326", seed=3, hot=(70, 80))
    process_flight(folder, tmp_path / "out", _config())
    with rasterio.open(tmp_path / "out" / "anomaly.tif") as src:
        assert src.crs.to_epsg() == 32638  # 46.2 E, 39.7 N lies in UTM zone 38 north
        assert src.res[0] == pytest.approx(0.1, rel=0.05)
        score = src.read(1)
    r, c = np.unravel_index(np.nanargmax(score), score.shape)
    x, y = src.transform * (c + 0.5, r + 0.5)
    from rams.crs import transform_point

    lon, lat = transform_point("EPSG:32638", "EPSG:4326", x, y)
    assert lon == pytest.approx(46.20 + 81 * 1.2e-6, abs=3e-6)
    assert lat == pytest.approx(39.70 - 71 * 0.9e-6, abs=3e-6)


def test_rgb_only_flight_gets_an_anomaly_layer(tmp_path: Path) -> None:
    from rasterio.transform import from_origin

    from tests.conftest import E0, N0, write_manifest, write_raster

    folder = tmp_path / "rgb_only"
    folder.mkdir()
    rng = np.random.default_rng(5)
    rgb = np.clip(rng.normal(140, 4, (3, 300, 300)), 0, 255).astype(np.uint8)
    rgb[:, 150:156, 100:106] = np.array([20, 120, 30], np.uint8)[:, None, None]  # a small green object
    write_raster(folder / "rgb.tif", rgb, transform=from_origin(E0, N0, 0.02, 0.02))
    write_manifest(folder, [{"path": "rgb.tif", "sensor": "rgb"}])
    result = process_flight(folder, tmp_path / "out", _config())
    with rasterio.open(tmp_path / "out" / "anomaly.tif") as src:
        assert src.res[0] == pytest.approx(0.02)
        score = src.read(1)
    r, c = np.unravel_index(np.nanargmax(score), score.shape)
    assert 148 <= r <= 158 and 98 <= c <= 108
    assert result.n_anomaly_peaks >= 1
    # RGB peaks alone, no CNN (detection off): no model scores them, every point gets the base rate
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert any("neither the CNN nor a multispectral or thermal raster" in w for w in run["warnings"])
    points = [f["properties"] for name in ("detections.geojson", "candidates_low.geojson")
              for f in json.loads((tmp_path / "out" / name).read_text())["features"]]
    assert len(points) == result.n_anomaly_peaks and len({p["probability"] for p in points}) == 1


def test_run_without_the_cnn_uses_the_combiner_fitted_without_it(
    small_flight: Callable[..., Path], tmp_path: Path
) -> None:
    """Detection off: the shipped combiner's ``without_cnn`` model scores the points, and says why
    they all get one probability; a combiner without that model warns instead."""
    from rams.candidates.combiner import load_combiner
    from rams.config_paths import models_dir

    shipped = load_combiner(models_dir() / "rams_combiner.json")
    assert shipped.without_cnn is not None
    flight = small_flight()
    _plant_targets(flight)
    cfg = load_config(overrides={"tiles": {"tile_px": 128}, "detection": {"enabled": False}})
    process_flight(flight, tmp_path / "shipped", cfg)
    run = json.loads((tmp_path / "shipped" / "run.json").read_text())
    points = [f["properties"] for name in ("detections.geojson", "candidates_low.geojson")
              for f in json.loads((tmp_path / "shipped" / name).read_text())["features"]]
    assert len(points) == run["counts"]["anomaly_peaks"] >= 4
    probabilities = {p["probability"] for p in points}
    if shipped.without_cnn.platt_a == 0.0:  # evidence alone does not rank across ground: the base rate
        assert len(probabilities) == 1 and run["counts"]["mine_points"] == 0
        assert any("the CNN did not run" in w for w in run["warnings"])
    else:
        assert len(probabilities) > 1
        layer = shipped.without_cnn.meta["calibration_mine_layer"]
        # the shipped fit ranks (slope > 0) but put no calibration mine in the mine layer: the run says so
        said = any("the CNN did not run" in w and "none of the" in w for w in run["warnings"])
        assert said == (layer["tp"] == 0)
    process_flight(flight, tmp_path / "hand", _config())  # hand-set combiner: no model without the CNN
    hand = json.loads((tmp_path / "hand" / "run.json").read_text())
    assert any("no model for runs without the CNN" in w for w in hand["warnings"])
