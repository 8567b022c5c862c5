"""Atomic file writes: write to a temporary name in the same folder, then rename.

A crash or a kill while writing never leaves a half-written output under its final name.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@contextlib.contextmanager
def atomic_path(final: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; rename it onto ``final`` on success.

    Args:
        final: the path the file should finally have.
        suffix: suffix of the temporary file (default: the suffix of ``final``, so that
            drivers which pick a format from the extension still work).

    Yields:
        A path in the same directory that the caller writes to.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{final.name}.", suffix=suffix if suffix is not None else final.suffix + ".part",
        dir=final.parent,
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # let the writer create it (some drivers refuse an existing file)
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json_atomic(path: str | Path, obj: Any, *, indent: int | None = 2) -> None:
    """Serialise ``obj`` as JSON (sorted keys, deterministic) and write it atomically."""
    write_text_atomic(path, json.dumps(obj, indent=indent, sort_keys=True, allow_nan=False) + "\n")


def check_output_files(*paths: str | Path) -> None:
    """Refuse, before any work, output files that could not be written where asked.

    A path that is a folder, or whose nearest existing parent is a file, would fail at the
    very end (after a benchmark or a training run), possibly after other outputs of the
    same command were written.

    Raises:
        RamsInputError: names the path and what stands in the way.
    """
    from rams.errors import RamsInputError

    for path in map(Path, paths):
        if path.is_dir():
            raise RamsInputError(path, "is a folder; an output file is to be written at this path")
        parent = path.parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            raise RamsInputError(parent, f"is a file, so {path} cannot be written below it")

