"""SHA polygons and mine points on synthetic flights with held-out seeds.

For each seed (from 1000 up: seeds never used in development), generates a ``rams synth``
flight, runs ``rams process`` on it in a child process, scores the outputs with
:func:`rams.evaluation.flight.evaluate_flight` and aggregates over flights:

- mine coverage: true mines inside any SHA polygon / all true mines (target >= 0.98);
- flagged area / true minefield area, summed over flights (target <= 3);
- surface-mine points (CNN detections): precision, recall, F1 from summed TP/FP/FN
  (target: recall >= 0.90 at precision >= 0.80);

overall and per time of day (morning: mines warmer than soil; evening: cooler).

With ``--compare-cascade`` each flight is also processed with the CNN in cascade mode
(``detection.mode: cascade`` on top of the config) and scored the same way; the summary
then holds ``cascade`` (the same figures) and ``cascade_vs_full``: detection-stage seconds
of both modes, measured in the same run on the same flights, the speed-up, and the
change in point recall and mine coverage.

Usage::

    python benchmarks/bench_candidates.py [--first-seed 1000] [--n-flights 5] [--size-m 100]
        [--config extra.yaml] [--keep DIR] [--compare-cascade]

Results: ``benchmarks/results/candidates.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from rams.evaluation.flight import evaluate_flight
from rams.synth import generate_flight

RESULTS = Path(__file__).resolve().parent / "results" / "candidates.json"


def _process(flight: Path, out: Path, config: Path | None) -> dict[str, Any]:
    """``rams process`` in a child process, then the flight evaluation with stage seconds."""
    cmd = [sys.executable, "-m", "rams.cli.main", "process", str(flight), "-o", str(out), "--force"]
    if config is not None:
        cmd += ["--config", str(config)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    result = evaluate_flight(out, flight / "truth.geojson", 0.5)
    result["stage_seconds"] = json.loads((out / "run.json").read_text())["seconds"]
    return result


def cascade_config(config: Path | None, work: Path) -> Path:
    """The run's config with ``detection.mode: cascade`` on top."""
    doc = yaml.safe_load(config.read_text()) if config is not None else {}
    doc = doc or {}
    doc.setdefault("detection", {})["mode"] = "cascade"
    path = work / "cascade.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def run_flight(
    seed: int, size_m: float, work: Path, config: Path | None, cascade: Path | None = None
) -> dict[str, Any]:
    """Generate, process and score one flight (and in cascade mode when ``cascade`` is a
    config); return its evaluation plus timings."""
    flight = work / f"flight-{seed}"
    out = work / f"out-{seed}"
    t0 = time.perf_counter()
    generate_flight(flight, size_m=size_m, seed=seed)
    t1 = time.perf_counter()
    result = _process(flight, out, config)
    t2 = time.perf_counter()
    if cascade is not None:
        result["cascade"] = _process(flight, work / f"out-{seed}-cascade", cascade)
    result["seed"] = seed
    meta_path = flight / "synth.json"
    scene = json.loads(meta_path.read_text()).get("scene", {}) if meta_path.is_file() else {}
    result["condition"] = {k: scene.get(k) for k in ("time_of_day", "veg_bias", "n_minefields")}
    result["seconds"] = {"synth": round(t1 - t0, 1), "process": round(t2 - t1, 1)}
    return result


