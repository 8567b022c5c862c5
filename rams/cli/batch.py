"""``rams batch``: every flight below a folder, locally or on Dask."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from rams.cli.options import QUIET_HELP, library_output_to_stderr, pipeline_setup, stdout

ALLOW_PARTIAL_HELP = (
    "Process damaged rasters (truncated, undecodable blocks) with holes instead of failing; "
    "the area not read is reported as a warning (config: ingest.allow_partial)."
)


def batch(
    root: Path = typer.Argument(..., help="Folder searched for flight folders (with flight.yaml)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output root; one sub-folder per flight."),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML config merged on the defaults."),
    workers: int | None = typer.Option(None, "--workers", "-w", help="Local workers (with no --scheduler: starts a local Dask cluster when > 1 and --dask)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address tcp://HOST:PORT."),
    dask: bool = typer.Option(False, "--dask", help="Start a local Dask cluster of --workers processes."),
    force: bool = typer.Option(False, "--force", help="Recompute flights already complete."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    allow_partial: bool = typer.Option(False, "--allow-partial", help=ALLOW_PARTIAL_HELP),
) -> None:
    """Process every flight below ROOT; failing flights are reported, the rest go on."""
    from rams.orchestration.batch import run_batch

    cfg, executor = pipeline_setup(config, allow_partial=allow_partial, workers=workers, scheduler=scheduler,
                                   dask=dask, quiet=quiet)
    try:
        with library_output_to_stderr():
            outcomes = run_batch(root, out, cfg, executor, force=force, progress=not quiet)
    finally:
        executor.close()
    table = Table(title=f"rams batch: {len(outcomes)} flight(s)")
    for col in ("flight", "status", "SHA", "detections", "seconds", "message"):
        table.add_column(col)
    for o in outcomes:
        r = o.result
        table.add_row(
            str(o.flight_dir), o.status,
            str(r.n_sha) if r else "-", str(r.n_detections) if r else "-",
            f"{sum(r.seconds.values()):.1f}" if r and r.seconds else "-", o.message,
        )
    stdout.print(table)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        for o in failed:
            typer.echo(f"rams: failed: {o.message}", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Register ``batch`` on ``app``."""
    app.command("batch")(batch)
