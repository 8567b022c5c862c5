"""The candidate benchmark's clutter-only flights: every mine removed, on ground with and without furrows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio

from rams.crs import WGS84, transformer
from rams.synth import generate_flight
from tests.conftest import load_benchmark


@pytest.mark.parametrize("family", ["ploughed", "stubble", "orchard", "riverbank", "burnt", "sunflower", "gravel-plain", "savanna", "rubble", "winter-wheat", "front-line", "karst", "paddy", "pine-edge", "vineyard", "maize-stubble", "rail-embankment", "marsh-edge", "potato-harvest", "hill-pasture", "walnut-grove", "date-palm", "olive-grove", "cotton-field", "cassava-plot", "village-edge"])
def test_remove_mines_overwrites_every_mine_and_drops_it_from_the_truth(tmp_path: Path, family: str) -> None:
    bench = load_benchmark("bench_candidates")
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


def test_replacement_ground_never_holds_another_mine() -> None:
    """A row laid along the furrows at the default shift: the ground comes from further away."""
    bench = load_benchmark("bench_candidates")
    along = 0.0  # east
    row = [(10.0 + 1.6 * k, 20.0) for k in range(4)]  # mines every 1.6 m, eastwards
    lone = [(40.0, 40.0)]
    shifts = bench._patch_shifts(row + lone, along)
    assert shifts[-1] == bench.PATCH_SHIFT_M  # nothing in the way
    clear = bench.MINE_PATCH_M + bench._MINE_RADIUS_M
    xy = np.array(row + lone)
    for i, (m, shift) in enumerate(zip(xy, shifts, strict=True)):
        src = m + np.array([shift, 0.0])
        others = np.delete(xy, i, axis=0)
        assert np.max(np.abs(others - src), axis=1).min() > clear, (i, shift)


def test_sweeps_pool_by_summing_counts_per_threshold() -> None:
    """Two flights' sweeps pool threshold by threshold; the operating points read the pooled curve."""
    bench = load_benchmark("bench_candidates")

    def flight(rows: list[tuple[float, int, int]]) -> dict:
        return {"calibration": {"sweep": [{"threshold": t, "n_points": n, "n_on_mines": k} for t, n, k in rows]}}

    a = flight([(0.0, 10, 3), (0.5, 4, 3)])
    b = flight([(0.0, 6, 2), (0.5, 1, 0)])
    pooled = bench.pooled_sweep([a, b])
    assert [(s.threshold, s.n_points, s.n_on_mines) for s in pooled] == [(0.0, 16, 5), (0.5, 5, 3)]
    ops = bench.operating_points(pooled, 5)
    assert ops["best_precision_at_recall"]["threshold"] == 0.0  # only the lowest threshold keeps recall 1.0
    assert ops["best_recall_at_precision"] is None  # 3 of 5 at best
    assert bench.pooled_sweep([a, {"calibration": {}}]) == []  # a result file from before sweeps


def test_rerender_changes_the_rgb_colours_only_and_is_deterministic(tmp_path: Path) -> None:
    """The stress test's re-rendering: the RGB's colour bands change as the look says (cool_dark:
    darker, bluer), its alpha, georeferencing and the other sensors' rasters do not, and the
    same seed gives the same bytes."""
    bench = load_benchmark("bench_candidates")
    flights = []
    for name in ("a", "b"):
        flight = tmp_path / name
        generate_flight(flight, size_m=12.0, seed=1, family="steppe")
        flights.append(flight)
    ms_before = (flights[0] / "ms.tif").read_bytes()
    with rasterio.open(flights[0] / "rgb.tif") as src:
        before, profile = src.read().astype(np.float64), src.profile
    for flight in flights:
        bench.rerender_rgb(flight, "cool_dark", seed=7)
    assert (flights[0] / "ms.tif").read_bytes() == ms_before
    assert (flights[0] / "rgb.tif").read_bytes() == (flights[1] / "rgb.tif").read_bytes()
    assert not list(flights[0].glob("*.rerender.tif"))  # renamed into place
    with rasterio.open(flights[0] / "rgb.tif") as src:
        after = src.read().astype(np.float64)
        assert src.crs == profile["crs"] and src.transform == profile["transform"] and src.count == profile["count"]
    assert np.array_equal(after[3], before[3])  # alpha
    lit = before[3] > 0
    assert after[:3, lit].mean() < before[:3, lit].mean() - 5  # gamma 1.25 and gains < 1 darken
    ratio_before = before[2, lit].mean() / before[0, lit].mean()
    ratio_after = after[2, lit].mean() / after[0, lit].mean()
    assert ratio_after > ratio_before * 1.15  # blue over red: 1.08 / 0.82 before the gamma
