"""Assemble rgb_W_adoption_experiment.json from experiment X's files (scratch).

    python benchmarks/results/scratch_2026-12-04d/assemble_x.py WORK OUT.json

WORK holds, per family F: ``re_F_S.json`` (redelineate.py on the shipped pipeline's kept runs with
the shipped combiner), ``re_F_X.json`` (on W's kept runs with W's refitted combiner) and
``re_F_Xp.json`` (on W's kept runs with the shipped combiner); optionally ``S_F.json`` and
``Xs_F.json`` (bench_candidates.py summaries of the kept runs themselves) and ``int8.json``
(W's calibration record), ``rank_F_P.json`` (``scratch_2026-12-04c/ranking.py KEEP C --json``: AP and
operating points of the point probabilities) and ``cnn_karst_S.json`` / ``cnn_karst_W.json``
(``bench_rgb_synth.py --families karst --seeds 1000-1003``, CNN points alone).
"""

import json
import sys
from pathlib import Path

work, out = Path(sys.argv[1]), Path(sys.argv[2])
families: dict = {}
for re_f in sorted(work.glob("re_*_*.json")):
    fam, pipe = re_f.stem.removeprefix("re_").rsplit("_", 1)
    families.setdefault(fam, {})[f"rescored_{pipe}"] = json.loads(re_f.read_text())["summary"]
for fam, entry in families.items():
    for pipe, name in (("S", "pipeline_shipped"), ("Xs", "pipeline_W_shipped_combiner")):
        f = work / f"{pipe}_{fam}.json"
        if f.is_file():
            entry[name] = json.loads(f.read_text())["summary"]
result = {
    "experiment": "X: W (RGB CNN fine-tuned with metal oddments as negatives) with its int8 calibration "
                  "and a combiner refitted for it, against the shipped pipeline",
    "rule": "benchmarks/results/rule_X_adopt_W.md",
    "pipelines": {
        "S": "shipped: models/rams_rgb.pt (cef8eb92...), its int8 calibration, models/rams_combiner.json",
        "X": "W weights (3c9d324b...), W's int8 calibration, combiner refitted for W",
        "Xp": "W weights, W's int8 calibration, the shipped combiner (reported, not gated)",
    },
    "int8_command": "python benchmarks/calibrate_int8.py --model rams_rgb --tiles ../shared/datasets/pfm1-drone-rgb "
                    "--eval-split valid --class-map pfm-1=PFM-1 (W in models/ of a worktree)",
    "fit_command": "python benchmarks/fit_combiner.py --work W --real-rgb R --out C (W in models/ of a worktree; "
                   "R: python benchmarks/real_rgb_flights.py ../shared/datasets/pfm1-drone-rgb --split train "
                   "--select-fraction 0.2 --out R)",
    "bench_command": "python benchmarks/bench_candidates.py --family F --keep DIR (default config, precision auto)",
    "rescore_command": "python benchmarks/redelineate.py DIR --config C (C: candidates.combiner = that pipeline's file)",
    "ranking_command": "python benchmarks/results/scratch_2026-12-04c/ranking.py DIR C --json",
    "families": families,
}
for fam, entry in families.items():
    for pipe in ("S", "X", "Xp"):
        f = work / f"rank_{fam}_{pipe}.json"
        if f.is_file():
            entry[f"ranking_{pipe}"] = json.loads(f.read_text().strip().splitlines()[-1])
for model in ("S", "W"):
    f = work / f"cnn_karst_{model}.json"
    if f.is_file():
        result.setdefault("cnn_points_karst", {})[model] = json.loads(f.read_text())
if (work / "int8.json").is_file():
    result["int8_W"] = json.loads((work / "int8.json").read_text())
out.write_text(json.dumps(result, indent=1) + "\n")
print(f"wrote {out}: {', '.join(families)}")
