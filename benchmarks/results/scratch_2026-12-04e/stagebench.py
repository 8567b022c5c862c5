import os,sys,time,shutil,json
from pathlib import Path
from rams.config import load_config
from rams.orchestration.plan import build_plan
from rams.orchestration.executor import LocalExecutor
from rams.orchestration.pipeline import run_anomaly_stage
from rams.orchestration.assemble import assemble_anomaly_deferred
from rams.anomaly.warm import warm_up
if os.environ.get("TORCH"): import rams.detection.detector, torch; print("torch", torch.get_num_threads())
cfg=load_config(Path('/tmp/bp25/config.yaml'))
a=cfg.anomaly
warm_up(a.detector,a.backend,a.inner_px,a.outer_px)
out={}
for rep in range(int(sys.argv[2]) if len(sys.argv)>2 else 2):
    plan=build_plan(Path('/tmp/bp25/flight-500m'),cfg,checksum=False)
    work=Path('/tmp/stagework'); shutil.rmtree(work,ignore_errors=True); work.mkdir()
    ex=LocalExecutor(int(os.environ.get("W","0")))
    t=time.perf_counter()
    files=run_anomaly_stage(plan,ex,work/'tiles')
    t1=time.perf_counter()
    peaks,pending=assemble_anomaly_deferred(plan,files,work/'anomaly.tif')
    t2=time.perf_counter()
    pending.finish()
    t3=time.perf_counter()
    plan.close()
    print(sys.argv[1], 'tiles %.2f assemble %.2f cog %.2f peaks %d'%(t1-t,t2-t1,t3-t2,len(peaks)), flush=True)
    import hashlib
    h=hashlib.sha1(json.dumps([(p.x_m,p.y_m,p.extra['score'],p.extra['evidence']) for p in peaks]).encode()).hexdigest()[:12]
    print('peaks hash',h)
import pickle
pickle.dump([(p.x_m,p.y_m) for p in peaks], open("/tmp/peaks.pkl","wb")); pickle.dump(peaks, open("/tmp/peaks_full.pkl","wb"))
