"""Detection stage A/B in one fresh process: detect_sliced of the commit before (read-ahead
thread beside the network, loaded from a worktree) against the working tree's (read a group,
then infer), alternating ABBA, on the cascade peaks of the 0.25 km2 benchmark flight.

Usage: python benchmarks/results/stop51/detect_phased_ab.py OLD_WORKTREE N OUT.json
(peaks from /tmp/s50/peaks.pkl, made by benchmarks/results/stop50/cascade_peaks.py)."""
import importlib.util
import json
import pickle
import sys
import time
from pathlib import Path

from rams.orchestration.memory import tune_allocator

tune_allocator()
import rams.detection.inference_modes as im  # noqa: E402
import rams.orchestration.detect_stage as ds  # noqa: E402
from rams.config import load_config  # noqa: E402
from rams.detection import sliced as new  # noqa: E402
from rams.orchestration.plan import build_plan  # noqa: E402

spec = importlib.util.spec_from_file_location("old_sliced", Path(sys.argv[1]) / "rams/detection/sliced.py")
old = importlib.util.module_from_spec(spec)
spec.loader.exec_module(old)
TN = [0.0]
forward = im.Int8Forward.__call__


def timed(self, x):
    t = time.perf_counter()
    try:
        return forward(self, x)
    finally:
        TN[0] += time.perf_counter() - t


im.Int8Forward.__call__ = timed
cfg = load_config(Path("/tmp/bp25/config.yaml"))
plan = build_plan("/tmp/bp25/flight-500m", cfg, checksum=False)
peaks = pickle.load(open("/tmp/s50/peaks.pkl", "rb"))
out: dict = {}
for rep in range(int(sys.argv[2])):
    for kind in ("read_ahead", "phased") if rep % 2 == 0 else ("phased", "read_ahead"):
        ds.detect_sliced = (old if kind == "read_ahead" else new).detect_sliced
        TN[0] = 0.0
        c0 = time.process_time()
        t = time.perf_counter()
        res = ds.run_detection(plan, peaks, {})
        wall, cpu = time.perf_counter() - t, time.process_time() - c0
        sig = sum(p.confidence for p in res.support)
        out.setdefault(kind, []).append({"wall": wall, "cpu": cpu, "forward": TN[0], "points": len(res.points),
                                         "support": len(res.support), "support_confidence_sum": sig})
        print(kind, rep, f"wall {wall:.2f} cpu {cpu:.2f} forward {TN[0]:.2f} points {len(res.points)} "
              f"support {len(res.support)} sum {sig:.4f}", flush=True)
json.dump(out, open(sys.argv[3], "w"), indent=1)
