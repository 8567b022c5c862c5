"""CPU throughput of the CNN detector, sliced inference over a flight, cascade vs full scan.

Usage::

    python benchmarks/bench_detector.py [--model models/rams_rgb.pt] [--threads 2]
        [--flight DIR | --seed 1000 --size-m 40 --family ploughed] [--out benchmarks/results/detector.json]

1. Network modes (``modes``): one RGB tile of 1024 x 1024 (batch 1, the fastest on CPU)
   through the same network in each way it can run, passes interleaved round by round
   (``--repeats`` rounds; the median of each), so that a shared machine's load falls on all
   of them alike:

   - ``float32_unfused_nchw``: the network as trained (batch norms, NCHW);
   - ``float32_fused_nchw``: batch norms folded into the convolutions;
   - ``float32_eager``: fused and channels-last, the detector's float32 mode (the reference
     of ``fastest_over_float32_eager``);
   - ``bfloat16``: the same under ``torch.autocast`` (fast only with native bfloat16);
   - ``int8``: post-training int8 (``torch.ao``, x86 engine, calibrated on real training
     tiles: ``models/NAME.int8.json``);
   - ``int8_onednn``: the same int8 network on oneDNN's kernels (where the build has them);
   - ``int8_quantised_input``, ``int8_onednn_quantised_input``: each int8 network on its
     input quantised beforehand (untimed), as the pipeline feeds it 8-bit RGB counts (made in
     uint8 from a table, without the network's own float-to-quint8 pass);
   - ``float32_compiled``: ``torch.compile`` (inductor, frozen weights) of the fused network.

   ``fastest_mode`` is the fastest of those that are accurate (int8 on an engine only if its
   calibration file records an AP50 loss of at most 0.01 on the withheld real split for that
   engine, copied here under ``accuracy``); ``auto`` is what ``precision: auto`` picked in its own probe.
   :meth:`Detector.predict` (normalisation and decoding included) is timed for float32
   and for the auto mode (``predict_mpx_s``).
2. Sliced inference over a synthetic flight (held-out seed 1000 of the held-out family unless ``--flight``): the
   RGB orthomosaic read window by window, megapixels of raster per second end to end, in
   float32 and in the auto mode (with the recall of each).

   AVX2 only: ``ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 python benchmarks/bench_detector.py
   --out benchmarks/results/detector_avx2.json`` runs PyTorch's and oneDNN's kernels as on a
   CPU without AVX-512 (``torch_cpu_capability`` and ``isa_limits`` in the JSON say so).
   Libraries that pick their kernels from CPUID themselves are not limited by these
   variables, so on a machine with VNNI it is an emulation, not a measurement on such a CPU.

3. Cascade vs full scan: the CNN only on 3 m windows around candidate points. The candidates
   stand in for the anomaly core: each true mine is kept with probability 0.85 and displaced
   by N(0, 0.15 m), plus each distractor and 20 random false alarms per hectare. Recall is
   the share of true mines with a detection within 0.25 m.

The machine may be shared: the load average before and after is recorded with the results.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import torch
from rasterio.windows import Window

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rams.atomic import write_json_atomic
from rams.checksum import sha256_file
from rams.detection.detector import Detector, load_detector, resolve_model_path
from rams.detection.flight_tiles import read_truth_points
from rams.detection.inference_modes import (
    ALT_INT8_ENGINES,
    ISA_LIMIT_VARIABLES,
    Int8Calibration,
    calibration_path,
    forward_for,
    int8_engine,
    quantize_int8,
    supported_engines,
)
from rams.detection.model import CenterNet, ModelConfig, model_config
from rams.detection.precision import cpu_summary
from rams.detection.sliced import cascade_windows, detect_sliced
from rams.orchestration.memory import tune_allocator


def _detector(model: str | None) -> tuple[Detector, CenterNet, Int8Calibration | None, str]:
    """The float32 detector, the unfused trained network and the int8 calibration."""
    try:
        path = resolve_model_path(model, "rgb")
        det = load_detector(path, precision="float32")
    except Exception:  # no shipped weights: the throughput depends on the architecture only
        if model:
            raise
        torch.manual_seed(0)
        net = CenterNet(model_config("small", 3, 4)).eval()
        meta = {"class_names": ["PFM-1", "PMN-2", "OZM-72", "TM-62"], "channels": "rgb",
                "in_channels": 3, "img_size": 256, "input_gsd_m": 0.005, "threshold": 0.3,
                "normalisation": {"mode": "fixed", "mean": [120.0] * 3, "std": [40.0] * 3},
                "config": net.config.to_dict(), "name": "untrained-small"}
        return Detector(copy.deepcopy(net), meta), net, None, "untrained small preset"
    blob = torch.load(path, map_location="cpu", weights_only=True)
    trained = CenterNet(ModelConfig.from_dict(blob["meta"]["config"]))
    trained.load_state_dict(blob["state_dict"])
    try:
        calibration: Int8Calibration | None = Int8Calibration.load(calibration_path(path))
    except ValueError:
        calibration = None
    if calibration is not None and calibration.weights_sha256 != sha256_file(path):
        print(f"{calibration_path(path).name} is for other weights: int8 left out "
              "(rerun benchmarks/calibrate_int8.py)", file=sys.stderr)
        calibration = None
    return det, trained.eval(), calibration, str(path)


def _mode_functions(
    trained: CenterNet, det: Detector, calibration: Int8Calibration | None, compile_net: bool,
) -> tuple[dict[str, Callable[[torch.Tensor], Any]], dict[str, Any]]:
    """One forward function per mode of the same weights (see the module docstring)."""
    notes: dict[str, Any] = {}
    unfused = copy.deepcopy(trained).eval()
    fused_nchw = copy.deepcopy(trained).eval().fuse()
    fns: dict[str, Callable[[torch.Tensor], Any]] = {
        "float32_unfused_nchw": lambda x: unfused(x.contiguous()),
        "float32_fused_nchw": lambda x: fused_nchw(x.contiguous()),
        "float32_eager": forward_for("float32", det.net),
        "bfloat16": forward_for("bfloat16", det.net),
    }
    if calibration is not None and int8_engine() is not None:
        fns["int8"] = forward_for("int8", quantize_int8(det.net, calibration, det.in_channels))
        notes["int8_engine"] = torch.backends.quantized.engine
        for engine in ALT_INT8_ENGINES:
            if engine in supported_engines() and engine != calibration.engine:
                try:
                    qnet = quantize_int8(det.net, calibration, det.in_channels, engine)
                except Exception as exc:  # reported, not fatal: the other modes are still timed
                    notes[f"int8_{engine}"] = f"not built ({type(exc).__name__}: {exc})"
                    continue
                fns[f"int8_{engine}"] = forward_for("int8", qnet)
        for name in [k for k in fns if k.startswith("int8")]:
            params = getattr(fns[name], "input_quantisation", None)
            if params is not None:  # as the pipeline runs it: the input made quantised (uint8)
                fns[f"{name}_quantised_input"] = _OnQuantisedInput(fns[name], params)
    else:
        notes["int8"] = "no calibration file or no quantisation engine"
    if compile_net:
        import torch._inductor.config as inductor_config

        inductor_config.freezing = True
        compiled = torch.compile(copy.deepcopy(det.net))
        fns["float32_compiled"] = compiled
    return fns, notes


class _OnQuantisedInput:
    """An int8 forward on its input quantised beforehand, outside the timing (once per input)."""

    def __init__(self, forward: Callable[[torch.Tensor], Any], params: Any) -> None:
        self.forward, self.params = forward, params
        self._input: torch.Tensor | None = None
        self._quantised: torch.Tensor | None = None

    def __call__(self, x: torch.Tensor) -> Any:
        if x is not self._input:
            self._input, self._quantised = x, self.params.quantise(x)
        return self.forward(self._quantised)


def bench_modes(
    trained: CenterNet, det: Detector, calibration: Int8Calibration | None, *, tile: int,
    batch: int, repeats: int, compile_net: bool,
) -> dict[str, Any]:
    """Network throughput of every mode on one input, rounds interleaved (see the docstring)."""
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (batch, 3, tile, tile)).astype(np.float32)
    x = det.network_input(images)
    fns, notes = _mode_functions(trained, det, calibration, compile_net)
    warmup_s = {}
    with torch.inference_mode():
        for name, fn in fns.items():  # first calls: compilation, oneDNN primitive caches
            t0 = time.perf_counter()
            fn(x)
            fn(x)
            warmup_s[name] = round(time.perf_counter() - t0, 2)
        times: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(repeats):
            for name, fn in fns.items():
                t0 = time.perf_counter()
                fn(x)
                times[name].append(time.perf_counter() - t0)
    mpx = batch * tile * tile / 1e6
    rates = {k: round(mpx / statistics.median(t), 2) for k, t in times.items()}
    return {"tile_px": tile, "batch": batch, "repeats": repeats, "net_mpx_s": rates,
            "net_mpx_s_best": {k: round(mpx / min(t), 2) for k, t in times.items()},
            "first_two_calls_s": warmup_s, **notes}


def bench_predict(det: Detector, tile: int, batch: int, repeats: int) -> float:
    """Megapixels per second of :meth:`Detector.predict` (normalisation and decoding included)."""
    images = np.random.default_rng(0).uniform(0, 255, (batch, 3, tile, tile)).astype(np.float32)
    det.predict(images)
    t = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        det.predict(images)
        t.append(time.perf_counter() - t0)
    return round(batch * tile * tile / 1e6 / statistics.median(t), 2)


def accuracy_records() -> dict[str, Any]:
    """The int8 AP50 checks of the shipped models (from their calibration files)."""
    out: dict[str, Any] = {}
    for sensor in ("rgb", "thermal"):
        try:
            weights = resolve_model_path(None, sensor)
            path = calibration_path(weights)
            cal = Int8Calibration.load(path)
        except Exception as exc:  # reported, not fatal: the benchmark is about speed
            out[sensor] = f"unavailable ({exc})"
            continue
        out[sensor] = {"calibration_file": path.name,
                       "matches_weights": cal.weights_sha256 == sha256_file(weights),
                       "calibrated_on": cal.source,
                       "checks": cal.accuracy, "ap50_loss": cal.ap50_loss(),
                       "within_tolerance": cal.accurate(),
                       "by_engine": {e: {"ap50_loss": cal.ap50_loss(e), "within_tolerance": cal.accurate(e)}
                                     for e in (cal.engine, *ALT_INT8_ENGINES)}}
    return out


class _Reader:
    """Windowed RGB reader (bands 1-3, alpha or mask as validity)."""

    def __init__(self, path: Path) -> None:
        self.src = rasterio.open(path)
        self.alpha = self.src.count >= 4 and self.src.colorinterp[3] == rasterio.enums.ColorInterp.alpha

    def __call__(self, window: Window) -> tuple[np.ndarray, np.ndarray]:
        data = self.src.read([1, 2, 3], window=window, out_dtype="float32")
        valid = self.src.read(4, window=window) > 0 if self.alpha else self.src.read_masks(1, window=window) > 0
        return data, valid


def _recall(points: list[Any], mines: np.ndarray, radius: float = 0.25) -> float:
    if not len(mines):
        return float("nan")
    if not points:
        return 0.0
    xy = np.array([[p.x_m, p.y_m] for p in points])
    d = np.hypot(mines[:, None, 0] - xy[None, :, 0], mines[:, None, 1] - xy[None, :, 1])
    return float((d.min(1) <= radius).mean())


def bench_flight(det: Detector, flight: Path, tile: int, overlap: int, batch: int) -> dict[str, Any]:
    """Full scan and cascade over one flight's RGB orthomosaic."""
    reader = _Reader(flight / "rgb.tif")
    src = reader.src
    truth = read_truth_points(flight, src.crs)
    mines = np.array([[p["x_m"], p["y_m"]] for p in truth if p["kind"] == "mine"]).reshape(-1, 2)
    t0 = time.perf_counter()
    full = detect_sliced(reader, src.width, src.height, src.transform, det, tile_px=tile,
                         overlap_px=overlap, batch_size=batch)
    full_s = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    cands = [tuple(m + rng.normal(0, 0.15, 2)) for m in mines if rng.random() < 0.85]
    cands += [(p["x_m"], p["y_m"]) for p in truth if p["kind"] == "distractor"]
    b = src.bounds
    area_ha = (b.right - b.left) * (b.top - b.bottom) / 1e4
    cands += [(rng.uniform(b.left, b.right), rng.uniform(b.bottom, b.top)) for _ in range(int(20 * area_ha))]
    t0 = time.perf_counter()
    wins = cascade_windows(cands, src.transform, src.width, src.height, window_m=3.0)
    casc = detect_sliced(reader, src.width, src.height, src.transform, det, tile_px=tile,
                         overlap_px=overlap, batch_size=batch, windows=wins)
    casc_s = time.perf_counter() - t0
    mpx = src.width * src.height / 1e6
    win_mpx = sum(w.width * w.height for w in wins) / 1e6
    src.close()
    return {
        "flight": str(flight), "raster_px": [src.width, src.height], "gsd_m": abs(src.transform.a),
        "n_mines": len(mines),
        "full": {"seconds": round(full_s, 2), "mpx_s": round(mpx / full_s, 2), "detections": len(full),
                 "recall": round(_recall(full, mines), 4)},
        "cascade": {"seconds": round(casc_s, 2), "candidates": len(cands), "windows": len(wins),
                    "window_mpx": round(win_mpx, 2), "detections": len(casc),
                    "recall": round(_recall(casc, mines), 4)},
        "cascade_speedup": round(full_s / max(casc_s, 1e-9), 2),
        "recall_change": round(_recall(casc, mines) - _recall(full, mines), 4),
    }


