"""Stage timing: wall-clock seconds per stage, and memory handed back after each."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rams.orchestration.memory import release_memory


class StageTimer:
    """Wall-clock seconds per named stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the body of a ``with`` block under ``name`` (accumulates on re-entry).

        On exit, hand the stage's freed memory back to the OS (see :mod:`.memory`).
        """
        start = time.perf_counter()
        try:
            yield
        finally:
            release_memory()
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start
