"""Assemble rgb_Z_metal_scatter_experiment.json from experiment Z's files (scratch, stop 41).

    python benchmarks/results/scratch_2026-12-04f/assemble_z.py WORK OUT.json

WORK (``/tmp/z`` in stop 41) holds, per pipeline P in S (shipped) and Z:
``cand_P.json`` (``bench_candidates.py --family pine-edge --keep DIR [--config Z.yaml]``),
``rgbsynth_P.json`` (``bench_rgb_synth.py --model M --families pine-edge --seeds 1000-1003``),
``tiles_P.json`` (``rams benchmark tiles ... --split valid --precision float32 -o``), and
``Z/rams_rgb.int8.json`` (Z's int8 calibration record); for the seen families of addendum 2,
``candk_P.json`` and ``candp_P.json`` (``karst``, ``paddy``; W as P = S through ``--config W.yaml``,
a copy of the shipped files) and ``rgbsynthk_Z.json``; ``real_rgb_SZ.json`` (``bench_real_rgb.py
--compare W=W.yaml --compare Z=Z.yaml``). Prints the gates of rule Z and the pooled check.
"""

import json
import sys
from pathlib import Path

work, out = Path(sys.argv[1]), Path(sys.argv[2])


def load(name: str):
    f = work / name
    return json.loads(f.read_text()) if f.is_file() else None


res: dict = {
    "experiment": "Z: the parent T fine-tuned with metal oddments and PFM-1 scatter fields together "
                  "(configs/training/rams_rgb_finetune_metal_scatter.yaml), flip-averaged, with its own int8 "
                  "calibration and the shipped combiner, against the shipped pipeline (W)",
    "rule": "benchmarks/results/rule_Z_metal_scatter.md",
    "commands": {
        "candidates": "python benchmarks/bench_candidates.py --family pine-edge --keep DIR [--config Z.yaml]",
        "cnn_points": "python benchmarks/bench_rgb_synth.py --model M --families pine-edge --seeds 1000-1003",
        "tiles": "rams benchmark tiles ../shared/datasets/pfm1-drone-rgb --split valid --model M "
                 "--class-map pfm-1=PFM-1 --precision float32",
        "int8": "python benchmarks/calibrate_int8.py --model M --tiles ../shared/datasets/pfm1-drone-rgb "
                "--eval-split valid --class-map pfm-1=PFM-1",
    },
}
for p in ("S", "Z"):
    c, r, t = load(f"cand_{p}.json"), load(f"rgbsynth_{p}.json"), load(f"tiles_{p}.json")
    res[p] = {
        "candidates_pine_edge": c["summary"] if c else None,
        "cnn_points_pine_edge": r["families"]["pine-edge"] if r else None,
        "tiles_f14_float32": t,
    }
cal = work / "Z" / "rams_rgb.int8.json"
if cal.is_file():
    res["Z"]["int8_record"] = json.loads(cal.read_text()).get("accuracy")
out.write_text(json.dumps(res, indent=1) + "\n")


def g(p, *keys):
    v = res[p]
    for k in keys:
        v = v[k] if v is not None else None
    return v


for p in ("S", "Z"):
    h = g(p, "candidates_pine_edge", "held_out")
    co = g(p, "candidates_pine_edge", "clutter_only")
    cn = g(p, "cnn_points_pine_edge")
    if h:
        ml = h["mine_layer"]
        print(p, f"mine layer P {ml['precision']} R {ml['recall']} F1 {ml['f1']} coverage {h['mine_coverage']} "
              f"({h['flagged_over_minefield']}x) ECE {h['ece']} clutter {co['false_mine_points_per_1000m2']} "
              f"p1 {co['n_sha_priority_1']} by class {h['mine_layer_counts_by_class']}")
        print("  ", json.dumps(h["operating_points"]["best_precision_at_recall"]))
    if cn:
        a = cn["at_operating_threshold"]
        b = cn["best_precision_at_recall_0_9"]
        print(p, f"CNN P {a['precision']} R {a['recall']} FA/ha {a['false_alarms_per_ha']} {a['recall_by_class']}; "
              f"best P@R0.9 {b['precision']} ({b['recall_by_class']}); AP {cn['ap_over_sweep']}")

seen = {"karst": "candk", "paddy": "candp"}
pooled: dict = {}
for p in ("S", "Z"):
    fams = {"pine-edge": res[p]["candidates_pine_edge"]}
    for fam, stem in seen.items():
        c = load(f"{stem}_{p}.json")
        res[p][f"candidates_{fam}"] = c["summary"] if c else None
        fams[fam] = c["summary"] if c else None
    tp = fp = fn = 0
    false_pts = area = p1 = 0.0
    for fam, summ in fams.items():
        if summ is None or summ.get("clutter_only") is None:  # a run still going
            continue
        h, co = summ["held_out"], summ["clutter_only"]
        ml = h["mine_layer"]
        tp, fp, fn = tp + ml["tp"], fp + ml["fp"], fn + ml["fn"]
        false_pts += co["n_mine_points"]
        area += co["surveyed_area_m2"]
        p1 += co["n_sha_priority_1"]
        print(p, fam, f"P {ml['precision']} R {ml['recall']} F1 {ml['f1']} coverage {h['mine_coverage']} "
              f"({h['flagged_over_minefield']}x) ECE {h['ece']} clutter {co['n_mine_points']} pts "
              f"{co['false_mine_points_per_1000m2']}/1000m2 p1 {co['n_sha_priority_1']}")
    prec, rec = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    pooled[p] = {"families": [f for f, v in fams.items() if v], "tp": tp, "fp": fp, "fn": fn,
                 "precision": round(prec, 4), "recall": round(rec, 4),
                 "f1": round(2 * prec * rec / max(prec + rec, 1e-9), 4),
                 "clutter_false_mine_points": int(false_pts), "clutter_area_m2": round(area, 1),
                 "clutter_false_mine_points_per_1000m2": round(1000 * false_pts / max(area, 1e-9), 3),
                 "clutter_priority_1_shas": int(p1)}
    print(p, "pooled", pooled[p])
res["pooled_addendum_2"] = pooled
k = load("rgbsynthk_Z.json")
if k:
    res["Z"]["cnn_points_karst"] = k["families"]["karst"]
r = load("real_rgb_SZ.json")
if r:
    res["real_rgb_f14_pipeline"] = r["flights"]
out.write_text(json.dumps(res, indent=1) + "\n")
print(f"wrote {out}")
