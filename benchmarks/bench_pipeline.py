"""Pipeline throughput and memory: km² per hour per stage, peak RSS.

Generates a synthetic flight of the given area (multispectral 5 cm, thermal 10 cm, RGB at
``--rgb-gsd-m``, default the generator's 0.5 cm: the RGB detector's working GSD),
runs ``rams process`` on it in a child process (CNN detector in cascade mode by default) and
reports km²/h per stage and end to end, and the child's peak RSS. ``--memory-check`` also
runs a flight 4x smaller in area and reports the peak-RSS ratio (target: within +20 %).

Usage::

    python benchmarks/bench_pipeline.py [--area-km2 0.01] [--rgb-gsd-m 0.005] [--mode cascade|full] [--memory-check]
        [--repeat 3] [--kernel-repeat 3] [--work DIR --reuse]

At 0.5 cm, RGB is 40,000 px per km of side (1.6 Gpx for 0.04 km²), so the default area is
0.01 km² (100 m); at 2 cm (``--rgb-gsd-m 0.02``, an area-survey flight) the CNN runs on the RGB
upsampled to its 0.5 cm (the shipped model accepts up to 2.5 cm), and at 3 cm
(``--rgb-gsd-m 0.03``) it is skipped as too coarse and the run measures the anomaly path alone.

Kernels, timed in the same invocation, each alone after the run: the local RX kernel
(``rams.anomaly.rx_local``) on the same grid (the fused anomaly bands read strip by strip,
reading not timed, the kernel timed ``--kernel-repeat`` times per strip, median), and the
CNN network on the run's inputs (``Detector.run_network`` is wrapped with a clock in the
``rams process`` child, which records the shape of every forward pass; each shape is then
timed alone ``--kernel-repeat`` times, median, in the same inference mode). The forward
passes' own time inside the run is recorded too (``cnn_forward``), but it is not the
kernel's: there they share the two cores with the read-ahead thread's decoding and run
slower, and dividing by that time would flatter the ratio (stop 48, 0.25 km²: 22-36 s in
the run against 13.7-20.1 s alone). From these:

* ``anomaly_stage_over_kernel``: the anomaly stage's seconds over the RX kernel's (target
  <= 2.0);
* ``end_to_end_over_kernels``: the whole run's wall time, start-up included, over RX
  kernel + CNN network alone (target <= 1.5).

Also recorded: km²/h at the working GSD, the CPU's model and flags (/proc/cpuinfo), and
``anomaly_input_decode``: the seconds one thread takes to decode the anomaly stage's input
rasters once (their compression; not a kernel, but the part of the stage's reading no code
of ours removes), so the stage's overhead over the kernel can be told apart from decoding.

The runs share a fresh inference-probe cache (``RAMS_CACHE_DIR`` set to ``WORK/rams-cache``,
emptied at the start): the first run measures which inference mode is fastest, as on a new
machine, and the others reuse its verdict, as every later run on a machine does. Each run
records which (``probe_from_cache``); the medians are over all the runs.

Results: ``benchmarks/results/pipeline.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

RESULTS = Path(__file__).resolve().parent / "results" / "pipeline.json"


def _cpu_info(cpuinfo: Path = Path("/proc/cpuinfo")) -> dict[str, Any]:
    """The CPU's model name and flags, from /proc/cpuinfo (empty where it is missing)."""
    info: dict[str, Any] = {"model_name": None, "flags": []}
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and info["model_name"] is None:
                info["model_name"] = value.strip()
            elif key.strip() == "flags" and not info["flags"]:
                info["flags"] = value.split()
    except OSError:
        pass
    info["simd"] = [f for f in info["flags"] if f.startswith(("avx", "amx", "sse4", "fma"))]
    return info


