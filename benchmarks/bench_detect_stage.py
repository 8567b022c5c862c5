"""The detection stage with the int8 network's input quantised beforehand, against the float input.

On a flight made by ``bench_pipeline.py`` (``--work DIR`` holds ``flight-500m`` or the like
and ``config.yaml``): the anomaly stage runs once for the cascade's peaks, then
``run_detection`` runs ``--repeat`` times per variant in one process, the variants
alternating (ABBA order), so that the host's drift falls on both alike:

* ``quantised``: as shipped, 8-bit counts made into the quint8 network input from a table
  and the int8 graph's twin without its input quantisation;
* ``float``: the same detector with that path switched off (``input_quantisation`` None):
  the float32 input, quantised by the network's first operation.

Prints and saves the wall and CPU seconds of each run, the int8 forward passes' seconds
inside it, and the detections (they must be the same), with the medians' ratio
``float_over_quantised``. Needs a detector that runs in int8 (``precision: auto`` where int8
is the fastest accurate mode, or ``int8``).

Usage::

    python benchmarks/bench_detect_stage.py --flight /tmp/bp25/flight-500m --config /tmp/bp25/config.yaml \
        [--repeat 4] [--results benchmarks/results/detect_stage_quantised_input.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rams.atomic import write_json_atomic
from rams.config import load_config
from rams.detection import detector as dt
from rams.detection import inference_modes as im
from rams.orchestration.assemble import assemble_anomaly_deferred
from rams.orchestration.detect_stage import run_detection
from rams.orchestration.executor import LocalExecutor
from rams.orchestration.memory import tune_allocator
from rams.orchestration.pipeline import run_anomaly_stage
from rams.orchestration.plan import build_plan

RESULTS = Path(__file__).parent / "results" / "detect_stage_quantised_input.json"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flight", type=Path, required=True)
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=4, help="runs per variant")
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    tune_allocator()  # as rams process does
    cfg = load_config(args.config)
    plan = build_plan(args.flight, cfg, checksum=False)
    executor = LocalExecutor(cfg.execution.workers)
    with tempfile.TemporaryDirectory(prefix="rams-bench-detect-") as tmp:
        files = run_anomaly_stage(plan, executor, Path(tmp) / "tiles")
        peaks, pending = assemble_anomaly_deferred(plan, files, Path(tmp) / "anomaly.tif")
        pending.discard()
    executor.close()

    forward_s = [0.0]
    call = im.Int8Forward.__call__

    def clocked(self: im.Int8Forward, x: Any) -> Any:
        start = time.perf_counter()
        try:
            return call(self, x)
        finally:
            forward_s[0] += time.perf_counter() - start

    im.Int8Forward.__call__ = clocked  # type: ignore[method-assign]
    shipped = dt.Detector.input_quantisation
    switched_off = property(lambda self: None)
    runs: dict[str, list[dict[str, Any]]] = {"quantised": [], "float": []}
    modes = set()
    for rep in range(args.repeat):
        for kind in ("float", "quantised") if rep % 2 == 0 else ("quantised", "float"):
            dt.Detector.input_quantisation = shipped if kind == "quantised" else switched_off  # type: ignore[method-assign]
            forward_s[0] = 0.0
            record: dict[str, Any] = {}
            cpu0, wall0 = time.process_time(), time.perf_counter()
            out = run_detection(plan, peaks, record)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            modes.add(record.get("inference", {}).get("mode"))
            runs[kind].append({
                "wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "int8_forward_s": round(forward_s[0], 3),
                "points": len(out.points), "support": len(out.support),
                "support_confidence_sum": round(sum(p.confidence for p in out.support), 4),
            })
            print(kind, runs[kind][-1], flush=True)
    dt.Detector.input_quantisation = shipped  # type: ignore[method-assign]
    if modes != {"int8"}:
        print(f"the detector ran in {sorted(map(str, modes))}, not int8: nothing to compare", file=sys.stderr)
        return 1
    same = len({(r["points"], r["support"], r["support_confidence_sum"]) for v in runs.values() for r in v}) == 1
    median = {k: statistics.median(r["wall_s"] for r in v) for k, v in runs.items()}
    result = {
        "flight": str(args.flight), "peaks": len(peaks), "repeat": args.repeat, "runs": runs,
        "median_wall_s": median, "float_over_quantised": round(median["float"] / median["quantised"], 3),
        "same_detections": same,
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    print(json.dumps({k: result[k] for k in ("median_wall_s", "float_over_quantised", "same_detections")}))
    args.results.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(args.results, result)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
