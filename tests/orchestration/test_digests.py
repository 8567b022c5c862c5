"""Input digests computed while the flight is processed: recorded, remembered, awaited."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import rasterio

from rams.checksum import known_sha256_input, sha256_file
from rams.config import PipelineConfig, load_config
from rams.errors import RamsInputError
from rams.orchestration.digests import InputDigests
from rams.orchestration.pipeline import process_flight
from rams.orchestration.plan import build_plan


@pytest.fixture
def config(hand_set_combiner_path: Path) -> PipelineConfig:
    return load_config(overrides={
        "tiles": {"tile_px": 128},
        "detection": {"enabled": False},
        "candidates": {"combiner": str(hand_set_combiner_path)},
    })


def test_a_first_run_records_and_remembers_every_input_digest(
    small_flight: Callable[..., Path], tmp_path: Path, config: PipelineConfig,
) -> None:
    flight = small_flight()
    assert known_sha256_input(flight / "rgb.tif") is None  # an empty cache: hashed during the run
    process_flight(flight, tmp_path / "out", config)
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    for record in run["inputs"]:
        digest = sha256_file(record["path"])
        assert record["sha256"] == digest
        assert known_sha256_input(record["path"]) == digest


def test_a_completed_run_is_recognised_by_content_not_by_place(
    small_flight: Callable[..., Path], tmp_path: Path, config: PipelineConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flight = small_flight()
    out = tmp_path / "out"
    assert not process_flight(flight, out, config).skipped
    moved = shutil.copytree(flight, tmp_path / "moved")  # new paths and inodes, same bytes
    monkeypatch.setenv("RAMS_CACHE_DIR", str(tmp_path / "empty-cache"))  # nothing remembered
    assert process_flight(moved, out, config).skipped
    with rasterio.open(moved / "thermal.tif", "r+") as dst:
        values = dst.read(1)
        values[60, 60] += 5.0
        dst.write(values, 1)
    assert not process_flight(moved, out, config).skipped


def test_the_work_folder_is_named_without_the_digests_and_outputs_wait_for_them(
    small_flight: Callable[..., Path], config: PipelineConfig,
) -> None:
    flight = small_flight()
    plan = build_plan(flight, config, checksum=False)
    hashed = build_plan(flight, config)  # digests computed during ingest
    try:
        assert plan.fingerprint() == hashed.fingerprint()
        with pytest.raises(ValueError, match="digests not computed"):
            plan.outputs_fingerprint()
        InputDigests(list(plan.flight.rasters.values())).wait()
        assert plan.outputs_fingerprint() == hashed.outputs_fingerprint()
    finally:
        plan.close()
        hashed.close()


def test_an_input_that_cannot_be_hashed_fails_when_awaited_naming_the_file(
    small_flight: Callable[..., Path], tmp_path: Path, config: PipelineConfig,
) -> None:
    flight = small_flight()
    plan = build_plan(flight, config, checksum=False)
    plan.close()
    gone = dataclasses.replace(plan.flight.rasters["thermal"], path=tmp_path / "gone.tif")
    digests = InputDigests([gone])
    with pytest.raises(RamsInputError, match=r"gone\.tif"):
        digests.wait()
