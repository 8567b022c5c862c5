"""CPU-seconds breakdown of the anomaly stage: FLIGHT [WORKERS]. One worker (default): numba 1 thread,
as stop 36 ran it; more: numba's own threads and the pipeline's allocator settings, as stop 37 ran it."""
import sys, time, os, tempfile, shutil, collections, functools
from pathlib import Path
import numba
WORKERS = int(sys.argv[2]) if len(sys.argv) > 2 else 1
if WORKERS == 1:
    numba.set_num_threads(1)
from rams.config import PipelineConfig
from rams.orchestration.memory import tune_allocator
if WORKERS > 1:
    tune_allocator()
from rams.orchestration.plan import build_plan
from rams.orchestration.pipeline import run_anomaly_stage, _warm_up_anomaly
from rams.orchestration.assemble import assemble_anomaly_deferred
from rams.orchestration.executor import LocalExecutor
import rams.orchestration.tile_tasks as TT, rams.fusion.cube as C, rams.grid.reader as R, rams.anomaly as A, rams.fusion.evidence as E
acc = collections.Counter()
def wrap(mod, name, label):
    f = getattr(mod, name)
    @functools.wraps(f)
    def g(*a, **k):
        t = time.thread_time(); w = time.perf_counter()
        try: return f(*a, **k)
        finally:
            acc[label] += time.thread_time() - t; acc[label + ' wall'] += time.perf_counter() - w
    setattr(mod, name, g)
wrap(TT, 'fuse_window', 'fuse (all)')
wrap(R.GridReader, 'read', 'reader.read')
wrap(C, 'local_contrast', 'thermal local_contrast')
wrap(TT.anomaly, 'rx_local', 'rx_local')
wrap(TT.anomaly, 'capped_chi2_log10_pfa', 'chi2')
wrap(TT, 'evidence_bits', 'evidence'); wrap(TT.anomaly, 'local_maxima', 'peaks')
wrap(TT.np, 'savez', 'savez')
wrap(TT, 'score_tile', 'score_tile')
flight = Path(sys.argv[1])
cfg = PipelineConfig()
_warm_up_anomaly(cfg)
plan = build_plan(flight, cfg, checksum=False)
ex = LocalExecutor(WORKERS)
for r in range(2):
    acc.clear()
    work = Path(tempfile.mkdtemp())
    t0 = time.perf_counter(); c0 = time.thread_time()
    files = run_anomaly_stage(plan, ex, work / 'tiles')
    t1 = time.perf_counter(); c1 = time.thread_time()
    peaks, pending = assemble_anomaly_deferred(plan, files, work / 'anomaly.tif')
    t2 = time.perf_counter(); c2 = time.thread_time()
    pending.finish()
    t3 = time.perf_counter()
    print(f"run {r}: tiles wall {t1-t0:.2f} cpu {c1-c0:.2f} | assemble wall {t2-t1:.2f} cpu {c2-c1:.2f} | cog {t3-t2:.2f}")
    for k, v in sorted(acc.items()):
        if not k.endswith('wall'): print(f"   {k:26s} cpu {v:6.3f}  wall {acc[k+' wall']:6.3f}")
    shutil.rmtree(work)
plan.close()
