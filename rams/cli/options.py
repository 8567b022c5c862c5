"""Choices and output conventions shared by the commands.

Every command writes its summary or result (tables, ``--json``) on stdout and its progress
bars, status lines, log messages and warnings on stderr, so ``rams ... > summary.txt`` keeps
the summary and nothing else. ``--quiet`` removes the progress bars and status lines; warnings,
errors and the summary still print.

The choices are enums so that ``--help`` lists them and click refuses anything else with a
usage error (exit 2). They are spelled out here rather than imported from the library, which
would load torch for ``rams --help``; ``tests/cli`` checks they match the library's lists.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

if TYPE_CHECKING:
    from rams.config import PipelineConfig
    from rams.orchestration.executor import Executor

# soft wrap: lines of text are never folded or cropped (paths stay copyable); tables still fit
#: Summaries and results.
stdout = Console(soft_wrap=True)
#: Progress, status lines and warnings.
stderr = Console(stderr=True, soft_wrap=True)

QUIET_HELP = "No progress bars or status lines on stderr (warnings, errors and the summary still print)."


class TrainPrecision(StrEnum):
    """Forward-pass precision of training (:data:`rams.detection.precision.PRECISIONS`)."""

    auto = "auto"
    float32 = "float32"
    bfloat16 = "bfloat16"


class InferencePrecision(StrEnum):
    """Precision the detector runs in (:data:`rams.detection.inference_modes.INFERENCE_PRECISIONS`)."""

    auto = "auto"
    float32 = "float32"
    bfloat16 = "bfloat16"
    int8 = "int8"


class Channels(StrEnum):
    """Input bands a detector is trained on."""

    thermal = "thermal"
    rgb = "rgb"


class Preset(StrEnum):
    """Detector architecture preset (:data:`rams.detection.model.PRESETS`)."""

    small = "small"
    base = "base"
    lite0 = "lite0"
    lite0_bilinear = "lite0-bilinear"


class Split(StrEnum):
    """A split of a YOLO tile set."""

    train = "train"
    valid = "valid"
    test = "test"


class BudgetClock(StrEnum):
    """How a training time budget is measured."""

    wall = "wall"
    cpu = "cpu"


#: Log messages already shown on stderr (a summary does not repeat them).
shown_warnings: set[str] = set()


class _StderrLogHandler(logging.Handler):
    """Library log records of level WARNING and above as ``warning: ...`` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            shown_warnings.add(message)
            stderr.print(f"[yellow]{record.levelname.lower()}:[/yellow] {message}", highlight=False)
            if record.exc_info:  # an unexpected failure (batch goes on): keep its traceback
                stderr.out(logging.Formatter().formatException(record.exc_info), highlight=False)
        except Exception:  # logging must never raise
            self.handleError(record)


def show_library_warnings() -> None:
    """Print the ``rams`` loggers' warnings on stderr, once each (idempotent)."""
    shown_warnings.clear()
    logger = logging.getLogger("rams")
    if not any(isinstance(h, _StderrLogHandler) for h in logger.handlers):
        logger.addHandler(_StderrLogHandler(logging.WARNING))


@contextlib.contextmanager
def library_output_to_stderr(quiet: bool = False) -> Iterator[None]:
    """Send what library code writes to stdout to stderr instead (nowhere when ``quiet``).

    Library progress bars use rich's default console and the trainer prints epoch lines
    when it has no bars; both follow ``sys.stdout``, so this keeps stdout for the summary.
    """
    with contextlib.redirect_stdout(io.StringIO() if quiet else sys.stderr):
        yield


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON on stdout (plain text: no colour codes to strip)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()


def pipeline_setup(
    config: Path | None, *, allow_partial: bool, workers: int | None, scheduler: str | None, dask: bool, quiet: bool,
) -> tuple[PipelineConfig, Executor]:
    """The config of ``rams process`` and ``rams batch`` and the executor their tiles run on.

    ``--allow-partial`` overrides the file's ``ingest.allow_partial``; an explicit
    ``--workers`` (0 included) beats the file's ``execution.workers``, and ``--scheduler``
    its ``execution.scheduler``. The caller closes the executor.
    """
    from rams.config import load_config
    from rams.errors import RamsInputError
    from rams.orchestration.executor import make_executor

    if workers is not None and workers < 0:
        raise RamsInputError(None, f"--workers must be 0 (one per core) or more, got {workers}")
    cfg = load_config(config, overrides={"ingest": {"allow_partial": True}} if allow_partial else None)
    n = cfg.execution.workers if workers is None else workers
    executor = make_executor(workers=n, scheduler=scheduler or cfg.execution.scheduler, dask=dask,
                             progress=not quiet)
    return cfg, executor
