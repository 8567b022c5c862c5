"""CPU throughput of the CNN detector, sliced inference over a flight, cascade vs full scan.

Usage::

    python benchmarks/bench_detector.py [--model models/rams_rgb.pt] [--threads 2]
        [--flight DIR | --seed 1000 --size-m 40 --family ploughed] [--out benchmarks/results/detector.json]

1. Network throughput: batches (default 1, the fastest on CPU) of RGB tiles of 1024 x 1024 through the fused,
   channels-last network under ``torch.inference_mode`` (``net_mpx_s``), and through
   :meth:`Detector.predict` including normalisation and decoding (``predict_mpx_s``).
   Both in float32 and in bfloat16 (``torch.autocast``), side by side in one run.
2. Sliced inference over a synthetic flight (held-out seed 1000 of the held-out family unless ``--flight``): the
   RGB orthomosaic read window by window, megapixels of raster per second end to end, in
   float32 and in bfloat16 (with the recall of each).
3. Cascade vs full scan: the CNN only on 3 m windows around candidate points. The candidates
   stand in for the anomaly core: each true mine is kept with probability 0.85 and displaced
   by N(0, 0.15 m), plus each distractor and 20 random false alarms per hectare. Recall is
   the share of true mines with a detection within 0.25 m.

The machine may be shared: the load average before and after is recorded with the results.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import torch
from rasterio.windows import Window

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rams.atomic import write_json_atomic
from rams.detection.detector import Detector, load_detector
from rams.detection.flight_tiles import read_truth_points
from rams.detection.model import CenterNet, model_config
from rams.detection.sliced import cascade_windows, detect_sliced


def _detector(model: str | None) -> tuple[Detector, str]:
    if model:
        return load_detector(model), str(model)
    try:
        return load_detector(None, sensor="rgb"), "models/rams_rgb.pt"
    except Exception:  # no shipped weights yet: the throughput depends on the architecture only
        torch.manual_seed(0)
        net = CenterNet(model_config("small", 3, 4)).eval()
        meta = {"class_names": ["PFM-1", "PMN-2", "OZM-72", "TM-62"], "channels": "rgb",
                "in_channels": 3, "img_size": 256, "input_gsd_m": 0.005, "threshold": 0.3,
                "normalisation": {"mode": "fixed", "mean": [120.0] * 3, "std": [40.0] * 3},
                "config": net.config.to_dict(), "name": "untrained-small"}
        return Detector(net, meta), "untrained small preset"


def bench_network(det: Detector, tile: int, batch: int, repeats: int) -> dict[str, Any]:
    """Throughput of the network alone and of :meth:`Detector.predict`."""
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (batch, 3, tile, tile)).astype(np.float32)
    x = torch.from_numpy(det.normalise(images)).contiguous(memory_format=torch.channels_last)
    with torch.inference_mode():
        det.run_network(x)
        net_t = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            det.run_network(x)
            net_t.append(time.perf_counter() - t0)
    det.predict(images)
    pred_t = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        det.predict(images)
        pred_t.append(time.perf_counter() - t0)
    mpx = batch * tile * tile / 1e6
    return {
        "tile_px": tile, "batch": batch, "repeats": repeats,
        "net_seconds_median": round(statistics.median(net_t), 4),
        "net_mpx_s": round(mpx / statistics.median(net_t), 2),
        "net_mpx_s_best": round(mpx / min(net_t), 2),
        "predict_mpx_s": round(mpx / statistics.median(pred_t), 2),
    }


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
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--flight", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--size-m", type=float, default=40.0)
    ap.add_argument("--family", default="ploughed",
                    help="scene family of the generated flight (default: the held-out one)")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/detector.json"))
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    det, name = _detector(args.model)
    results: dict[str, Any] = {"model": name, "threads": args.threads, "cpu_count": os.cpu_count(),
                               "torch": torch.__version__, "load_average_before": load_before}
    results["network"] = bench_network(det, args.tile, args.batch, args.repeats)
    print(json.dumps(results["network"]))
    det16 = Detector(det.net, det.meta, precision="bfloat16")
    results["network_bfloat16"] = bench_network(det16, args.tile, args.batch, args.repeats)
    results["bfloat16_net_speedup"] = round(
        results["network_bfloat16"]["net_mpx_s"] / results["network"]["net_mpx_s"], 2)
    print(json.dumps({"bfloat16": results["network_bfloat16"],
                      "speedup": results["bfloat16_net_speedup"]}))
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
    results["sliced_bfloat16"] = bench_flight(det16, flight, args.tile, 64, args.batch)
    print(json.dumps({"bfloat16": results["sliced_bfloat16"]}))
    results["load_average_after"] = os.getloadavg()
    results["note"] = ("Shared 2-core machine; other jobs were running (see load averages), so the "
                       "numbers are lower bounds of the dedicated-core throughput.")
    write_json_atomic(args.out, _finite(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
