"""Assemble combiner_metal_oddments_experiment.json from experiment V's files (scratch).

    python benchmarks/results/scratch_2026-12-04c/assemble_v.py WORK OUT.json

WORK holds, per family F: ``base_F.json`` (bench_candidates.py --family F --keep keep_F, shipped
pipeline), ``re_F_shipped.json`` and ``re_F_V.json`` (redelineate.py keep_F --config with the
shipped or V combiner), ``rank_F_shipped.json`` and ``rank_F_V.json`` (ranking.py ... --json).
"""

import json
import sys
from pathlib import Path

work, out = Path(sys.argv[1]), Path(sys.argv[2])
families = {}
for base in sorted(work.glob("base_*.json")):
    fam = base.stem.removeprefix("base_")
    entry = {"pipeline_shipped": json.loads(base.read_text())["summary"]}
    for c in ("shipped", "V"):
        re_f, rank_f = work / f"re_{fam}_{c}.json", work / f"rank_{fam}_{c}.json"
        if re_f.is_file():
            entry[f"rescored_{c}"] = json.loads(re_f.read_text())["summary"]
        if rank_f.is_file():
            entry[f"ranking_{c}"] = json.loads(rank_f.read_text().strip().splitlines()[-1])
    families[fam] = entry
result = {
    "experiment": "V: the point combiner refitted with metal oddments in half its fit and calibration flights",
    "rule": "benchmarks/results/rule_V_metal_oddments.md",
    "fit_command": "python benchmarks/fit_combiner.py --oddments metal --work W --real-rgb R --out X "
                   "(R: python benchmarks/real_rgb_flights.py ../shared/datasets/pfm1-drone-rgb --split train "
                   "--select-fraction 0.2 --out R); 2781.6 s, partly alongside the benchmark runs",
    "combiner_file": "models/experiments/rams_combiner_V/rams_combiner.json",
    "bench_command": "python benchmarks/bench_candidates.py --family F --keep DIR (shipped pipeline, default config)",
    "rescore_command": "python benchmarks/redelineate.py DIR --config C (C: candidates.combiner = shipped or V file)",
    "ranking_command": "python benchmarks/results/scratch_2026-12-04c/ranking.py DIR C --json",
    "families": families,
}
out.write_text(json.dumps(result, indent=1) + "\n")
print(f"wrote {out}: {', '.join(families)}")
