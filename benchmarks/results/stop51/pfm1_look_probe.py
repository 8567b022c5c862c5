"""How the RGB CNN responds to the synthetic PFM-1 against PFM-1 drawn closer to the real ones.

Renders the same PFM-1 scatter-field flights (`layout="scatter"`; meadow, a family the CNN never trained on; and steppe, one it did)
four ways: the generator's PFM-1 (two round lobes, dark green or brown); the same shape in the
pale tan of the labelled real PFM-1 of pfm1-drone-rgb (mean box colour about 190, 183, 167);
a kidney outline (12 x 6 cm, concave on one side, as the real ones look from above) in the
generator's colours; and the kidney in pale tan. Then scans each flight with the shipped CNN
(float32, full scan, flip-averaged, floor 0.05) and reports, for every true PFM-1, the best
PFM-1 score within 0.5 m, and how many are called at the operating threshold. Nothing here
changes the generator; the looks are patched in this process only.

Usage: python benchmarks/results/stop51/pfm1_look_probe.py OUT.json
"""
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import rasterio
from pyproj import Transformer

import rams.synth.catalog as catalog
import rams.synth.render as render
from rams.detection.detector import load_detector
from rams.detection.sliced import detect_sliced
from rams.synth import generate_flight

TAN = (0.745, 0.717, 0.655)  # sRGB 190, 183, 167 / 255
TAN_REFL = (0.30, 0.34, 0.38, 0.42, 0.45)
original_inside = render._inside
ORIGINAL = catalog.MINES["PFM-1"]


def kidney_inside(lk, obj, u, v):
    if lk.shape == "kidney":
        s = obj.scale
        outer = (u / (0.060 * s)) ** 2 + (v / (0.030 * s)) ** 2 <= 1.0
        bite = u ** 2 + (v - 0.047 * s) ** 2 <= (0.030 * s) ** 2
        return outer & ~bite
    return original_inside(lk, obj, u, v)


render._inside = kidney_inside
LOOKS = {
    "generator": ORIGINAL,
    "tan": dataclasses.replace(ORIGINAL, rgb=(TAN,), reflectance=(TAN_REFL,)),
    "kidney": dataclasses.replace(ORIGINAL, shape="kidney"),
    "kidney_tan": dataclasses.replace(ORIGINAL, shape="kidney", rgb=(TAN,), reflectance=(TAN_REFL,)),
}
det = load_detector(None, sensor="rgb", precision="float32")
PFM = det.class_names.index("PFM-1")
out = {"threshold": det.threshold, "results": {}}
work = Path("/tmp/pl")
for family in ("meadow", "steppe"):
    for seed in (1000, 1001):
        for name, look in LOOKS.items():
            catalog.MINES["PFM-1"] = look
            f = generate_flight(work / f"{family}-{seed}-{name}", size_m=40.0, seed=seed, family=family, layout="scatter")
            truth = json.loads((f.out_dir / "truth.geojson").read_text())
            with rasterio.open(f.rgb_path) as src:
                def read(w, src=src):
                    a = src.read(window=w)
                    return a[:3], a[3] > 0
                pts = detect_sliced(read, src.width, src.height, src.transform, det, min_score=0.05)
                tr = Transformer.from_crs(4326, src.crs, always_xy=True)
            pfm = [tr.transform(*t["geometry"]["coordinates"]) for t in truth["features"]
                   if t["properties"].get("kind") == "mine" and t["properties"].get("class") == "PFM-1"]
            xy = np.array([[p.x_m, p.y_m] for p in pts if p.class_name == "PFM-1"]).reshape(-1, 2)
            sc = np.array([p.confidence for p in pts if p.class_name == "PFM-1"])
            best = [float(sc[np.hypot(*(xy - m).T) <= 0.5].max()) if len(xy) and (np.hypot(*(xy - m).T) <= 0.5).any()
                    else 0.0 for m in pfm]
            r = out["results"].setdefault(name, [])
            r.append({"family": family, "seed": seed, "pfm1_scores": [round(b, 3) for b in best]})
            print(family, seed, name, "PFM-1", len(pfm), "scores", [round(b, 2) for b in best], flush=True)
catalog.MINES["PFM-1"] = ORIGINAL
for name, rs in out["results"].items():
    s = np.array([x for r in rs for x in r["pfm1_scores"]])
    out.setdefault("summary", {})[name] = {"n": len(s), "called_at_threshold": int((s >= det.threshold).sum()),
                                           "median_score": round(float(np.median(s)), 3) if len(s) else None,
                                           "at_least_0.3": int((s >= 0.3).sum())}
print(json.dumps(out["summary"], indent=1))
Path(sys.argv[1]).write_text(json.dumps(out, indent=1) + "\n")