def aggregate(flights: list[dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged figures over flights (sums of counts and areas)."""
    tp = sum(f["points"]["tp"] for f in flights)
    fp = sum(f["points"]["fp"] for f in flights)
    fn = sum(f["points"]["fn"] for f in flights)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n_mines = sum(f["n_truth_mines"] for f in flights)
    covered = sum(
        round((f["polygons"]["mine_coverage"] or 0.0) * f["n_truth_mines"]) for f in flights
    )
    flagged = sum(f["polygons"]["flagged_area_m2"] for f in flights)
    field = sum(f["polygons"]["minefield_area_m2"] for f in flights)
    surveyed = sum(f["polygons"]["surveyed_area_m2"] or 0.0 for f in flights)
    return {
        "n_flights": len(flights),
        "n_truth_mines": n_mines,
        "mine_coverage": round(covered / n_mines, 4) if n_mines else None,
        "flagged_over_minefield": round(flagged / field, 3) if field else None,
        "flagged_over_surveyed": round(flagged / surveyed, 4) if surveyed else None,
        "points_cnn": {
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
        },
        "targets": {
            "mine_coverage>=0.98": bool(n_mines and covered / n_mines >= 0.98),
            "flagged_over_minefield<=3": bool(field and flagged / field <= 3.0),
            "recall>=0.90@precision>=0.80": bool(recall >= 0.90 and precision >= 0.80),
        },
    }


def write_results(args: argparse.Namespace, flights: list[dict[str, Any]], *, final: bool) -> None:
    """Aggregate and write the results file (after each flight, so partial runs count)."""
    summary = aggregate(flights)
    # Per condition (time of day flips the sign of the mines' thermal contrast).
    by_time: dict[str, list[dict[str, Any]]] = {}
    for f in flights:
        by_time.setdefault(str(f["condition"].get("time_of_day")), []).append(f)
    summary["by_time_of_day"] = {k: aggregate(v) for k, v in sorted(by_time.items())}
    if flights and all("cascade" in f for f in flights):
        cascade = aggregate([f["cascade"] for f in flights])
        full_s = sum(f["stage_seconds"]["detection"] for f in flights)
        casc_s = sum(f["cascade"]["stage_seconds"]["detection"] for f in flights)
        summary["cascade"] = cascade
        summary["cascade_vs_full"] = {
            "detection_seconds_full": round(full_s, 2),
            "detection_seconds_cascade": round(casc_s, 2),
            "detection_speedup": round(full_s / casc_s, 2) if casc_s > 0 else None,
            "recall_change": round(cascade["points_cnn"]["recall"] - summary["points_cnn"]["recall"], 4),
            "mine_coverage_change": round((cascade["mine_coverage"] or 0.0) - (summary["mine_coverage"] or 0.0), 4),
        }
    if final:
        print(json.dumps(summary, indent=2))
    doc = {
        "benchmark": "candidates",
        "size_m": args.size_m,
        "seeds": [f["seed"] for f in flights],
        "config": None if args.config is None else args.config.read_text(),
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor() or platform.machine(),
        },
        "summary": summary,
        "flights": [
            {
                k: f[k]
                for k in ("seed", "condition", "n_truth_mines", "points", "polygons", "seconds",
                          "stage_seconds")
            }
            | ({"cascade": {k: f["cascade"][k] for k in ("points", "polygons", "stage_seconds")}}
               if "cascade" in f else {})
            for f in flights
        ],
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    if final:
        print(f"wrote {args.results}")


def main() -> None:
    """Run the benchmark and write ``benchmarks/results/candidates.json``."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--first-seed", type=int, default=1000)
    ap.add_argument("--n-flights", type=int, default=5)
    ap.add_argument("--size-m", type=float, default=100.0)
    ap.add_argument("--config", type=Path, default=None, help="YAML merged on the default config.")
    ap.add_argument(
        "--keep", type=Path, default=None, help="Keep flights and outputs in this folder."
    )
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument(
        "--compare-cascade", action="store_true",
        help="Also process each flight with the CNN in cascade mode and compare.",
    )
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-candidates-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        flights = []
        cascade = cascade_config(args.config, work) if args.compare_cascade else None
        for seed in range(args.first_seed, args.first_seed + args.n_flights):
            r = run_flight(seed, args.size_m, work, args.config, cascade)
            p, poly = r["points"], r["polygons"]
            print(
                f"seed {seed}: mines {r['n_truth_mines']:3d}  coverage {poly['mine_coverage']}  "
                f"flagged/minefield {poly['flagged_over_minefield']}  CNN P {p['precision']:.3f} "
                f"R {p['recall']:.3f} F1 {p['f1']:.3f}  ({r['seconds']['process']} s)",
                flush=True,
            )
            flights.append(r)
            write_results(args, flights, final=False)
    write_results(args, flights, final=True)


if __name__ == "__main__":
    main()
