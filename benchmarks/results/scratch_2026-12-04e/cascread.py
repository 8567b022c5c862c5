import sys,time,pickle,os
from pathlib import Path
import numpy as np
from rams.config import load_config
from rams.orchestration.plan import build_plan
from rams.orchestration.detect_stage import detector_grid, model_input
from rams.detection import cascade_windows
from rams.tiles.windows import slice_window
from rams.grid.reader import GridReader
cfg=load_config(Path('/tmp/bp25/config.yaml'))
plan=build_plan(Path('/tmp/bp25/flight-500m'),cfg,checksum=False)
peaks=pickle.load(open('/tmp/peaks.pkl','rb'))
d=cfg.detection
grid=detector_grid(plan,d.sensor)
wins=cascade_windows(peaks,grid.transform,grid.width,grid.height,window_m=d.cascade_window_m)
tiles=[t for a in wins for t in slice_window(a,d.tile_px,d.overlap_px)]
tiles.sort(key=lambda t: (-(-max(t.height, t.width) // 128), t.row_off, t.col_off))
print(len(tiles), 'tiles', sum(t.width*t.height for t in tiles)/1e6,'Mpx')
for mode in sys.argv[1:]:
    r=GridReader(plan.flight.rasters[d.sensor],grid,decode_threads=None if mode=='st' else 'ALL_CPUS')
    read=model_input(r,d.sensor)
    t=time.perf_counter()
    for w in tiles: read(w)
    print(mode, round(time.perf_counter()-t,2), flush=True)
    r.close()
