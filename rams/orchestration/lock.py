"""An exclusive lock on an output folder, so two runs never write into the same place.

Uses ``flock`` on a lock file: the lock goes away with the process, so a run killed with
SIGKILL never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from rams.errors import RamsInputError

LOCK_NAME = ".rams.lock"


class OutputLockedError(RamsInputError):
    """Another rams process is writing into the same output folder."""


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold the lock of ``out_dir`` for the body of a ``with`` block.

    Raises:
        OutputLockedError: another process holds it.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise OutputLockedError(
                out_dir, f"output folder is in use by another rams run (pid {holder}); wait for it or pick another folder"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
