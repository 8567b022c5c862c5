"""RGB-only flights for ``rams process`` from a real labelled YOLO tile set, one per flight.

The tiles of each flight (the file-name prefix, ``--flight-key``) are stitched into a
georeferenced mosaic at the set's GSD (estimated from the labelled mines, as training does)
with a truth GeoJSON of the mapped mine classes
(:func:`rams.evaluation.tile_flights.write_tile_flight`). ``--select-fraction F`` keeps only
the images in the detector's selection share (the same file-name hash as a recipe's
``select_fraction``), the real images a detector trained with that recipe never trained on.

Used for the combiner's RGB-only model (``fit_combiner.py --real-rgb DIR``: the selection
tiles of the training flights) and for scoring the whole pipeline on the withheld flight::

    python benchmarks/real_rgb_flights.py ../shared/datasets/pfm1-drone-rgb --split train \\
        --select-fraction 0.2 --out /tmp/real-rgb-selection
    python benchmarks/real_rgb_flights.py ../shared/datasets/pfm1-drone-rgb --split valid \\
        --out /tmp/real-rgb-withheld
    rams process /tmp/real-rgb-withheld/Phan4_210414_F14 -o /tmp/run-F14
    rams benchmark flight /tmp/run-F14 --truth /tmp/real-rgb-withheld/Phan4_210414_F14/truth.geojson
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from rams.detection.sources import estimate_gsd_m, in_selection_share, labelled_box_sides
from rams.detection.yolo import class_names, read_split
from rams.evaluation.tile_flights import write_tile_flight


def main() -> None:
    """Write one flight folder per flight of the split."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", type=Path, help="YOLO tile set (split folders, data.yaml).")
    ap.add_argument("--split", default="valid")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--select-fraction", type=float, default=None,
                    help="Keep only the images in this selection share (file-name hash).")
    ap.add_argument("--class-map", default="pfm-1=PFM-1", help="Mine classes: NAME=DEVICE[,NAME=DEVICE].")
    ap.add_argument("--flight-key", default=r"^([^_]+_[^_]+_F\d+)_",
                    help="Regex whose first group is the flight of a file name.")
    ap.add_argument("--gsd-m", type=float, default=None, help="Default: estimated from the labelled mines.")
    args = ap.parse_args()
    samples = read_split(args.root, args.split)
    names = class_names(args.root, samples)
    gsd = args.gsd_m or estimate_gsd_m(labelled_box_sides(samples, names))
    if gsd is None:
        raise SystemExit("no labelled class of known size: give --gsd-m")
    pairs = dict(item.split("=", 1) for item in args.class_map.split(","))
    truth_classes = {names.index(k): v for k, v in pairs.items() if k in names}
    key = re.compile(args.flight_key)
    by_flight: dict[str, list] = {}
    for s in samples:
        m = key.match(s.image.name)
        if m is None:
            continue
        if args.select_fraction is not None and not in_selection_share(s.image.name, args.select_fraction):
            continue
        by_flight.setdefault(m.group(1), []).append(s)
    report = {}
    for flight, tiles in sorted(by_flight.items()):
        report[flight] = write_tile_flight(tiles, args.out / flight, gsd, truth_classes, flight)
        print(flight, report[flight], flush=True)
    (args.out / "flights.json").write_text(json.dumps(
        {"root": str(args.root), "split": args.split, "select_fraction": args.select_fraction,
         "gsd_m": gsd, "flights": report}, indent=1) + "\n")


if __name__ == "__main__":
    main()
