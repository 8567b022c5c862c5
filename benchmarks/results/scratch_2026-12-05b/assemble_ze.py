"""Assemble rgb_ZE_experiment.json from experiment ZE's files and print rule ZE's gates (stop 45).

    python benchmarks/results/scratch_2026-12-05b/assemble_ze.py WORK ZD PREV OUT.json

WORK (``/tmp/ze``): ``candm_S.json``, ``candm_ZE.json`` (``bench_candidates.py --family marsh-edge
--config S.yaml|ZE.yaml``), ``candp_ZE.json`` (paddy), ``cand_FAMILY_ZE.json`` (rail-embankment,
karst, pine-edge, vineyard), ``real_rgb_SZE.json`` (``bench_real_rgb.py --compare S=S.yaml
--compare ZE=ZE.yaml``), ``rgbsynth_S.json`` and ``rgbsynth_ZDT.json`` (``bench_rgb_synth.py
--families marsh-edge --seeds 1000-1003``). ZD (``/tmp/zd`` of stop 44): S's ``candr_S.json``
(rail-embankment). PREV (``/tmp/zr`` of stop 42): S's other seen-family runs (``candpe_ZR2.json``,
``candk_ZR2.json``, ``candp_ZR2.json``, ``candv_ZR2.json``; that pipeline is the shipped S).
"""

import json
import sys
from pathlib import Path

work, zd, prev, out = (Path(a) for a in sys.argv[1:5])
S_SEEN = {"pine-edge": prev / "candpe_ZR2.json", "karst": prev / "candk_ZR2.json", "paddy": prev / "candp_ZR2.json",
          "vineyard": prev / "candv_ZR2.json", "rail-embankment": zd / "candr_S.json"}
ZE_SEEN = {f: work / (("candp_ZE.json") if f == "paddy" else f"cand_{f}_ZE.json") for f in S_SEEN}


def load(path: Path):
    return json.loads(path.read_text()) if path.is_file() else None


def line(doc) -> dict | None:
    if doc is None or doc["summary"].get("clutter_only") is None:  # absent, or a run still writing
        return None
    summ = doc["summary"]
    h, co = summ["held_out"], summ["clutter_only"]
    ml = h["mine_layer"]
    return {"precision": ml["precision"], "recall": ml["recall"], "f1": ml["f1"], "tp": ml["tp"], "fp": ml["fp"],
            "fn": ml["fn"], "coverage": h["mine_coverage"], "flagged_over_minefield": h["flagged_over_minefield"],
            "ece": h["ece"], "n_sha": h["n_sha"], "n_sha_priority_1": h["n_sha_priority_1"],
            "n_sha_without_mine": h["n_sha_without_mine"], "operating_points": h["operating_points"],
            "by_class": h["mine_layer_counts_by_class"],
            "clutter_false_points": co["n_mine_points"], "clutter_area_m2": co["surveyed_area_m2"],
            "clutter_per_1000m2": co["false_mine_points_per_1000m2"], "clutter_p1": co["n_sha_priority_1"],
            "clutter_per_flight": co["per_flight"]}


def pooled(rows: dict) -> dict | None:
    if any(r is None for r in rows.values()):
        return None
    tp, fp, fn = (sum(r[k] for r in rows.values()) for k in ("tp", "fp", "fn"))
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    pts, area = sum(r["clutter_false_points"] for r in rows.values()), sum(r["clutter_area_m2"] for r in rows.values())
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / max(p + r, 1e-12), 4), "clutter_false_points": pts,
            "clutter_per_1000m2": round(1000 * pts / area, 4), "clutter_p1": sum(r["clutter_p1"] for r in rows.values())}


def f14(path: Path) -> dict:
    real = load(path)
    if not real:
        return {}
    return {name: {k: v[k] for k in ("mine_layer", "false_mine_points_per_1000m2", "ece") if k in v}
            for fl in real["flights"].values() for name, v in fl.items() if name in ("S", "ZE")}


res: dict = {
    "experiment": "ZE: ZD proper's detector (flip-averaged, b9b2818a..., its own int8 calibration) with the shipped "
                  "point combiner (c46e5f2f..., fitted on Z's outputs), against the shipped pipeline S (Z + that combiner).",
    "rule": "benchmarks/results/rule_ZE_zd_with_shipped_combiner.md",
    "marsh_edge_blind": {"S": line(load(work / "candm_S.json")), "ZE": line(load(work / "candm_ZE.json"))},
    "seen": {"S": {f: line(load(p)) for f, p in S_SEEN.items()}, "ZE": {f: line(load(p)) for f, p in ZE_SEEN.items()}},
    "real_f14_pipeline": f14(work / "real_rgb_SZE.json"),
}
res["seen_pooled"] = {k: pooled(v) for k, v in res["seen"].items()}
for name, key in (("rgbsynth_S.json", "S"), ("rgbsynth_ZDT.json", "ZD")):
    doc = load(work / name)
    if doc:
        res.setdefault("cnn_alone_marsh_edge", {})[key] = {
            fam: {"ap_over_sweep": v["ap_over_sweep"], "at_operating_threshold": v["at_operating_threshold"],
                  "best_precision_at_recall_0_9": v["best_precision_at_recall_0_9"]} for fam, v in doc["families"].items()}

m, s, r = res["marsh_edge_blind"], res["seen_pooled"], res["real_f14_pipeline"]
gates = {}
if m["S"] and m["ZE"]:
    gates["ZE1 F1 and coverage"] = m["ZE"]["f1"] >= m["S"]["f1"] and m["ZE"]["coverage"] >= m["S"]["coverage"] - 0.03
    gates["ZE2 clutter"] = (m["ZE"]["clutter_per_1000m2"] <= max(m["S"]["clutter_per_1000m2"], 0.5)
                            and m["ZE"]["clutter_p1"] <= m["S"]["clutter_p1"])
    gates["ZE5 ECE"] = m["ZE"]["ece"] <= 0.05 or m["ZE"]["ece"] <= m["S"]["ece"]
if s["S"] and s["ZE"]:
    gates["ZE3 seen pooled"] = (s["ZE"]["f1"] >= s["S"]["f1"] - 0.01
                                and s["ZE"]["clutter_per_1000m2"] <= max(s["S"]["clutter_per_1000m2"], 0.5)
                                and s["ZE"]["clutter_p1"] == 0)
if "S" in r and "ZE" in r:
    a, b = r["S"]["mine_layer"], r["ZE"]["mine_layer"]
    gates["ZE4 F14 pipeline"] = b["precision"] >= a["precision"] - 0.05 and b["recall"] >= a["recall"] - 0.05
res["gates"] = gates
res["adopt"] = len(gates) == 5 and all(gates.values())
out.write_text(json.dumps(res, indent=1) + "\n")
print(json.dumps({k: res[k] for k in ("gates", "adopt", "seen_pooled")}, indent=1))
for k in ("S", "ZE"):
    v = m[k]
    if v:
        print("marsh-edge", k, {x: v[x] for x in ("precision", "recall", "f1", "coverage", "flagged_over_minefield", "ece",
                                                 "clutter_false_points", "clutter_per_1000m2", "clutter_p1")},
              "best P@R0.9", v["operating_points"]["best_precision_at_recall"])
