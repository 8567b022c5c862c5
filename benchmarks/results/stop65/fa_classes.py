"""What the CNN's false alarms lie on: nearest truth object (any kind) within 0.3 m."""
import sys, json
from collections import Counter
from pathlib import Path
import numpy as np, rasterio, torch
sys.path.insert(0, "benchmarks")
torch.set_num_threads(1)
from bench_rgb_synth import scan
from rams.detection.detector import load_detector
from rams.detection.flight_tiles import read_truth_points
from rams.evaluation.flight import match_points
model, thr = sys.argv[1], float(sys.argv[2])
det = load_detector(model)
tot = Counter()
for seed in sys.argv[3:]:
    fl = Path(f"/tmp/rams_bench_rgb_palmyra-sand_s{seed}_40m_0.5cm")
    s = scan(fl, det)
    keep = s["score"] >= thr
    xy = s["xy"][keep]
    with rasterio.open(fl / "rgb.tif") as src:
        truth = read_truth_points(fl, src.crs)
    mines = s["mines"]
    m = match_points(xy, mines, 0.5) if len(xy) and len(mines) else None
    txy = np.array([[p["x_m"], p["y_m"]] for p in truth])
    for i, p in enumerate(xy):
        d = np.hypot(*(txy - p).T)
        j = int(np.argmin(d))
        near = truth[j]
        if near["kind"] == "mine" and d[j] <= 0.5:
            continue
        tot[(near["class"] if d[j] <= 0.3 else "ground")] += 1
    print(seed, dict(tot), flush=True)
print(model, thr, dict(tot))
