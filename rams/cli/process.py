"""``rams process`` and ``rams demo``."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from rams.cli.options import (
    QUIET_HELP,
    library_output_to_stderr,
    pipeline_setup,
    shown_warnings,
    stderr,
    stdout,
)

if TYPE_CHECKING:
    from rams.orchestration.pipeline import RunResult


ALLOW_PARTIAL_HELP = (
    "Process damaged rasters (truncated, undecodable blocks) with holes instead of failing; "
    "the area not read is reported as a warning (config: ingest.allow_partial)."
)


def _run_counts(out_dir: Path) -> dict[str, int]:
    """The counts ``run.json`` records (empty when unreadable)."""
    import json

    try:
        counts = json.loads((out_dir / "run.json").read_text(encoding="utf-8")).get("counts", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return counts if isinstance(counts, dict) else {}


def _summary(result: RunResult) -> None:
    table = Table(title=f"flight {result.flight_id}", show_header=False)
    table.add_row("output", str(result.out_dir))
    table.add_row("SHA polygons", str(result.n_sha))
    table.add_row("CNN detections", str(result.n_detections))
    table.add_row("anomaly peaks", str(result.n_anomaly_peaks))
    counts = _run_counts(result.out_dir)
    for key, label in (("sha_priority_1", "SHA of priority 1"), ("mine_points", "mine points (detections.geojson)"),
                       ("point_hazards", "  of which point hazards"), ("low_points", "low-confidence points"),
                       ("expected_positions", "expected positions")):
        if key in counts:
            table.add_row(label, str(counts[key]))
    for stage, seconds in result.seconds.items():
        table.add_row(f"{stage} (s)", f"{seconds:.1f}")
    stdout.print(table)
    for warning in result.warnings:
        if warning not in shown_warnings:  # logged while it happened: not twice
            stderr.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


def process(
    flight_dir: Path = typer.Argument(..., help="Flight folder holding flight.yaml."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder."),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML config merged on the defaults."),
    workers: int | None = typer.Option(None, "--workers", "-w", help="Tile workers (threads, or Dask processes with --dask); 0 = one per core."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address tcp://HOST:PORT."),
    dask: bool = typer.Option(False, "--dask", help="Start a local Dask cluster of --workers processes."),
    force: bool = typer.Option(False, "--force", help="Recompute even if OUT holds a completed run."),
    allow_partial: bool = typer.Option(False, "--allow-partial", help=ALLOW_PARTIAL_HELP),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
) -> None:
    """Process one flight: anomaly raster, SHA polygons, detections, report."""
    from rams.orchestration.pipeline import process_flight

    cfg, executor = pipeline_setup(config, allow_partial=allow_partial, workers=workers, scheduler=scheduler,
                                   dask=dask, quiet=quiet)
    try:
        with library_output_to_stderr():
            result = process_flight(flight_dir, out, cfg, executor=executor, force=force)
    finally:
        executor.close()
    if result.skipped:
        stdout.print(f"{result.flight_id}: already processed in {out} (use --force to redo)")
    else:
        _summary(result)


def demo(
    out: Path = typer.Option(Path("demo"), "--out", "-o", help="Folder for the generated flight and outputs."),
    size_m: float = typer.Option(60.0, "--size-m", help="Side of the generated flight, metres (RGB at 0.5 cm: 12000 x 12000 px at 60 m)."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the generated flight."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
) -> None:
    """Generate a small synthetic flight and process it end to end."""
    from rams.config import load_config
    from rams.errors import RamsInputError
    from rams.orchestration.executor import make_executor
    from rams.orchestration.pipeline import process_flight
    from rams.synth import generate_flight

    if not size_m > 0:
        raise RamsInputError(None, f"--size-m must be positive, got {size_m}")
    start = time.perf_counter()
    flight_dir = out / "flight"
    cfg = load_config()
    with stderr.status(f"generating a {size_m:g} m synthetic flight (seed {seed}) in {flight_dir}") if not quiet \
            else contextlib.nullcontext():
        generate_flight(flight_dir, size_m=size_m, seed=seed)
    executor = make_executor(workers=cfg.execution.workers, progress=not quiet)
    try:
        with library_output_to_stderr():
            result = process_flight(flight_dir, out / "output", cfg, executor=executor, force=True)
    finally:
        executor.close()
    _summary(result)
    stdout.print(
        f"done in {time.perf_counter() - start:.0f} s: open {out / 'output' / 'report.html'}; "
        f"evaluate with: rams benchmark flight {out / 'output'} --truth {flight_dir / 'truth.geojson'}"
    )


def register(app: typer.Typer) -> None:
    """Register ``process`` and ``demo`` on ``app``."""
    app.command("process")(process)
    app.command("demo")(demo)
