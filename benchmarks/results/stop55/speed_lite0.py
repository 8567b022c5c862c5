"""Stop 55: the network's cost of the lite0 trunk against the plain `small` network.

Both fused, channels-last, 2 threads, one 1024 x 1024 RGB input, float32 eager, bfloat16
autocast and int8 (x86 engine; activations calibrated on random inputs, which is enough for a
timing, not for accuracy); passes interleaved, the fastest of each kept. Random weights:
speed does not depend on them. Writes benchmarks/results/stop55/speed_lite0.json.
Usage: python benchmarks/results/stop55/speed_lite0.py
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import torch

from rams.detection import inference_modes as im
from rams.detection.model import CenterNet, model_config

torch.set_num_threads(2)
torch.manual_seed(0)
PX = 1024
ROUNDS = 7


def build(preset: str) -> CenterNet:
    net = CenterNet(model_config(preset, 3, 4))
    net.train()
    with torch.no_grad():
        for _ in range(2):
            net(torch.randn(4, 3, 64, 64))
    return net.eval().fuse().to(memory_format=torch.channels_last)  # type: ignore[no-any-return]


def main() -> None:
    x = torch.randn(1, 3, PX, PX).contiguous(memory_format=torch.channels_last)
    forwards = {}
    for preset in ("small", "lite0"):
        net = build(preset)
        cal = im.calibrate_int8(net, [torch.randn(2, 3, 256, 256) for _ in range(4)], in_channels=3,
                                weights_sha256=f"{preset:0<64}"[:64])
        q = im.quantize_int8(net, cal, 3)

        def bf16(t: torch.Tensor, net: CenterNet = net) -> object:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return net(t)

        forwards[f"{preset}_float32"] = net
        forwards[f"{preset}_bfloat16"] = bf16
        forwards[f"{preset}_int8"] = q
    best = {k: float("inf") for k in forwards}
    with torch.no_grad():
        for f in forwards.values():
            f(x)
        for _ in range(ROUNDS):
            for k, f in forwards.items():
                t = time.perf_counter()
                f(x)
                best[k] = min(best[k], time.perf_counter() - t)
    mpx = {k: round(PX * PX / 1e6 / v, 2) for k, v in best.items()}
    flags = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    has = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16") if f" {f}" in flags]
    out = {
        "benchmark": "network Mpx/s, lite0 trunk vs plain small, 1024 x 1024, 2 threads, fastest of 7",
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu_flags": has, "torch": torch.__version__, "mpx_s": mpx,
        "lite0_over_small": {m: round(mpx[f"lite0_{m}"] / mpx[f"small_{m}"], 3)
                             for m in ("float32", "bfloat16", "int8")},
    }
    print(json.dumps(out, indent=1))
    Path(__file__).with_name("speed_lite0.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
