import time, cProfile, pstats, sys
from pathlib import Path
from rams.detection.sources import read_sources_file, load_source
data = read_sources_file("configs/training/rams_rgb_lite0.yaml")
specs = data["sources"]
names = ["PFM-1", "PMN-2", "OZM-72", "TM-62"]
which = sys.argv[1:]
for i, spec in enumerate(specs):
    if which and str(i) not in which: continue
    t=time.perf_counter()
    pr = cProfile.Profile(); pr.enable()
    src = load_source(spec, names, working_gsd_m=0.005, tile_px=128, seed=0)
    pr.disable()
    print(i, spec.description, spec.resolved_kind(), len(src.train), len(src.select), round(time.perf_counter()-t,1), "s", flush=True)
    if i in (0,1):
        pstats.Stats(pr).sort_stats("cumulative").print_stats(18)
