import pickle, sys, time, os, json
from pathlib import Path
from rams.orchestration.memory import tune_allocator; tune_allocator()
from rams.config import load_config
from rams.orchestration.plan import build_plan
import rams.orchestration.detect_stage as ds
import rams.detection.detector as dt
import rams.detection.inference_modes as im
TN = [0.0]
f = im.Int8Forward.__call__
def g(self, x):
    t = time.perf_counter()
    try: return f(self, x)
    finally: TN[0] += time.perf_counter() - t
im.Int8Forward.__call__ = g
real = dt.Detector.input_quantisation
cfg = load_config(Path("/tmp/bp25/config.yaml"))
plan = build_plan("/tmp/bp25/flight-500m", cfg, checksum=False)
peaks = pickle.load(open("/tmp/s50/peaks.pkl", "rb"))
out = {}
for rep in range(int(sys.argv[1])):
    for kind in ("float", "quant") if rep % 2 == 0 else ("quant", "float"):
        dt.Detector.input_quantisation = real if kind == "quant" else property(lambda self: None)
        TN[0] = 0.0
        c0 = time.process_time(); t = time.perf_counter()
        res = ds.run_detection(plan, peaks, {})
        wall = time.perf_counter() - t; cpu = time.process_time() - c0
        out.setdefault(kind, []).append({"wall": wall, "cpu": cpu, "forward": TN[0], "points": len(res.points),
                                         "support": len(res.support), "sig": sum(p.confidence for p in res.support)})
        print(kind, rep, f"wall {wall:.2f} cpu {cpu:.2f} forward {TN[0]:.2f} points {len(res.points)} support {len(res.support)} sum {out[kind][-1]['sig']:.4f}", flush=True)
json.dump(out, open(sys.argv[2], "w"), indent=1)
