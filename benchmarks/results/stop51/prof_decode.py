"""Decode and flip-average parts on random heatmaps of 160, 224 and 256 cells (640, 896, 1024 px windows), ms per call, idle machine; stop 51 printed at 224: max-pool 0.20, product 0.22, top-k 0.95, whole decode 1.43; flip average 0.56, in place 0.42."""
import time, torch
from rams.detection.centernet import max_pool_3x3, decode
torch.manual_seed(0)
for side in (160, 224, 256):
    heat = torch.rand(1, 4, side, side) ** 8
    size = torch.randn(1, 2, side, side); off = torch.rand(1, 2, side, side)
    T = {}
    def tm(n, f, *a, **k):
        t = time.perf_counter(); r = f(*a, **k); T[n] = T.get(n, 0) + time.perf_counter() - t; return r
    for _ in range(200):
        mp = tm("maxpool", max_pool_3x3, heat)
        pk = tm("mul", lambda: heat * (mp == heat))
        tm("topk", lambda: pk.reshape(1, -1).topk(100))
        tm("decode", decode, (heat, size, off), top_k=100, min_score=0.05, probabilities=True)
        l3 = torch.randn(3, 4, side, side)
        tm("flipavg", lambda: (lambda p: (p[:1] + p[1:2].flip(3) + p[2:].flip(2)) / 3)(torch.sigmoid(l3)))
        tm("flipavg_inplace", lambda: (lambda p: p[:1].add_(p[1:2].flip(3)).add_(p[2:].flip(2)).div_(3))(torch.sigmoid(l3)))
    print(side, {k: round(v / 200 * 1e3, 3) for k, v in T.items()}, "ms")
print(torch.get_num_threads())
