"""Detection stage A/B in one fresh process: the heatmap decoding (sigmoid, flip average, 3x3
maximum, top-k; their time is recorded as "decode") on one torch thread (rams.detection.detector._DECODE_ONE_THREAD True) against on
the network's two, alternating ABBA, on the cascade peaks of the 0.25 km2 benchmark flight.

Usage: python benchmarks/results/stop51/decode_one_thread_ab.py N OUT.json
(peaks from /tmp/s50/peaks.pkl, made by benchmarks/results/stop50/cascade_peaks.py)."""
import json
import pickle
import sys
import time
from pathlib import Path

from rams.orchestration.memory import tune_allocator

tune_allocator()
import rams.detection.detector as dt  # noqa: E402
import rams.detection.inference_modes as im  # noqa: E402
import rams.orchestration.detect_stage as ds  # noqa: E402
from rams.config import load_config  # noqa: E402
from rams.orchestration.plan import build_plan  # noqa: E402

TN = [0.0]
forward = im.Int8Forward.__call__


def timed(self, x):
    t = time.perf_counter()
    try:
        return forward(self, x)
    finally:
        TN[0] += time.perf_counter() - t


im.Int8Forward.__call__ = timed
TD = [0.0]
flip_average, decode = dt.Detector._flip_average, dt.decode


def timed_decode(*a, **k):
    t = time.perf_counter()
    try:
        return decode(*a, **k)
    finally:
        TD[0] += time.perf_counter() - t


def timed_flip_average(*a, **k):
    t = time.perf_counter()
    try:
        return flip_average(*a, **k)
    finally:
        TD[0] += time.perf_counter() - t


dt.decode = timed_decode
dt.Detector._flip_average = staticmethod(timed_flip_average)
cfg = load_config(Path("/tmp/bp25/config.yaml"))
plan = build_plan("/tmp/bp25/flight-500m", cfg, checksum=False)
peaks = pickle.load(open("/tmp/s50/peaks.pkl", "rb"))
out: dict = {}
for rep in range(int(sys.argv[1])):
    for kind in ("two_threads", "one_thread") if rep % 2 == 0 else ("one_thread", "two_threads"):
        dt._DECODE_ONE_THREAD = kind == "one_thread"
        TN[0] = TD[0] = 0.0
        c0 = time.process_time()
        t = time.perf_counter()
        res = ds.run_detection(plan, peaks, {})
        wall, cpu = time.perf_counter() - t, time.process_time() - c0
        sig = sum(p.confidence for p in res.support)
        out.setdefault(kind, []).append({"wall": wall, "cpu": cpu, "forward": TN[0], "decode": TD[0], "points": len(res.points),
                                         "support": len(res.support), "support_confidence_sum": sig})
        print(kind, rep, f"wall {wall:.2f} cpu {cpu:.2f} forward {TN[0]:.2f} decode {TD[0]:.2f} points {len(res.points)} "
              f"support {len(res.support)} sum {sig:.4f}", flush=True)
json.dump(out, open(sys.argv[2], "w"), indent=1)
