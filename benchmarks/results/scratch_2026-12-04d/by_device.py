"""Mine-layer recall by device on kept benchmark runs (scratch, stop 39).

    python benchmarks/results/scratch_2026-12-04d/by_device.py KEEP [KEEP ...]

KEEP is a folder of ``bench_candidates.py --keep``; every mined flight ``flight-F-SEED`` is scored
against its ``truth.geojson`` with the benchmark's own matching
(:func:`rams.evaluation.flight.evaluate_flight`, 0.5 m one-to-one) and the found mines are summed
per truth class.
"""

import sys
from pathlib import Path

from rams.evaluation.flight import evaluate_flight

for keep in map(Path, sys.argv[1:]):
    found: dict[str, list[int]] = {}
    for flight in sorted(keep.glob("flight-*")):
        out = keep / f"out-{flight.name}"
        per_class = evaluate_flight(out, flight / "truth.geojson", write=False)["points"]["per_class"]
        for cls, c in per_class.items():
            if c["n_truth"]:
                acc = found.setdefault(cls, [0, 0])
                acc[0] += round(c["recall"] * c["n_truth"])
                acc[1] += c["n_truth"]
    print(keep.name, ", ".join(f"{cls} {f}/{n}" for cls, (f, n) in sorted(found.items())))
