import pickle, time, sys
from pathlib import Path
from rams.orchestration.memory import tune_allocator; tune_allocator()
import rams.detection.inference_modes as im
import rams.orchestration.detect_stage as ds
import rams.detection.detector as dt
from rams.detection import sliced
from rams.config import load_config
from rams.orchestration.plan import build_plan
T = {"forward": 0.0, "predict": 0.0, "readmap": 0.0, "load_cpu_threads": 0.0}
fwd = im.Int8Forward.__call__
def timed(self, x):
    t = time.perf_counter()
    try: return fwd(self, x)
    finally: T["forward"] += time.perf_counter() - t
im.Int8Forward.__call__ = timed
pred = dt.Detector.predict
def tpred(self, *a, **k):
    t = time.perf_counter()
    try: return pred(self, *a, **k)
    finally: T["predict"] += time.perf_counter() - t
dt.Detector.predict = tpred
from concurrent.futures import ThreadPoolExecutor
orig_map = ThreadPoolExecutor.map
def tmap(self, fn, *its, **k):
    t = time.perf_counter()
    r = list(orig_map(self, fn, *its, **k))
    T["readmap"] += time.perf_counter() - t
    return iter(r)
ThreadPoolExecutor.map = tmap
cfg = load_config(Path("/tmp/bp25/config.yaml"))
plan = build_plan("/tmp/bp25/flight-500m", cfg, checksum=False)
peaks = pickle.load(open("/tmp/s50/peaks.pkl", "rb"))
for rep in range(2):
    for k in T: T[k] = 0.0
    t = time.perf_counter()
    res = ds.run_detection(plan, peaks, {})
    wall = time.perf_counter() - t
    print(rep, f"wall {wall:.2f}", {k: round(v, 2) for k, v in T.items()}, "predict-forward", round(T["predict"] - T["forward"], 2), "rest", round(wall - T["predict"] - T["readmap"], 2), flush=True)
