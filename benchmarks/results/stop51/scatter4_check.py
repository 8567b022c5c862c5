"""The 30 m steppe flight with a four-PFM-1 scatter field: after
`rams synth /tmp/rw/f --size-m 30 --seed 3` and `rams process /tmp/rw/f -o /tmp/rw/out_f`, prints the
run's counts and, for every low-confidence point, its distance to the nearest PFM-1, kind,
probability and CNN support. Stop 51: 0 mine points, no SHA; the four PFM-1 within 0.05 m of
anomaly points at probabilities 0.016, 0.005, 0.004, 0.003 (CNN support 0.12-0.25)."""
import json

import numpy as np

print(json.load(open("/tmp/rw/out_f/run.json"))["counts"])
truth = json.load(open("/tmp/rw/f/truth.geojson"))
mines = [f for f in truth["features"] if f["properties"].get("kind") == "mine"]
lat0 = mines[0]["geometry"]["coordinates"][1]


def xy(c):
    return np.array([c[0] * 111320 * np.cos(np.radians(lat0)), c[1] * 110540])


for p in json.load(open("/tmp/rw/out_f/candidates_low.geojson"))["features"]:
    q = xy(p["geometry"]["coordinates"])
    d = min(np.hypot(*(q - xy(m["geometry"]["coordinates"]))) for m in mines)
    pr = p["properties"]
    print(round(d, 2), pr["kind"], round(pr["probability"], 3), round(pr.get("f_cnn_support", 0), 2))
