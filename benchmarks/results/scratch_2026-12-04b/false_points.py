"""Scratch (not maintained): label each false mine point of kept bench_candidates runs by the
nearest truth object within 0.5 m. Usage: python false_points.py KEEP_DIR (bench_candidates --keep)."""
import collections
import glob
import json
import sys

import numpy as np
from pyproj import Transformer

keep = sys.argv[1]
counts: collections.Counter = collections.Counter()
by_kind: collections.Counter = collections.Counter()
to_utm = Transformer.from_crs(4326, 32638, always_xy=True)  # the synthetic flights' CRS
for out in sorted(glob.glob(f"{keep}/out-*")):
    flight = f"{keep}/" + out.split("out-", 1)[1]
    truth = json.load(open(f"{flight}/truth.geojson"))
    objs = [(f["geometry"]["coordinates"], f["properties"]) for f in truth["features"] if f["geometry"]["type"] == "Point"]
    xy = np.array([to_utm.transform(*c[:2]) for c, _ in objs])
    for f in json.load(open(f"{out}/detections.geojson"))["features"]:
        if f["geometry"]["type"] != "Point":
            continue
        x, y = to_utm.transform(*f["geometry"]["coordinates"][:2])
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        i = int(np.argmin(d))
        p = objs[i][1]
        if d[i] <= 0.5 and p.get("kind") == "mine":
            continue
        label = f"{p.get('kind')}:{p.get('class')}" if d[i] <= 0.5 else "nothing within 0.5 m"
        counts[label] += 1
        by_kind[(f["properties"].get("kind"), label)] += 1
print(counts.most_common())
print(by_kind.most_common())
