"""Experiment U: the 0.5/0.5 average of W and Z (rule benchmarks/results/rule_U_weight_average.md)."""
import sys
from pathlib import Path
import torch
from rams.detection.detector import load_detector, save_detector

w_path, z_path, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
W = torch.load(w_path, map_location="cpu", weights_only=True)
Z = torch.load(z_path, map_location="cpu", weights_only=True)
assert W["state_dict"].keys() == Z["state_dict"].keys()
assert W["meta"]["config"] == Z["meta"]["config"]
sd = {k: ((0.5 * W["state_dict"][k].double() + 0.5 * z.double()).to(z.dtype) if z.is_floating_point() else z.clone())
      for k, z in Z["state_dict"].items()}
from rams.detection.metadata import DetectorMetadata
from rams.detection.model import CenterNet
net = CenterNet(DetectorMetadata.from_dict(Z["meta"]).config)  # Z's architecture, unfused
net.load_state_dict(sd)
out.parent.mkdir(parents=True, exist_ok=True)
print(save_detector(out, net, dict(Z["meta"])))
det = load_detector(out)
print("loaded", det.threshold, det.tta, det.weights_sha256[:16])
