"""Does the RGB detector find a mine whatever its colour? A labelled split with its mines repainted.

Nearly every real labelled PFM-1 (``pfm1-drone-rgb``) is pale tan; in the field most are
green or brown. This benchmark takes a labelled YOLO split (default: the withheld real
flight ``pfm1-drone-rgb`` ``valid/``), repaints every labelled object of the chosen set
classes in one hue at a time, at its own lightness and at half of it
(:func:`rams.detection.copy_paste.repaint_object` on the object's own pixels: those inside
the ellipse through its box's corners that differ in chroma from the ground around it, see
:func:`rams.detection.copy_paste.object_mask`; the ground is left as it is; an object whose
segmentation fails keeps its colour and is counted; saved as PNG), and scores each copy
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
from rams.detection.copy_paste import object_mask, repaint_object
from rams.detection.detector import load_detector
from rams.detection.yolo import class_names, read_split, split_dir
from rams.evaluation.tiles import evaluate_tiles

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TILES = REPO.parent / "shared" / "datasets" / "pfm1-drone-rgb"
#: Hues to repaint in (8-bit RGB): those of the synthetic catalogue's PFM-1 variants.
COLOURS = {"green": (56, 79, 36), "brown": (92, 64, 38)}
#: Lightness of the repainted object over its own: the same (a change of colour only), and
#: half (plastic that is darker than the pale tan, as green and brown PFM-1 are).
LIGHTNESS = (1.0, 0.5)


def repaint_split(root: Path, split: str, classes: set[str], hue: tuple[int, int, int], lightness: float,
                  out: Path) -> dict[str, Any]:
    """A copy of ``root``'s ``split`` with every object of ``classes`` repainted.

    Each object is repainted in ``hue`` at ``lightness`` times its own mean brightness
    (:func:`rams.detection.copy_paste.repaint_object`) on the pixels
    :func:`rams.detection.copy_paste.object_mask` finds in the ellipse circumscribing its
    box; where that segmentation fails the object is left as it is and counted.

    Returns:
        ``{"repainted": n, "left": n, "mask_share_median": x}``: objects repainted, objects
        left in their own colour, median share of the search region covered by the masks.
    """
    if out.exists():
        shutil.rmtree(out)
    (out / split / "images").mkdir(parents=True)
    (out / split / "labels").mkdir(parents=True)
    if (root / "data.yaml").is_file():
        shutil.copy(root / "data.yaml", out / "data.yaml")
    samples = read_split(root, split)
    names = class_names(root, samples)
    painted = left = 0
    shares: list[float] = []
    for sample in samples:
        bgr = cv2.imread(str(sample.image), cv2.IMREAD_COLOR)
        if bgr is None:
            raise SystemExit(f"{sample.image}: cannot read the image")
        rgb = np.ascontiguousarray(bgr[:, :, ::-1]).astype(np.float32)
        h, w = rgb.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        for (cx, cy, bw, bh), k in zip(sample.boxes, sample.classes, strict=True):
            if not 0 <= int(k) < len(names) or names[int(k)] not in classes:
                continue
            a, b = max(bw * w / 2, 1.0), max(bh * h / 2, 1.0)
            r = ((xx + 0.5 - cx * w) / a) ** 2 + ((yy + 0.5 - cy * h) / b) ** 2
            region = (r <= 2.0).astype(np.float32)  # the ellipse through the box's corners
            mask = object_mask(rgb, region)
            if not mask.any():
                left += 1
                continue
            shares.append(float((mask > 0.5).sum() / region.sum()))
            rgb = repaint_object(rgb, mask, np.asarray(hue, np.float32), lightness)
            painted += 1
        cv2.imwrite(str(out / split / "images" / f"{sample.image.stem}.png"),
                    np.clip(rgb[:, :, ::-1], 0, 255).astype(np.uint8))
        label = split_dir(root, split) / "labels" / f"{sample.image.stem}.txt"
        if label.is_file():
            shutil.copy(label, out / split / "labels" / label.name)
    return {"repainted": painted, "left": left,
            "mask_share_median": round(float(np.median(shares)), 3) if shares else None}


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
        cases: list[tuple[str, tuple[int, int, int] | None, float]] = [("as labelled", None, 1.0)]
        cases += [(f"{name}, lightness x{k:g}", hue, k) for name, hue in COLOURS.items() for k in LIGHTNESS]
        for name, hue, lightness in cases:
            t0 = time.perf_counter()
            root, counts = args.tiles, None
            if hue is not None:
                root = Path(tmp) / f"{name.split(',')[0]}-{lightness:g}"
                counts = repaint_split(args.tiles, args.split, classes, hue, lightness, root)
            rep = evaluate_tiles(root, args.split, det, class_map=class_map).to_dict()
            agn = rep["class_agnostic"]
            row = {"case": name, "hue_rgb": hue, "lightness": lightness if hue else None, "objects": counts,
                   "ap50": rep["ap50"], "precision": agn["precision"], "recall": agn["recall"],
                   "false_alarms_per_image": agn["false_alarms_per_image"],
                   "seconds": round(time.perf_counter() - t0, 1)}
            rows.append(row)
            print(f"{name:22s} AP50 {row['ap50']:.3f}  P {row['precision']:.3f} R {row['recall']:.3f} "
                  f"at threshold {det.threshold:.3f}, {row['false_alarms_per_image']:.3f} false alarms/image"
                  + (f"  ({counts['repainted']} repainted, {counts['left']} left)" if counts else ""), flush=True)
    results = {
        "benchmark": "rgb_colour", "tiles": str(args.tiles), "split": args.split,
        "classes_repainted": sorted(classes), "model": det.meta.get("name"),
        "weights_sha256": det.weights_sha256, "threshold": det.threshold,
        "inference_precision": det.precision,
        "repaint": "per-channel gains moving the object's mean colour to the hue at the given lightness "
                   "over its own, on the object's pixels (inside the ellipse through its box's corners, "
                   "told from the ground around it by Otsu on the chroma distance, feathered 1 px); "
                   "shading kept; ground untouched; objects whose segmentation fails are left; PNG",
        "command": "python benchmarks/bench_rgb_colour.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "rows": rows,
    }
    write_json_atomic(args.out, results)
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
