"""Calibrate a detector for int8 on real training tiles and check its AP50 against float32.

Usage::

    python benchmarks/calibrate_int8.py --model rams_rgb --tiles ../shared/datasets/pfm1-drone-rgb \\
        --eval-split valid --class-map pfm-1=PFM-1
    python benchmarks/calibrate_int8.py --model rams_thermal \\
        --tiles ../shared/datasets/landmines-thermal-yolo --eval-split test

1. Calibration: ``--n-images`` images drawn (seeded) from the *train* split only, each made
   into the network's input exactly as inference makes it (resampled to the model's GSD from
   the flight's GSD, estimated from the labelled mines' physical size, or resized to the
   training size), observed by ``torch.ao`` histogram observers; the activation scales and
   zero points go to ``models/NAME.int8.json``, tied to the weights' SHA-256.
2. Accuracy: ``rams benchmark tiles`` (:func:`rams.evaluation.tiles.evaluate_tiles`) on the
   withheld split in float32 and in int8 on every quantisation engine int8 may run on (the
   calibration's, and ``onednn`` where this PyTorch build has it), in the same run; the AP50s
   are recorded in the calibration file, one entry per engine (``precision="auto"`` runs
   int8 on an engine only if it lost at most 0.01 there), and the int8 reports are written to
   ``benchmarks/results/tiles_NAME_SPLIT_int8.json`` (``..._int8_ENGINE.json`` for the others).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rams.detection.detector import load_detector, resolve_model_path, verify_checksum
from rams.detection.inference_modes import (
    ALT_INT8_ENGINES,
    Int8Calibration,
    calibrate_int8,
    calibration_path,
    supported_engines,
)
from rams.detection.sources import estimate_gsd_m, labelled_box_sides
from rams.detection.yolo import class_names, load_image, read_split
from rams.evaluation.tiles import evaluate_tiles


def _flight_of(name: str) -> str:
    """The flight an image of pfm1-drone-rgb comes from (``M600_191105_F01`` of
    ``M600_191105_F01_RGB_jpg.rf.HASH.jpg``); other sets are one group."""
    return name.split("_RGB")[0] if "_RGB" in name else ""


def _calibrate(args: argparse.Namespace, path: Path, digest: str) -> Int8Calibration:
    """Observe the activations on ``--n-images`` seeded train images (see the module docstring)."""
    det = load_detector(path, precision="float32")
    samples = read_split(args.tiles, "train")
    names = class_names(args.tiles, samples)
    rng = np.random.default_rng(args.seed)
    pick = sorted(rng.choice(len(samples), min(args.n_images, len(samples)), replace=False))
    gsd_by_flight: dict[str, float | None] = {}
    if det.input_gsd_m is not None:
        for flight in {_flight_of(samples[i].image.name) for i in pick}:
            group = [s for s in samples if _flight_of(s.image.name) == flight]
            gsd_by_flight[flight] = estimate_gsd_m(labelled_box_sides(group, names))
    inputs = []
    for i in pick:
        s = samples[i]
        gsd = gsd_by_flight.get(_flight_of(s.image.name))
        if det.input_gsd_m is not None and gsd is None:
            continue
        inputs.append(det.tile_input(load_image(s.image, det.in_channels), gsd))
    t0 = time.perf_counter()
    source = {"tiles": str(args.tiles), "split": "train", "seed": args.seed,
              "gsd_m_by_flight": {k: None if v is None else round(v, 6) for k, v in gsd_by_flight.items()}}
    float_modules = args.float_modules.split(",") if args.float_modules else None
    calibration = calibrate_int8(det.net, inputs, in_channels=det.in_channels,
                                 weights_sha256=digest, source=source, float_modules=float_modules)
    print(f"kept float32: {', '.join(calibration.float_modules)}")
    print(f"calibrated on {len(inputs)} train images in {time.perf_counter() - t0:.1f} s")
    return calibration


def main(argv: list[str] | None = None) -> int:
    """Calibrate, check and write the calibration file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="weights path or name in models/")
    ap.add_argument("--tiles", type=Path, required=True, help="YOLO tile set with train/")
    ap.add_argument("--eval-split", default="valid", help="withheld split for the AP50 check")
    ap.add_argument("--class-map", default=None, help="set class -> model class renames, 'a=B'")
    ap.add_argument("--n-images", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--float-modules", default=None,
                    help="modules kept float32, comma-separated names in the int8 graph (e.g. "
                         "'heads,body.trunk.stem'); default: rams.detection.inference_modes.default_float_modules")
    ap.add_argument("--check-only", action="store_true",
                    help="keep the calibration file's activation parameters; only check the accuracy "
                         "again (on every engine of this build)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    path = resolve_model_path(args.model)
    digest = verify_checksum(path)
    cal_path = calibration_path(path)
    if args.check_only:
        calibration = Int8Calibration.load(cal_path)
        if calibration.weights_sha256 != digest:
            raise SystemExit(f"{cal_path} was made for other weights; calibrate again without --check-only")
        print(f"{cal_path}: activation parameters kept, accuracy checked again")
        kept = list(calibration.accuracy)  # records of other splits and engines stay
    else:
        calibration = _calibrate(args, path, digest)
        kept = []  # new activation parameters: no earlier record holds for them
        calibration.accuracy = []
        calibration.save(cal_path)  # without an accuracy record: int8 on request only, never auto

    mapping = dict(p.split("=", 1) for p in args.class_map.split(",")) if args.class_map else None
    engines = [calibration.engine, *(e for e in ALT_INT8_ENGINES if e in supported_engines()
                                     and e != calibration.engine)]
    reports = {}
    for run in ("float32", *engines):
        precision = "float32" if run == "float32" else "int8"
        d = load_detector(path, precision=precision, int8_engine=None if run == "float32" else run)
        assert d.precision == precision, d.inference_mode.reason
        assert precision == "float32" or d.inference_mode.engine == run, d.inference_mode.to_dict()
        if precision == "float32":
            out = Path(tempfile.gettempdir()) / f"tiles_{path.stem}_{args.eval_split}_float32.json"
        else:
            suffix = "" if run == calibration.engine else f"_{run}"
            out = Path("benchmarks/results") / f"tiles_{path.stem}_{args.eval_split}_int8{suffix}.json"
        reports[run] = evaluate_tiles(args.tiles, args.eval_split, d, out_json=out,
                                      out_png=out.with_suffix(".png"), class_map=mapping).to_dict()
        print(run, json.dumps({k: reports[run][k] for k in ("ap50", "ap50_95", "precision", "recall", "seconds")}))
    split = f"{args.tiles.name} {args.eval_split}"
    calibration.accuracy = [r for r in kept if (r.get("split"), r.get("engine", calibration.engine))
                            not in {(split, e) for e in engines}] + [{
        "split": split, "engine": engine,
        # on CPUs with VNNI the x86 engine runs oneDNN's kernels, on AVX2 fbgemm's: where measured
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "n_images": reports[engine]["n_images"],
        "float32_ap50": reports["float32"]["ap50"], "int8_ap50": reports[engine]["ap50"],
        "float32_recall": reports["float32"]["recall"], "int8_recall": reports[engine]["recall"],
    } for engine in engines]
    calibration.save(cal_path)
    for engine in engines:
        loss = calibration.ap50_loss(engine)
        assert loss is not None
        print(f"{cal_path} ({engine}): AP50 float32 {reports['float32']['ap50']}, int8 {reports[engine]['ap50']} "
              f"(loss {loss:+.4f}; auto may run int8 on {engine}: {calibration.accurate(engine)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
