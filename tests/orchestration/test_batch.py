"""Batch runs: failures isolated, kill-and-resume, Dask equals in-process, output locks."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import rasterio
import yaml

from rams.cli.main import main
from rams.config import load_config
from rams.errors import RamsInputError
from rams.orchestration.batch import run_batch
from rams.orchestration.executor import DaskExecutor, LocalExecutor
from rams.orchestration.lock import output_lock
from rams.orchestration.pipeline import OUTPUT_FILES, WORK_DIR_NAME, process_flight
from tests.orchestration.test_pipeline import (
    VECTOR_FILES,
    _config,
    _plant_targets,
    _test_combiner,  # noqa: F401  (autouse fixture)
)

CONFIG = {"tiles": {"tile_px": 64}, "detection": {"enabled": False}}


def _truncate(path: Path, keep: float = 0.6) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def test_failing_flight_does_not_stop_the_batch(
    small_flight: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "flights"
    root.mkdir()
    good = small_flight("flights/a_good")
    _plant_targets(good)
    bad = small_flight("flights/b_bad")
    (bad / "rgb.tif").unlink()
    config = tmp_path / "cfg.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    code = main(["batch", str(root), "-o", str(tmp_path / "out"), "--config", str(config)])
    captured = capsys.readouterr()
    assert code == 1
    assert (tmp_path / "out" / "a_good" / "run.json").is_file()
    assert not (tmp_path / "out" / "b_bad" / "run.json").exists()
    assert "rgb.tif: file not found" in captured.err
    # a re-run skips the completed flight and still reports the failed one
    outcomes = run_batch(root, tmp_path / "out", load_config(overrides=CONFIG), LocalExecutor())
    assert [o.status for o in outcomes] == ["skipped", "failed"]


def test_a_root_without_flights_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    code = main(["batch", str(tmp_path / "empty"), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and f"{tmp_path / 'empty'}: no flight.yaml at or below this folder" in err
    assert not (tmp_path / "out").exists()
    (tmp_path / "a.txt").write_text("x")
    assert main(["batch", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out")]) == 2
    assert "a.txt: flights root is a file, not a folder" in capsys.readouterr().err


def test_two_flights_with_one_output_folder_fail_and_the_others_go_on(
    small_flight: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A flight at the root and a sub-folder of the root's name would overwrite each other."""
    root = small_flight("f")
    small_flight("f/f")
    small_flight("f/other")
    config = tmp_path / "cfg.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    code = main(["batch", str(root), "-o", str(tmp_path / "out"), "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 1 and err.count("would be written to") == 2 and "Traceback" not in err
    assert not (tmp_path / "out" / "f").exists()
    assert (tmp_path / "out" / "other" / "run.json").is_file()


def test_truncated_geotiff_fails_unless_partial_allowed(small_flight: Callable[..., Path], tmp_path: Path) -> None:
    flight = small_flight()
    _truncate(flight / "ms.tif")
    with pytest.raises(RamsInputError, match=r"ms\.tif: truncated or damaged TIFF: full resolution: \d+ of \d+ block"):
        process_flight(flight, tmp_path / "strict", _config())
    assert not (tmp_path / "strict").exists()
    config = _config()
    config.ingest.allow_partial = True
    result = process_flight(flight, tmp_path / "out", config)
    assert any("ms.tif" in w and "could not be decoded" in w and "area not read" in w for w in result.warnings)
    assert any("ms.tif" in w and "beyond the end of the file" in w for w in result.warnings)
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["warnings"] == result.warnings
    with rasterio.open(tmp_path / "out" / "anomaly.tif") as src:
        score = src.read(1)
    assert np.isnan(score[-40:]).all()  # the lost end of the file is nodata
    assert np.isfinite(score[20:60]).any()  # the start of the file is still scored