def _finite(obj: Any) -> Any:
    """NaN to None, tuples to lists (strict JSON)."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the JSON results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tile", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=15, help="interleaved rounds of the mode timings")
    ap.add_argument("--no-compile", action="store_true", help="leave out torch.compile (slow to build)")
    ap.add_argument("--flight", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--size-m", type=float, default=40.0)
    ap.add_argument("--family", default="ploughed",
                    help="scene family of the generated flight (default: the held-out one)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/detector.json"))
    ap.add_argument("--note", default=None, help="what else ran on the machine, for the record")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    allocator = tune_allocator()  # as the rams CLI and the pipeline set it
    load_before = os.getloadavg()
    det, trained, calibration, name = _detector(args.model)
    results: dict[str, Any] = {"date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "command": "python benchmarks/bench_detector.py "
                               + shlex.join(argv if argv is not None else sys.argv[1:]),
                               "model": name, "threads": args.threads, "cpu_count": os.cpu_count(),
                               "cpu": cpu_summary(), "torch": torch.__version__,
                               "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
                               "isa_limits": {k: os.environ[k] for k in ISA_LIMIT_VARIABLES if k in os.environ},
                               "allocator": list(allocator), "load_average_before": load_before}
    modes = bench_modes(trained, det, calibration, tile=args.tile, batch=args.batch,
                        repeats=args.repeats, compile_net=not args.no_compile)
    rates = modes["net_mpx_s"]
    def checked(mode: str) -> bool:
        if not mode.startswith("int8"):
            return True
        mode = mode.removesuffix("_quantised_input")  # the same network and weights
        engine = None if mode == "int8" else mode.removeprefix("int8_")
        return calibration is not None and calibration.accurate(engine)

    accurate = [k for k in rates if checked(k)]
    fastest = max(accurate, key=lambda k: rates[k])
    results["modes"] = modes
    results["fastest_mode"] = fastest
    results["fastest_over_float32_eager"] = round(rates[fastest] / rates["float32_eager"], 2)
    best = modes["net_mpx_s_best"]
    results["fastest_over_float32_eager_best_pass"] = round(best[fastest] / best["float32_eager"], 2)
    results["float32_eager_over_unfused_nchw"] = round(rates["float32_eager"] / rates["float32_unfused_nchw"], 2)
    results["accuracy"] = accuracy_records()
    print(json.dumps({k: results[k] for k in ("modes", "fastest_mode", "fastest_over_float32_eager")}))
    auto = load_detector(name, precision="auto") if calibration is not None else Detector(copy.deepcopy(trained), det.meta, "auto")
    results["auto"] = auto.inference_mode.to_dict()
    results["predict_mpx_s"] = {"float32": bench_predict(det, args.tile, args.batch, 5),
                                f"auto ({auto.precision})": bench_predict(auto, args.tile, args.batch, 5)}
    print(json.dumps({"auto": results["auto"], "predict_mpx_s": results["predict_mpx_s"]}))
    flight = args.flight
    if flight is None:
        from rams.synth import generate_flight
        from rams.synth.flight import DEFAULT_GSD_M

        gsd_cm = DEFAULT_GSD_M["rgb"] * 100
        flight = Path(tempfile.gettempdir()) / (
            f"rams_bench_detector_{args.family}_s{args.seed}_{int(args.size_m)}m_{gsd_cm:g}cm")
        if not (flight / "truth.geojson").is_file():
            generate_flight(flight, size_m=args.size_m, seed=args.seed, family=args.family)
    results["sliced"] = bench_flight(det, flight, args.tile, 64, args.batch)
    print(json.dumps(results["sliced"]))
    results["sliced_auto"] = {"mode": auto.precision, **bench_flight(auto, flight, args.tile, 64, args.batch)}
    print(json.dumps({"auto": results["sliced_auto"]}))
    results["load_average_after"] = os.getloadavg()
    results["note"] = args.note or (
        "Any other job on the machine (see the load averages; a previous benchmark's own load "
        "decays over minutes) lowers the absolute rates. The modes are timed round by round on "
        "the same input, so their ratios share the load.")
    write_json_atomic(args.out, _finite(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
