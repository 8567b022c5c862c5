"""Tiling is invisible in the anomaly layer: tile cores score as one untiled run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from rams.config import PipelineConfig, load_config
from rams.orchestration.assemble import assemble_anomaly
from rams.orchestration.executor import LocalExecutor
from rams.orchestration.pipeline import anomaly_strip_cols, run_anomaly_stage
from rams.orchestration.plan import anomaly_halo_px, build_plan
from rams.synth import generate_flight


def _scores(flight: Path, tile_px: int, work: Path) -> tuple[np.ndarray, int]:
    plan = build_plan(flight, load_config(overrides={"tiles": {"tile_px": tile_px}}), checksum=False)
    try:
        assert plan.grid.gsd_m == pytest.approx(0.02)
        files = run_anomaly_stage(plan, LocalExecutor(1), work / "tiles")
        assemble_anomaly(plan, files, work / "anomaly.tif")
        halo = int(plan.tiles[0].read.width - plan.tiles[0].core.width)
    finally:
        plan.close()
    with rasterio.open(work / "anomaly.tif") as src:
        return src.read(1), halo


def test_tile_cores_score_as_one_untiled_run_on_a_fine_grid(tmp_path: Path) -> None:
    # multispectral at 2 cm, so the grid is at 2 cm: the thermal background box (2 m) is
    # 101 px, and a core pixel's RX window (10 px) reaches pixels whose contrast reads 50 px
    # further; with the default halo of 32 px the scores within 40 px of tile edges were off
    # by up to 3 in -log10 Pfa
    flight = generate_flight(tmp_path / "flight", size_m=12.0, seed=3,
                             gsd_m={"ms": 0.02, "thermal": 0.05, "rgb": 0.02}).out_dir
    tiled, halo = _scores(flight, 128, tmp_path / "tiled")
    whole, _ = _scores(flight, 4096, tmp_path / "whole")
    assert halo == 61  # clipped at the grid's first column: the core starts at 0
    assert np.array_equal(np.isnan(tiled), np.isnan(whole))
    assert np.nanmax(np.abs(tiled - whole)) < 1e-3


def test_the_default_halo_covers_the_5_cm_grid() -> None:
    cfg = PipelineConfig()
    assert anomaly_halo_px(cfg, 0.05, ("multispectral", "thermal")) == 31  # 10 + 1 + 20
    assert anomaly_halo_px(cfg, 0.05, ("multispectral",)) == 11
    assert anomaly_halo_px(cfg, 0.02, ("multispectral", "thermal")) == 61


def test_strips_follow_the_gdal_cache_and_results_come_back_in_tile_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flight = generate_flight(tmp_path / "flight", size_m=12.0, seed=3,
                             gsd_m={"ms": 0.02, "thermal": 0.05, "rgb": 0.02}).out_dir
    cfg = load_config(overrides={"tiles": {"tile_px": 128}, "execution": {"workers": 2}})
    plan = build_plan(flight, cfg, checksum=False)
    try:
        assert len({t.col for t in plan.tiles}) > 2
        widths = []
        for cache in ("4", "64", "100%"):
            monkeypatch.setenv("GDAL_CACHEMAX", cache)
            widths.append(anomaly_strip_cols(plan, 2))
        assert widths[0] == 1  # 4 MB: one column per strip
        assert widths[0] < widths[1] <= widths[2]
        assert anomaly_strip_cols(plan, 1) >= anomaly_strip_cols(plan, 2) >= anomaly_strip_cols(plan, 8)
        monkeypatch.setenv("GDAL_CACHEMAX", "4")  # strips of one column: not the tiles' order
        files = run_anomaly_stage(plan, LocalExecutor(2), tmp_path / "tiles")
        assert [f.name for f in files] == [f"{t.key}.npz" for t in plan.tiles]
    finally:
        plan.close()
    monkeypatch.delenv("GDAL_CACHEMAX")
    plan = build_plan(flight, cfg, checksum=False)
    try:
        again = run_anomaly_stage(plan, LocalExecutor(1), tmp_path / "tiles_in_order")
    finally:
        plan.close()
    for a, b in zip(files, again, strict=True):
        with np.load(a) as x, np.load(b) as y:
            assert x.files == y.files
            for k in x.files:
                assert np.array_equal(x[k], y[k], equal_nan=True), (a.name, k)
