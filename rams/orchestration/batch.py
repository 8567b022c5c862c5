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
        raise RamsInputError(root, "flights root folder does not exist")
    flights = sorted(p.parent for p in root.rglob(MANIFEST_NAME) if p.is_file())
    if not flights:
        raise RamsInputError(root, f"no {MANIFEST_NAME} at or below this folder: no flight to process")
    return flights


def output_folders(root: Path, flights: list[Path], out_root: Path) -> list[Path]:
    """Each flight's output folder: its path relative to ``root`` below ``out_root``.

    A flight at ``root`` itself goes to ``out_root / root.name``.

    Raises:
        RamsInputError: two flights would write to the same folder (a flight at the root
            and a sub-folder of the root's own name), which would overwrite one with the other.
    """
    outs: dict[Path, Path] = {}
    for flight_dir in flights:
        rel = flight_dir.relative_to(root)
        out_dir = out_root / rel if str(rel) != "." else out_root / flight_dir.name
        if out_dir in outs:
            raise RamsInputError(flight_dir, f"would be written to {out_dir}, as {outs[out_dir]} is: "
                                             "move one of the two flights")
        outs[out_dir] = flight_dir
    return list(outs)


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
        RamsInputError: ``root`` is missing or holds no flight, two flights would share an
            output folder, or another run holds ``out_root``.
    """
    flights = find_flights(root)
    out_dirs = output_folders(root, flights, out_root)
    outcomes: list[FlightOutcome] = []
    with output_lock(out_root), Progress(disable=not progress, transient=True) as bar:
        task = bar.add_task("flights", total=len(flights))
        for flight_dir, out_dir in zip(flights, out_dirs, strict=True):
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
