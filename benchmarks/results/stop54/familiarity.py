"""Stop 54 probe (analysis only, nothing shipped): how unlike its training data a set of images
looks to an RGB detector, from its batch-norm layers.

Every BN layer keeps the mean and variance of its input over training (running statistics). For
a set of images, this accumulates the same per-channel mean and variance of each BN layer's input
over every pixel of every image (prepared as inference prepares it: resampled to the working
GSD, normalised, padded) and reports the KL divergence of N(set) from N(training) per channel,
averaged over channels, per layer and over all layers. Labels are read only to estimate the
set's GSD, as the tile benchmark does. The question: does it separate a site where the detector
fails (ZN on F03: AP50 0.081) from one where it works (ZN on F14: 0.963)?

    python benchmarks/results/stop54/familiarity.py MODEL.pt ROOT SPLIT [ROOT SPLIT ...]
"""
from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from rams.detection.detector import Detector
from rams.detection.model import CenterNet
from rams.detection.sources import estimate_gsd_m, labelled_box_sides
from rams.detection.yolo import class_names, load_image, read_split

# the unfused network and its metadata, loaded as stop 53's AdaBN script loads them
_spec = importlib.util.spec_from_file_location("adabn", Path(__file__).parents[1] / "stop53" / "adabn.py")
assert _spec is not None and _spec.loader is not None
_adabn = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_adabn)
load_net = _adabn.load_net


@torch.inference_mode()
def familiarity(net: CenterNet, probe: Detector, root: str, split: str) -> dict[str, object]:
    samples = read_split(root, split)
    gsd = estimate_gsd_m(labelled_box_sides(samples, class_names(root, samples)))
    bns = [(n, m) for n, m in net.named_modules() if isinstance(m, nn.BatchNorm2d)]
    acc = {n: [0.0, None, None] for n, _ in bns}  # count, sum, sum of squares per channel

    def hook(name: str):
        def f(_m: nn.Module, inp: tuple[torch.Tensor, ...]) -> None:
            x = inp[0]
            a = acc[name]
            a[0] += x.shape[0] * x.shape[2] * x.shape[3]
            # per-image sums in float32, accumulated over images in float64
            s, q = x.sum(dim=(0, 2, 3)).double(), (x * x).sum(dim=(0, 2, 3)).double()
            a[1] = s if a[1] is None else a[1] + s
            a[2] = q if a[2] is None else a[2] + q
        return f

    handles = [m.register_forward_pre_hook(hook(n)) for n, m in bns]
    net.eval()
    for s in samples:
        net(probe.tile_input(load_image(s.image, 3), gsd).contiguous())
    for h in handles:
        h.remove()
    per_layer = {}
    for n, m in bns:
        cnt, s, q = acc[n]
        mu = s / cnt
        var = (q / cnt - mu * mu).clamp_min(1e-8)
        mr, vr = m.running_mean.double(), m.running_var.double().clamp_min(1e-8)
        kl = 0.5 * ((mu - mr) ** 2 / vr + var / vr - 1 - torch.log(var / vr))
        per_layer[n] = float(kl.mean())
    vals = np.array(list(per_layer.values()))
    return {"set": f"{root}:{split}", "images": len(samples), "gsd_m": gsd,
            "kl_mean_all_layers": float(vals.mean()), "kl_median_all_layers": float(np.median(vals)),
            "kl_first_quarter_layers": float(vals[: max(1, len(vals) // 4)].mean()), "per_layer": per_layer}


def main() -> None:
    model, rest = sys.argv[1], sys.argv[2:]
    net, meta = load_net(model)
    probe = Detector(copy.deepcopy(net), meta, "float32")
    out = []
    for root, split in zip(rest[::2], rest[1::2], strict=True):
        r = familiarity(net, probe, root, split)
        out.append(r)
        print(f"{model} {r['set']} n={r['images']} gsd={r['gsd_m']:.4f} KL mean {r['kl_mean_all_layers']:.3f} "
              f"median {r['kl_median_all_layers']:.3f} first quarter {r['kl_first_quarter_layers']:.3f}", flush=True)
    print(json.dumps([{k: v for k, v in r.items() if k != "per_layer"} for r in out]))


if __name__ == "__main__":
    main()
