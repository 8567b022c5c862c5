"""The whole pipeline on real RGB imagery alone (tiles of the withheld flight F14 as a mosaic)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rams.candidates.combiner import load_combiner
from rams.candidates.fusion import BASE_FEATURES
from rams.candidates.patterns import PATTERN_FEATURES
from rams.config import load_config
from rams.config_paths import models_dir
from rams.detection.sources import estimate_gsd_m, labelled_box_sides
from rams.detection.yolo import class_names, read_split
from rams.evaluation.flight import evaluate_flight
from rams.evaluation.tile_flights import write_tile_flight
from rams.orchestration.pipeline import process_flight
from tests.conftest import SHARED_DATASETS


def test_rgb_mosaic_is_scored_by_the_rgb_only_model(tmp_path: Path) -> None:
    """No multispectral or thermal raster: the shipped combiner's rgb_only model scores every
    point (its probability follows from the exported features through that model), the run
    does not warn about the combiner, and the mine layer finds the labelled PFM-1."""
    root = SHARED_DATASETS / "pfm1-drone-rgb"
    if not (root / "valid").is_dir():
        pytest.skip(f"tile set not found at {root}")
    samples = read_split(root, "valid")
    names = class_names(root, samples)
    pfm = names.index("pfm-1")
    tiles = [s for s in samples if (s.classes == pfm).any()][:3] + [s for s in samples if not len(s.classes)][:3]
    gsd = estimate_gsd_m(labelled_box_sides(samples, names))
    assert gsd is not None
    flight = tmp_path / "F14-six"
    made = write_tile_flight(tiles, flight, gsd, {pfm: "PFM-1"}, "F14-six")
    assert made["mines"] >= 3

    process_flight(flight, tmp_path / "out", load_config())
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["detection"]["model"] == "rams_rgb" and run["counts"]["detections"] >= 1  # the CNN ran
    assert not [w for w in run["warnings"] if "combiner" in w or "multispectral" in w]

    rgb_only = load_combiner(models_dir() / "rams_combiner.json").rgb_only
    assert rgb_only is not None
    props = [f["properties"] for name in ("detections.geojson", "candidates_low.geojson")
             for f in json.loads((tmp_path / "out" / name).read_text())["features"]]
    assert len(props) > made["mines"]  # RGB texture peaks too, in the low layer
    x_base = np.array([[p[f"f_{n}"] for n in BASE_FEATURES] for p in props])
    x_pattern = np.array([[p[f"f_{n}"] for n in PATTERN_FEATURES] for p in props])
    expected = rgb_only.probability(x_base, x_pattern)
    assert np.allclose([p["probability"] for p in props], expected, atol=1e-3)
    metrics = evaluate_flight(tmp_path / "out", flight / "truth.geojson", 0.5, write=False)
    assert metrics["points"]["recall"] >= 0.5
