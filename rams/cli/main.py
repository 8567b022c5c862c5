"""The ``rams`` console script.

User errors (:class:`rams.errors.RamsInputError`, and an ``OSError`` on a named path: an
output that is an existing file, a read-only or full disk) become one line on stderr and exit
code 2; no traceback is shown for them.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn

import typer

from rams.cli import batch, bench_flight, bench_tiles, process, survey, synth, train
from rams.cli.options import show_library_warnings
from rams.errors import RamsInputError
from rams.orchestration.memory import tune_allocator

app = typer.Typer(
    name="rams",
    help="Remote Aerial Minefield Survey: drone imagery to suspected hazardous areas.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        from rams import __version__

        typer.echo(f"rams {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the rams version and exit."),
) -> None:
    """Remote Aerial Minefield Survey: drone imagery to suspected hazardous areas."""


benchmark_app = typer.Typer(help="Benchmark detection on labelled tiles or flights.", no_args_is_help=True)

process.register(app)
batch.register(app)
synth.register(app)
survey.register(app)
train.register(app)
bench_tiles.register(benchmark_app)
bench_flight.register(benchmark_app)
app.add_typer(benchmark_app, name="benchmark")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code (2 for bad input)."""
    show_library_warnings()
    tune_allocator()  # every command works tile by tile
    try:
        # without standalone mode click returns the code of a typer.Exit instead of exiting
        code = app(args=argv, standalone_mode=False)
    except RamsInputError as exc:
        typer.echo(f"rams: error: {exc}", err=True)
        return 2
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except SystemExit as exc:  # pragma: no cover - typer may raise it directly
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except KeyboardInterrupt:
        typer.echo("rams: interrupted", err=True)
        return 130
    except OSError as exc:
        # A path the user gave that cannot be written or read as asked (an output that is
        # an existing file, a read-only or full disk, no permission): their input, not a bug.
        # An OSError without a file name is left to the last resort below.
        if exc.filename is None:
            raise
        typer.echo(f"rams: error: {exc.filename}: {exc.strerror or exc}", err=True)
        return 2
    except Exception as exc:  # click usage errors and the like
        # typer ships its own copy of click (typer._click), so match click's exception
        # protocol rather than click's classes: usage errors have show() and an exit code.
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            return exit_code
        if type(exc).__name__ == "Abort":
            return 1
        raise
    return code if isinstance(code, int) else 0


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` without the interpreter's own shutdown.

    A process that loaded torch, numba and GDAL spends about a second of its shutdown
    tearing modules down and collecting their garbage (1.1 s of a 16 s ``rams process`` of
    a 0.04 km² flight on a 2-core EPYC), which nothing needs: every output is closed and
    renamed into place by then. What a shutdown does that matters still happens first,
    in the interpreter's order: threading's exit hooks (which stop idle thread-pool
    workers) and the joins of non-daemon threads, the exit handlers (``atexit``: logging's
    flush, tempfile and multiprocessing clean-up, Dask), and stdout and stderr flushed.
    """
    threading._shutdown()  # type: ignore[attr-defined]  # what Py_FinalizeEx calls first
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or broken pipe: nothing left to save
            pass
    os._exit(code)


def run() -> NoReturn:
    """The console script's entry point: :func:`main`, then :func:`exit_now`.

    An unexpected exception leaves through the interpreter's normal path, with its
    traceback.
    """
    exit_now(main())


if __name__ == "__main__":  # pragma: no cover
    run()
