import pickle, sys, time, os, collections
from pathlib import Path
import numpy as np, torch
from rams.orchestration.memory import tune_allocator; tune_allocator()
from rams.config import load_config
from rams.orchestration.plan import build_plan
import rams.orchestration.detect_stage as ds
import rams.detection.detector as dt
shapes = collections.Counter(); TN = [0.0]
f = dt.Detector.run_network
def g(self, x):
    shapes[tuple(x.shape)] += 1
    t = time.perf_counter()
    try: return f(self, x)
    finally: TN[0] += time.perf_counter() - t
dt.Detector.run_network = g
cfg = load_config(Path("/tmp/bp25/config.yaml"))
plan = build_plan("/tmp/bp25/flight-500m", cfg, checksum=False)
peaks = pickle.load(open("/tmp/s50/peaks.pkl", "rb"))[: int(sys.argv[1])]
c0 = time.process_time(); t = time.perf_counter()
out = ds.run_detection(plan, peaks, {})
wall = time.perf_counter() - t; cpu = time.process_time() - c0
m = dt.load_detector(None, sensor="rgb", precision="auto")
t = time.perf_counter()
for shp, n in shapes.items():
    x = torch.zeros(shp).contiguous(memory_format=torch.channels_last)
    for _ in range(n): f(m, x)
alone = time.perf_counter() - t
print(f"{os.environ.get('TAG')}: det wall {wall:.2f} cpu {cpu:.2f} fwd-in-run {TN[0]:.2f} alone {alone:.2f} ratio {wall/alone:.3f} fwd/alone {TN[0]/alone:.3f} pts {len(out.points)}", flush=True)
