"""Stop 52: why a third of cotton-field's mines have no candidate point (kept runs of
``bench_candidates.py --family cotton-field --keep DIR``). For every true mine: the nearest
exported point (any layer) and its distance, the anomaly raster's peak -log10(pfa) within 0.25 m,
and the nearest distractor. Usage: python missed_mines.py DIR"""
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer

root = Path(sys.argv[1])
rows = []
for flight in sorted(root.glob("flight-*")):
    out = root / f"out-{flight.name}"
    truth = json.load(open(flight / "truth.geojson"))["features"]
    pts = []
    for name in ("detections.geojson", "candidates_low.geojson"):
        for f in json.load(open(out / name))["features"]:
            pts.append((f["geometry"]["coordinates"], f["properties"]))
    with rasterio.open(out / "anomaly.tif") as src:
        tr = Transformer.from_crs("EPSG:4326", src.crs, always_xy=True)
        rx = src.read(1)
        transform = src.transform
        def xy(c):
            return np.array(tr.transform(c[0], c[1]))
        P = np.array([xy(c) for c, _ in pts]) if pts else np.zeros((0, 2))
        dist = [(xy(f["geometry"]["coordinates"]), f["properties"]["class"]) for f in truth
                if f["properties"].get("kind") == "distractor"]
        D = np.array([d for d, _ in dist])
        for f in truth:
            p = f["properties"]
            if p.get("kind") != "mine":
                continue
            m = xy(f["geometry"]["coordinates"])
            d = np.hypot(*(P - m).T) if len(P) else np.array([np.inf])
            i = int(np.argmin(d))
            col, row = ~transform * tuple(m)
            r0, c0 = int(row), int(col)
            win = rx[max(r0 - 5, 0):r0 + 6, max(c0 - 5, 0):c0 + 6]
            dd = np.hypot(*(D - m).T)
            j = int(np.argmin(dd))
            rows.append({"flight": flight.name, "class": p["class"], "nearest_point_m": round(float(d[i]), 2),
                         "nearest_point_layer": pts[i][1]["layer"] if pts else None,
                         "nearest_point_prob": pts[i][1]["probability"] if pts else None,
                         "rx_peak_within_25cm": round(float(np.nanmax(win)), 2) if win.size else None,
                         "nearest_distractor": dist[j][1], "nearest_distractor_m": round(float(dd[j]), 2)})
missed = [r for r in rows if r["nearest_point_m"] > 0.5]
print(f"{len(rows)} mines, {len(missed)} with no point within 0.5 m")
print("missed by class", Counter(r["class"] for r in missed))
print("missed: rx peak within 25 cm", sorted(r["rx_peak_within_25cm"] for r in missed))
print("found: rx peak within 25 cm", sorted(r["rx_peak_within_25cm"] for r in rows if r["nearest_point_m"] <= 0.5))
print("missed: nearest point m", sorted(r["nearest_point_m"] for r in missed))
print("missed: nearest distractor", Counter(r["nearest_distractor"] for r in missed),
      sorted(r["nearest_distractor_m"] for r in missed))
json.dump(rows, open(root / "missed_mines.json", "w"), indent=1)
