"""Where a candidate stage loses the mines, by device, on runs kept by ``bench_candidates.py --keep``.

For every true mine of every kept run with mines: is there a candidate point within 0.5 m
(any kind, any probability; one-to-one matching of all the candidate points, as the benchmark's
candidate recall ceiling), is that point a CNN detection at the operating threshold (kind
``cnn`` or ``fused``), is its ``cnn_support`` at least 0.3, does its calibrated probability reach
the area bar (0.2) and the mine layer (0.5). The last column is of the point matched among all
candidates; the benchmark's mine-layer recall matches the mine-layer points alone, so the two
can differ where a low point takes a mine from a mine-layer one (on the runs of 2026-12-03 they
agree for every family). Counted per device class and family; read from the exported points,
nothing is run again.

Usage::

    python benchmarks/losses_by_device.py FAMILY=DIR [FAMILY=DIR ...] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rams.core.truth import TruthObject, read_truth
from rams.crs import WGS84, transformer
from rams.evaluation.flight import match_points
from rams.training.combiner import CANDIDATE_FILES

COLUMNS = ("n", "candidate", "cnn_kind", "support>=0.3", "p>=0.2", "mine_layer")
MEANING = {
    "n": "true mines",
    "candidate": "a candidate point (any kind, any probability) within 0.5 m, one-to-one",
    "cnn_kind": "that point is a CNN detection at the operating threshold (kind cnn or fused)",
    "support>=0.3": "its cnn_support (the CNN's highest response within the fusion radius, down to 0.05) is at least 0.3",
    "p>=0.2": "its calibrated probability reaches the area bar (0.2)",
    "mine_layer": "it reaches the mine layer (0.5)",
}


def _points(out: Path) -> list[dict[str, Any]]:
    feats = []
    for name in CANDIDATE_FILES:
        path = out / name
        if path.is_file():
            feats += json.loads(path.read_text(encoding="utf-8"))["features"]
    return feats


def run_losses(out: Path, mines: Sequence[TruthObject], counts: dict[str, dict[str, int]]) -> None:
    """Add the ``mines`` of one kept run to ``counts`` (class -> column -> count)."""
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    to_flight = transformer(WGS84, run["grid"]["crs"])
    feats = _points(out)
    xy = np.array([to_flight.transform(*f["geometry"]["coordinates"][:2]) for f in feats], np.float64).reshape(-1, 2)
    props = [f["properties"] for f in feats]
    mxy = np.array([to_flight.transform(m.lon, m.lat) for m in mines], np.float64).reshape(-1, 2)
    point_of = {t: p for p, t, _ in match_points(xy, mxy, 0.5)}
    for i, mine in enumerate(mines):
        c = counts.setdefault(mine.class_name, dict.fromkeys(COLUMNS, 0))
        c["n"] += 1
        if i not in point_of:
            continue
        p = props[point_of[i]]
        prob = float(p.get("probability") or 0.0)
        c["candidate"] += 1
        c["cnn_kind"] += int(p.get("kind") in ("cnn", "fused"))
        c["support>=0.3"] += int(float(p.get("f_cnn_support") or 0.0) >= 0.3)
        c["p>=0.2"] += int(prob >= 0.2)
        c["mine_layer"] += int(prob >= 0.5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("kept", nargs="+", help="FAMILY=DIR, DIR kept by bench_candidates.py --keep")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    by_family: dict[str, dict[str, dict[str, int]]] = {}
    for item in args.kept:
        family, _, folder = item.partition("=")
        keep = Path(folder)
        if not folder or not keep.is_dir():
            print(f"error: {item}: expected FAMILY=DIR with DIR a folder kept by bench_candidates.py", file=sys.stderr)
            return 2
        counts = by_family.setdefault(family, {})
        for out in sorted(keep.glob("out-*")):
            truth = keep / out.name.removeprefix("out-") / "truth.geojson"
            mines = read_truth(truth).mines if truth.is_file() else ()
            if (out / "run.json").is_file() and mines:
                run_losses(out, mines, counts)
        print(family, {k: [v[c] for c in COLUMNS] for k, v in sorted(counts.items())})
    total: dict[str, dict[str, int]] = {}
    for counts in by_family.values():
        for cls, c in counts.items():
            t = total.setdefault(cls, dict.fromkeys(COLUMNS, 0))
            for col in COLUMNS:
                t[col] += c[col]
    print("total", {k: [v[c] for c in COLUMNS] for k, v in sorted(total.items())}, f"(columns {', '.join(COLUMNS)})")
    if args.json:
        doc = {"command": " ".join(["python benchmarks/losses_by_device.py", *(argv if argv is not None else sys.argv[1:])]),
               "columns": COLUMNS, "column_meaning": MEANING, "by_family": by_family, "total": total}
        args.json.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
