"""Ranking quality of a combiner on kept benchmark runs (scratch, not maintained).

    python benchmarks/results/scratch_2026-12-04c/ranking.py KEEP_DIR CONFIG.yaml

Re-scores every candidate point of the mined flights kept by ``bench_candidates.py --keep`` as
``redelineate.py`` does, then prints the average precision of the point probabilities (recall
over all true mines, one-to-one 0.5 m labels), the best F1 over thresholds and the recall at
precision 0.85, and precision/recall at 0.5; with ``--json`` the operating points of the
threshold sweep (:func:`rams.candidates.calibration.operating_points`) as one JSON line.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from redelineate import redelineate_run

from rams.candidates.calibration import operating_points, threshold_sweep
from rams.candidates.combiner import resolve_combiner
from rams.config import load_config

keep, cfg_path = Path(sys.argv[1]), Path(sys.argv[2])
config = load_config(cfg_path).candidates
combiner, _ = resolve_combiner(config.combiner)
probs, labels, n_truth = [], [], 0
for out in sorted(keep.glob("out-*")):
    truth = keep / out.name.removeprefix("out-") / "truth.geojson"
    r = redelineate_run(out, truth, config, combiner)
    if r["n_truth_mines"]:
        probs += r["_probability"]
        labels += r["_on_mine"]
        n_truth += r["n_truth_mines"]
p, y = np.array(probs), np.array(labels, bool)
order = np.argsort(-p, kind="stable")
tp = np.cumsum(y[order])
prec = tp / np.arange(1, len(p) + 1)
rec = tp / n_truth
ap = float(np.sum(prec[y[order]]) / n_truth)
f1 = 2 * tp / (np.arange(1, len(p) + 1) + n_truth)
r85 = float(rec[prec >= 0.85].max()) if (prec >= 0.85).any() else 0.0
at = p >= 0.5
print(f"{keep.name} {cfg_path.stem}: AP {ap:.3f}, best F1 {f1.max():.3f} at p>={p[order][f1.argmax()]:.3f}, "
      f"recall at P>=0.85 {r85:.3f}; at 0.5 P {y[at].mean():.3f} R {y[at].sum() / n_truth:.3f}")
if "--json" in sys.argv:
    import json

    print(json.dumps({"keep": str(keep), "config": str(cfg_path), "ap": round(ap, 4), "n_truth": n_truth,
                      "at_0.5": {"precision": round(float(y[at].mean()), 4), "recall": round(float(y[at].sum() / n_truth), 4)},
                      "operating_points": operating_points(threshold_sweep(p, y), n_truth)}))
