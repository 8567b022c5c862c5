"""Rule ZS: gather the tile reports of models SA and SB into
benchmarks/results/rgb_ZS_pretrained_trunk_loso_experiment.json and evaluate the gates.
Usage: python benchmarks/results/stop55/make_zs_json.py  (reports in benchmarks/results/stop55/tiles/)"""

from __future__ import annotations

import json
import time
from pathlib import Path

HERE = Path(__file__).parent
TILES = HERE / "tiles"
BASELINES = {  # rule ZQ (model B) and rule ZN, the same recipe with the plain network from scratch
    ("SA", "f15"): 0.140, ("SA", "f14"): 0.184, ("SB", "f03"): 0.081, ("SB", "f14"): 0.963,
}


def row(model: str, s: str) -> dict[str, object] | None:
    path = TILES / f"{model}_{s}.json"
    if not path.is_file():
        return None
    d = json.loads(path.read_text())
    return {
        "report": str(path.relative_to(HERE.parent.parent.parent)),
        "images": d["n_images"], "pfm1": d["n_objects"], "ap50": round(d["ap50"], 3),
        "ap50_ci95": d["ap50_ci95"], "precision": round(d["precision"], 3), "recall": round(d["recall"], 3),
        "false_alarms_per_tile": round(d["false_alarms_per_image"], 3),
        "recall_at_1_fa_per_ha": d["recall_at_fa_per_ha"]["recall"], "inference_precision": d["inference_precision"],
        "baseline_ap50": BASELINES.get((model, s)),
    }


rows = {f"{m}_{s}": row(m, s) for m in ("SA", "SB") for s in ("f15", "f14", "f03")}
rows = {k: v for k, v in rows.items() if v is not None}


def ap(key: str) -> float | None:
    return rows[key]["ap50"] if key in rows else None  # type: ignore[return-value]


gates = {
    "S1_SA_f15_ge_0.240_and_f14_ge_0.284": None if ap("SA_f15") is None else bool(ap("SA_f15") >= 0.240 and ap("SA_f14") >= 0.284),
    "S2_SB_f03_ge_0.181": None if ap("SB_f03") is None else bool(ap("SB_f03") >= 0.181),
    "S3_false_alarms_per_tile_le_0.2_every_set": bool(all(r["false_alarms_per_tile"] <= 0.2 for r in rows.values())),
    "S3_failing_sets": [k for k, r in rows.items() if r["false_alarms_per_tile"] > 0.2],
    "S4_SB_f14_ge_0.933": None if ap("SB_f14") is None else bool(ap("SB_f14") >= 0.933),
}
out = {
    "benchmark": "rule ZS: ImageNet-pretrained EfficientNet-Lite0 trunk, leave one real site out",
    "rule": "benchmarks/results/rule_ZS_pretrained_trunk_loso.md",
    "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "command": "bash benchmarks/results/stop55/chain_zs.sh (worktree at d827b37): rams train --recipe "
               "benchmarks/results/stop55/recipe_{no210414,noF03}_lite0.yaml; make_zd_tta.py; rams benchmark tiles SET "
               "--split valid --class-map pfm-1=PFM-1 --precision float32",
    "scoring": "flip-averaged, float32, IoU 0.5, class-agnostic over mine classes, 95 % bootstrap intervals over images",
    "machine": "2-core Intel Xeon (Sapphire Rapids class: avx2, avx512f, avx512_bf16, amx_bf16), float32 training",
    "models": {
        "SA": "site Phan4_210414 (F14, F15) never seen; trained on F01, F02, F03 + synthetic; selection 20 % of those",
        "SB": "site Phan4_200316 (F03) never seen; trained on F01, F02, F15 + synthetic; selection 20 % of those",
    },
    "results": rows, "gates": gates,
}
Path(HERE.parent / "rgb_ZS_pretrained_trunk_loso_experiment.json").write_text(json.dumps(out, indent=1) + "\n")
print(json.dumps(out, indent=1))
