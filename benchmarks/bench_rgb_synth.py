"""RGB detector on synthetic flights: CNN points against truth, held-out family first.

Usage::

    python benchmarks/bench_rgb_synth.py [--model models/rams_rgb.pt] [--seeds 1000-1007]
        [--families ploughed,meadow,steppe] [--size-m 40] [--rgb-gsd-m 0.005]
        [--out benchmarks/results/rgb_synth.json]

For each (family, seed) a ``rams synth`` flight is generated (cached under the temp folder),
the CNN scans its whole RGB orthomosaic (sliced inference, full scan, the model's own
resampling to its working GSD), and its points are matched one-to-one to the true surface
mines within 0.5 m (:func:`rams.evaluation.flight.match_points`). Reported per family, pooled
over its seeds: precision, recall and F1 at the model's operating threshold, false alarms per
hectare, and the precision-recall sweep over thresholds with the best precision at recall
>= 0.9. ``ploughed`` is the held-out family (never used for training or any choice); the
training families are reported on benchmark seeds (1000+) for comparison.
"""

from __future__ import annotations

import argparse
import json
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
from rams.detection.detector import load_detector
from rams.detection.flight_tiles import read_truth_points
from rams.detection.sliced import detect_sliced
from rams.evaluation.flight import match_points

THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.025), 3)


def _seeds(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def scan(flight: Path, det: Any) -> dict[str, Any]:
    """CNN points (at a low floor) and truth of one flight."""
    with rasterio.open(flight / "rgb.tif") as src:
        alpha = src.count >= 4

        def read(window: Window) -> tuple[np.ndarray, np.ndarray]:
            data = src.read([1, 2, 3], window=window, out_dtype="float32")
            valid = src.read(4, window=window) > 0 if alpha else src.read_masks(1, window=window) > 0
            return data, valid

        t0 = time.perf_counter()
        points = detect_sliced(read, src.width, src.height, src.transform, det, min_score=0.05)
        seconds = time.perf_counter() - t0
        truth = read_truth_points(flight, src.crs)
        b = src.bounds
        area_ha = (b.right - b.left) * (b.top - b.bottom) / 1e4
        mpx = src.width * src.height / 1e6
    mines = np.array([[p["x_m"], p["y_m"]] for p in truth if p["kind"] == "mine"]).reshape(-1, 2)
    classes = [str(p["class"]) for p in truth if p["kind"] == "mine"]
    return {"xy": np.array([[p.x_m, p.y_m] for p in points]).reshape(-1, 2),
            "score": np.array([p.confidence for p in points]), "mines": mines, "classes": classes,
            "area_ha": area_ha, "seconds": seconds, "mpx": mpx}


def pooled(scans: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    """Precision, recall, F1 and false alarms per ha over flights at one threshold."""
    tp = n_pred = n_truth = 0
    area = 0.0
    found: dict[str, list[int]] = {}  # class: [found, total]
    for s in scans:
        keep = s["score"] >= threshold
        matches = match_points(s["xy"][keep], s["mines"], 0.5)
        tp += len(matches)
        hit = {j for _, j, _ in matches}
        for j, cls in enumerate(s["classes"]):
            counts = found.setdefault(cls, [0, 0])
            counts[0] += j in hit
            counts[1] += 1
        n_pred += int(keep.sum())
        n_truth += len(s["mines"])
        area += s["area_ha"]
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_truth if n_truth else 1.0
    return {"threshold": float(threshold), "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0, "tp": tp,
            "false_alarms": n_pred - tp, "false_alarms_per_ha": round((n_pred - tp) / area, 2),
            "mines": n_truth, "recall_by_class": {c: f"{f}/{n}" for c, (f, n) in sorted(found.items())}}


def average_precision(sweep: list[dict[str, Any]]) -> float:
    """Area under the sweep's precision-recall points, precision interpolated (max to the right).

    Recall below the sweep's lowest recall point counts at the highest precision reached; the
    curve ends at the sweep's highest recall (threshold 0.05), so a model whose scores never
    reach a mine is not credited beyond it.
    """
    pts = sorted((m["recall"], m["precision"]) for m in sweep)
    r = np.array([0.0] + [p[0] for p in pts])
    prec = np.array([max(p[1] for p in pts)] + [p[1] for p in pts])
    prec = np.maximum.accumulate(prec[::-1])[::-1]
    return float(np.sum(np.diff(r) * prec[1:]))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the JSON results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--seeds", default="1000-1007")
    ap.add_argument("--families", default="ploughed,meadow,steppe")
    ap.add_argument("--size-m", type=float, default=40.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rgb-gsd-m", type=float, default=None,
                    help="GSD of the generated RGB (default: rams synth's); the CNN resamples it to its own")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/rgb_synth.json"))
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    from rams.synth import HELD_OUT_FAMILIES, generate_flight
    from rams.synth.flight import DEFAULT_GSD_M

    det = load_detector(args.model)
    rgb_gsd_m = args.rgb_gsd_m or DEFAULT_GSD_M["rgb"]
    gsd_cm = rgb_gsd_m * 100
    results: dict[str, Any] = {"model": det.meta.get("name"), "model_threshold": det.threshold,
                               "model_gsd_m": det.input_gsd_m, "held_out_families": list(HELD_OUT_FAMILIES),
                               "size_m": args.size_m, "rgb_gsd_m": rgb_gsd_m, "seeds": _seeds(args.seeds), "families": {}}
    for family in [f.strip() for f in args.families.split(",") if f.strip()]:
        scans = []
        for seed in _seeds(args.seeds):
            flight = Path(tempfile.gettempdir()) / f"rams_bench_rgb_{family}_s{seed}_{args.size_m:g}m_{gsd_cm:g}cm"
            if not (flight / "truth.geojson").is_file():
                generate_flight(flight, size_m=args.size_m, seed=seed, family=family,
                                gsd_m={**DEFAULT_GSD_M, "rgb": rgb_gsd_m})
            scans.append(scan(flight, det))
        sweep = [pooled(scans, t) for t in THRESHOLDS]
        at_r90 = [m for m in sweep if m["recall"] >= 0.9]
        best = max(at_r90, key=lambda m: m["precision"]) if at_r90 else None
        results["families"][family] = {
            "held_out": family in HELD_OUT_FAMILIES,
            "at_operating_threshold": pooled(scans, det.threshold),
            "best_precision_at_recall_0_9": best,
            "ap_over_sweep": round(average_precision(sweep), 4),
            "sweep": sweep,
            "mpx_s": round(sum(s["mpx"] for s in scans) / sum(s["seconds"] for s in scans), 2),
        }
        op = results["families"][family]["at_operating_threshold"]
        best_text = "none" if best is None else f"{best['precision']:.3f} (threshold {best['threshold']:.3f})"
        held = " (held out)" if family in HELD_OUT_FAMILIES else ""
        print(f"{family}{held}: {op['mines']} mines, P {op['precision']:.3f} R {op['recall']:.3f} at "
              f"threshold {det.threshold:.3f}, {op['false_alarms_per_ha']:.1f} false alarms/ha; "
              f"best P at R>=0.9: {best_text}; AP over the sweep "
              f"{results['families'][family]['ap_over_sweep']:.3f}; found by class {op['recall_by_class']}")
    write_json_atomic(args.out, results)
    print(json.dumps({k: v for k, v in results.items() if k != "families"}))
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
