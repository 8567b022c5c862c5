"""Scratch (not maintained): candidate points of kept bench_candidates runs, labelled by the
nearest truth object within 0.5 m.

Usage: python points_by_object.py KEEP_DIR            false mine points by nearest object (and point kind)
       python points_by_object.py KEEP_DIR --features median features of every candidate point of both
                                                     layers, grouped by nearest object
"""
import collections
import glob
import json
import sys

import numpy as np
from pyproj import Transformer

FEATURES = ["probability", "confidence", "f_cnn_score", "f_rx_score", "f_thermal", "f_spectral", "f_n_agree",
            "f_blob_log_area", "f_clutter_log_density", "f_density_contrast", "f_neighbour_evidence"]
to_utm = Transformer.from_crs(4326, 32638, always_xy=True)  # the synthetic flights' CRS


def labelled_points(keep: str, layers: tuple[str, ...]):
    """(label, properties) of every point of ``layers``; label 'mine:CLASS', 'CLASS' or 'nothing'."""
    for out in sorted(glob.glob(f"{keep}/out-*")):
        flight = f"{keep}/" + out.split("out-", 1)[1]
        truth = json.load(open(f"{flight}/truth.geojson"))
        objs = [(f["geometry"]["coordinates"], f["properties"]) for f in truth["features"]
                if f["geometry"]["type"] == "Point"]
        xy = np.array([to_utm.transform(*c[:2]) for c, _ in objs])
        for layer in layers:
            for f in json.load(open(f"{out}/{layer}.geojson"))["features"]:
                if f["geometry"]["type"] != "Point":
                    continue
                x, y = to_utm.transform(*f["geometry"]["coordinates"][:2])
                d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
                i = int(np.argmin(d))
                p = objs[i][1]
                label = ("mine:" if p.get("kind") == "mine" else "") + str(p.get("class")) if d[i] <= 0.5 else "nothing"
                yield label, f["properties"]


keep = sys.argv[1]
if "--features" in sys.argv:
    groups: dict[str, list[dict]] = collections.defaultdict(list)
    for label, props in labelled_points(keep, ("detections", "candidates_low")):
        groups[label].append(props)
    print(json.dumps({label: {"n": len(ps), **{f: round(float(np.median(
        [p[f] for p in ps if isinstance(p.get(f), (int, float))])), 3) for f in FEATURES}}
        for label, ps in sorted(groups.items()) if len(ps) >= 5}, indent=1))
else:
    counts: collections.Counter = collections.Counter()
    by_kind: collections.Counter = collections.Counter()
    for label, props in labelled_points(keep, ("detections",)):
        if label.startswith("mine:"):
            continue
        label = "nothing within 0.5 m" if label == "nothing" else f"distractor:{label}"
        counts[label] += 1
        by_kind[(props.get("kind"), label)] += 1
    print(counts.most_common())
    print(by_kind.most_common())
