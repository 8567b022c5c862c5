"""Rule ZN, part 2: score an RGB detector on a YOLO split with and without test-time
batch-norm re-estimation ("AdaBN") on that split's own images (labels not read for it).

    python benchmarks/results/stop53/adabn.py MODEL.pt ROOT SPLIT OUT_PREFIX

Writes OUT_PREFIX_plain.json and OUT_PREFIX_adabn.json (rams benchmark tiles reports, float32)
and prints AP50, its interval, recall and false alarms per tile at the operating threshold.
"""
from __future__ import annotations

import copy
import sys

import torch
from torch import nn

from rams.detection.detector import Detector
from rams.detection.metadata import DetectorMetadata
from rams.detection.model import CenterNet
from rams.detection.sources import estimate_gsd_m, labelled_box_sides
from rams.detection.yolo import class_names, load_image, read_split
from rams.evaluation.tiles import evaluate_tiles


def load_net(path: str) -> tuple[CenterNet, DetectorMetadata]:
    blob = torch.load(path, map_location="cpu", weights_only=True)
    meta = DetectorMetadata.from_dict(blob["meta"])
    net = CenterNet(meta.config)
    net.load_state_dict(blob["state_dict"])
    return net, meta


@torch.no_grad()
def adapt_bn(net: CenterNet, probe: Detector, root: str, split: str) -> int:
    """Re-estimate every batch norm's statistics from the split's images (one pass, cumulative).

    ``probe`` (a detector of the same weights) prepares each image as inference would
    (:meth:`Detector.tile_input`: resampled to the working GSD, normalised, padded).
    """
    samples = read_split(root, split)
    gsd = estimate_gsd_m(labelled_box_sides(samples, class_names(root, samples)))  # as the benchmark resamples
    net.eval()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
            m.train()
    for s in samples:
        net(probe.tile_input(load_image(s.image, 3), gsd).contiguous())
    net.eval()
    return len(samples)


def summary(rep) -> str:
    d = rep.to_dict()
    return (f"AP50 {d['ap50']:.4f} interval {d['ap50_ci95']} P {d['precision']:.3f} R {d['recall']:.3f} "
            f"FA/tile {d['false_alarms_per_image']:.3f} threshold {d['threshold']}")


def main() -> None:
    model, root, split, out = sys.argv[1:5]
    net, meta = load_net(model)
    probe = Detector(copy.deepcopy(net), meta, "float32")  # fuses its own copy
    plain = evaluate_tiles(root, split, probe, out_json=f"{out}_plain.json", class_map={"pfm-1": "PFM-1"})
    print("plain", summary(plain), flush=True)
    n = adapt_bn(net, probe, root, split)
    adapted = evaluate_tiles(root, split, Detector(net, meta, "float32"),
                             out_json=f"{out}_adabn.json", class_map={"pfm-1": "PFM-1"})
    print(f"adabn ({n} images)", summary(adapted), flush=True)


if __name__ == "__main__":
    main()
