import time, numpy as np, torch
from rams.orchestration.memory import tune_allocator; tune_allocator()
from rams.detection import load_detector
from rams.detection import centernet
m = load_detector(None, sensor="rgb", precision="auto")
print(m.inference_mode.to_dict())
rng = np.random.default_rng(0)
from rasterio.windows import Window
import rasterio
with rasterio.open('/tmp/bp25/flight-500m/rgb.tif') as s:
    img = s.read([1,2,3], window=Window(40000, 40000, 896, 896))
valid = np.ones(img.shape[1:], bool)
imgs, val = img[None], valid[None]
T = {}
def tm(name, f, *a, **k):
    t = time.perf_counter(); r = f(*a, **k); T[name] = T.get(name, 0) + time.perf_counter() - t; return r
for i in range(40):
    x = tm("input", m.network_batch, imgs, val, quantised=True)
    b = x.shape[0] // 3
    out = tm("network", m.run_network, x)
    logits, size, offset = out
    def avg():
        prob = torch.sigmoid(logits)
        return (prob[:b] + prob[b:2 * b].flip(3) + prob[2 * b:].flip(2)) / 3
    heat = tm("flipavg", avg)
    dets = tm("decode", centernet.decode, (heat, size[:b], offset[:b]), top_k=100, min_score=0.05, probabilities=True)
    tm("predict", m.predict, imgs, val, min_score=0.05)
print({k: round(v / 40 * 1e3, 2) for k, v in T.items()}, "ms per call; shapes", tuple(x.shape), tuple(logits.shape), logits.dtype, logits.is_contiguous(), logits.is_contiguous(memory_format=torch.channels_last))