def _after_import(name: str, patch: Callable[[Any], None]) -> None:  # pragma: no cover - child
    """Call ``patch(module)`` right after module ``name`` is first imported, in whichever
    thread imports it (a meta-path finder that wraps the module's loader once)."""
    import importlib.abc
    import importlib.util

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
            if fullname != name:
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(fullname)
            if spec is not None and spec.loader is not None:
                loader, run = spec.loader, spec.loader.exec_module

                def exec_module(module: Any) -> None:
                    run(module)
                    patch(module)

                loader.exec_module = exec_module  # type: ignore[method-assign]
            return spec

    sys.meta_path.insert(0, Finder())


def _child_main(timings_path: str, argv: list[str]) -> int:  # pragma: no cover - child
    """``rams`` CLI with the CNN forward pass clocked; the totals go to ``timings_path``.

    The clock is put on ``Detector.run_network`` when the pipeline first imports the
    detector (its warm-up thread, while ingest runs), not by importing it here: importing
    torch up front would move about a second of imports into the serial start of the run,
    which a real ``rams process`` does not have.
    """
    from rams.cli.main import main as cli_main

    totals: dict[str, Any] = {"cnn_forward_seconds": 0.0, "cnn_forward_calls": 0, "cnn_forward_megapixels": 0.0}
    shapes: dict[tuple[int, ...], int] = {}

    def clock(module: Any) -> None:
        run_network = module.Detector.run_network

        def clocked(self: Any, x: Any) -> Any:
            start = time.perf_counter()
            out = run_network(self, x)
            totals["cnn_forward_seconds"] += time.perf_counter() - start
            totals["cnn_forward_calls"] += 1
            totals["cnn_forward_megapixels"] += x.shape[0] * x.shape[2] * x.shape[3] / 1e6
            shapes[tuple(x.shape)] = shapes.get(tuple(x.shape), 0) + 1
            return out

        module.Detector.run_network = clocked

    if "rams.detection.detector" in sys.modules:
        clock(sys.modules["rams.detection.detector"])
    else:
        _after_import("rams.detection.detector", clock)
    code = cli_main(argv)
    totals["cnn_forward_shapes"] = [[*shape, n] for shape, n in sorted(shapes.items())]
    Path(timings_path).write_text(json.dumps(totals))
    return code


def input_decode_seconds(flight: Path, config: Path) -> dict[str, Any]:
    """Decoding the anomaly stage's input rasters once, block by block, on one thread.

    Not a kernel: the part of the anomaly stage's reading that no code of ours can remove
    (the files' own compression), timed in the same run so that the stage's overhead can be
    split into decoding and the rest. Each sensor file is read whole, one internal block
    at a time (all its bands, as the stage reads them), after a first pass that brings the
    file into the page cache; the second pass is timed.
    """
    import rasterio

    from rams.config import load_config
    from rams.orchestration.plan import build_plan

    plan = build_plan(flight, load_config(config), checksum=False)
    try:
        paths = {s: plan.readers[s].path for s in plan.anomaly_sensors}
    finally:
        plan.close()
    seconds: dict[str, float] = {}
    for sensor, path in paths.items():
        for timed in (False, True):
            with rasterio.open(path) as src:
                start = time.perf_counter()
                for _, window in src.block_windows(1):
                    src.read(window=window)
                if timed:
                    seconds[sensor] = time.perf_counter() - start
    return {"seconds": sum(seconds.values()), "by_sensor": seconds, "threads": 1}


