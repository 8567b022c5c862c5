"""Thermal and multispectral contrast of true objects by class and time of day (scratch).

    python benchmarks/results/scratch_2026-12-04c/object_signals.py KEEP_DIR [CLASS ...]

For every truth object of the flights kept by ``bench_candidates.py --keep`` (mined and
clutter-only), reads each sensor at the object's position (plus the flight's recorded shift for
that sensor: ``synth.json``), 3 x 3 pixels around it, minus the median of a ring 0.3-0.6 m out:
thermal in degC, and per multispectral band in reflectance. Prints medians by class and time of
day and the AUC of PFM-1 against each other class for a few candidate features (the thermal
contrast signed, absolute, and signed by the time of day; the visible and NIR contrasts).
"""

import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window

from rams.crs import WGS84, transformer


def contrast(ds, x, y):
    inv = ~ds.transform
    c, r = inv * (x, y)
    gsd = abs(ds.transform.a)
    rad = math.ceil(0.6 / gsd)
    win = Window(int(c) - rad, int(r) - rad, 2 * rad + 1, 2 * rad + 1)
    a = ds.read(window=win, boundless=True, masked=True).astype(np.float64).filled(np.nan)
    yy, xx = np.indices(a.shape[1:]) - rad
    d = np.hypot(xx, yy) * gsd
    centre = np.abs(xx) <= 1
    centre &= np.abs(yy) <= 1
    ring = (d >= 0.3) & (d <= 0.6)
    return np.array([np.nanmean(b[centre]) - np.nanmedian(b[ring]) for b in a])


def auc(pos, neg):
    pos, neg = np.asarray(pos), np.asarray(neg)
    if not len(pos) or not len(neg):
        return None
    allv = np.concatenate([pos, neg])
    ranks = allv.argsort().argsort() + 1.0
    return round(float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))), 3)


keep = Path(sys.argv[1])
classes = set(sys.argv[2:]) or None
rows = defaultdict(list)  # (class, tod) -> [thermal, B, G, R, RE, NIR]
for flight in sorted(p for p in keep.iterdir() if (p / "synth.json").is_file()):
    meta = json.loads((flight / "synth.json").read_text())
    tod = meta["scene"]["time_of_day"]
    truth = json.loads((flight / "truth.geojson").read_text())["features"]
    sensors = {}
    for name in ("thermal", "ms"):
        info = meta["sensors"][name]
        sensors[name] = (rasterio.open(flight / info["file"]), info.get("shift_m") or [0.0, 0.0])
    for f in truth:
        cls = f["properties"].get("class")
        if f["geometry"]["type"] != "Point" or not cls or (classes and cls not in classes):
            continue
        lon, lat = f["geometry"]["coordinates"][:2]
        out = []
        for name in ("thermal", "ms"):
            ds, (dx, dy) = sensors[name]
            x, y = transformer(WGS84, ds.crs).transform(lon, lat)
            out.extend(contrast(ds, x + dx, y + dy))
        rows[cls, tod].append(out)
    for ds, _ in sensors.values():
        ds.close()

print("class, time of day: n, median contrast thermal degC, B G R RE NIR")
for (cls, tod), v in sorted(rows.items()):
    m = np.nanmedian(np.array(v), axis=0)
    print(f"{cls:>14} {tod:>7}: {len(v):4d}  T {m[0]:+.2f}  " + " ".join(f"{x:+.3f}" for x in m[1:]))
feats = {
    "thermal": lambda a, s: a[:, 0], "abs_thermal": lambda a, s: np.abs(a[:, 0]),
    "thermal_x_phase": lambda a, s: a[:, 0] * s,
    "visible": lambda a, s: a[:, 1:4].mean(axis=1), "nir": lambda a, s: a[:, 5],
    "nir_minus_red": lambda a, s: a[:, 5] - a[:, 3],
}
pfm = {tod: np.array(v) for (c, tod), v in rows.items() if c == "PFM-1"}
others = sorted({c for c, _ in rows if c != "PFM-1"})
print("AUC of PFM-1 against each class (0.5: no separation; either side of it separates)")
for other in others:
    line = []
    for name, fn in feats.items():
        pos, neg = [], []
        for tod in ("morning", "evening"):
            s = 1.0 if tod == "morning" else -1.0
            if tod in pfm:
                pos.extend(fn(pfm[tod], s))
            if (other, tod) in rows:
                neg.extend(fn(np.array(rows[other, tod]), s))
        line.append(f"{name} {auc(pos, neg)}")
    print(f"{other:>14}: " + ", ".join(line))
