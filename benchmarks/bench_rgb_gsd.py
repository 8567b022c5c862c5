"""How the RGB detector holds up on coarser imagery: a labelled tile split degraded to each GSD.

Area-survey flights fly RGB at 1 to 3 cm (``shared/DOMAIN.md``), coarser than the model's
working GSD. This benchmark takes a labelled YOLO split (default: the withheld real flight
``pfm1-drone-rgb`` ``valid/``), estimates its GSD from the physical size of the labelled
mines, area-averages every image down to each target GSD (PNG, so no second JPEG loss),
and scores the model on each copy exactly as ``rams benchmark tiles --gsd-m TARGET`` does:
the model resamples each image back up to its working GSD. Reported per GSD: AP50,
class-agnostic precision and recall at the operating threshold, false alarms per image and
per hectare, and recall with at most one false alarm per hectare. The coarsest GSD a model
accepts (``max_input_gsd_m`` in its metadata, refused beyond by ``rams process``) is chosen
from this table.

Usage::

    python benchmarks/bench_rgb_gsd.py [--tiles ../shared/datasets/pfm1-drone-rgb] [--split valid]
        [--gsds 0.0075,0.01,0.015,0.02,0.025,0.03] [--model models/rams_rgb.pt]
        [--class-map pfm-1=PFM-1] [--out benchmarks/results/rgb_gsd.json]
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rams.atomic import write_json_atomic
from rams.detection.detector import load_detector
from rams.detection.sources import estimate_gsd_m, labelled_box_sides
from rams.detection.yolo import class_names, read_split, split_dir
from rams.evaluation.tiles import evaluate_tiles

REPO = Path(__file__).resolve().parents[1]
DEFAULT_TILES = REPO.parent / "shared" / "datasets" / "pfm1-drone-rgb"


def degrade_split(root: Path, split: str, factor: float, out: Path) -> Path:
    """A copy of ``root``'s ``split`` with every image area-averaged by ``factor`` (< 1)."""
    if out.exists():
        shutil.rmtree(out)
    (out / split / "images").mkdir(parents=True)
    (out / split / "labels").mkdir(parents=True)
    for name in ("data.yaml",):
        if (root / name).is_file():
            shutil.copy(root / name, out / name)
    for sample in read_split(root, split):
        image = cv2.imread(str(sample.image), cv2.IMREAD_UNCHANGED)
        h, w = image.shape[:2]
        small = cv2.resize(image, (max(1, round(w * factor)), max(1, round(h * factor))),
                           interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(out / split / "images" / f"{sample.image.stem}.png"), small)
        label = split_dir(root, split) / "labels" / f"{sample.image.stem}.txt"
        if label.is_file():
            shutil.copy(label, out / split / "labels" / label.name)
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the JSON results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=Path, default=DEFAULT_TILES)
    ap.add_argument("--split", default="valid")
    ap.add_argument("--gsds", default="0.0075,0.01,0.015,0.02,0.025,0.03")
    ap.add_argument("--model", default=None)
    ap.add_argument("--class-map", default="pfm-1=PFM-1")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "rgb_gsd.json")
    args = ap.parse_args(argv)
    det = load_detector(args.model, precision="float32")
    class_map = dict(kv.split("=", 1) for kv in args.class_map.split(",") if kv)
    samples = read_split(args.tiles, args.split)
    source_gsd = estimate_gsd_m(labelled_box_sides(samples, class_names(args.tiles, samples)))
    if source_gsd is None:
        raise SystemExit(f"{args.tiles}: no labelled class of known size to estimate the GSD from")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rams-bench-gsd-") as tmp:
        for gsd in [source_gsd, *sorted(float(g) for g in args.gsds.split(",") if g)]:
            if gsd < source_gsd:
                continue
            t0 = time.perf_counter()
            root = args.tiles if gsd == source_gsd else degrade_split(
                args.tiles, args.split, source_gsd / gsd, Path(tmp) / f"gsd-{gsd:g}")
            rep = evaluate_tiles(root, args.split, det, gsd_m=gsd, class_map=class_map).to_dict()
            agn = rep["class_agnostic"]
            row = {"gsd_m": round(gsd, 6), "source": gsd == source_gsd, "ap50": rep["ap50"],
                   "precision": agn["precision"], "recall": agn["recall"],
                   "false_alarms_per_image": agn["false_alarms_per_image"],
                   "false_alarms_per_ha": agn["false_alarms_per_ha"],
                   "recall_at_1_fa_per_ha": agn["recall_at_fa_per_ha"]["recall"],
                   "upsampling": round(gsd / det.input_gsd_m, 2) if det.input_gsd_m else None,
                   "seconds": round(time.perf_counter() - t0, 1)}
            rows.append(row)
            print(f"{gsd * 100:5.2f} cm ({row['upsampling']}x the model's GSD): AP50 {row['ap50']:.3f}  "
                  f"P {row['precision']:.3f} R {row['recall']:.3f} at threshold {det.threshold:.3f}  "
                  f"recall at <= 1 false alarm/ha {row['recall_at_1_fa_per_ha']:.3f}", flush=True)
    results = {
        "benchmark": "rgb_gsd", "tiles": str(args.tiles), "split": args.split,
        "source_gsd_m": round(source_gsd, 6), "gsd_source": "estimated from the physical size of labelled mines",
        "model": det.meta.get("name"), "weights_sha256": det.weights_sha256,
        "model_gsd_m": det.input_gsd_m, "model_max_input_gsd_m": det.max_input_gsd_m,
        "threshold": det.threshold, "inference_precision": det.precision,
        "degradation": "area averaging (cv2.INTER_AREA) of each image, saved as PNG",
        "rows": rows,
    }
    write_json_atomic(args.out, results)
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
