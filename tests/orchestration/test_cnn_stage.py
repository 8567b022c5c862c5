"""The CNN stage end to end: the shipped RGB detector on a small synthetic flight.

An 8 m flight of seed 7 holds one PMN-2 (2.7 m, 3.0 m from its south-west corner), in view
of every sensor; the shipped ``rams_rgb`` model finds it. Each test checks that the CNN ran
(``run.json`` records the stage, its model and inference mode) and that its point reaches
the exported candidates fused with the anomaly evidence at the mine's true position.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from rams.config import load_config
from rams.crs import transform_point
from rams.orchestration.pipeline import process_flight
from rams.synth import generate_flight

SIZE_M, SEED = 8.0, 7
UTM = "EPSG:32638"  # generate_flight's default CRS


def _truth_mines(flight_dir: Path) -> list[tuple[str, float, float]]:
    """(class, easting, northing) of the truth mines."""
    truth = json.loads((flight_dir / "truth.geojson").read_text())
    return [(f["properties"]["class"], *transform_point("EPSG:4326", UTM, *f["geometry"]["coordinates"]))
            for f in truth["features"] if f["properties"].get("kind") == "mine"]


def _cnn_points(out_dir: Path) -> list[dict[str, Any]]:
    """Exported points (mine and low layers) carrying CNN evidence, with their UTM position."""
    found = []
    for name in ("detections.geojson", "candidates_low.geojson"):
        for f in json.loads((out_dir / name).read_text())["features"]:
            if "cnn_detection" in f["properties"]["evidence"]:
                x, y = transform_point("EPSG:4326", UTM, *f["geometry"]["coordinates"])
                found.append({**f["properties"], "x_m": x, "y_m": y})
    return found


def _assert_cnn_found_the_mine(flight_dir: Path, out_dir: Path) -> dict[str, Any]:
    run = json.loads((out_dir / "run.json").read_text())
    assert run["detection"]["model"] == "rams_rgb"
    assert run["seconds"]["detection"] > 0
    assert run["counts"]["detections"] >= 1
    assert run["warnings"] == []
    ((cls, x, y),) = _truth_mines(flight_dir)
    cnn = _cnn_points(out_dir)
    assert cnn, "no exported point carries CNN evidence"
    best = min(cnn, key=lambda p: math.hypot(p["x_m"] - x, p["y_m"] - y))
    assert math.hypot(best["x_m"] - x, best["y_m"] - y) < 0.15  # a PMN-2 is 12 cm across
    assert best["class"] == cls == "PMN-2"
    assert best["model"] == "rams_rgb" and best["f_has_cnn"] == 1.0 and best["f_cnn_score"] >= 0.3
    # the CNN point and the anomaly peak on the mine are one fused point
    assert best["kind"] == "fused" and best["detector"] == "cnn+anomaly_core"
    return run


@pytest.fixture(scope="module")
def mine_flight(tmp_path_factory: pytest.TempPathFactory) -> Path:
    flight = generate_flight(tmp_path_factory.mktemp("cnn") / "flight", size_m=SIZE_M, seed=SEED)
    assert flight.n_mines == 1
    return flight.out_dir


def test_cascade_pipeline_fuses_the_cnn_detection_with_the_anomaly_peak(mine_flight: Path, tmp_path: Path) -> None:
    config = load_config(overrides={"detection": {"enabled": True, "mode": "cascade", "precision": "float32"}})
    out = tmp_path / "out"
    result = process_flight(mine_flight, out, config)
    run = _assert_cnn_found_the_mine(mine_flight, out)
    assert result.n_detections == run["counts"]["detections"]
    assert run["config"]["detection"]["mode"] == "cascade"
    assert run["detection"]["inference"]["mode"] == "float32"


def test_demo_runs_the_cnn_with_the_default_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rams.cli.main import main

    out = tmp_path / "demo"
    assert main(["demo", "-o", str(out), "--size-m", str(SIZE_M), "--seed", str(SEED), "--quiet"]) == 0
    run = _assert_cnn_found_the_mine(out / "flight", out / "output")
    assert run["config"]["detection"] == load_config().detection.model_dump()  # the shipped defaults
    assert run["detection"]["inference"]["requested"] == "auto"
    assert (out / "output" / "report.html").is_file()
    summary = capsys.readouterr().out
    assert "CNN detections" in summary and "detection (s)" in summary


def test_weaker_cnn_responses_are_support_not_points(mine_flight: Path, tmp_path: Path) -> None:
    """Above the support floor but below the point threshold, the CNN is evidence only."""
    config = load_config(overrides={"detection": {
        "enabled": True, "mode": "cascade", "precision": "float32", "min_confidence": 0.999,
        "support_min_confidence": 0.05}})
    out = tmp_path / "out"
    process_flight(mine_flight, out, config)
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["detections"] == 0
    assert _cnn_points(out) == []
    ((_cls, x, y),) = _truth_mines(mine_flight)
    points = []
    for name in ("detections.geojson", "candidates_low.geojson"):
        for f in json.loads((out / name).read_text())["features"]:
            px, py = transform_point("EPSG:4326", UTM, *f["geometry"]["coordinates"])
            points.append((math.hypot(px - x, py - y), f["properties"]))
    dist, props = min(points, key=lambda t: t[0])
    assert dist < 0.4 and props["kind"] == "anomaly"
    assert props["f_has_cnn"] == 0.0 and props["f_cnn_support"] >= 0.3


def test_cascade_run_is_scored_by_the_combiners_cascade_model(mine_flight: Path, tmp_path: Path) -> None:
    """A combiner file with a cascade model: a cascade run's points get it, a full scan's the
    full-scan model (rule ZY). The cascade model here gives one probability to every point."""
    from dataclasses import replace

    from rams.candidates.combiner import constant_combiner, load_combiner
    from rams.config_paths import models_dir

    shipped = load_combiner(models_dir() / "rams_combiner.json")
    path = replace(shipped, cascade=constant_combiner(shipped, 0.4242)).save(tmp_path / "c.json")

    def probabilities(mode: str) -> list[float]:
        config = load_config(overrides={"detection": {"enabled": True, "mode": mode, "precision": "float32"},
                                        "candidates": {"combiner": str(path)}})
        out = tmp_path / mode
        process_flight(mine_flight, out, config)
        return [f["properties"]["probability"] for name in ("detections.geojson", "candidates_low.geojson")
                for f in json.loads((out / name).read_text())["features"]
                if f["properties"].get("scored_by") == "combiner"]

    cascade = probabilities("cascade")
    assert cascade and all(p == pytest.approx(0.4242, abs=1e-3) for p in cascade)
    full = probabilities("full")
    assert full and not any(p == pytest.approx(0.4242, abs=1e-3) for p in full)
