import sys, time, json, shutil
from pathlib import Path
from rams.config import PipelineConfig
from rams.orchestration.memory import tune_allocator; tune_allocator()
from rams.orchestration.plan import build_plan
from rams.orchestration.pipeline import run_anomaly_stage, _warm_up_anomaly
from rams.orchestration.assemble import assemble_anomaly_deferred
from rams.orchestration.executor import LocalExecutor
import rams; print(rams.__file__)
cfg = PipelineConfig(); _warm_up_anomaly(cfg)
plan = build_plan(Path(sys.argv[1]), cfg, checksum=False)
work = Path(sys.argv[2]); shutil.rmtree(work, ignore_errors=True)
t0=time.perf_counter()
files = run_anomaly_stage(plan, LocalExecutor(2), work / 'tiles')
t1=time.perf_counter()
peaks, pending = assemble_anomaly_deferred(plan, files, work / 'anomaly.tif')
t2=time.perf_counter()
pending.finish()
print(f'tiles {t1-t0:.2f} assemble {t2-t1:.2f}')
json.dump([[p.x_m, p.y_m, p.extra['score'], p.extra['evidence']] for p in peaks], open(work/'peaks.json','w'))
