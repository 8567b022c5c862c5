import json,glob,sys,collections
import numpy as np
from pyproj import Transformer
cnt=collections.Counter(); supp=collections.defaultdict(list); allc=collections.Counter()
for out in sorted(glob.glob(sys.argv[1]+'/out-*')):
    fl=out.replace('out-','')
    truth=json.load(open(fl+'/truth.geojson'))
    c=[f for f in truth['features'] if f['geometry']['type']=='Point'][0]['geometry']['coordinates']
    T=Transformer.from_crs(4326,32600+int((c[0]+180)//6)+1,always_xy=True)
    tp=[(T.transform(*f['geometry']['coordinates'][:2]),f['properties']) for f in truth['features'] if f['geometry']['type']=='Point']
    TX=np.array([a for a,_ in tp]); 
    for fn in ['detections.geojson','candidates_low.geojson']:
        for f in json.load(open(out+'/'+fn))['features']:
            x,y=T.transform(*f['geometry']['coordinates'][:2]); q=f['properties']
            d=np.hypot(TX[:,0]-x,TX[:,1]-y); i=int(np.argmin(d))
            cls=tp[i][1].get('class') if d[i]<=0.5 else 'none'
            if tp[i][1].get('kind')=='mine' and d[i]<=0.5: continue
            allc[cls]+=1
            s=q.get('f_cnn_support') or 0
            supp[cls].append(s)
            if (q.get('probability') or 0)>=0.5: cnt[cls]+=1
print('false mine-layer points by nearest object', dict(cnt))
for k,v in sorted(supp.items(), key=lambda kv:-len(kv[1]))[:8]:
    v=np.array(v); print(k,len(v),'support>=0.3',int((v>=0.3).sum()),'>=0.55',int((v>=0.55).sum()))
