import sys, time, os, tempfile, shutil
from pathlib import Path
from rams.config import PipelineConfig
from rams.orchestration.plan import build_plan
from rams.orchestration.pipeline import run_anomaly_stage, _warm_up_anomaly
from rams.orchestration.assemble import assemble_anomaly_deferred
from rams.orchestration.executor import LocalExecutor
flight = Path(sys.argv[1]); reps = int(sys.argv[2])
cfg = PipelineConfig(); _warm_up_anomaly(cfg)
out = []
for r in range(reps):
    plan = build_plan(flight, cfg, checksum=False)  # fresh readers: cold GDAL block cache, as in a run
    ex = LocalExecutor(cfg.execution.workers)
    work = Path(tempfile.mkdtemp(dir='/tmp/s36'))
    t0 = time.perf_counter()
    files = run_anomaly_stage(plan, ex, work / 'tiles')
    t1 = time.perf_counter()
    peaks, pending = assemble_anomaly_deferred(plan, files, work / 'anomaly.tif')
    t2 = time.perf_counter(); pending.finish(); t3 = time.perf_counter()
    out.append(t2 - t0)
    print(f"tiles {t1-t0:.3f} assemble {t2-t1:.3f} cog {t3-t2:.3f} peaks {len(peaks)}", flush=True)
    shutil.rmtree(work); plan.close()
import statistics; print('median tiles+assemble', round(statistics.median(out), 3))
