"""Stop 52: the shipped CNN's strongest response (flip-averaged, float32, any class) within 0.25 m
of every true mine and of every PFM-1-sized distractor of cotton-field's kept flights, on a 2.56 m
RGB crop centred on it. Tells whether CNN points below the operating threshold could raise the
candidate stage's recall ceiling, and at what cost in clutter. Run missed_mines.py first.
Usage: python cnn_at_mines.py DIR"""
import json
import sys
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.windows import Window

from rams.detection.detector import load_detector

root = Path(sys.argv[1])
det = load_detector(Path(__file__).resolve().parents[3] / "models/rams_rgb.pt", precision="float32")
per_mine = json.load(open(root / "missed_mines.json"))  # one row per mine, flights in order
half = 256
out = {"missed PFM-1": [], "found mines": [], "cotton_boll": [], "cotton_stalk": [], "boot_print": []}
for flight in sorted(root.glob("flight-*")):
    missed = [r for r in per_mine if r["flight"] == flight.name]
    truth = json.load(open(flight / "truth.geojson"))["features"]
    with rasterio.open(flight / "rgb.tif") as src:
        tr = Transformer.from_crs("EPSG:4326", src.crs, always_xy=True)
        mines = [f for f in truth if f["properties"].get("kind") == "mine"]
        for k, f in enumerate(truth):
            p = f["properties"]
            if p.get("kind") == "mine":
                r = missed[mines.index(f)]
                key = "missed PFM-1" if r["nearest_point_m"] > 0.5 else "found mines"
            elif p.get("class") in ("cotton_boll", "cotton_stalk", "boot_print"):
                key = p["class"]
            else:
                continue
            x, y = tr.transform(*f["geometry"]["coordinates"])
            col, row = ~src.transform * (x, y)
            win = Window(int(col) - half, int(row) - half, 2 * half, 2 * half)
            img = src.read([1, 2, 3], window=win, boundless=True, fill_value=0).transpose(1, 2, 0)
            d = det.predict_images([np.ascontiguousarray(img)], min_score=0.01)[0]
            cx = (d.boxes[:, 0] + d.boxes[:, 2]) / 2 - half
            cy = (d.boxes[:, 1] + d.boxes[:, 3]) / 2 - half
            near = np.hypot(cx, cy) * 0.005 <= 0.25
            out[key].append(float(d.scores[near].max()) if near.any() else 0.0)
for key, v in out.items():
    v = np.array(v)
    print(f"{key:14s} n={len(v):4d} " + " ".join(f">={t}: {int((v >= t).sum())}" for t in (0.05, 0.1, 0.2, 0.3, 0.4, 0.55)))
json.dump(out, open(root / "cnn_at_mines.json", "w"))
