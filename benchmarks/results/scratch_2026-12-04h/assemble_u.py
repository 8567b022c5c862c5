"""Assemble rgb_U_weight_average_experiment.json from experiment U's files and print rule U's gates (stop 43).

    python benchmarks/results/scratch_2026-12-04h/assemble_u.py WORK PREV OUT.json

WORK (``/tmp/u``) holds ``candm_S.json`` and ``candm_U.json`` (``bench_candidates.py --family
maize-stubble --config S.yaml|U.yaml``), ``cand_FAMILY_U.json`` for the seen families,
``real_rgb_SU.json`` (``bench_real_rgb.py --compare S=S.yaml --compare U=U.yaml``),
``rgbsynth_maize_S.json`` and ``rgbsynth_maize_U.json`` (``bench_rgb_synth.py --families maize-stubble --seeds 1000-1003``) and ``int8.log``
(``calibrate_int8.py`` on U). PREV (``/tmp/zr`` of stop 42) holds S's seen-family runs (the same
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
    "experiment": "U: the 0.5/0.5 weight average of W and Z (both fine-tunes of T), its own int8 calibration and "
                  "a point combiner refitted on its outputs, against the shipped pipeline S (Z + its combiner)",
    "rule": "benchmarks/results/rule_U_weight_average.md",
    "maize_stubble_blind": {"S": line(load(work / "candm_S.json")), "U": line(load(work / "candm_U.json"))},
    "seen": {"S": {f: line(load(prev / f"{p}_ZR2.json")) for f, p in SEEN.items()},
             "U": {f: line(load(work / f"cand_{f}_U.json")) for f, p in SEEN.items()}},
}
res["seen_pooled"] = {k: pooled(v) for k, v in res["seen"].items()}
real = load(work / "real_rgb_SU.json")
if real:
    res["real_f14_pipeline"] = {name: {k: v[k] for k in ("mine_layer", "false_mine_points_per_1000m2", "ece") if k in v}
                                for fl in real["flights"].values() for name, v in fl.items() if name in ("S", "U")}
log = work / "int8.log"
if log.is_file():
    res["real_f14_tiles_U"] = [ln.strip() for ln in log.read_text().splitlines() if ln.startswith(("float32", "x86", "onednn"))]
for name in ("rgbsynth_maize_S.json", "rgbsynth_maize_U.json"):
    doc = load(work / name)
    if doc:
        res.setdefault("cnn_alone", {})[name] = doc
out.write_text(json.dumps(res, indent=1) + "\n")

m, s = res["maize_stubble_blind"], res["seen_pooled"]
gates = {}
if m["S"] and m["U"]:
    gates["U1 F1 and coverage"] = m["U"]["f1"] >= m["S"]["f1"] and m["U"]["coverage"] >= m["S"]["coverage"] - 0.03
    gates["U2 clutter"] = (m["U"]["clutter_per_1000m2"] <= max(m["S"]["clutter_per_1000m2"], 0.5)
                           and m["U"]["clutter_p1"] <= m["S"]["clutter_p1"])
    gates["U5 ECE"] = m["U"]["ece"] <= 0.05 or m["U"]["ece"] <= m["S"]["ece"]
if s["S"] and s["U"]:
    gates["U3 seen pooled"] = (s["U"]["f1"] >= s["S"]["f1"] - 0.01
                               and s["U"]["clutter_per_1000m2"] <= max(s["S"]["clutter_per_1000m2"], 0.5)
                               and s["U"]["clutter_p1"] == 0)
if real:
    a, b = res["real_f14_pipeline"]["S"]["mine_layer"], res["real_f14_pipeline"]["U"]["mine_layer"]
    gates["U4 F14 pipeline"] = b["precision"] >= a["precision"] - 0.05 and b["recall"] >= a["recall"] - 0.05
print(json.dumps({k: v for k, v in res.items() if k not in ("cnn_alone", "seen")}, indent=1)[:6000])
print("gates", gates)
