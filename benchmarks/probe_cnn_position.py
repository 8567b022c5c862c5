"""How the RGB CNN's score of an object moves with the object's place in its input window.

Stop 60 (rules ZZ and ZZA): on the kept runs of ``bench_candidates.py --keep`` of a seen family,
full scan (``--full DIR``) and cascade (``--cascade DIR``), the objects are the true mines and the
false mine-layer points of either run. Two probes, each on windows of 1024 px read from the
flight's RGB orthomosaic and run through ``detect_sliced`` (flips averaged, as the pipeline):

- ``centre``: the object at the window's centre or at four off-centre places (200 or 824 px
  from the window's corner on each axis); ``centre_bias.json``.
- ``phase``: the object 200 px from the window's left and top, shifted right by 0-28 px in steps
  of 4 (up to 5 mines per flight and every false point); ``phase.json``.

The score of an object is the highest CNN confidence within 0.15 m of it (0 if none >= 0.05).

Usage::

    python benchmarks/probe_cnn_position.py --full /tmp/lt/keep_full --cascade /tmp/lt/keep_casc \\
        [--out benchmarks/results/stop60] [--precision int8] [--model M.pt] [--probes centre,phase]

``--model`` probes another detector than the shipped one (rule ZZB, stop 61); ``--probes``
runs only the probes named.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
from pathlib import Path

import numpy as np
import pyproj
import rasterio
from rasterio.windows import Window

from rams.core.truth import read_truth
from rams.detection import detect_sliced, load_detector

GEOD = pyproj.Geod(ellps="WGS84")
CENTRE = {"centre": (512, 512), "nw": (200, 200), "ne": (824, 200), "sw": (200, 824), "se": (824, 824)}
SHIFTS = list(range(0, 32, 4))


def _points(out: str) -> list[tuple[tuple[float, float], str]]:
    found = []
    for name in ("detections.geojson", "candidates_low.geojson"):
        for f in json.load(open(f"{out}/{name}"))["features"]:
            found.append((tuple(f["geometry"]["coordinates"]), name[0]))
    return found


def _objects(full: str, cascade: str, name: str, max_mines: int | None) -> list[tuple[str, tuple[float, float]]]:
    mines = [(m.lon, m.lat) for m in read_truth(f"{full}/{name}/truth.geojson").mines]
    objs: list[tuple[str, tuple[float, float]]] = [("mine", m) for m in mines[:max_mines]]
    for xy, layer in _points(f"{cascade}/out-{name}") + _points(f"{full}/out-{name}"):
        if layer == "d" and (not mines or min(GEOD.inv(*xy, *m)[2] for m in mines) > 0.5):
            if all(GEOD.inv(*xy, *o[1])[2] > 0.3 for o in objs):
                objs.append(("clutter", xy))
    return objs


def _score(src: rasterio.DatasetReader, model: object, x: float, y: float, c0: int, r0: int) -> float | None:
    if c0 < 0 or r0 < 0 or c0 + 1024 > src.width or r0 + 1024 > src.height:
        return None

    def read(w: Window) -> tuple[np.ndarray, np.ndarray]:
        a = src.read([1, 2, 3], window=w).astype(np.float32)
        return a, np.ones(a.shape[1:], bool)

    found = detect_sliced(read, src.width, src.height, src.transform, model, tile_px=1024, overlap_px=64,
                          windows=[Window(c0, r0, 1024, 1024)], min_score=0.05)
    near = [p.confidence for p in found if np.hypot(p.x_m - x, p.y_m - y) <= 0.15]
    return max(near) if near else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", required=True)
    ap.add_argument("--cascade", required=True)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "stop60")
    ap.add_argument("--precision", default="int8")
    ap.add_argument("--model", default=None, help="Detector weights (default: the shipped RGB model).")
    ap.add_argument("--probes", default="centre,phase", help="Comma-separated: centre, phase.")
    args = ap.parse_args()
    model = load_detector(args.model, sensor="rgb", precision=args.precision)
    probes = [(probe, limit) for probe, limit in (("centre", None), ("phase", 5)) if probe in args.probes.split(",")]
    names = [os.path.basename(p) for p in sorted(glob.glob(f"{args.full}/flight-*")) + sorted(glob.glob(f"{args.full}/clutter-*"))]
    centre, phase = [], {"mine": [], "clutter": []}
    for name in names:
        with rasterio.open(f"{args.full}/{name}/rgb.tif") as src:
            to_map = pyproj.Transformer.from_crs("EPSG:4326", src.crs, always_xy=True)
            for probe, max_mines in probes:
                for kind, (lon, lat) in _objects(args.full, args.cascade, name, max_mines):
                    x, y = to_map.transform(lon, lat)
                    col, row = ~src.transform * (x, y)
                    if probe == "centre":
                        s = {k: _score(src, model, x, y, round(col - ox), round(row - oy)) for k, (ox, oy) in CENTRE.items()}
                        if None not in s.values():
                            centre.append({"flight": name, "kind": kind, **s})
                    else:
                        v = [_score(src, model, x, y, round(col - 200 - k), round(row - 200)) for k in SHIFTS]
                        if None not in v:
                            phase[kind].append(v)
    args.out.mkdir(parents=True, exist_ok=True)
    json.dump(centre, open(args.out / "centre_bias.json", "w"), indent=1)
    json.dump(phase, open(args.out / "phase.json", "w"))
    for kind in ("mine", "clutter"):
        r = [c for c in centre if c["kind"] == kind]
        if r:
            cen = np.array([c["centre"] for c in r])
            off = np.array([[c[k] for k in CENTRE if k != "centre"] for c in r]).mean(1)
            print(f"centre, {kind} ({len(r)}): centre - off-centre {np.mean(cen - off):+.3f} (sd {np.std(cen - off):.3f}), "
                  f"centre higher for {np.mean(cen > off):.0%}")
        a = np.array(phase[kind])
        if len(a):
            span = a.max(1) - a.min(1)
            print(f"phase, {kind} ({len(a)}): range over 8 shifts mean {span.mean():.3f}, max {span.max():.3f}; "
                  f"crossing 0.40 for {int(((a.max(1) >= 0.4) & (a.min(1) < 0.4)).sum())}")


if __name__ == "__main__":
    main()
