"""Assemble rgb_ZR_refit_experiment.json from experiment ZR's files (scratch, stop 42).

    python benchmarks/results/scratch_2026-12-04g/assemble_zr.py WORK PREV OUT.json [LABEL ...]

WORK (``/tmp/zr`` in stop 42) holds ``candv_S.json`` and, per pipeline LABEL (``ZR2``: Z with the
combiner refitted on Z's outputs, the pipeline of rule ZR; ``ZX``: Z with the first refit, which ran
W), ``candv_LABEL.json`` (``bench_candidates.py --family vineyard --config LABEL.yaml``),
``rgbsynthv_S.json`` and ``rgbsynthv_Z.json`` (``bench_rgb_synth.py --model M --families vineyard
--seeds 1000-1003``), the seen families (``candpe_LABEL.json``, ``candk_LABEL.json``,
``candp_LABEL.json``: ``pine-edge``, ``karst``, ``paddy``) and ``real_rgb_SLABEL.json``
(``bench_real_rgb.py --compare S=S.yaml --compare LABEL=LABEL.yaml``). PREV (``/tmp/z`` of stop 41) holds S's seen-family runs
(``cand_S.json``, ``candk_S.json``, ``candp_S.json``). Prints the gates of rule ZR.
"""

import json
import sys
from pathlib import Path

work, prev, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
labels = sys.argv[4:] or ["ZR2"]


def load(folder: Path, name: str):
    f = folder / name
    return json.loads(f.read_text())["summary"] if f.is_file() else None


def line(summ) -> dict | None:
    if summ is None or summ.get("clutter_only") is None:
        return None
    h, co = summ["held_out"], summ["clutter_only"]
    ml = h["mine_layer"]
    return {"precision": ml["precision"], "recall": ml["recall"], "f1": ml["f1"], "tp": ml["tp"], "fp": ml["fp"],
            "fn": ml["fn"], "coverage": h["mine_coverage"], "flagged_over_minefield": h["flagged_over_minefield"],
            "ece": h["ece"], "best_precision_at_recall": h["operating_points"]["best_precision_at_recall"],
            "by_class": h["mine_layer_counts_by_class"],
            "clutter_false_points": co["n_mine_points"], "clutter_area_m2": co["surveyed_area_m2"],
            "clutter_per_1000m2": co["false_mine_points_per_1000m2"], "clutter_p1": co["n_sha_priority_1"]}


res: dict = {
    "experiment": "ZR: Z's weights and int8 calibration with a combiner refitted on Z's outputs "
                  "(fit_combiner.py, the shipped command), against the shipped pipeline S (W, shipped combiner)",
    "rule": "benchmarks/results/rule_ZR_refit_for_Z.md",
    "vineyard_blind": {"S": line(load(work, "candv_S.json")),
                       **{p: line(load(work, f"candv_{p}.json")) for p in labels}},
    "seen": {"S": {"pine-edge": line(load(prev, "cand_S.json")), "karst": line(load(prev, "candk_S.json")),
                   "paddy": line(load(prev, "candp_S.json"))},
             **{p: {"pine-edge": line(load(work, f"candpe_{p}.json")), "karst": line(load(work, f"candk_{p}.json")),
                    "paddy": line(load(work, f"candp_{p}.json"))} for p in labels}},
}
for p, name in (("S", "rgbsynthv_S.json"), ("Z", "rgbsynthv_Z.json")):
    f = work / name
    res.setdefault("cnn_points_vineyard", {})[p] = json.loads(f.read_text())["families"]["vineyard"] if f.is_file() else None
res["real_rgb_f14_pipeline"] = {}
for p in labels:
    f = work / f"real_rgb_S{p}.json"
    res["real_rgb_f14_pipeline"][p] = json.loads(f.read_text())["flights"] if f.is_file() else None
pooled = {}
for p in ("S", *labels):
    fams = {k: v for k, v in res["seen"][p].items() if v}
    tp, fp, fn = (sum(v[k] for v in fams.values()) for k in ("tp", "fp", "fn"))
    pts, area = sum(v["clutter_false_points"] for v in fams.values()), sum(v["clutter_area_m2"] for v in fams.values())
    prec, rec = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    pooled[p] = {"families": list(fams), "tp": tp, "fp": fp, "fn": fn, "precision": round(prec, 4),
                 "recall": round(rec, 4), "f1": round(2 * prec * rec / max(prec + rec, 1e-9), 4),
                 "clutter_false_points": pts, "clutter_area_m2": round(area, 1),
                 "clutter_per_1000m2": round(1000 * pts / max(area, 1e-9), 3),
                 "clutter_p1": sum(v["clutter_p1"] for v in fams.values())}
res["seen_pooled"] = pooled
out.write_text(json.dumps(res, indent=1) + "\n")
for k in ("vineyard_blind",):
    for p, v in res[k].items():
        print(k, p, json.dumps(v))
for p, fams in res["seen"].items():
    for fam, v in fams.items():
        if v:
            print("seen", p, fam, {x: v[x] for x in ("precision", "recall", "f1", "coverage", "ece",
                                                   "clutter_false_points", "clutter_per_1000m2", "clutter_p1")})
for p, v in pooled.items():
    print("pooled", p, v)
for p, v in res["cnn_points_vineyard"].items():
    if v:
        a, b = v["at_operating_threshold"], v["best_precision_at_recall_0_9"]
        print("cnn vineyard", p, f"P {a['precision']} R {a['recall']} FA/ha {a['false_alarms_per_ha']} "
              f"{a['recall_by_class']}; best P@R0.9 {b['precision']}; AP {v['ap_over_sweep']}")
for p, flights in res["real_rgb_f14_pipeline"].items():
    for fl, runs in (flights or {}).items():
        for name, r in runs.items():
            print("f14", p, fl, name, r["mine_layer"], "ece", r["ece"])
print(f"wrote {out}")
