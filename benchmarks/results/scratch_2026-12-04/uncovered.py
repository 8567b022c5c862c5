import json, sys, glob, os
import numpy as np
from shapely.geometry import shape, Point
from shapely.ops import transform as stransform
from pyproj import Transformer
rows=[]
for fam in sys.argv[1:]:
    for out in sorted(glob.glob(f'/tmp/s36/keep_{fam}/out-flight-*')):
        flight = out.replace('out-flight', 'flight')
        truth = json.load(open(f'{flight}/truth.geojson'))
        mines = [f for f in truth['features'] if f['properties'].get('kind', 'mine') == 'mine' and f['properties'].get('device_category') in ('AP', 'AV')]
        lon, lat = mines[0]['geometry']['coordinates']
        zone = int((lon + 180) // 6) + 1
        tr = Transformer.from_crs(4326, 32600 + zone if lat >= 0 else 32700 + zone, always_xy=True)
        f = lambda x, y, z=None: tr.transform(x, y)
        shas = [stransform(f, shape(g['geometry'])) for g in json.load(open(f'{out}/sha.geojson'))['features']]
        pts = []
        for name in ('detections.geojson', 'candidates_low.geojson'):
            for g in json.load(open(f'{out}/{name}'))['features']:
                x, y = tr.transform(*g['geometry']['coordinates'][:2]); pts.append((x, y, g['properties'].get('probability', 0)))
        P = np.array(pts) if pts else np.zeros((0, 3))
        for m in mines:
            x, y = tr.transform(*m['geometry']['coordinates'][:2]); p = Point(x, y)
            if any(s.covers(p) for s in shas): continue
            d = min((s.distance(p) for s in shas), default=np.inf)
            near = P[np.hypot(P[:, 0] - x, P[:, 1] - y) <= 0.5] if len(P) else P
            prob = float(near[:, 2].max()) if len(near) else None
            rows.append((fam, os.path.basename(out), m['properties']['class'], round(d, 1), prob))
for r in rows: print(*r)
print(len(rows), 'uncovered')
