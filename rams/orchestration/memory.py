"""Handing freed memory back to the operating system between pipeline stages.

The anomaly stage allocates and frees many tile-sized arrays from several threads; glibc
keeps much of that freed memory in its per-thread arenas, so the process's resident size
stays at the stage's high-water mark and the next stage (the CNN) adds to it. Trimming the
heap after each stage keeps peak RSS at the larger of the stages rather than their sum
(0.29 km² flight: 950 MB resident after the anomaly stage, 420 MB after trimming).

A full garbage collection walks every object the interpreter tracks: with torch, rasterio
and the rest imported, some 320,000 objects and about 0.15 s, paid after each of the five
stages. The objects that outlive a stage (modules, classes, the loaded model) are
long-lived, so after collecting they are frozen (:func:`gc.freeze`), as are those that exist
when a run starts (:func:`freeze_long_lived`), and each collection walks only what was made
since. Frozen objects are still freed by reference counting; :func:`thaw` hands them back
to the collector at the end of a run, so that a batch of flights does not keep one
flight's unreachable cycles.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import sys
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None  # glibc only (not musl)


def release_memory() -> None:
    """Collect garbage, freeze the survivors and return free heap memory to the OS.

    See the module docstring for the freezing; the return to the OS is glibc's (a no-op
    elsewhere).
    """
    gc.collect()
    gc.freeze()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def freeze_long_lived() -> None:
    """Freeze the objects that exist now (modules, classes, the configuration).

    A run starts with them and does not free them, so no collection needs to walk them.
    """
    gc.freeze()


def thaw() -> None:
    """Hand the objects frozen by :func:`release_memory` back to the garbage collector."""
    gc.unfreeze()
