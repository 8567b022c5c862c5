import json,glob,sys
import numpy as np, shapely
from shapely.geometry import shape, Point
from pyproj import Transformer
for keep in sys.argv[1:]:
  for out in sorted(glob.glob(keep+'/out-flight-*')):
    fl=out.replace('out-','')
    truth=json.load(open(fl+'/truth.geojson'))
    c=[f for f in truth['features'] if f['geometry']['type']=='Point'][0]['geometry']['coordinates']
    zone=int((c[0]+180)//6)+1; T=Transformer.from_crs(4326,32600+zone,always_xy=True)
    shas=[shapely.transform(shape(f['geometry']),lambda a: np.column_stack(T.transform(a[:,0],a[:,1]))) for f in json.load(open(out+'/sha.geojson'))['features']]
    U=shapely.union_all(shas) if shas else shapely.Polygon()
    pts=[]
    for fn in ['detections.geojson','candidates_low.geojson']:
        for f in json.load(open(out+'/'+fn))['features']:
            x,y=T.transform(*f['geometry']['coordinates'][:2]); p=f['properties']
            pts.append((x,y,p.get('probability',p.get('confidence')),p.get('detector',p.get('kind')),p.get('cnn_support', None)))
    P=np.array([[a[0],a[1]] for a in pts]) if pts else np.zeros((0,2))
    for f in truth['features']:
        p=f['properties']
        if p.get('kind')!='mine': continue
        x,y=T.transform(*f['geometry']['coordinates'][:2])
        d=U.distance(Point(x,y)) if not U.is_empty else np.inf
        if d>0:
            dd=np.hypot(P[:,0]-x,P[:,1]-y); j=np.argsort(dd)[:1]
            near=[(round(dd[i],2),round(pts[i][2],3),pts[i][3],pts[i][4]) for i in j]
            print(keep.split('/')[-1],out[-4:],p['class'],'d_sha',round(d,1),'nearest cand',near)