def rx_kernel_seconds(flight: Path, config: Path, repeat: int) -> dict[str, Any]:
    """The local RX kernel alone on the run's grid: the fused anomaly bands of full-width
    strips (the tile height of the run), each timed ``repeat`` times (median), summed."""
    import numpy as np
    from rasterio.windows import Window

    from rams import anomaly
    from rams.config import load_config
    from rams.fusion.cube import fuse_window
    from rams.orchestration.plan import build_plan

    cfg = load_config(config)
    plan = build_plan(flight, cfg, checksum=False)
    a = cfg.anomaly
    if a.detector != "local":
        raise SystemExit("the kernel benchmark times local RX; set anomaly.detector: local")
    readers = {s: plan.readers[s] for s in plan.anomaly_sensors}
    strip = cfg.tiles.tile_px
    total = 0.0
    try:
        # compile or load numba's cache once, outside the clock (the run's process did the same)
        warm = fuse_window(readers, Window(0, 0, min(64, plan.grid.width), min(64, plan.grid.height)))
        anomaly.rx_local(warm.bands(plan.anomaly_bands), a.inner_px, a.outer_px, mask=warm.valid, backend=a.backend)
        for r0 in range(0, plan.grid.height, strip):
            window = Window(0, r0, plan.grid.width, min(strip, plan.grid.height - r0))
            fused = fuse_window(readers, window, background_m=cfg.fusion.thermal_background_m)
            cube = np.ascontiguousarray(fused.bands(plan.anomaly_bands))
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                anomaly.rx_local(cube, a.inner_px, a.outer_px, mask=fused.valid, backend=a.backend)
                times.append(time.perf_counter() - start)
            total += float(np.median(times))
    finally:
        plan.close()
    pixels = plan.grid.width * plan.grid.height
    return {
        "seconds": total, "megapixels": pixels / 1e6, "mpx_per_second": pixels / 1e6 / total,
        "bands": len(plan.anomaly_bands), "inner_px": a.inner_px, "outer_px": a.outer_px,
        "strip_rows": strip, "repeat": repeat,
    }


def cnn_kernel_seconds(config: Path, shapes: list[list[int]], repeat: int) -> dict[str, Any]:
    """The CNN network alone on the run's inputs: each input shape of the run's forward
    passes timed ``repeat`` times (median) after one untimed call, times its number of passes.

    The detector is loaded as the run loaded it (the same model, precision and probe cache,
    so the same inference mode), in this process with nothing else running: the kernel's own
    time, like the RX kernel's, not the run's forward passes, which share the cores with the
    read-ahead thread's decoding and so run slower (and would flatter the end-to-end ratio).
    The network's cost does not depend on pixel values, so the inputs are random; quantised
    (quint8) where the run's int8 network took them so (:meth:`Detector.network_batch`).
    """
    import torch

    from rams.config import load_config
    from rams.detection import load_detector

    if not shapes:  # the CNN did not run (disabled, or the RGB too coarse for it)
        return {"seconds": 0.0, "calls": 0, "shapes": 0, "repeat": repeat, "mode": None,
                "threads": torch.get_num_threads()}
    cfg = load_config(config).detection
    det = load_detector(cfg.model, sensor=cfg.sensor, precision=cfg.precision)
    gen = torch.Generator().manual_seed(0)
    total, calls = 0.0, 0
    with torch.inference_mode():
        for *shape, n in shapes:
            x = torch.randn(shape, generator=gen).contiguous(memory_format=torch.channels_last)
            if det.input_quantisation is not None:
                x = det.input_quantisation.quantise(x)
            det.run_network(x)
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                det.run_network(x)
                times.append(time.perf_counter() - start)
            total += float(statistics.median(times)) * n
            calls += n
    return {"seconds": total, "calls": calls, "shapes": len(shapes), "repeat": repeat,
            "mode": det.inference_mode.mode, "threads": torch.get_num_threads()}


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


