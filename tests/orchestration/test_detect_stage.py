"""The detection stage runs the CNN only on imagery its model can see mines in."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from rasterio.transform import Affine

from rams.config import load_config
from rams.detection.detector import save_detector
from rams.detection.model import CenterNet, model_config
from rams.orchestration.detect_stage import coarse_input_warning, too_coarse_warning
from rams.orchestration.pipeline import process_flight
from tests.conftest import E0, N0, write_raster

CLASSES = ["PFM-1", "PMN-2", "OZM-72", "TM-62"]


@pytest.fixture
def one_cm_model(tmp_path: Path) -> Path:
    """Random weights recorded as a 1 cm model that accepts inputs up to 1.5 cm."""
    torch.manual_seed(0)
    net = CenterNet(model_config("small", 3, len(CLASSES)))
    meta = {"class_names": CLASSES, "channels": "rgb", "in_channels": 3, "img_size": 256,
            "normalisation": {"mode": "fixed", "mean": [120.0] * 3, "std": [30.0] * 3},
            "input_gsd_m": 0.01, "max_input_gsd_m": 0.015, "threshold": 0.3}
    path = tmp_path / "one_cm.pt"
    save_detector(path, net, meta)
    return path


def test_too_coarse_warning_names_the_file_and_the_gsds() -> None:
    assert too_coarse_warning(0.012, 0.015, "rgb", "a.tif") is None
    assert too_coarse_warning(0.015, 0.015, "rgb", "a.tif") is None
    assert too_coarse_warning(0.5, None, "rgb", "a.tif") is None  # no limit recorded
    msg = too_coarse_warning(0.5, 0.015, "rgb", "ortho.tif")
    assert msg is not None and "ortho.tif" in msg and "50.00 cm" in msg and "1.50 cm" in msg


def test_coarse_input_warning_only_beyond_three_times_the_model_gsd() -> None:
    assert coarse_input_warning(0.015, 0.005, "rgb", "a.tif") is None  # 3x: recall 0.76 against 0.80
    assert coarse_input_warning(0.02, None, "rgb", "a.tif") is None  # model without a GSD
    msg = coarse_input_warning(0.02, 0.005, "rgb", "survey.tif")
    assert msg is not None and "survey.tif" in msg and "2.00 cm" in msg and "4.0x" in msg


def _replace_rgb(flight: Path, gsd_m: float, size_m: float = 12.0) -> None:
    n = int(size_m / gsd_m)
    rgb = np.full((3, n, n), 120, np.uint8)
    write_raster(flight / "rgb.tif", rgb, transform=Affine(gsd_m, 0, E0, 0, -gsd_m, N0))


@pytest.mark.parametrize(("gsd_m", "skipped"), [(0.5, True), (0.01, False)])
def test_pipeline_skips_the_cnn_on_a_coarse_orthophoto(
    small_flight: Callable[..., Path], one_cm_model: Path, tmp_path: Path, gsd_m: float, skipped: bool,
) -> None:
    flight = small_flight()
    _replace_rgb(flight, gsd_m)
    config = load_config(overrides={
        "tiles": {"tile_px": 128},
        # auto probes the inference modes (tested in tests/detection), unless the raster is too
        # coarse: then the model is only read, never probed
        "detection": {"enabled": True, "model": str(one_cm_model), "mode": "full", "tile_px": 256,
                      "precision": "auto" if skipped else "float32"},
    })
    out = tmp_path / f"out_{gsd_m}"
    result = process_flight(flight, out, config)
    run = json.loads((out / "run.json").read_text())
    report = (out / "report.html").read_text()
    coarse = [w for w in run["warnings"] if w.startswith("CNN detection skipped")]
    assert bool(coarse) == skipped
    assert [w for w in result.warnings if w.startswith("CNN detection skipped")] == coarse
    if skipped:
        assert "rgb.tif" in coarse[0] and "50.00 cm" in coarse[0]
        assert "<h2>Warnings</h2>" in report and "CNN detection skipped" in report
        cnn = [f for f in json.loads((out / "detections.geojson").read_text())["features"]
               if f["properties"].get("detector") == "cnn"]
        assert cnn == []
        assert run["detection"]["inference"] == {"skipped": "raster too coarse for the model"}
    else:
        # a model of its own: the shipped combiner says it was fitted with another CNN, and only that
        assert len(run["warnings"]) == 1, run["warnings"]
        assert "point combiner was fitted with the CNN rams_rgb" in run["warnings"][0]
        assert f"this run's CNN is {one_cm_model.stem} sha256" in run["warnings"][0]


@pytest.mark.parametrize(("gsd_m", "skipped"), [(0.02, False), (0.025, False), (0.03, True)])
def test_shipped_rgb_model_runs_on_area_survey_gsds_and_not_coarser(
    small_flight: Callable[..., Path], tmp_path: Path, gsd_m: float, skipped: bool,
) -> None:
    # the shipped model keeps most of its precision and recall down to 2.5 cm (model card,
    # benchmarks/bench_rgb_gsd.py): area-survey orthomosaics of 1-2.5 cm get the CNN, 3 cm not
    flight = small_flight(size_m=8.0)
    _replace_rgb(flight, gsd_m, size_m=8.0)
    config = load_config(overrides={"tiles": {"tile_px": 128},
                                    "detection": {"enabled": True, "precision": "float32"}})
    out = tmp_path / f"out_{gsd_m}"
    process_flight(flight, out, config)
    run = json.loads((out / "run.json").read_text())
    coarse = [w for w in run["warnings"] if w.startswith("CNN detection skipped")]
    assert bool(coarse) == skipped
    if skipped:
        assert "3.00 cm" in coarse[0] and "2.50 cm" in coarse[0]
    else:
        assert run["detection"]["inference"]["mode"] == "float32"
        assert run["detection"]["upsampling"] == pytest.approx(gsd_m / 0.005)
        assert not any("point combiner was fitted with" in w for w in run["warnings"])
        # read upsampled 4-5x: the run says small mines are found less often
        [coarse] = [w for w in run["warnings"] if "upsampled" in w]
        assert f"{gsd_m * 100:.2f} cm" in coarse and f"{gsd_m / 0.005:.1f}x" in coarse


def test_rerun_is_skipped_only_while_the_detector_is_unchanged(
    small_flight: Callable[..., Path], one_cm_model: Path, tmp_path: Path,
) -> None:
    flight = small_flight()
    _replace_rgb(flight, 0.01)
    config = load_config(overrides={
        "tiles": {"tile_px": 128},
        "detection": {"enabled": True, "model": str(one_cm_model), "mode": "full", "tile_px": 256,
                      "precision": "float32"},  # auto would probe the modes: tests/detection
    })
    out = tmp_path / "out"
    assert not process_flight(flight, out, config).skipped
    assert process_flight(flight, out, config).skipped
    # retrain (other weights, same file name): the outputs are stale, the run is redone
    torch.manual_seed(1)
    net = CenterNet(model_config("small", 3, len(CLASSES)))
    meta = torch.load(one_cm_model, weights_only=True)["meta"]
    save_detector(one_cm_model, net, meta)
    assert not process_flight(flight, out, config).skipped
    run = json.loads((out / "run.json").read_text())
    assert run["fingerprint"] != run["tiles_fingerprint"]


def test_8_bit_rgb_reaches_the_cnn_as_stored_counts_with_the_same_detections(
    tmp_path: Path, one_cm_model: Path
) -> None:
    from rasterio.transform import from_origin
    from rasterio.windows import Window

    from rams.detection.detector import load_detector
    from rams.detection.sliced import detect_sliced, model_input_reader
    from rams.grid.reader import GridReader
    from rams.grid.target import TargetGrid
    from rams.ingest.flight import load_flight
    from rams.orchestration.detect_stage import model_input
    from tests.conftest import write_manifest

    rng = np.random.default_rng(3)
    rgb = rng.integers(60, 200, (3, 300, 280)).astype(np.uint8)
    rgb[:, 100:112, 150:162] = 250  # a few bright objects for the random network to answer
    rgb[:, 220:230, 40:50] = 5
    t = from_origin(E0, N0, 0.01, 0.01)
    for name, entry in (("plain", {}), ("scaled", {"scale": 1 / 255}), ("offset", {"offset": 1.0})):
        folder = tmp_path / name
        folder.mkdir()
        write_raster(folder / "rgb.tif", rgb, transform=t)
        write_manifest(folder, [{"path": "rgb.tif", "sensor": "rgb", **entry}])
    raster = load_flight(tmp_path / "plain").rasters["rgb"]
    reader = GridReader(raster, TargetGrid(raster.crs, t, 280, 300))
    stored, through_floats = model_input(reader, "rgb"), model_input_reader(reader.read, "rgb")
    window = Window(-20, 250, 128, 128)  # across the raster's edge
    a, va = stored(window)
    b, vb = through_floats(window)
    assert a.dtype == np.uint8 and b.dtype == np.float32
    assert np.array_equal(va, vb) and not va.all()
    assert np.allclose(a, b, atol=1e-4)
    model = load_detector(one_cm_model, precision="float32")
    found = [detect_sliced(read, 280, 300, t, model, tile_px=128, overlap_px=16, min_score=0.05)
             for read in (stored, through_floats)]
    assert len(found[0]) == len(found[1]) > 0
    for p, q in zip(found[0], found[1], strict=True):
        assert (p.x_m, p.y_m, p.class_name) == pytest.approx((q.x_m, q.y_m, q.class_name), abs=1e-6)
        assert p.confidence == pytest.approx(q.confidence, abs=1e-3)
    # a scale or an offset in the manifest: the counts are not what the file stores, so the float path
    for name in ("scaled", "offset"):
        other = load_flight(tmp_path / name).rasters["rgb"]
        counts, _ = model_input(GridReader(other, TargetGrid(other.crs, t, 280, 300)), "rgb")(window)
        assert counts.dtype == np.float32, name


def test_unknown_gsd_warning_only_for_models_without_one() -> None:
    from rams.orchestration.detect_stage import unknown_gsd_warning

    assert unknown_gsd_warning(0.1, 0.005, "thermal", "t.tif") is None
    text = unknown_gsd_warning(0.1, None, "thermal", "t.tif")
    assert text is not None and "t.tif" in text and "10.00 cm" in text and "unverified" in text


def test_thermal_cnn_on_an_orthomosaic_warns_that_it_is_unvalidated(tmp_path: Path) -> None:
    from rasterio.transform import from_origin

    from tests.conftest import write_thermal_only_flight

    folder = write_thermal_only_flight(tmp_path / "thermal", (120, 130), from_origin(E0, N0, 0.1, 0.1),
                                       seed=4, hot=(60, 70))
    process_flight(folder, tmp_path / "out", load_config(overrides={"detection": {"sensor": "thermal"}}))
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["detection"]["model_gsd_m"] is None
    assert any("records no ground sample distance" in w and "t.tif" in w for w in run["warnings"])


def test_auto_mode_is_cascade_only_where_other_sensors_carry_the_anomaly_core(
    small_flight: Callable[..., Path],
) -> None:
    from rams.evaluation.sensor_subsets import sensor_subset_flight
    from rams.orchestration.detect_stage import resolve_mode
    from rams.orchestration.plan import build_plan

    flight = small_flight()
    rgb_only = sensor_subset_flight(flight)

    def mode(folder: Path, **overrides: object) -> tuple[str, str]:
        plan = build_plan(folder, load_config(overrides=overrides))
        try:
            return resolve_mode(plan)
        finally:
            plan.close()

    auto = {"detection": {"mode": "auto"}}
    chosen, why = mode(flight, **auto)
    assert chosen == "cascade" and "multispectral" in why and "thermal" in why
    # an RGB orthomosaic alone: its anomaly core runs on the RGB bands, no stand-in for the CNN
    assert mode(rgb_only, **auto)[0] == "full"
    # CNN points without an anomaly peak scored by the RGB-only model could reach the mine layer
    assert mode(flight, candidates={"cnn_only_scoring": "rgb_only"}, **auto)[0] == "full"
    # explicit modes are kept as they are
    assert mode(flight, detection={"mode": "full"}) == ("full", "detection.mode: full")
    assert mode(rgb_only, detection={"mode": "cascade"})[0] == "cascade"


def test_run_json_records_the_scan_auto_chose(
    small_flight: Callable[..., Path], one_cm_model: Path, tmp_path: Path,
) -> None:
    flight = small_flight(rgb_gsd_m=0.01)
    config = load_config(overrides={
        "tiles": {"tile_px": 128},
        "detection": {"model": str(one_cm_model), "mode": "auto", "tile_px": 256, "precision": "float32"},
    })
    process_flight(flight, tmp_path / "out", config)
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["detection"]["mode"] == "cascade"
    assert run["detection"]["mode_reason"].startswith("auto:")
    assert run["config"]["detection"]["mode"] == "auto"
    assert run["detection"]["cascade_windows"] == run["config"]["detection"]["cascade_windows"]
    assert (run["detection"]["n_windows"] > 0) == (run["counts"]["anomaly_peaks"] > 0)


def test_cascade_on_tiles_reads_the_full_scans_tiles_near_the_peaks(
    small_flight: Callable[..., Path], one_cm_model: Path, tmp_path: Path,
) -> None:
    """cascade_windows: tiles gives the CNN the full scan's own tiles where the peaks are: the
    CNN points near the peaks are the full scan's (stop 60, rule ZZ)."""
    import math

    from tests.orchestration.test_pipeline import _plant_targets

    flight = small_flight(rgb_gsd_m=0.01)
    _plant_targets(flight)

    def run(**detection: object) -> dict:
        out = tmp_path / "-".join(f"{k}{v}" for k, v in detection.items())
        process_flight(flight, out, load_config(overrides={
            "tiles": {"tile_px": 128},
            "detection": {"model": str(one_cm_model), "tile_px": 256, "precision": "float32",
                          "support_min_confidence": 0.01, **detection},
        }))
        return {"run": json.loads((out / "run.json").read_text()),
                "points": [f["properties"] for name in ("detections.geojson", "candidates_low.geojson")
                           for f in json.loads((out / name).read_text())["features"]]}

    full = run(mode="full")
    tiles = run(mode="cascade", cascade_windows="tiles")
    assert tiles["run"]["detection"]["cascade_windows"] == "tiles"
    assert 0 < tiles["run"]["detection"]["n_windows"]
    assert tiles["run"]["counts"]["anomaly_peaks"] == full["run"]["counts"]["anomaly_peaks"] > 0

    def at_peaks(points: list[dict]) -> list[tuple[str, float, float]]:
        return sorted((p["id"], p["f_cnn_score"], p["f_cnn_support"]) for p in points if p["kind"] != "cnn")

    assert at_peaks(tiles["points"]) == at_peaks(full["points"])
    assert any(not math.isclose(s, 0.0) for _, _, s in at_peaks(full["points"]))
