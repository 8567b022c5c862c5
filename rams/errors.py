"""Exception classes for user-facing errors.

Every error a user can cause by giving rams bad input is a :class:`RamsInputError`: it names
the file and what is wrong with it, and the CLI prints it as one line with exit code 2
(no traceback).
"""

from __future__ import annotations

from pathlib import Path


class RamsError(Exception):
    """Base class of all rams errors."""


class RamsInputError(RamsError):
    """Bad user input: a file that is missing, malformed or inconsistent.

    Args:
        path: the offending file or folder (may be None when no file is involved).
        problem: what is wrong, in plain words.
    """

    def __init__(self, path: str | Path | None, problem: str) -> None:
        self.path = None if path is None else Path(path)
        self.problem = problem
        # args are the constructor's arguments, so that pickling (plain, or tblib's as Dask
        # does for errors raised in a task) rebuilds the same error
        super().__init__(self.path, problem)

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}" if self.path is not None else self.problem


class ManifestError(RamsInputError):
    """The flight manifest (flight.yaml) is missing or invalid."""


class RasterError(RamsInputError):
    """A raster cannot be read, or contradicts the manifest."""


class FlightGeometryError(RamsInputError):
    """The rasters of a flight do not share ground (footprints do not overlap)."""
