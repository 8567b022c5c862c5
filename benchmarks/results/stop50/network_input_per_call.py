import time, numpy as np, torch, statistics, sys
from rams.orchestration.memory import tune_allocator; tune_allocator()
from rams.detection.detector import load_detector
m = load_detector(None, sensor="rgb", precision="auto")
print(m.inference_mode.mode, m.inference_mode.engine, m.input_quantisation)
rng = np.random.default_rng(0)
for side in (1024, 640):
    img = rng.integers(0, 255, (1, 3, side, side), dtype=np.uint8)
    valid = np.ones((1, side, side), bool)
    res = {"float": [], "quant": [], "float_prep": [], "quant_prep": []}
    for r in range(int(sys.argv[1]) if len(sys.argv) > 1 else 20):
        for kind in ("float", "quant"):
            t0 = time.perf_counter()
            x = m.network_batch(img, valid, quantised=(kind == "quant"))
            t1 = time.perf_counter()
            m.run_network(x)
            t2 = time.perf_counter()
            res[kind].append(t2 - t0); res[kind + "_prep"].append(t1 - t0)
    print(side, {k: round(statistics.median(v) * 1e3, 2) for k, v in res.items()})
