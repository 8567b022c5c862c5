import pickle, sys, time, threading, collections, os, resource
from pathlib import Path
import numpy as np
from rams.config import load_config
from rams.orchestration.plan import build_plan
import rams.orchestration.detect_stage as ds
import rams.detection.sliced as sl
import rams.detection.detector as dt
import rams.grid.reader as gr
T = collections.defaultdict(float); N = collections.Counter()
def wrap(mod, name, key=None):
    f = getattr(mod, name); key = key or name
    def g(*a, **k):
        t = time.perf_counter()
        try: return f(*a, **k)
        finally: T[key] += time.perf_counter() - t; N[key] += 1
    setattr(mod, name, g)
wrap(sl, "_prepare"); wrap(sl, "_collect"); wrap(sl, "merge_detections")
wrap(gr.GridReader, "read", "reader.read")
wrap(dt.Detector, "network_batch"); wrap(dt.Detector, "run_network"); wrap(dt, "decode")
wrap(dt.Detector, "predict")
from rams.orchestration.memory import tune_allocator; tune_allocator()
cfg = load_config(Path("/tmp/bp25/config.yaml"))
plan = build_plan("/tmp/bp25/flight-500m", cfg, checksum=False)
peaks = pickle.load(open("/tmp/s50/peaks.pkl", "rb"))
for rep in range(int(sys.argv[1]) if len(sys.argv) > 1 else 1):
    T.clear(); N.clear()
    c0 = time.process_time(); t = time.perf_counter()
    out = ds.run_detection(plan, peaks, {})
    wall = time.perf_counter() - t; cpu = time.process_time() - c0
    print(f"rep {rep}: wall {wall:.2f} cpu {cpu:.2f} points {len(out.points)} support {len(out.support)}")
    for k in T: print(f"  {k:20s} {T[k]:7.2f} s  n={N[k]}")
