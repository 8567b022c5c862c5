"""Batch processing: every flight below a root folder, one failure never stops the rest."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rich.progress import Progress

from rams.config import PipelineConfig
from rams.errors import RamsInputError
from rams.ingest.manifest import MANIFEST_NAME
from rams.orchestration.executor import Executor
from rams.orchestration.lock import output_lock
from rams.orchestration.pipeline import RunResult, process_flight

log = logging.getLogger(__name__)


@dataclass
class FlightOutcome:
    """The outcome of one flight of a batch.

    Attributes:
        flight_dir: the flight folder.
        out_dir: its output folder.
        status: "done", "skipped" (already complete) or "failed".
        message: why it failed, or warnings.
        result: the run result when it did not fail.
    """

    flight_dir: Path
    out_dir: Path
    status: str
    message: str = ""
    result: RunResult | None = None


def find_flights(root: Path) -> list[Path]:
    """Every folder at or below ``root`` that holds a ``flight.yaml``, sorted."""
    if not root.is_dir():
        raise RamsInputError(root, "flights root is a file, not a folder" if root.exists()
                             else "flights root folder does not exist")
    flights = sorted(p.parent for p in root.rglob(MANIFEST_NAME) if p.is_file())
    if not flights:
        raise RamsInputError(root, f"no {MANIFEST_NAME} at or below this folder: no flight to process")
    return flights


def output_folders(root: Path, flights: list[Path], out_root: Path) -> list[tuple[Path, str]]:
    """Each flight's output folder and, when another flight shares it, why it cannot run.

    The folder is the flight's path relative to ``root`` below ``out_root`` (the reason is ""
    when no other flight shares it). A flight at ``root`` itself goes to ``out_root / root.name``, which a sub-folder of the
    root's own name would share: both are refused, the other flights are not affected.
    """
    outs = []
    for flight_dir in flights:
        rel = flight_dir.relative_to(root)
        outs.append(out_root / rel if str(rel) != "." else out_root / flight_dir.name)
    shared = {o for o in outs if outs.count(o) > 1}
    return [(o, f"{f}: would be written to {o}, as another flight of the batch is: move one of the two"
             if o in shared else "") for f, o in zip(flights, outs, strict=True)]


def run_batch(
    root: Path,
    out_root: Path,
    config: PipelineConfig,
    executor: Executor,
    *,
    force: bool = False,
    progress: bool = False,
) -> list[FlightOutcome]:
    """Process every flight below ``root`` into the same relative folder below ``out_root``.

    Raises:
        RamsInputError: ``root`` is missing or holds no flight, or another run holds
            ``out_root``. Two flights that would share an output folder both fail.
    """
    flights = find_flights(root)
    out_dirs = output_folders(root, flights, out_root)
    outcomes: list[FlightOutcome] = []
    with output_lock(out_root), Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("flights", total=len(flights))
        for flight_dir, (out_dir, clash) in zip(flights, out_dirs, strict=True):
            if clash:
                outcomes.append(FlightOutcome(flight_dir, out_dir, "failed", clash))
                bar.advance(task)
                continue
            try:
                result = process_flight(flight_dir, out_dir, config, executor=executor, force=force)
            except RamsInputError as exc:
                outcomes.append(FlightOutcome(flight_dir, out_dir, "failed", str(exc)))
            except Exception as exc:  # a bug or an I/O failure must not stop the other flights
                log.exception("flight %s failed", flight_dir)
                outcomes.append(FlightOutcome(flight_dir, out_dir, "failed", f"{flight_dir}: {type(exc).__name__}: {exc}"))
            else:
                status = "skipped" if result.skipped else "done"
                outcomes.append(FlightOutcome(flight_dir, out_dir, status, "; ".join(result.warnings), result))
            bar.advance(task)
    return outcomes
