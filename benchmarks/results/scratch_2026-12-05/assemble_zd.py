"""Assemble rgb_ZD_decoys_experiment.json from experiment ZD's files and print rule ZD's gates (stop 44).

    python benchmarks/results/scratch_2026-12-05/assemble_zd.py WORK PREV OUT.json

WORK (``/tmp/zd``) holds ``candr_S.json`` and ``candr_ZD.json`` (``bench_candidates.py --family
rail-embankment --config S.yaml|ZD.yaml``), ``cand_FAMILY_ZD.json`` for the seen families,
``candm_ZD.json`` (maize-stubble, reported only), ``real_rgb_SZD.json`` (``bench_real_rgb.py
--compare S=S.yaml --compare ZD=ZD.yaml``), ``rgbsynth_rail_S.json`` and ``rgbsynth_ZD.json``
(``bench_rgb_synth.py --seeds 1000-1003``), ``int8.log`` (``calibrate_int8.py`` on ZD) and
``train.log``; ZD proper's (flip-averaged, the rule's addendum) ``candr_ZDT.json``,
``candT_FAMILY.json``, ``real_rgb_ZDT.json``, ``rgbsynth_ZDT.json``, ``int8_T.log``. ZD1 below is
the single-pass pipeline measured first (decides nothing), ZD the flip-averaged one. PREV (``/tmp/zr`` of stop 42) holds S's seen-family runs (the same
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



def f14(path: Path, names: tuple[str, ...]) -> dict:
    real = load(path)
    if not real:
        return {}
    return {name: {k: v[k] for k in ("mine_layer", "false_mine_points_per_1000m2", "ece") if k in v}
            for fl in real["flights"].values() for name, v in fl.items() if name in names}


def int8_lines(path: Path) -> list[str] | None:
    if not path.is_file():
        return None
    return [ln.strip() for ln in path.read_text().splitlines() if ln.startswith(("float32", "x86", "onednn"))]


res: dict = {
    "experiment": "ZD: the shipped recipe (Z) plus unlabelled any-hue decoys, trained from T for the same 17 min, its own int8 "
                  "calibration and a point combiner refitted on its outputs, against the shipped pipeline S (Z + its combiner). "
                  "ZD1: the same weights single-pass (measured first by mistake; decides nothing); ZD: flip-averaged (the rule's).",
    "rule": "benchmarks/results/rule_ZD_decoys.md",
    "rail_embankment": {"S": line(load(work / "candr_S.json")), "ZD1": line(load(work / "candr_ZD.json")),
                        "ZD": line(load(work / "candr_ZDT.json"))},
    "maize_stubble_seen_reported": {"S": line(load(Path("/tmp/u") / "candm_S.json")), "ZD1": line(load(work / "candm_ZD.json"))},
    "seen": {"S": {f: line(load(prev / f"{p}_ZR2.json")) for f, p in SEEN.items()},
             "ZD1": {f: line(load(work / f"cand_{f}_ZD.json")) for f in SEEN},
             "ZD": {f: line(load(work / f"candT_{f}.json")) for f in SEEN}},
    "real_f14_pipeline": {**f14(work / "real_rgb_SZD.json", ("S",)), **{"ZD1": v for v in f14(work / "real_rgb_SZD.json", ("ZD",)).values()},
                          **f14(work / "real_rgb_ZDT.json", ("ZDT",))},
    "real_f14_tiles": {"ZD1": int8_lines(work / "int8.log"), "ZD": int8_lines(work / "int8_T.log")},
}
if "ZDT" in res["real_f14_pipeline"]:
    res["real_f14_pipeline"]["ZD"] = res["real_f14_pipeline"].pop("ZDT")
res["seen_pooled"] = {k: pooled(v) for k, v in res["seen"].items()}
for name, key in (("rgbsynth_rail_S.json", "S"), ("rgbsynth_ZD.json", "ZD1"), ("rgbsynth_ZDT.json", "ZD")):
    doc = load(work / name)
    if doc:
        res.setdefault("cnn_alone", {})[key] = {
            fam: {"ap_over_sweep": v["ap_over_sweep"], "at_operating_threshold": v["at_operating_threshold"],
                  "best_precision_at_recall_0_9": v["best_precision_at_recall_0_9"]} for fam, v in doc["families"].items()}
tl = work / "train.log"
if tl.is_file():
    res["training_log_tail"] = [ln for ln in tl.read_text().splitlines()[-40:] if "epoch" in ln or "wall" in ln.lower() or "wrote" in ln]
out.write_text(json.dumps(res, indent=1) + "\n")

for cand in ("ZD1", "ZD"):
    m, s, r = res["rail_embankment"], res["seen_pooled"], res["real_f14_pipeline"]
    gates = {}
    if m["S"] and m[cand]:
        gates["1 F1 and coverage"] = m[cand]["f1"] >= m["S"]["f1"] and m[cand]["coverage"] >= m["S"]["coverage"] - 0.03
        gates["2 clutter"] = (m[cand]["clutter_per_1000m2"] <= max(m["S"]["clutter_per_1000m2"], 0.5)
                              and m[cand]["clutter_p1"] <= m["S"]["clutter_p1"])
        gates["5 ECE"] = m[cand]["ece"] <= 0.05 or m[cand]["ece"] <= m["S"]["ece"]
    if s["S"] and s.get(cand):
        gates["3 seen pooled"] = (s[cand]["f1"] >= s["S"]["f1"] - 0.01
                                  and s[cand]["clutter_per_1000m2"] <= max(s["S"]["clutter_per_1000m2"], 0.5)
                                  and s[cand]["clutter_p1"] == 0)
    if "S" in r and cand in r:
        a, b = r["S"]["mine_layer"], r[cand]["mine_layer"]
        gates["4 F14 pipeline"] = b["precision"] >= a["precision"] - 0.05 and b["recall"] >= a["recall"] - 0.05
    print(cand, "gates", gates)
    res.setdefault("gates", {})[cand] = gates
out.write_text(json.dumps(res, indent=1) + "\n")
