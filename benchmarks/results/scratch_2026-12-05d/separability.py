"""Read-only: on kept runs, how well each exported point feature separates candidate points on
PFM-1 from points on no mine (AUC), pooled over the folders given; and the same for all mines."""
import json, glob, sys
import numpy as np
from pyproj import Transformer

from rams.evaluation.roc import roc_auc

FEATS = ["f_rx_score", "f_blob_log_area", "f_blob_elongation", "f_thermal", "f_spectral", "f_n_agree",
         "f_clutter_log_density", "f_density_contrast", "f_cnn_support", "f_cnn_score", "f_neighbour_evidence", "probability"]
rows = []  # (label: 'PFM-1'|'other mine'|'clutter', features)
for keep in sys.argv[1:]:
    for out in sorted(glob.glob(keep + '/out-*')):
        fl = out.replace('/out-', '/')
        truth = json.load(open(fl + '/truth.geojson'))
        pts0 = [f for f in truth['features'] if f['geometry']['type'] == 'Point']
        if not pts0:
            continue
        c = pts0[0]['geometry']['coordinates']
        T = Transformer.from_crs(4326, 32600 + int((c[0] + 180) // 6) + 1, always_xy=True)
        pts = []
        for fn in ['detections.geojson', 'candidates_low.geojson']:
            for f in json.load(open(out + '/' + fn))['features']:
                x, y = T.transform(*f['geometry']['coordinates'][:2]); pts.append((x, y, f['properties']))
        if not pts:
            continue
        P = np.array([[a, b] for a, b, _ in pts])
        lab = ['clutter'] * len(pts)
        for f in truth['features']:
            p = f['properties']
            if p.get('kind') != 'mine':
                continue
            x, y = T.transform(*f['geometry']['coordinates'][:2]); d = np.hypot(P[:, 0] - x, P[:, 1] - y); i = int(np.argmin(d))
            if d[i] <= 0.5:
                lab[i] = 'PFM-1' if p['class'] == 'PFM-1' else 'other mine'
        for l, (_, _, q) in zip(lab, pts):
            rows.append((l, [float(q.get(k) or 0.0) for k in FEATS]))

X = np.array([r[1] for r in rows]); L = np.array([r[0] for r in rows])
print('points', len(L), {k: int((L == k).sum()) for k in ('PFM-1', 'other mine', 'clutter')})
for j, k in enumerate(FEATS):
    a1 = roc_auc(X[:, j], L == 'PFM-1', mask=L != 'other mine')
    a2 = roc_auc(X[:, j], L == 'other mine', mask=L != 'PFM-1')
    print(f'{k:24s} AUC PFM-1 vs clutter {a1:.3f}   other mines vs clutter {a2:.3f}')
