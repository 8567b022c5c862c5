import sys, time
from pathlib import Path
import numpy as np, rasterio
from rasterio.windows import Window
from rams.config import PipelineConfig
from rams.orchestration.plan import build_plan
flight = Path(sys.argv[1]); mode = sys.argv[2]
cfg = PipelineConfig()
plan = build_plan(flight, cfg, checksum=False)
ms = plan.readers[sys.argv[3] if len(sys.argv) > 3 else 'multispectral']
path = ms.path
t0 = time.thread_time()
if mode == 'whole':
    with rasterio.open(path) as src:
        for r in range(0, src.height, 512):
            for c in range(0, src.width, 512):
                src.read(window=Window(c, r, min(512, src.width-c), min(512, src.height-r)))
elif mode == 'rawtiles':
    # the tile read windows, straight from the source file with one handle, plan order
    with rasterio.open(path) as src:
        for t in plan.tiles:
            w = t.read
            src.read(window=w, boundless=False) if False else None
    print('skip')
elif mode == 'grid1':
    for t in plan.tiles:
        ms.read(t.read)
elif mode == 'stretch2':
    import pickle
    ms2 = pickle.loads(pickle.dumps(ms))
    n = len(plan.tiles); h = (n + 1) // 2
    order = []
    for i in range(h):
        order.append((ms, plan.tiles[i]))
        if h + i < n: order.append((ms2, plan.tiles[h + i]))
    for r, t in order:
        r.read(t.read)
elif mode == 'halves':
    import pickle
    ms2 = pickle.loads(pickle.dumps(ms))
    n = len(plan.tiles); h = (n + 1) // 2
    for t in plan.tiles[:h]: ms.read(t.read)
    for t in plan.tiles[h:]: ms2.read(t.read)
elif mode == 'grid2':
    import copy, pickle
    ms2 = pickle.loads(pickle.dumps(ms))
    for i, t in enumerate(plan.tiles):
        (ms if i % 2 == 0 else ms2).read(t.read)
print(mode, 'cpu', round(time.thread_time() - t0, 2), 'tiles', len(plan.tiles))
