"""Experiment ZD proper (rule benchmarks/results/rule_ZD_decoys.md): ZD's trained weights with flip
averaging recorded (``tta: true``), as every shipped RGB model since rule T; threshold kept as the
training selected it. Usage: python make_zd_tta.py ZD.pt OUT.pt"""
import sys
from pathlib import Path

import torch

from rams.detection.detector import load_detector, save_detector
from rams.detection.metadata import DetectorMetadata
from rams.detection.model import CenterNet

src, out = Path(sys.argv[1]), Path(sys.argv[2])
doc = torch.load(src, map_location="cpu", weights_only=True)
meta = dict(doc["meta"])
meta["tta"] = True
net = CenterNet(DetectorMetadata.from_dict(meta).config)
net.load_state_dict(doc["state_dict"])
out.parent.mkdir(parents=True, exist_ok=True)
print(save_detector(out, net, meta))
det = load_detector(out)
print("loaded", det.threshold, det.tta, det.weights_sha256[:16])
