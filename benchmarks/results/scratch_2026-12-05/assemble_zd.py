"""Assemble rgb_ZD_decoys_experiment.json from experiment ZD's files and print rule ZD's gates (stop 44).

    python benchmarks/results/scratch_2026-12-05/assemble_zd.py WORK PREV OUT.json

WORK (``/tmp/zd``) holds ``candr_S.json`` and ``candr_ZD.json`` (``bench_candidates.py --family
rail-embankment --config S.yaml|ZD.yaml``), ``cand_FAMILY_ZD.json`` for the seen families,
``candm_ZD.json`` (maize-stubble, reported only), ``real_rgb_SZD.json`` (``bench_real_rgb.py
--compare S=S.yaml --compare ZD=ZD.yaml``), ``rgbsynth_rail_S.json`` and ``rgbsynth_ZD.json``
(``bench_rgb_synth.py --seeds 1000-1003``), ``int8.log`` (``calibrate_int8.py`` on ZD) and
``train.log``. PREV (``/tmp/zr`` of stop 42) holds S's seen-family runs (the same
pipeline then called ZR2: ``candpe_ZR2.json``, ``candk_ZR2.json``, ``candp_ZR2.json``,
``candv_ZR2.json``).
"""

import json
import sys
from pathlib import Path

work, prev, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
SEEN = {"pine-edge": "candpe", "karst": "candk", "paddy": "candp", "vineyard": "candv"}


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
            "ece": h["ece"], "operating_points": h["operating_points"], "by_class": h["mine_layer_counts_by_class"],
            "clutter_false_points": co["n_mine_points"], "clutter_area_m2": co["surveyed_area_m2"],
            "clutter_per_1000m2": co["false_mine_points_per_1000m2"], "clutter_p1": co["n_sha_priority_1"]}


def pooled(rows: dict) -> dict | None:
    if any(r is None for r in rows.values()):
        return None
    tp, fp, fn = (sum(r[k] for r in rows.values()) for k in ("tp", "fp", "fn"))
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    pts, area = sum(r["clutter_false_points"] for r in rows.values()), sum(r["clutter_area_m2"] for r in rows.values())
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(2 * p * r / max(p + r, 1e-12), 4), "clutter_false_points": pts,
            "clutter_per_1000m2": round(1000 * pts / area, 4), "clutter_p1": sum(r["clutter_p1"] for r in rows.values())}


res: dict = {
    "experiment": "ZD: the shipped recipe (Z) plus unlabelled any-hue decoys, trained from T for the same 17 min, its own int8 "
                  "calibration and a point combiner refitted on its outputs, against the shipped pipeline S (Z + its combiner)",
    "rule": "benchmarks/results/rule_ZD_decoys.md",
    "rail_embankment_blind": {"S": line(load(work / "candr_S.json")), "ZD": line(load(work / "candr_ZD.json"))},
    "maize_stubble_seen_reported": {"S": line(load(Path("/tmp/u") / "candm_S.json")), "ZD": line(load(work / "candm_ZD.json"))},
    "seen": {"S": {f: line(load(prev / f"{p}_ZR2.json")) for f, p in SEEN.items()},
             "ZD": {f: line(load(work / f"cand_{f}_ZD.json")) for f, p in SEEN.items()}},
}
res["seen_pooled"] = {k: pooled(v) for k, v in res["seen"].items()}
real = load(work / "real_rgb_SZD.json")
if real:
    res["real_f14_pipeline"] = {name: {k: v[k] for k in ("mine_layer", "false_mine_points_per_1000m2", "ece") if k in v}
                                for fl in real["flights"].values() for name, v in fl.items() if name in ("S", "ZD")}
log = work / "int8.log"
if log.is_file():
    res["real_f14_tiles_ZD"] = [ln.strip() for ln in log.read_text().splitlines() if ln.startswith(("float32", "x86", "onednn"))]
for name in ("rgbsynth_rail_S.json", "rgbsynth_ZD.json"):
    doc = load(work / name)
    if doc:
        res.setdefault("cnn_alone", {})[name] = doc
out.write_text(json.dumps(res, indent=1) + "\n")

tl = work / "train.log"
if tl.is_file():
    res["training_log_tail"] = tl.read_text().splitlines()[-40:]
out.write_text(json.dumps(res, indent=1) + "\n")
m, s = res["rail_embankment_blind"], res["seen_pooled"]
gates = {}
if m["S"] and m["ZD"]:
    gates["ZD1 F1 and coverage"] = m["ZD"]["f1"] >= m["S"]["f1"] and m["ZD"]["coverage"] >= m["S"]["coverage"] - 0.03
    gates["ZD2 clutter"] = (m["ZD"]["clutter_per_1000m2"] <= max(m["S"]["clutter_per_1000m2"], 0.5)
                           and m["ZD"]["clutter_p1"] <= m["S"]["clutter_p1"])
    gates["ZD5 ECE"] = m["ZD"]["ece"] <= 0.05 or m["ZD"]["ece"] <= m["S"]["ece"]
if s["S"] and s["ZD"]:
    gates["ZD3 seen pooled"] = (s["ZD"]["f1"] >= s["S"]["f1"] - 0.01
                               and s["ZD"]["clutter_per_1000m2"] <= max(s["S"]["clutter_per_1000m2"], 0.5)
                               and s["ZD"]["clutter_p1"] == 0)
if real:
    a, b = res["real_f14_pipeline"]["S"]["mine_layer"], res["real_f14_pipeline"]["ZD"]["mine_layer"]
    gates["ZD4 F14 pipeline"] = b["precision"] >= a["precision"] - 0.05 and b["recall"] >= a["recall"] - 0.05
print(json.dumps({k: v for k, v in res.items() if k not in ("cnn_alone", "seen")}, indent=1)[:6000])
print("gates", gates)
