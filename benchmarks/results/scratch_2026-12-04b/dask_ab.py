import sys, time, tempfile, shutil
from pathlib import Path
import rams.orchestration.executor as E
from rams.config import PipelineConfig
from rams.orchestration.plan import build_plan
from rams.orchestration.pipeline import run_anomaly_stage
if __name__ == '__main__':
    cfg = PipelineConfig()
    ex = E.DaskExecutor(workers=2)
    try:
        for runs in (1000, 4, 1000, 4):
            E.DASK_RUNS_PER_THREAD = runs
            plan = build_plan(Path(sys.argv[1]), cfg, checksum=False)
            work = Path(tempfile.mkdtemp(dir='/tmp/s37'))
            t0 = time.perf_counter()
            run_anomaly_stage(plan, ex, work / 'tiles')
            print('runs per thread', runs, 'tiles wall', round(time.perf_counter() - t0, 2), flush=True)
            shutil.rmtree(work); plan.close()
    finally:
        ex.close()