def test_damaged_flight_fails_the_others_go_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A flight with a raster cut at half its size fails (no output folder); the flights
    before and after it are processed; the batch exits 1 naming the file."""
    from tests.ingest.test_faults import thermal_flight, truncate

    root = tmp_path / "flights"
    for name in ("a_good", "b_truncated", "c_good"):
        thermal_flight(root / name, seed=len(name))
    truncate(root / "b_truncated" / "thermal.tif", 0.5)
    config = tmp_path / "cfg.yaml"
    config.write_text(yaml.safe_dump({**CONFIG, "candidates": {"combiner": os.environ["RAMS_TEST_COMBINER"]}}))
    out = tmp_path / "out"
    code = main(["batch", str(root), "-o", str(out), "--config", str(config)])
    err = capsys.readouterr().err
    assert code == 1
    assert (out / "a_good" / "run.json").is_file()
    assert (out / "c_good" / "run.json").is_file()
    assert not (out / "b_truncated").exists()
    failed = [line for line in err.splitlines() if line.startswith("rams: failed: ")]
    assert len(failed) == 1
    assert "b_truncated/thermal.tif: truncated or damaged TIFF: full resolution:" in failed[0]
    assert "Traceback" not in err


def test_block_failing_on_a_dask_worker_fails_the_flight(tmp_path: Path) -> None:
    """The input error raised in a Dask task reaches the client whole (class, file, block)."""
    from dask.distributed import LocalCluster

    from tests.ingest.test_faults import overwrite, pages, thermal_flight

    flight = thermal_flight(tmp_path / "flight", size_px=1024)
    offsets, counts = pages(flight / "thermal.tif")[0]
    i = 6 * 16 + 6  # block (6, 6): not decoded by ingest's sampled validation
    overwrite(flight / "thermal.tif", int(offsets[i]), b"\0" * int(counts[i]))
    cfg = load_config(overrides={**CONFIG, "tiles": {"tile_px": 256},
                                 "candidates": {"combiner": os.environ["RAMS_TEST_COMBINER"]}})
    out = tmp_path / "out"
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        executor = DaskExecutor(scheduler=cluster.scheduler_address)
        try:
            with pytest.raises(RamsInputError, match=r"thermal\.tif: block \(col 6, row 6\) of band 1"):
                process_flight(flight, out, cfg, executor=executor)
        finally:
            executor.close()
    assert not out.exists()


@pytest.mark.parametrize("case", ["one_pixel", "mostly_nodata"])
def test_degenerate_rasters(small_flight: Callable[..., Path], tmp_path: Path, case: str) -> None:
    flight = small_flight()
    with rasterio.open(flight / "thermal.tif") as src:
        profile, data = src.profile, src.read()
    if case == "one_pixel":
        profile.update(width=1, height=1, transform=src.transform * src.transform.scale(120, 120))
        data = data[:, :1, :1]
    else:
        data[:, :, 5:] = -9999.0
    with rasterio.open(flight / "thermal.tif", "w", **{**profile, "tiled": False}) as dst:
        dst.write(data)
    result = process_flight(flight, tmp_path / "out", _config())
    out = tmp_path / "out"
    # The run completes with every output, and what it reports is what it wrote.
    assert all((out / name).is_file() for name in OUTPUT_FILES)
    sha = json.loads((out / "sha.geojson").read_text(encoding="utf-8"))
    assert result.n_sha == len(sha["features"])
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["counts"]["sha"] == result.n_sha


def test_output_lock_refuses_a_second_run(tmp_path: Path) -> None:
    with output_lock(tmp_path), pytest.raises(RamsInputError, match="in use by another rams run"):
        with output_lock(tmp_path):
            pass
    with output_lock(tmp_path):  # released after the first holder leaves
        pass


def test_kill_and_resume_equals_uninterrupted(small_flight: Callable[..., Path], tmp_path: Path) -> None:
    flight = small_flight(size_m=16.0)
    _plant_targets(flight)
    config = tmp_path / "cfg.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "rams.cli.main", "process", str(flight), "-o", str(out), "--config", str(config)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    killed = False
    while time.monotonic() < deadline and proc.poll() is None:
        tiles = list((out / WORK_DIR_NAME).glob("*/tiles/*.npz")) if out.exists() else []
        if len(tiles) >= 3:
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.05)
    proc.wait()
    assert killed, "the run finished before it could be killed; make the flight larger"
    assert not (out / "run.json").exists()
    done_before = {p.name for p in (out / WORK_DIR_NAME).glob("*/tiles/*.npz")}
    assert done_before
    rerun = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    reference = tmp_path / "reference"
    process_flight(flight, reference, load_config(config))
    for name in VECTOR_FILES:
        assert (out / name).read_bytes() == (reference / name).read_bytes()
    with rasterio.open(out / "anomaly.tif") as a, rasterio.open(reference / "anomaly.tif") as b:
        assert np.array_equal(a.read(1), b.read(1), equal_nan=True)


def test_dask_cluster_equals_in_process(small_flight: Callable[..., Path], tmp_path: Path) -> None:
    from dask.distributed import LocalCluster

    flight = small_flight()
    _plant_targets(flight)
    cfg = load_config(overrides=CONFIG)
    process_flight(flight, tmp_path / "local", cfg)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        executor = DaskExecutor(scheduler=cluster.scheduler_address)
        try:
            assert len(executor.client.scheduler_info()["workers"]) == 2
            process_flight(flight, tmp_path / "dask", cfg, executor=executor)
        finally:
            executor.close()
    for name in VECTOR_FILES:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    with rasterio.open(tmp_path / "dask" / "anomaly.tif") as a, rasterio.open(tmp_path / "local" / "anomaly.tif") as b:
        assert np.array_equal(a.read(1), b.read(1), equal_nan=True)


def test_a_south_up_raster_is_co_registered_like_a_north_up_one(small_flight: Callable[..., Path],
                                                                tmp_path: Path) -> None:
    """Positive pixel height (row 0 at the south edge) is the same ground, not "no overlap"."""
    from affine import Affine

    flight = small_flight()
    with rasterio.open(flight / "thermal.tif") as src:
        profile, data, t = src.profile, src.read(), src.transform
    north_up = process_flight(flight, tmp_path / "north", _config())
    south = t.f + t.e * data.shape[1]
    profile.update(transform=Affine(t.a, t.b, t.c, t.d, -t.e, south))
    with rasterio.open(flight / "thermal.tif", "w", **profile) as dst:
        dst.write(data[:, ::-1, :])
    south_up = process_flight(flight, tmp_path / "south", _config())
    assert south_up.n_sha == north_up.n_sha
    with rasterio.open(tmp_path / "north" / "anomaly.tif") as a, rasterio.open(tmp_path / "south" / "anomaly.tif") as b:
        assert a.transform == b.transform
        x, y = a.read(1, masked=True), b.read(1, masked=True)
        both = ~(np.ma.getmaskarray(x) | np.ma.getmaskarray(y))
        # the same scene; the warp from a flipped source rounds a little differently
        assert both.mean() > 0.9
        assert np.corrcoef(x.data[both], y.data[both])[0, 1] > 0.999
