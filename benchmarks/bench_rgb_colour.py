"""Does the RGB detector find a mine whatever its colour? A labelled split with its mines repainted.

Nearly every real labelled PFM-1 (``pfm1-drone-rgb``) is pale tan; in the field most are
green or brown. This benchmark takes a labelled YOLO split (default: the withheld real
flight ``pfm1-drone-rgb`` ``valid/``), repaints every labelled object of the chosen set
classes in one colour at a time (:func:`rams.detection.copy_paste.repaint` on the object's
own pixels: those inside the ellipse inscribed in its box that differ from the ground
around it, see :func:`rams.detection.copy_paste.object_mask`; the ground is left as it is; saved as PNG), and scores each copy
as ``rams benchmark tiles`` does: AP50, class-agnostic precision and recall at the
operating threshold, false alarms per image. The first row is the split as it is.

Usage::

    python benchmarks/bench_rgb_colour.py [--tiles ../shared/datasets/pfm1-drone-rgb] [--split valid]
        [--model models/rams_rgb.pt] [--classes pfm-1] [--class-map pfm-1=PFM-1]
        [--out benchmarks/results/rgb_colour.json]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rams.atomic import write_json_atomic
from rams.detection.copy_paste import object_mask, repaint
from rams.detection.detector import load_detector
from rams.detection.yolo import class_names, read_split, split_dir
from rams.evaluation.tiles import evaluate_tiles

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TILES = REPO.parent / "shared" / "datasets" / "pfm1-drone-rgb"
#: Colours to repaint in (8-bit RGB): those of the synthetic catalogue's PFM-1 variants.
COLOURS = {"green": (56, 79, 36), "brown": (92, 64, 38)}


def ellipse_mask(h: int, w: int, box: tuple[float, float, float, float]) -> np.ndarray:
    """(h, w) float32: 1 inside the ellipse inscribed in ``box`` (x0, y0, x1, y1 in pixels)."""
    x0, y0, x1, y1 = box
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a, b = max((x1 - x0) / 2, 1.0), max((y1 - y0) / 2, 1.0)
    r = ((xx + 0.5 - (x0 + x1) / 2) / a) ** 2 + ((yy + 0.5 - (y0 + y1) / 2) / b) ** 2
    return (r <= 1.0).astype(np.float32)


def repaint_split(root: Path, split: str, classes: set[str], colour: tuple[int, int, int], out: Path) -> int:
    """A copy of ``root``'s ``split`` with every object of ``classes`` repainted; returns their count."""
    if out.exists():
        shutil.rmtree(out)
    (out / split / "images").mkdir(parents=True)
    (out / split / "labels").mkdir(parents=True)
    if (root / "data.yaml").is_file():
        shutil.copy(root / "data.yaml", out / "data.yaml")
    samples = read_split(root, split)
    names = class_names(root, samples)
    target = np.array(colour[::-1], np.float32)  # OpenCV images are BGR
    n = 0
    for sample in samples:
        image = cv2.imread(str(sample.image), cv2.IMREAD_COLOR)
        h, w = image.shape[:2]
        out_img = image.astype(np.float32)
        label = split_dir(root, split) / "labels" / f"{sample.image.stem}.txt"
        lines = label.read_text().split("\n") if label.is_file() else []
        for line in lines:
            parts = line.split()
            if len(parts) < 5 or names[int(parts[0])] not in classes:
                continue
            cx, cy, bw, bh = (float(v) for v in parts[1:5])
            box = ((cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h)
            alpha = object_mask(out_img[:, :, ::-1], ellipse_mask(h, w, box))
            painted = repaint(out_img, alpha, target)
            out_img = out_img * (1 - alpha[..., None]) + painted * alpha[..., None]
            n += 1
        cv2.imwrite(str(out / split / "images" / f"{sample.image.stem}.png"),
                    np.clip(out_img, 0, 255).astype(np.uint8))
        if label.is_file():
            shutil.copy(label, out / split / "labels" / label.name)
    return n


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the JSON results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=Path, default=DEFAULT_TILES)
    ap.add_argument("--split", default="valid")
    ap.add_argument("--model", default=None)
    ap.add_argument("--classes", default="pfm-1", help="set classes to repaint (comma-separated)")
    ap.add_argument("--class-map", default="pfm-1=PFM-1")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "rgb_colour.json")
    args = ap.parse_args(argv)
    det = load_detector(args.model, precision="float32")
    class_map = dict(kv.split("=", 1) for kv in args.class_map.split(",") if kv)
    classes = {c for c in args.classes.split(",") if c}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rams-bench-colour-") as tmp:
        for name, colour in [("as labelled", None), *COLOURS.items()]:
            t0 = time.perf_counter()
            root, n = args.tiles, None
            if colour is not None:
                root = Path(tmp) / name
                n = repaint_split(args.tiles, args.split, classes, colour, root)
            rep = evaluate_tiles(root, args.split, det, class_map=class_map).to_dict()
            agn = rep["class_agnostic"]
            row = {"colour": name, "rgb": colour, "objects_repainted": n, "ap50": rep["ap50"],
                   "precision": agn["precision"], "recall": agn["recall"],
                   "false_alarms_per_image": agn["false_alarms_per_image"],
                   "seconds": round(time.perf_counter() - t0, 1)}
            rows.append(row)
            print(f"{name:12s} AP50 {row['ap50']:.3f}  P {row['precision']:.3f} R {row['recall']:.3f} "
                  f"at threshold {det.threshold:.3f}, {row['false_alarms_per_image']:.3f} false alarms/image",
                  flush=True)
    results = {
        "benchmark": "rgb_colour", "tiles": str(args.tiles), "split": args.split,
        "classes_repainted": sorted(classes), "model": det.meta.get("name"),
        "weights_sha256": det.weights_sha256, "threshold": det.threshold,
        "inference_precision": det.precision,
        "repaint": "per-channel gains moving the object's mean colour to the target, on the object's "
                   "pixels (inside the ellipse inscribed in its box, told from the ground around it by "
                   "Otsu on the colour distance); shading kept; ground untouched; PNG",
        "command": "python benchmarks/bench_rgb_colour.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "rows": rows,
    }
    write_json_atomic(args.out, results)
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
