"""Scratch (stop 45): candidate points of two kept runs of one flight matched within 0.3 m, with the nearest truth object.

Usage: python cmp_points.py OUT_A OUT_B TRUTH.geojson  (prints probability, cnn_support, cnn_score, neighbour_evidence,
row_member, density_contrast of A and B for points scored >= 0.3 by either)
"""
import json,sys,glob
import numpy as np
from scipy.spatial import cKDTree
from pyproj import Transformer
T=Transformer.from_crs(4326,32638,always_xy=True)
def load(out):
    pts=[]
    for layer in ('detections','candidates_low'):
        for f in json.load(open(f'{out}/{layer}.geojson'))['features']:
            if f['geometry']['type']!='Point': continue
            x,y=T.transform(*f['geometry']['coordinates'][:2]); pts.append((x,y,f['properties']))
    return pts
a=load(sys.argv[1]); b=load(sys.argv[2])
truth=json.load(open(sys.argv[3]))
objs=[(T.transform(*f['geometry']['coordinates'][:2]), f['properties'].get('class')) for f in truth['features'] if f['geometry']['type']=='Point']
ot=cKDTree(np.array([o[0] for o in objs]))
tb=cKDTree(np.array([(p[0],p[1]) for p in b]))
keys=['probability','f_cnn_support','f_cnn_score','f_neighbour_evidence','f_row_member','f_density_contrast']
rows=[]
for x,y,p in a:
    d,i=tb.query((x,y)); 
    if d>0.3: continue
    q=b[i][2]
    if max(p['probability'],q['probability'])<0.3: continue
    do,io=ot.query((x,y)); cls=objs[io][1] if do<0.5 else 'nothing'
    rows.append((cls,[round(p[k],2) for k in keys],[round(q[k],2) for k in keys]))
print(keys)
for r in sorted(rows,key=lambda r:-r[2][0])[:40]: print(r)
