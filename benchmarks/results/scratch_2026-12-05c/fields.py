"""Per true minefield: layout, mines, covered, SHA overlap, distances of uncovered mines."""
import json,glob,sys
import numpy as np, shapely, shapely.ops
from shapely.geometry import shape, Point
from pyproj import Transformer
for keep in sys.argv[1:]:
  rows=[]
  for out in sorted(glob.glob(keep+'/out-flight-*')):
    fl=out.replace('out-','')
    truth=json.load(open(fl+'/truth.geojson'))
    lon,lat=truth['features'][0]['geometry']['coordinates'][:2] if truth['features'][0]['geometry']['type']=='Point' else shape(truth['features'][0]['geometry']).centroid.coords[0]
    zone=int((lon+180)//6)+1; epsg=32600+zone if lat>=0 else 32700+zone
    T=Transformer.from_crs(4326,epsg,always_xy=True)
    utm=lambda g: shapely.ops.transform(lambda x,y,z=None: T.transform(x,y), g)
    shas=[utm(shape(f['geometry'])) for f in json.load(open(out+'/sha.geojson'))['features']]
    U=shapely.union_all(shas) if shas else shapely.Polygon()
    fields={}
    for f in truth['features']:
        if f['geometry']['type']!='Point': fields[f['properties']['id']]=(f['properties'].get('layout'),utm(shape(f['geometry'])),[])
    for f in truth['features']:
        p=f['properties']
        if f['geometry']['type']=='Point' and p.get('kind')=='mine':
            pt=Point(*T.transform(*f['geometry']['coordinates'][:2]))
            fid=p.get('minefield_id') or p.get('field_id')
            fields.get(fid,('none',None,[]))[2].append((p.get('class'),U.distance(pt)))
    for fid,(lay,poly,ms) in fields.items():
        d=np.array([m[1] for m in ms])
        print(keep.split('/')[-1], out.split('-')[-1], fid, lay, 'mines',len(ms),'covered',int((d==0).sum()), 'field_area',round(poly.area), 'sha∩field',round(U.intersection(poly).area), 'unc_d',np.round(np.sort(d[d>0]),1).tolist())
