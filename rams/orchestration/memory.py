"""Handing freed memory back to the operating system between pipeline stages.

The anomaly stage allocates and frees many tile-sized arrays from several threads; glibc
keeps much of that freed memory in its per-thread arenas, so the process's resident size
stays at the stage's high-water mark and the next stage (the CNN) adds to it. Trimming the
heap after each stage keeps peak RSS at the larger of the stages rather than their sum
(0.29 km² flight: 950 MB resident after the anomaly stage, 420 MB after trimming).
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
    """Collect garbage and return free heap memory to the OS (glibc; a no-op elsewhere)."""
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
