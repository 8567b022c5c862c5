"""Pipeline throughput and memory: km² per hour per stage, peak RSS.

Generates a synthetic flight of the given area (multispectral 5 cm, thermal 10 cm, RGB at
``--rgb-gsd-m``, default the generator's 0.5 cm: the RGB detector's working GSD),
runs ``rams process`` on it in a child process (CNN detector in cascade mode by default) and
reports km²/h per stage and end to end, and the child's peak RSS. ``--memory-check`` also
runs a flight 4x smaller in area and reports the peak-RSS ratio (target: within +20 %).

Usage::

    python benchmarks/bench_pipeline.py [--area-km2 0.01] [--rgb-gsd-m 0.005] [--mode cascade|full] [--memory-check]

At 0.5 cm, RGB is 40,000 px per km of side (1.6 Gpx for 0.04 km²), so the default area is
0.01 km² (100 m); at 2 cm (``--rgb-gsd-m 0.02``, an area-survey flight) the CNN is skipped as
too coarse for the detector and the run measures the anomaly path alone.

Results: ``benchmarks/results/pipeline.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

RESULTS = Path(__file__).resolve().parent / "results" / "pipeline.json"


def _run_child(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return (wall seconds, peak RSS of the child in MB)."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024.0


def run_once(area_km2: float, mode: str, seed: int, work: Path, rgb_gsd_m: float) -> dict[str, Any]:
    """Generate a flight of ``area_km2`` and process it; return the measurements."""
    size_m = math.sqrt(area_km2) * 1000.0
    flight = work / f"flight-{size_m:.0f}m"
    out = work / f"out-{size_m:.0f}m"
    synth_s, synth_rss = _run_child(
        [sys.executable, "-m", "rams.cli.main", "synth", str(flight), "--size-m", str(size_m), "--seed", str(seed),
         "--rgb-gsd-m", str(rgb_gsd_m)]
    )
    cfg = work / "config.yaml"
    cfg.write_text(yaml.safe_dump({"detection": {"mode": mode}}))
    wall, rss = _run_child(
        [sys.executable, "-m", "rams.cli.main", "process", str(flight), "-o", str(out), "--config", str(cfg), "--force"]
    )
    run = json.loads((out / "run.json").read_text())
    # Rates are per km² of the flight as requested (size_m², the synthetic scene). The
    # common grid is larger (the union of the sensors' footprints, each overhanging the
    # scene), so rates per km² of grid would read higher; both are recorded.
    grid_area = run["grid"]["width"] * run["grid"]["height"] * run["grid"]["gsd_m"] ** 2 / 1e6
    area = size_m**2 / 1e6
    stages = {k: {"seconds": v, "km2_per_hour": area / v * 3600 if v > 0 else None} for k, v in run["seconds"].items()}
    result = {
        "area_km2": area,
        "grid_area_km2": grid_area,
        "km2_per_hour_of_grid": grid_area / wall * 3600,
        "size_m": size_m,
        "mode": mode,
        "rgb_gsd_m": rgb_gsd_m,
        "rgb_megapixels": round((size_m / rgb_gsd_m) ** 2 / 1e6, 1),
        "warnings": run.get("warnings", []),
        "synth_seconds": synth_s,
        "synth_peak_rss_mb": synth_rss,
        "wall_seconds": wall,
        "km2_per_hour": area / wall * 3600,
        "stages": stages,
        "peak_rss_mb": rss,
        "counts": run["counts"],
    }
    shutil.rmtree(flight, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area-km2", type=float, default=0.01)
    parser.add_argument("--rgb-gsd-m", type=float, default=0.005)
    parser.add_argument("--mode", choices=["cascade", "full"], default="cascade")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--memory-check", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="rams-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    runs = [run_once(args.area_km2, args.mode, args.seed, work, args.rgb_gsd_m)]
    if args.memory_check:
        runs.insert(0, run_once(args.area_km2 / 4, args.mode, args.seed, work, args.rgb_gsd_m))
    for r in runs:
        print(f"\n{r['area_km2']:.4f} km² ({r['size_m']:.0f} m side, RGB {r['rgb_gsd_m'] * 100:g} cm = "
              f"{r['rgb_megapixels']:.0f} Mpx), detector {r['mode']}, "
              f"{r['wall_seconds']:.1f} s wall including start-up:")
        for name, s in r["stages"].items():
            rate = f"{s['km2_per_hour']:.1f} km²/h" if s["km2_per_hour"] else "-"
            print(f"  {name:<12} {s['seconds']:8.1f} s   {rate}")
        print(f"  {'end to end':<12} {r['wall_seconds']:8.1f} s   {r['km2_per_hour']:.1f} km²/h "
              f"(target 12 km²/h: ratio {r['km2_per_hour'] / 12:.2f}); "
              f"{r['km2_per_hour_of_grid']:.1f} km²/h of the {r['grid_area_km2']:.4f} km² grid")
        print(f"  peak RSS {r['peak_rss_mb']:.0f} MB (target <= 2048 MB)")
    summary: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_end": list(os.getloadavg())},
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": runs,
        "target_km2_per_hour": 12.0,
    }
    if args.memory_check:
        ratio = runs[1]["peak_rss_mb"] / runs[0]["peak_rss_mb"]
        summary["rss_ratio_4x_area"] = ratio
        print(f"\npeak RSS, 4x the area: {runs[1]['peak_rss_mb']:.0f} / {runs[0]['peak_rss_mb']:.0f} MB = "
              f"{ratio:.2f} (target <= 1.20)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nsaved {RESULTS}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
