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
        super().__init__(f"{self.path}: {problem}" if self.path is not None else problem)

    def __reduce__(self) -> tuple[type[RamsInputError], tuple[Path | None, str]]:
        # rebuilt from (path, problem), not from the message: errors raised in a Dask task
        # reach the client intact
        return (type(self), (self.path, self.problem))


class ManifestError(RamsInputError):
    """The flight manifest (flight.yaml) is missing or invalid."""


class RasterError(RamsInputError):
    """A raster cannot be read, or contradicts the manifest."""


class FlightGeometryError(RamsInputError):
    """The rasters of a flight do not share ground (footprints do not overlap)."""
