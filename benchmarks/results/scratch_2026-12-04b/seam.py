import sys, tempfile, numpy as np, rasterio
from pathlib import Path
from rams.config import load_config
from rams.orchestration.plan import build_plan
from rams.orchestration.pipeline import run_anomaly_stage
from rams.orchestration.assemble import assemble_anomaly
from rams.orchestration.executor import LocalExecutor
def score(flight, tile_px, gsd):
    cfg = load_config(overrides={"grid": {"gsd_m": gsd}, "tiles": {"tile_px": tile_px}})
    plan = build_plan(flight, cfg, checksum=False)
    work = Path(tempfile.mkdtemp())
    files = run_anomaly_stage(plan, LocalExecutor(1), work / "tiles")
    assemble_anomaly(plan, files, work / "a.tif")
    with rasterio.open(work / "a.tif") as src:
        return src.read(1), plan
flight = Path(sys.argv[1]); gsd = float(sys.argv[2])
a, plan = score(flight, 256, gsd); b, _ = score(flight, 4096, gsd)
print('grid', a.shape, 'tiles halo', plan.tiles[0].read, plan.tiles[0].core)
d = np.abs(a - b); d[np.isnan(d)] = 0
r, c = np.indices(d.shape)
seam = (np.minimum(r % 256, 256 - r % 256) <= 40) | (np.minimum(c % 256, 256 - c % 256) <= 40)
print(f'max diff at seams {d[seam].max():.3f}, elsewhere {d[~seam].max():.3f}; >0.1 at seams {(d[seam]>0.1).sum()} elsewhere {(d[~seam]>0.1).sum()}')
