import json,glob,sys
import numpy as np
from pyproj import Transformer
rows=[]
for out in sorted(glob.glob(sys.argv[1]+'/out-flight-*')):
    fl=out.replace('out-','')
    truth=json.load(open(fl+'/truth.geojson'))
    c=[f for f in truth['features'] if f['geometry']['type']=='Point'][0]['geometry']['coordinates']
    T=Transformer.from_crs(4326,32600+int((c[0]+180)//6)+1,always_xy=True)
    pts=[]
    for fn in ['detections.geojson','candidates_low.geojson']:
        for f in json.load(open(out+'/'+fn))['features']:
            x,y=T.transform(*f['geometry']['coordinates'][:2]); pts.append((x,y,f['properties']))
    P=np.array([[a,b] for a,b,_ in pts])
    for f in truth['features']:
        p=f['properties']
        if p.get('kind')!='mine': continue
        x,y=T.transform(*f['geometry']['coordinates'][:2]); d=np.hypot(P[:,0]-x,P[:,1]-y); i=int(np.argmin(d))
        q=pts[i][2]
        rows.append((p['class'], d[i]<=0.5, q.get('probability'), q.get('f_cnn_support'), q.get('f_cnn_score'), q.get('detector')))
import collections
for cls in ['PFM-1','PMN-2','TM-62','OZM-72']:
    r=[x for x in rows if x[0]==cls]
    if not r: continue
    sup=np.array([x[3] if x[1] else 0 for x in r]); pr=np.array([x[2] if x[1] else 0 for x in r])
    print(cls,len(r),'with point',sum(x[1] for x in r),'cnn_support>=0.3',int((sup>=0.3).sum()),'>=0.55',int((sup>=0.55).sum()),'prob>=0.5',int((pr>=0.5).sum()),'median support',round(float(np.median(sup)),3), collections.Counter(x[5] for x in r if x[1]))
