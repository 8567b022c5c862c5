import sys,time,pickle,os
from pathlib import Path
os.environ.setdefault("RAMS_CACHE_DIR","/tmp/bp25/rams-cache")
from rams.config import load_config
from rams.orchestration.plan import build_plan
import rams.orchestration.detect_stage as ds
from rams.grid.reader import GridReader
cfg=load_config(Path('/tmp/bp25/config.yaml'))
peaks=pickle.load(open('/tmp/peaks_full.pkl','rb'))
mode=sys.argv[1]
if mode=='st':
    def GR(*a,**k):
        k['decode_threads']=None; return GridReader(*a,**k)
    ds.GridReader=GR
plan=build_plan(Path('/tmp/bp25/flight-500m'),cfg,checksum=False)
rec={}
t=time.perf_counter(); out=ds.run_detection(plan,peaks,rec); dt=time.perf_counter()-t
print(mode,'detection %.1f s'%dt,len(out.points),rec.get('inference',{}).get('mode') if isinstance(rec.get('inference'),dict) else rec.get('inference'),flush=True)
plan.close()
