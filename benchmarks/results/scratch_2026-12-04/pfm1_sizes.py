"""Median long side (px) of the labelled PFM-1 per flight of pfm1-drone-rgb (run from the dataset folder)."""
import collections
import glob
import os
import statistics

from PIL import Image

res = collections.defaultdict(list)
for split in ("train", "valid"):
    for lab in glob.glob(f"{split}/labels/*.txt"):
        flight = "_".join(os.path.basename(lab).split("_")[:3])
        w, h = Image.open(lab.replace("labels", "images").replace(".txt", ".jpg")).size
        for line in open(lab):
            p = line.split()
            if len(p) == 5 and p[0] == "1":
                res[flight].append(max(float(p[3]) * w, float(p[4]) * h))
for f in sorted(res):
    print(f, len(res[f]), "median %.1f px" % statistics.median(res[f]))
