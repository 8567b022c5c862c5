"""A flight seen through fewer sensors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from rams.evaluation.sensor_subsets import sensor_subset_flight
from rams.ingest.flight import load_flight


def test_rgb_subset_keeps_the_rgb_and_the_truth_as_links(small_flight: Callable[..., Path]) -> None:
    flight = small_flight()
    (flight / "truth.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    alone = sensor_subset_flight(flight)
    assert alone == flight.with_name(flight.name + "-rgbonly")
    manifest = yaml.safe_load((alone / "flight.yaml").read_text())
    assert [r["sensor"] for r in manifest["rasters"]] == ["rgb"]
    assert (alone / "rgb.tif").is_symlink() and (alone / "truth.geojson").is_symlink()
    assert not (alone / "ms.tif").exists() and not (alone / "thermal.tif").exists()
    assert set(load_flight(alone).rasters) == {"rgb"}  # the pipeline's own reader takes it
    # a raster written again in place is what the link shows (a regenerated flight)
    (flight / "rgb.tif").write_bytes((flight / "rgb.tif").read_bytes())
    assert sensor_subset_flight(flight) == alone and (alone / "rgb.tif").read_bytes() == (flight / "rgb.tif").read_bytes()


def test_subset_without_any_kept_sensor_is_refused(small_flight: Callable[..., Path]) -> None:
    flight = small_flight()
    with pytest.raises(ValueError, match="no raster of lidar"):
        sensor_subset_flight(flight, ("lidar",), suffix="-lidar")
    assert not flight.with_name(flight.name + "-lidar").exists()
