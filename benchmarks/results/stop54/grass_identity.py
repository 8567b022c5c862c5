"""Stop 54 review: the blade-box version of grass_occlusion (8802923) against the whole-crop version
(6768c5d): same outputs and generator state on random crops, and the time of each.

    python benchmarks/results/stop54/grass_identity.py   (run in the repository)
"""
import importlib.util
import subprocess
import tempfile
import time

import numpy as np

from rams.detection.augment import grass_occlusion as new

src_old = subprocess.run(["git", "show", "6768c5d:rams/detection/augment.py"], capture_output=True, text=True,
                         check=True).stdout
with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    f.write(src_old)
spec = importlib.util.spec_from_file_location("augment_old", f.name)
assert spec is not None and spec.loader is not None
old = importlib.util.module_from_spec(spec)
spec.loader.exec_module(old)

gen = np.random.default_rng(1)
maxdiff, same, t_old, t_new, n = 0.0, True, 0.0, 0.0, 1000
for seed in range(n):
    x = gen.uniform(0, 255, (3, 128, 128)).astype(np.float32)
    k = int(gen.integers(0, 5))
    b = []
    for _ in range(k):
        x0, y0 = gen.uniform(-10, 125, 2)
        b.append([x0, y0, x0 + gen.uniform(2, 40), y0 + gen.uniform(2, 40)])
    boxes = np.clip(np.array(b, np.float32).reshape(-1, 4), 0, 128)
    classes = gen.integers(-1, 2, k)
    r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
    a = time.perf_counter()
    o1 = old.grass_occlusion(x, boxes, classes, r1, 1.0)
    t_old += time.perf_counter() - a
    a = time.perf_counter()
    o2 = new(x, boxes, classes, r2, 1.0)
    t_new += time.perf_counter() - a
    maxdiff = max(maxdiff, float(np.abs(o1 - o2).max()))
    same &= r1.bit_generator.state == r2.bit_generator.state
print(f"{n} crops: max abs difference {maxdiff}, same generator state {same}, "
      f"whole-crop {1000 * t_old / n:.2f} ms, blade-box {1000 * t_new / n:.2f} ms per crop")
