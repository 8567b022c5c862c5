import pickle, time, numpy as np, rasterio, os
from pathlib import Path
from rasterio.windows import Window
from rams.config import load_config
from rams.orchestration.plan import build_plan
from rams.orchestration.detect_stage import detector_grid
from rams.detection import cascade_windows
from rams.tiles.windows import slice_window
from rams.detection.sliced import _PAD_STEP_PX
cfg = load_config(Path("/tmp/bp25/config.yaml"))
plan = build_plan("/tmp/bp25/flight-500m", cfg, checksum=False)
peaks = pickle.load(open("/tmp/s50/peaks.pkl", "rb"))
grid = detector_grid(plan, "rgb")
d = cfg.detection
wins = cascade_windows([(p.x_m, p.y_m) for p in peaks], grid.transform, grid.width, grid.height, window_m=d.cascade_window_m)
tiles = [t for a in wins for t in slice_window(a, d.tile_px, d.overlap_px)]
tiles.sort(key=lambda t: (-(-max(t.height, t.width) // _PAD_STEP_PX), t.row_off, t.col_off))
print(len(wins), len(tiles), "tile Mpx", sum(t.width*t.height for t in tiles)/1e6)
blocks = []
for t in tiles:
    for br in range(int(t.row_off)//512, (int(t.row_off+t.height)-1)//512+1):
        for bc in range(int(t.col_off)//512, (int(t.col_off+t.width)-1)//512+1):
            blocks.append((br, bc))
print("block touches", len(blocks), "unique", len(set(blocks)))
src = rasterio.open("/tmp/bp25/flight-500m/rgb.tif")
t0 = time.perf_counter()
for t in tiles: a = src.read([1,2,3,4], window=t)
print("read 4 bands", time.perf_counter()-t0)
src2 = rasterio.open("/tmp/bp25/flight-500m/rgb.tif")
t0 = time.perf_counter()
for (br, bc) in sorted(set(blocks)): a = src2.read([1,2,3,4], window=Window(bc*512, br*512, 512, 512))
print("unique blocks once", time.perf_counter()-t0)
t0 = time.perf_counter()
for t in tiles: a = src.read([1,2,3,4], window=t)
print("read 4 bands again", time.perf_counter()-t0)