def run_once(
    area_km2: float, mode: str, seed: int, work: Path, rgb_gsd_m: float, kernel_repeat: int = 3,
    reuse: bool = False,
) -> dict[str, Any]:
    """Generate a flight of ``area_km2`` and process it; return the measurements."""
    size_m = math.sqrt(area_km2) * 1000.0
    flight = work / f"flight-{size_m:.0f}m"
    out = work / f"out-{size_m:.0f}m"
    synth_s = synth_rss = None
    if not (reuse and (flight / "flight.yaml").is_file()):
        synth_s, synth_rss = _run_child(
            [sys.executable, "-m", "rams.cli.main", "synth", str(flight), "--size-m", str(size_m), "--seed", str(seed),
             "--rgb-gsd-m", str(rgb_gsd_m)]
        )
    cfg = work / "config.yaml"
    cfg.write_text(yaml.safe_dump({"detection": {"mode": mode}}))
    timings = work / "cnn_forward.json"
    timings.unlink(missing_ok=True)
    # a killed earlier invocation leaves its per-tile work under OUT (the pipeline resumes from
    # it, even with --force: same inputs and config, same results), which would time a resumed
    # anomaly stage (stop 41: 1.4 s instead of 16 s, ratio 0.22); every timed run starts empty
    shutil.rmtree(out, ignore_errors=True)
    load_start = os.getloadavg()[0]
    wall, rss = _run_child(
        [sys.executable, str(Path(__file__).resolve()), "--child-timings", str(timings), "process", str(flight),
         "-o", str(out), "--config", str(cfg), "--force"]
    )
    load_end = os.getloadavg()[0]
    run = json.loads((out / "run.json").read_text())
    cnn = json.loads(timings.read_text())
    rx = rx_kernel_seconds(flight, cfg, kernel_repeat)
    decode = input_decode_seconds(flight, cfg)
    cnn_alone = cnn_kernel_seconds(cfg, cnn.get("cnn_forward_shapes", []), kernel_repeat)
    kernels_s = rx["seconds"] + cnn_alone["seconds"]
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
        # interpreter start-up, imports, work between the stages' clocks, and exit
        "outside_stages_seconds": wall - sum(run["seconds"].values()),
        "km2_per_hour": area / wall * 3600,
        "stages": stages,
        "peak_rss_mb": rss,
        "counts": run["counts"],
        "load_average_1min": {"start": load_start, "end": load_end},
        "detection_inference": run.get("detection", {}).get("inference"),
        "kernels": {
            "rx_local": rx,
            # the forward passes as they ran in the run (sharing the cores with the reads)
            "cnn_forward": {**cnn, "seconds": cnn["cnn_forward_seconds"]},
            # the kernel: the network alone on the same inputs (see cnn_kernel_seconds)
            "cnn_network_alone": cnn_alone,
            "seconds": kernels_s,
        },
        # not kernels: the anomaly inputs' decoding, one thread (see input_decode_seconds)
        "anomaly_input_decode": decode,
        "anomaly_stage_over_kernel": run["seconds"]["anomaly"] / rx["seconds"],
        "end_to_end_over_kernels": wall / kernels_s if kernels_s > 0 else None,
    }
    if not reuse:
        shutil.rmtree(flight, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return result


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child-timings":  # the clocked rams process run
        from rams.cli.main import exit_now

        exit_now(_child_main(sys.argv[2], sys.argv[3:]))  # ends as the rams console script does
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area-km2", type=float, default=0.01)
    parser.add_argument("--rgb-gsd-m", type=float, default=0.005)
    parser.add_argument("--mode", choices=["cascade", "full"], default="cascade")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--memory-check", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--kernel-repeat", type=int, default=3, help="timings of the RX kernel per strip (median)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--repeat", type=int, default=1,
                        help="process the flight this many times; the ratios reported are the medians")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the synthetic flight in --work and reuse it on the next call")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="rams-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    # a fresh probe cache: the first run probes as on a new machine, the next ones reuse it
    probe_cache = work / "rams-cache"
    shutil.rmtree(probe_cache, ignore_errors=True)
    os.environ["RAMS_CACHE_DIR"] = str(probe_cache)
    reuse = (args.reuse or args.repeat > 1) and args.work is not None
    runs = [run_once(args.area_km2, args.mode, args.seed, work, args.rgb_gsd_m, args.kernel_repeat, reuse)
            for _ in range(args.repeat)]
    if args.memory_check:
        runs.insert(0, run_once(args.area_km2 / 4, args.mode, args.seed, work, args.rgb_gsd_m, args.kernel_repeat, reuse))
    for r in runs:
        print(f"\n{r['area_km2']:.4f} km² ({r['size_m']:.0f} m side, RGB {r['rgb_gsd_m'] * 100:g} cm = "
              f"{r['rgb_megapixels']:.0f} Mpx), detector {r['mode']}, "
              f"{r['wall_seconds']:.1f} s wall including start-up:")
        for name, s in r["stages"].items():
            rate = f"{s['km2_per_hour']:.1f} km²/h" if s["km2_per_hour"] else "-"
            print(f"  {name:<12} {s['seconds']:8.1f} s   {rate}")
        print(f"  {'outside':<12} {r['outside_stages_seconds']:8.1f} s   (start-up, imports, exit)")
        print(f"  {'end to end':<12} {r['wall_seconds']:8.1f} s   {r['km2_per_hour']:.1f} km²/h "
              f"(target 12 km²/h: ratio {r['km2_per_hour'] / 12:.2f}); "
              f"{r['km2_per_hour_of_grid']:.1f} km²/h of the {r['grid_area_km2']:.4f} km² grid")
        print(f"  peak RSS {r['peak_rss_mb']:.0f} MB (target <= 2048 MB)")
        k = r["kernels"]
        print(f"  kernels in the same run: RX {k['rx_local']['seconds']:.2f} s "
              f"({k['rx_local']['mpx_per_second']:.1f} Mpx/s on {k['rx_local']['megapixels']:.1f} Mpx, "
              f"{k['rx_local']['bands']} bands), CNN network alone {k['cnn_network_alone']['seconds']:.2f} s "
              f"({k['cnn_forward']['cnn_forward_calls']} passes, {k['cnn_forward']['cnn_forward_megapixels']:.1f} Mpx; "
              f"{k['cnn_forward']['seconds']:.2f} s as they ran in the run, beside its reads)")
        dec = r["anomaly_input_decode"]
        print(f"  decoding the anomaly inputs (not a kernel; one thread): {dec['seconds']:.2f} s ("
              + ", ".join(f"{k} {v:.2f} s" for k, v in dec["by_sensor"].items()) + ")")
        inference = r["detection_inference"] or {}
        if inference.get("mode"):
            print(f"  CNN in {inference['mode']} ({inference.get('requested')}; probe verdict "
                  f"{'from the cache' if inference.get('probe_from_cache') else 'measured in this run'})")
        print(f"  anomaly stage / RX kernel: {r['anomaly_stage_over_kernel']:.2f} (target <= 2.0); "
              f"end to end / kernels: {r['end_to_end_over_kernels']:.2f} (target <= 1.5); "
              f"load {r['load_average_1min']['start']:.1f} -> {r['load_average_1min']['end']:.1f} "
              f"on {os.cpu_count()} CPUs")
    main_runs = runs[-args.repeat:]
    main_run = main_runs[len(main_runs) // 2]

    def median_of(key: str) -> float:
        return float(statistics.median(r[key] for r in main_runs))

    summary: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_end": list(os.getloadavg()), "cpu": _cpu_info()},
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        # medians over the --repeat runs of the flight (each ratio from its own run)
        "anomaly_stage_over_kernel": median_of("anomaly_stage_over_kernel"),
        "end_to_end_over_kernels": median_of("end_to_end_over_kernels"),
        "working_gsd_m": main_run["rgb_gsd_m"],
        "km2_per_hour_at_working_gsd": median_of("km2_per_hour"),
        "repeat": args.repeat,
        "targets": {"anomaly_stage_over_kernel": 2.0, "end_to_end_over_kernels": 1.5, "km2_per_hour": 12.0},
        "runs": runs,
        "target_km2_per_hour": 12.0,
    }
    if args.repeat > 1:
        print(f"\nmedians of {args.repeat} runs: anomaly stage / RX kernel {summary['anomaly_stage_over_kernel']:.2f}, "
              f"end to end / kernels {summary['end_to_end_over_kernels']:.2f}, "
              f"{summary['km2_per_hour_at_working_gsd']:.2f} km²/h")
    if args.memory_check:
        ratio = runs[1]["peak_rss_mb"] / runs[0]["peak_rss_mb"]
        summary["rss_ratio_4x_area"] = ratio
        print(f"\npeak RSS, 4x the area: {runs[1]['peak_rss_mb']:.0f} / {runs[0]['peak_rss_mb']:.0f} MB = "
              f"{ratio:.2f} (target <= 1.20)")
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nsaved {args.results}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
