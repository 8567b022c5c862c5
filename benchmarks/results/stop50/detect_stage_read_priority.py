import pickle, sys, time, collections, os
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from rams.orchestration.memory import tune_allocator; tune_allocator()
from rams.config import load_config
from rams.orchestration.plan import build_plan
import rams.orchestration.detect_stage as ds
import rams.detection.sliced as sl
import rams.detection.detector as dt
import rams.grid.reader as gr
T = collections.defaultdict(float); N = collections.Counter()
def wrap(mod, name, key=None):
    f = getattr(mod, name); key = key or name
    def g(*a, **k):
        t = time.perf_counter()
        try: return f(*a, **k)
        finally: T[key] += time.perf_counter() - t; N[key] += 1
    setattr(mod, name, g)
wrap(gr.GridReader, "read", "reader.read")
wrap(dt.Detector, "network_batch"); wrap(dt.Detector, "run_network"); wrap(dt, "decode")
def idle():
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
def nice():
    os.setpriority(os.PRIO_PROCESS, 0, 19)
class TPE(ThreadPoolExecutor):
    def __init__(self, *a, **k):
        super().__init__(*a, initializer=MODE, **k)
cfg = load_config(Path("/tmp/bp25/config.yaml"))
plan = build_plan("/tmp/bp25/flight-500m", cfg, checksum=False)
peaks = pickle.load(open("/tmp/s50/peaks.pkl", "rb"))
orig = sl.ThreadPoolExecutor
for mode in sys.argv[1:]:
    MODE = {"idle": idle, "nice": nice}.get(mode)
    sl.ThreadPoolExecutor = TPE if MODE else orig
    T.clear(); N.clear()
    c0 = time.process_time(); t = time.perf_counter()
    out = ds.run_detection(plan, peaks, {})
    wall = time.perf_counter() - t; cpu = time.process_time() - c0
    print(f"{mode}: wall {wall:.2f} cpu {cpu:.2f} points {len(out.points)} support {len(out.support)} " + " ".join(f"{k} {T[k]:.2f}" for k in T), flush=True)
