"""The candidate benchmark's clutter-only flights: every mine removed, on ground with and without furrows."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import rasterio

from rams.crs import WGS84, transformer
from rams.synth import generate_flight

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_candidates.py"


def _load():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_candidates", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_candidates"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("family", ["ploughed", "stubble"])
def test_remove_mines_overwrites_every_mine_and_drops_it_from_the_truth(tmp_path: Path, family: str) -> None:
    bench = _load()
    flight = tmp_path / family
    generate_flight(flight, size_m=12.0, seed=1, family=family)  # 3 PFM-1
    truth = json.loads((flight / "truth.geojson").read_text())
    mines = [f["geometry"]["coordinates"][:2] for f in truth["features"] if f["properties"].get("kind") == "mine"]
    assert mines
    with rasterio.open(flight / "rgb.tif") as src:
        to_crs = transformer(WGS84, src.crs)
        centres = [~src.transform * to_crs.transform(*m) for m in mines]
        before = [src.read(window=((int(r) - 8, int(r) + 8), (int(c) - 8, int(c) + 8))) for c, r in centres]
    assert bench.remove_mines(flight) == len(mines)
    kinds = {f["properties"].get("kind") for f in json.loads((flight / "truth.geojson").read_text())["features"]}
    assert "mine" not in kinds and "minefield" not in kinds
    with rasterio.open(flight / "rgb.tif") as src:
        after = [src.read(window=((int(r) - 8, int(r) + 8), (int(c) - 8, int(c) + 8))) for c, r in centres]
    for b, a in zip(before, after, strict=True):
        assert not np.array_equal(b, a)  # the mine's pixels were overwritten with nearby ground
