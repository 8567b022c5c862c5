"""The whole pipeline on real RGB-only flights: the mine layer a planner would get.

Flights come from ``benchmarks/real_rgb_flights.py`` (labelled real tiles stitched into a
georeferenced RGB mosaic per flight). By default the withheld flight of ``pfm1-drone-rgb``
(``valid/``, F14: never used to train, select or fit anything) is built, processed with
the default config in a child process (``rams process``) and scored with
:func:`rams.evaluation.flight.evaluate_flight` (0.5 m one-to-one matching). ``--compare
NAME=COMBINER.json`` also runs it with another point combiner (e.g. one without the
``rgb_only`` model), side by side. ``--gsd-m G`` (repeatable) also processes each flight's
mosaic area-averaged to ``G`` (an area-survey flight of the same ground: 1-2.5 cm).

Usage::

    python benchmarks/bench_real_rgb.py [--root ../shared/datasets/pfm1-drone-rgb] [--split valid]
        [--work /tmp/rams-real-rgb] [--compare before=/path/old_config.yaml] [--gsd-m 0.01 --gsd-m 0.02]
        [--results benchmarks/results/real_rgb_flights.json]

Results: ``benchmarks/results/real_rgb_flights.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import yaml
from rasterio.enums import Resampling
from rasterio.windows import Window

from rams.evaluation.flight import evaluate_flight

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "real_rgb_flights.json"


def _is_config(variant: str | None) -> bool:
    """Whether a ``--compare`` value names a config YAML (else a combiner JSON, or None: defaults)."""
    return bool(variant) and str(variant).endswith((".yaml", ".yml"))


def score(flight: Path, out: Path, variant: str | None) -> dict[str, Any]:
    """Process ``flight`` into ``out`` (optionally with a config YAML or another combiner) and score it."""
    cmd = ["rams", "process", str(flight), "-o", str(out), "-q", "--force"]
    if variant and _is_config(variant):
        cmd += ["--config", variant]
    elif variant:
        cfg = out.with_suffix(".yaml")
        cfg.write_text(yaml.safe_dump({"candidates": {"combiner": variant}}))
        cmd += ["--config", str(cfg)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    m = evaluate_flight(out, flight / "truth.geojson", 0.5)
    run = json.loads((out / "run.json").read_text())
    return {
        "seconds": round(seconds, 1),
        "warnings": run.get("warnings", []),
        "n_truth_mines": m["n_truth_mines"],
        "mine_layer": {k: m["points"][k] for k in ("tp", "fp", "fn", "precision", "recall", "f1")},
        "mine_layer_by_kind": {k: {kk: v.get(kk) for kk in ("tp", "fp", "fn")}
                               for k, v in m["points_by_kind"].items()},
        "false_mine_points_per_1000m2": m.get("false_mine_points_per_1000m2"),
        "ece": m["calibration"]["ece"],
        "reliability": m["calibration"]["reliability"],
        "polygons": {k: m["polygons"].get(k) for k in ("n_sha", "n_sha_priority_1", "flagged_area_m2",
                                                         "surveyed_area_m2", "flagged_over_surveyed")},
        "counts": run.get("counts"),
    }


def resampled_flight(flight: Path, gsd_m: float, out: Path) -> Path:
    """``flight`` with its RGB mosaic area-averaged to ``gsd_m`` (read and written by row bands)."""
    out.mkdir(parents=True, exist_ok=True)
    with rasterio.open(flight / "rgb.tif") as src:
        factor = abs(src.transform.a) / gsd_m
        width, height = max(1, round(src.width * factor)), max(1, round(src.height * factor))
        profile = {**src.profile, "width": width, "height": height,
                   "transform": src.transform * src.transform.scale(src.width / width, src.height / height)}
        with rasterio.open(out / "rgb.tif", "w", **profile) as dst:
            for row0 in range(0, height, 256):
                rows = min(256, height - row0)
                r0 = row0 * src.height / height
                window = Window(0, r0, src.width, rows * src.height / height)
                data = src.read(window=window, out_shape=(src.count, rows, width), resampling=Resampling.average)
                dst.write(np.asarray(data, src.dtypes[0]), window=Window(0, row0, width, rows))
    (out / "truth.geojson").write_bytes((flight / "truth.geojson").read_bytes())
    manifest = yaml.safe_load((flight / "flight.yaml").read_text())
    manifest["flight_id"] = f"{manifest.get('flight_id', flight.name)}-{gsd_m * 100:g}cm"
    (out / "flight.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
    return out


def main() -> None:
    """Build, process and score the flights; print and save the figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=HERE.parents[1] / "shared" / "datasets" / "pfm1-drone-rgb")
    ap.add_argument("--split", default="valid")
    ap.add_argument("--work", type=Path, default=Path("/tmp/rams-real-rgb"))
    ap.add_argument("--compare", action="append", default=[], help="NAME=COMBINER.json or NAME=CONFIG.yaml, run side by side.")
    ap.add_argument("--gsd-m", type=float, action="append", default=[],
                    help="Also process each mosaic area-averaged to this GSD (default config).")
    ap.add_argument("--results", type=Path, default=RESULTS)
    args = ap.parse_args()
    flights_dir = args.work / "flights"
    if not (flights_dir / "flights.json").is_file():
        subprocess.run([sys.executable, str(HERE / "real_rgb_flights.py"), str(args.root), "--split", args.split,
                        "--out", str(flights_dir)], check=True)
    variants: dict[str, str | None] = {"default": None}
    variants.update(dict(item.split("=", 1) for item in args.compare))
    results: dict[str, Any] = {}
    for flight in sorted(p.parent for p in flights_dir.glob("*/flight.yaml")):
        for name, variant in variants.items():
            r = score(flight, args.work / f"run-{flight.name}-{name}", variant)
            results.setdefault(flight.name, {})[name] = r
            _print(flight.name, name, r)
        for gsd in args.gsd_m:
            coarse = resampled_flight(flight, gsd, args.work / "resampled" / f"{flight.name}-{gsd * 100:g}cm")
            name = f"default at {gsd * 100:g} cm"
            r = score(coarse, args.work / f"run-{flight.name}-{gsd * 100:g}cm", None)
            results.setdefault(flight.name, {})[name] = r
            _print(flight.name, name, r)
    doc = {
        "benchmark": "real_rgb_flights",
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": "python benchmarks/bench_real_rgb.py " + " ".join(sys.argv[1:]),
        "source": {"root": str(args.root), "split": args.split,
                   "note": "tiles stitched into one mosaic per flight; seams are not real ground"},
        "variants": {name: yaml.safe_load(Path(v).read_text()) if v and _is_config(v) else v
                     for name, v in variants.items()},
        "resampled_gsd_m": args.gsd_m,
        "flights": results,
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or platform.machine()},
    }
    args.results.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {args.results}")


def _print(flight: str, name: str, r: dict[str, Any]) -> None:
    ml = r["mine_layer"]
    print(f"{flight} [{name}]: mine layer {ml['tp'] + ml['fp']} points, P {ml['precision']}, "
          f"R {ml['recall']}, ECE {r['ece']}, {r['polygons']['n_sha']} SHA "
          f"({r['polygons']['flagged_area_m2']} of {r['polygons']['surveyed_area_m2']} m2)", flush=True)


if __name__ == "__main__":
    main()
