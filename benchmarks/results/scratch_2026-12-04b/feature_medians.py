"""Scratch (not maintained): median point features of every candidate point (both layers) of
kept bench_candidates runs, grouped by the nearest truth object within 0.5 m.
Usage: python feature_medians.py KEEP_DIR"""
import collections
import glob
import json
import sys

import numpy as np
from pyproj import Transformer

to_utm = Transformer.from_crs(4326, 32638, always_xy=True)
groups: dict[str, list[dict]] = collections.defaultdict(list)
for out in sorted(glob.glob(f"{sys.argv[1]}/out-*")):
    flight = f"{sys.argv[1]}/" + out.split("out-", 1)[1]
    truth = json.load(open(f"{flight}/truth.geojson"))
    objs = [(f["geometry"]["coordinates"], f["properties"]) for f in truth["features"] if f["geometry"]["type"] == "Point"]
    xy = np.array([to_utm.transform(*c[:2]) for c, _ in objs])
    for layer in ("detections", "candidates_low"):
        for f in json.load(open(f"{out}/{layer}.geojson"))["features"]:
            if f["geometry"]["type"] != "Point":
                continue
            x, y = to_utm.transform(*f["geometry"]["coordinates"][:2])
            d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
            i = int(np.argmin(d))
            p = objs[i][1]
            label = ("mine:" if p.get("kind") == "mine" else "") + str(p.get("class")) if d[i] <= 0.5 else "nothing"
            groups[label].append(f["properties"])
features = ["probability", "confidence", "f_cnn_score", "f_rx_score", "f_thermal", "f_spectral", "f_n_agree", "f_blob_log_area",
            "f_clutter_log_density", "f_density_contrast", "f_neighbour_evidence"]
out = {label: {"n": len(ps), **{f: round(float(np.median([p[f] for p in ps if isinstance(p.get(f), (int, float))])), 3)
                                for f in features}} for label, ps in sorted(groups.items()) if len(ps) >= 5}
print(json.dumps(out, indent=1))
