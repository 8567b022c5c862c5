import pickle, sys, time
from pathlib import Path
from rams.config import load_config
from rams.orchestration.plan import build_plan
from rams.orchestration.executor import LocalExecutor
from rams.orchestration.pipeline import run_anomaly_stage
from rams.orchestration.assemble import assemble_anomaly_deferred
cfg = load_config(Path("/tmp/bp25/config.yaml"))
plan = build_plan("/tmp/bp25/flight-500m", cfg, checksum=False)
ex = LocalExecutor(cfg.execution.workers)
t = time.perf_counter()
files = run_anomaly_stage(plan, ex, Path("/tmp/s50/tiles"))
peaks, pending = assemble_anomaly_deferred(plan, files, Path("/tmp/s50/anomaly.tif"))
pending.discard()
print("anomaly", time.perf_counter() - t, len(peaks))
pickle.dump(peaks, open("/tmp/s50/peaks.pkl", "wb"))
