"""Stop 57 experiment: which parts of the lite0 network must stay float32 for int8 to keep AP50?

Usage: python int8_lite0_variants.py MODEL.pt VARIANT [VARIANT ...]  (run in a scratch folder)

Variants: base (the shipped int8 recipe: everything int8 but the heads), act8 (8-bit
activations, no reduce_range: only for CPUs with VNNI), stem (stem and block 0 float),
dw (every depthwise convolution float), fpn (lateral, smooth and head convolutions float),
and combinations joined with '+'. Each: calibrate on 64 seeded train tiles of pfm1-drone-rgb
(benchmarks/calibrate_int8.py's own inputs), then AP50 on the withheld flight F14 (valid/) in
int8 on the calibration's engine. Float32 AP50 is scored once in the same run.
"""
import json
import os
import shutil
import sys
import time
from argparse import Namespace
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import calibrate_int8 as cal  # noqa: E402

import rams.detection.inference_modes as im  # noqa: E402
from rams.detection.detector import load_detector, verify_checksum  # noqa: E402
from rams.evaluation.tiles import evaluate_tiles  # noqa: E402

TILES = ROOT.parent / "shared/datasets/pfm1-drone-rgb"
EXTRA = {
    "stem": ["body.trunk.stem", "body.trunk.blocks.0"],
    "dw": [f"body.trunk.blocks.{i}.depthwise" for i in range(11)],
    "fpn": ["body.lateral", "body.smooth", "body.head_conv"],
}
_default_mapping = torch.ao.quantization.get_default_qconfig_mapping


def _mapping_8bit(engine="x86", version=0):
    from torch.ao.quantization import (
        HistogramObserver,
        QConfig,
        default_per_channel_weight_observer,
    )
    m = _default_mapping(engine, version)
    m.set_global(QConfig(activation=HistogramObserver.with_args(reduce_range=False),
                         weight=default_per_channel_weight_observer))
    return m


def run(model: Path, variant: str, out: dict) -> None:
    parts = variant.split("+")
    im.FLOAT_MODULES = ("heads", *[n for p in parts for n in EXTRA.get(p, [])])
    torch.ao.quantization.get_default_qconfig_mapping = _mapping_8bit if "act8" in parts else _default_mapping
    work = Path(f"v_{variant}")
    work.mkdir(exist_ok=True)
    os.environ["RAMS_CACHE_DIR"] = str(work.resolve() / "cache")
    w = work / "rams_rgb.pt"
    for suffix in (".pt", ".pt.sha256", ".md"):
        shutil.copy(model.with_suffix(suffix), work / f"rams_rgb{suffix}")
    im._int8_cache.clear()
    t0 = time.time()
    digest = verify_checksum(w)
    args = Namespace(tiles=TILES, n_images=64, seed=0)
    calibration = cal._calibrate(args, w, digest)
    calibration.save(im.calibration_path(w))
    d = load_detector(w, precision="int8")
    assert d.precision == "int8", d.inference_mode.reason
    r = evaluate_tiles(TILES, "valid", d, class_map={"pfm-1": "PFM-1"}).to_dict()
    out[variant] = {k: r[k] for k in ("ap50", "precision", "recall")} | {
        "engine": d.inference_mode.engine, "float_modules": list(im.FLOAT_MODULES),
        "seconds": round(time.time() - t0, 1)}
    print(variant, json.dumps(out[variant]), flush=True)


def main() -> None:
    model = Path(sys.argv[1]).resolve()
    torch.set_num_threads(2)
    out: dict = {"model": str(model), "cpu_capability": torch.backends.cpu.get_cpu_capability()}
    if "float32" in sys.argv[2:]:
        r = evaluate_tiles(TILES, "valid", load_detector(model, precision="float32"),
                           class_map={"pfm-1": "PFM-1"}).to_dict()
        out["float32"] = {k: r[k] for k in ("ap50", "precision", "recall")}
        print("float32", json.dumps(out["float32"]), flush=True)
    for v in sys.argv[2:]:
        if v != "float32":
            run(model, v, out)
        Path("int8_lite0_variants.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
