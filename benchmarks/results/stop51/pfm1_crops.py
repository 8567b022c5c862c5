"""Four synthetic PFM-1 (`rams synth /tmp/rw/f --size-m 30 --seed 3`, steppe, a 4-mine scatter field)
above four labelled real PFM-1 of pfm1-drone-rgb valid/ (F14, resampled 0.273 -> 0.5 cm), 80 px
(40 cm) crops at 0.5 cm, enlarged 3x: pfm1_synthetic_vs_real.jpg."""
import glob
import json

import cv2
import numpy as np
import rasterio
from pyproj import Transformer

t = json.load(open("/tmp/rw/f/truth.geojson"))
mines = [f for f in t["features"] if f["properties"].get("kind") == "mine"]
src = rasterio.open("/tmp/rw/f/rgb.tif")
tr = Transformer.from_crs(4326, src.crs, always_xy=True)
crops = []
for m in mines:
    x, y = tr.transform(*m["geometry"]["coordinates"])
    r, c = src.index(x, y)
    a = src.read([1, 2, 3], window=((r - 40, r + 40), (c - 40, c + 40))).transpose(1, 2, 0)
    crops.append(cv2.resize(a, (240, 240), interpolation=cv2.INTER_NEAREST))
real = []
for f in sorted(glob.glob("../shared/datasets/pfm1-drone-rgb/valid/labels/*.txt")):
    lines = [line.split() for line in open(f) if line.startswith("1 ")]
    if not lines:
        continue
    im = cv2.imread(f.replace("labels", "images").replace(".txt", ".jpg"))[:, :, ::-1]
    h, w = im.shape[:2]
    cx, cy = float(lines[0][1]) * w, float(lines[0][2]) * h
    im = cv2.resize(im, (int(w * 0.546), int(h * 0.546)), interpolation=cv2.INTER_AREA)
    cx, cy = int(cx * 0.546), int(cy * 0.546)
    a = im[max(cy - 40, 0):cy + 40, max(cx - 40, 0):cx + 40]
    if a.shape[:2] == (80, 80):
        real.append(cv2.resize(a, (240, 240), interpolation=cv2.INTER_NEAREST))
    if len(real) == 4:
        break
out = np.concatenate([np.concatenate(crops, 1), np.concatenate(real, 1)], 0)
cv2.imwrite("benchmarks/results/stop51/pfm1_synthetic_vs_real.jpg", np.ascontiguousarray(out[:, :, ::-1]),
            [cv2.IMWRITE_JPEG_QUALITY, 85])
