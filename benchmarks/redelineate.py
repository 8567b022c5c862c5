"""SHA delineation re-run on kept benchmark runs, under another candidates config.

The candidate points of a run, their features and so their probabilities do not depend on
how SHAs are fenced; only the polygons do. This reads the points of every run kept by
``bench_candidates.py --keep DIR`` (``detections.geojson`` and ``candidates_low.geojson``
with their features), scores them again with the point combiner and fences the SHAs with the
candidates section of ``--config`` merged on the default config, then scores the polygons
against the truth as the benchmark does (mine coverage, flagged over minefield and over
surveyed area, SHAs holding no mine, priority 1 on the clutter-only flights, and the share of
mines inside priority-1 SHAs, ``mine_coverage_priority_1``). So two
delineations are compared on the very same detector outputs, in seconds, without running the
pipeline again.

Checks itself: ``max_probability_difference`` is the largest difference between the
probabilities it recomputes and the exported ones. It is not always 0: the feature
``neighbour_evidence`` (the summed evidence of the points within 5 m) of a few points comes
out different from the pipeline's (at most 0.002 on orchard, 0.0001 on ploughed, 0.045 on
riverbank and 0.105 on burnt in probability, runs of 2026-12-02; the cause is not traced: the
point order is not it), so a re-fenced SHA can differ slightly from the pipeline's (burnt with
the extent: flagged 1.25x here, 1.19x in the pipeline's own run; coverage the same). Both
configurations compared are applied to the same reloaded points, so the comparison itself is
like for like. ``n_sha`` in the summary counts the flights with mines; ``n_sha_without_mine``
all of them, clutter-only flights included.

The points are scored again too, so a ``candidates`` key that changes probabilities
(``cnn_only_scoring``) can be compared as well: the summary then also holds the mine layer's
precision, recall and F1 (0.5 m one-to-one matching, pooled over the flights with mines), the
ECE of every candidate point's probability (pooled bins, as the benchmark's), the pooled
operating points (``operating_points``: best precision at recall >= 0.9, as the benchmark's), the clutter-only
flights' mine points per 1,000 m² of surveyed ground, and how many points each model scored
(``scored_by``). ``max_probability_difference`` checks the re-scoring only where the config
scores points as the run did. Where a point lay outside the multispectral and thermal rasters
is read from the exported ``scored_by``, so the runs must have been processed with
``cnn_only_scoring: base_rate`` (the default; others are refused).

Usage::

    python benchmarks/redelineate.py DIR [DIR ...] [--config cfg.yaml] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from rams.candidates.calibration import operating_points, reliability, threshold_sweep
from rams.candidates.combiner import resolve_combiner
from rams.candidates.scoring import SCORED_RGB_ONLY, score_candidates
from rams.candidates.sha import delineate_scored, mine_layer
from rams.config import load_config
from rams.core.truth import read_truth
from rams.crs import WGS84, transformer
from rams.errors import RamsInputError
from rams.evaluation.flight import match_points
from rams.training.combiner import CANDIDATE_FILES, load_labelled_run

#: Point matching tolerance, metres (as the benchmark's).
MATCH_M = 0.5


def _features(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["features"] if path.is_file() else []


def redelineate_run(out: Path, truth: Path, config: Any, combiner: Any) -> dict[str, Any]:
    """One kept run: its SHAs fenced again under ``config``, scored against ``truth``."""
    flight = load_labelled_run(out, truth, MATCH_M)
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    to_flight = transformer(WGS84, run["grid"]["crs"])
    props = [f["properties"] for name in CANDIDATE_FILES for f in _features(out / name)]
    policy = ((run.get("config") or {}).get("candidates") or {}).get("cnn_only_scoring", "base_rate")
    if policy != "base_rate":
        raise RamsInputError(out / "run.json", (
            f"processed with candidates.cnn_only_scoring: {policy}; the exported scored_by then no longer "
            "tells which points lay outside the multispectral and thermal rasters (process with base_rate)"))
    exported = np.array([p.get("probability", np.nan) for p in props], np.float64)
    by_rgb = np.array([p.get("scored_by") == SCORED_RGB_ONLY for p in props], bool)
    # the combiner's model for this run, as the pipeline chose it: without the CNN, or on an
    # RGB orthomosaic alone (anomaly bands that are neither multispectral nor thermal)
    detection = run.get("detection", {})
    cnn_ran = bool(detection.get("weights_sha256")) and not detection.get("inference", {}).get("skipped")
    bands = run.get("anomaly_bands")
    # the pipeline takes an unknown sensor set as multispectral/thermal; RGB bands are rgb_*
    ms_thermal = not bands or any(not str(b).startswith("rgb_") for b in bands)
    # runs before stop 59 record the scan in their config only
    mode = detection.get("mode") or ((run.get("config") or {}).get("detection") or {}).get("mode")
    combiner, _ = combiner.for_run(cnn_ran, ms_thermal, cascade=mode == "cascade")
    scored = score_candidates(flight.points, combiner, config, by_rgb)
    areas = delineate_scored(flight.points, scored, config)
    known = read_truth(truth)
    mines = np.array([to_flight.transform(m.lon, m.lat) for m in known.mines], np.float64).reshape(-1, 2)
    fields = [shapely.transform(shape(f.geometry), lambda c: np.column_stack(to_flight.transform(c[:, 0], c[:, 1])))
              for f in known.minefields]
    geoms = [a.geometry for a in areas]
    flagged = shapely.union_all(geoms) if geoms else shapely.Polygon()
    field = shapely.union_all(fields) if fields else shapely.Polygon()
    covered = _covered(geoms, mines)
    xy = np.array([[p.x_m, p.y_m] for p in flight.points], np.float64).reshape(-1, 2)
    layer = mine_layer(scored.probability, areas, config)
    layer_tp = len(match_points(xy[layer], mines, MATCH_M))
    surveyed = run.get("surveyed_area_m2")
    return {
        "run": out.name, "n_truth_mines": len(mines), "n_covered": int(covered.sum()),
        "flagged_area_m2": round(float(flagged.area), 2), "minefield_area_m2": round(float(field.area), 2),
        "surveyed_area_m2": surveyed, "n_sha": len(areas), "n_sha_priority_1": sum(a.priority == 1 for a in areas),
        "n_covered_priority_1": int(_covered([a.geometry for a in areas if a.priority == 1], mines).sum()),
        "n_sha_without_mine": sum(not (len(mines) and shapely.covers(g, shapely.points(mines)).any()) for g in geoms),
        "max_probability_difference": round(float(np.nanmax(np.abs(scored.probability - exported))), 4)
        if len(exported) else 0.0,
        "mine_layer": {"tp": layer_tp, "n_points": int(layer.sum()), "n_truth": len(mines)},
        "scored_by": {str(k): int(v) for k, v in zip(*np.unique(scored.scored_by.astype(str), return_counts=True),
                                                     strict=True)},
        "_probability": scored.probability.tolist(), "_on_mine": flight.label.tolist(),
    }


def _covered(polygons: list[Any], mines: np.ndarray) -> np.ndarray:
    """(M,) whether each mine (metres, (M, 2)) lies inside the union of ``polygons``."""
    if not len(mines):
        return np.zeros(0, bool)
    union = shapely.union_all(polygons) if polygons else shapely.Polygon()
    return np.asarray(shapely.covers(union, shapely.points(mines)), bool)


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    mined = [r for r in runs if r["n_truth_mines"]]
    clutter = [r for r in runs if not r["n_truth_mines"]]
    n = sum(r["n_truth_mines"] for r in mined)
    field = sum(r["minefield_area_m2"] for r in mined)
    measured = [r for r in clutter if r["surveyed_area_m2"]]  # a rate needs the ground it was counted on
    c_surveyed = sum(r["surveyed_area_m2"] for r in measured)
    c_flagged = sum(r["flagged_area_m2"] for r in measured)
    probability = np.array([p for r in mined for p in r["_probability"]], np.float64)
    on_mine = np.array([t for r in mined for t in r["_on_mine"]], np.float64)
    return {
        "mine_coverage": round(sum(r["n_covered"] for r in mined) / n, 4) if n else None,
        "flagged_over_minefield": round(sum(r["flagged_area_m2"] for r in mined) / field, 3) if field else None,
        "n_sha": sum(r["n_sha"] for r in mined), "n_sha_without_mine": sum(r["n_sha_without_mine"] for r in runs),
        "n_sha_priority_1": sum(r["n_sha_priority_1"] for r in mined),
        "mine_coverage_priority_1": round(sum(r["n_covered_priority_1"] for r in mined) / n, 4) if n else None,
        "clutter_only": {"n_sha": sum(r["n_sha"] for r in clutter),
                         "n_sha_priority_1": sum(r["n_sha_priority_1"] for r in clutter),
                         "flagged_area_m2": round(c_flagged, 2),
                         "flagged_over_surveyed": round(c_flagged / c_surveyed, 4) if c_surveyed else None},
        "max_probability_difference": max((r["max_probability_difference"] for r in runs), default=0.0),
        "mine_layer": _layer_scores(mined),
        "ece": reliability(probability, on_mine)[1],
        # the probabilities' operating curve pooled over the flights with mines, as the
        # benchmark's: the best precision at recall >= 0.9 whatever the mine layer's threshold
        "operating_points": operating_points(threshold_sweep(probability, on_mine), n) if n else None,
        "clutter_false_mine_points_per_1000m2": round(
            1000.0 * sum(r["mine_layer"]["n_points"] for r in measured) / c_surveyed, 4) if c_surveyed else None,
        "scored_by": {k: sum(r["scored_by"].get(k, 0) for r in runs) for k in sorted({k for r in runs for k in r["scored_by"]})},
    }


def _layer_scores(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mine-layer precision, recall and F1 pooled over runs (0.5 m one-to-one matching)."""
    tp = sum(r["mine_layer"]["tp"] for r in runs)
    n_pred = sum(r["mine_layer"]["n_points"] for r in runs)
    n_truth = sum(r["mine_layer"]["n_truth"] for r in runs)
    p = tp / n_pred if n_pred else None
    r = tp / n_truth if n_truth else None
    f1 = 2 * tp / (n_pred + n_truth) if n_pred + n_truth else None
    return {"tp": tp, "fp": n_pred - tp, "fn": n_truth - tp, "precision": None if p is None else round(p, 4),
            "recall": None if r is None else round(r, 4), "f1": None if f1 is None else round(f1, 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("keep", type=Path, nargs="+",
                    help="Folders kept by bench_candidates.py --keep (several: their runs pooled).")
    ap.add_argument("--config", type=Path, default=None, help="YAML merged on the default config.")
    ap.add_argument("--json", type=Path, default=None, help="Write the result here.")
    args = ap.parse_args(argv)
    try:
        config = load_config(args.config).candidates
        combiner, warning = resolve_combiner(config.combiner)
    except RamsInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if warning:
        print(f"warning: {warning}", file=sys.stderr)
    runs = []
    for out in sorted(out for keep in args.keep for out in keep.glob("out-*")):
        truth = out.parent / out.name.removeprefix("out-") / "truth.geojson"
        if (out / "run.json").is_file() and truth.is_file():
            try:
                runs.append(redelineate_run(out, truth, config, combiner))
            except RamsInputError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            r = runs[-1]
            print(f"{r['run']}: mines {r['n_covered']}/{r['n_truth_mines']} covered, SHA {r['n_sha']} "
                  f"(p1 {r['n_sha_priority_1']}, {r['n_sha_without_mine']} without a mine), "
                  f"flagged {r['flagged_area_m2']:.0f} m2 / minefield {r['minefield_area_m2']:.0f} m2")
    if not runs:
        print(f"error: {', '.join(map(str, args.keep))}: no kept runs (out-*/run.json beside their flight folders)",
              file=sys.stderr)
        return 2
    summary = summarise(runs)
    runs = [{k: v for k, v in r.items() if not k.startswith("_")} for r in runs]
    result = {"keep": [str(k) for k in args.keep], "config": str(args.config) if args.config else None,
              "summary": summary, "runs": runs}
    print(json.dumps(result["summary"], indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
