"""What the false mine-layer points of kept candidate-benchmark runs lie on: for every point of
`detections.geojson` with no true mine within 0.5 m, the nearest truth object of any kind (its
class if within 0.5 m), counted with the point's kind. Stop 51 printed, on the runs kept by
`bench_candidates.py --family F --keep /tmp/zk/F`: date-palm 17 (date_strand 16 anomaly or fused,
1 cnn); olive-grove 17 (boot_print 9, olive_twig 6, tile_shard 2).

Usage: python benchmarks/results/stop51/false_points_by_clutter.py KEEP_DIR [KEEP_DIR ...]"""
import collections
import json
import sys
from pathlib import Path

import numpy as np

for keep in map(Path, sys.argv[1:]):
    counts: collections.Counter = collections.Counter()
    for out in sorted(keep.glob("out-flight-*")):
        truth = json.loads((keep / out.name.removeprefix("out-") / "truth.geojson").read_text())
        points = [f for f in json.loads((out / "detections.geojson").read_text())["features"]
                  if f["geometry"]["type"] == "Point"]
        if not points:
            continue
        lat0 = points[0]["geometry"]["coordinates"][1]

        def xy(c, lat0=lat0):  # local metres (a few tens of metres: equirectangular is exact enough)
            return np.array([c[0] * 111320 * np.cos(np.radians(lat0)), c[1] * 110540])

        objects = [(f["properties"].get("kind"), f["properties"].get("class"), xy(f["geometry"]["coordinates"]))
                   for f in truth["features"] if f["geometry"]["type"] == "Point"]
        mines = [o for o in objects if o[0] == "mine"]
        for p in points:
            q = xy(p["geometry"]["coordinates"])
            if min((np.hypot(*(q - m[2])) for m in mines), default=np.inf) <= 0.5:
                continue
            d, nearest = min(((np.hypot(*(q - o[2])), o) for o in objects), key=lambda z: z[0])
            counts[(nearest[1] if d <= 0.5 else "nothing within 0.5 m", p["properties"]["kind"])] += 1
    print(keep.name, sum(counts.values()), counts.most_common())
