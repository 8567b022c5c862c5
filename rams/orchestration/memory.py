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

:func:`tune_allocator` keeps tile-sized arrays on glibc's heap between tiles instead of
asking the kernel for fresh pages for each one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
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


#: glibc ``mallopt`` parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: Allocations below this come from the heap, not from their own mapping (glibc's default
#: is dynamic, 128 KB rising to at most 32 MB): above every per-tile array (a 1024 px
#: tile's network input is 12.6 MB, its fused anomaly cube 31.6 MiB). glibc before 2.35 or
#: so refuses more than 32 MiB on 64-bit, hence the fallback.
MMAP_THRESHOLD_BYTES = (64 * 1024 * 1024, 32 * 1024 * 1024)
#: Free memory at the top of the heap kept for the next tile rather than trimmed at once
#: (:func:`release_memory` still trims between stages).
TRIM_THRESHOLD_BYTES = 256 * 1024 * 1024


def _user_set(variable: str, tunable: str) -> bool:
    """Whether the user chose this malloc parameter (environment variable or glibc tunable)."""
    return variable in os.environ or f"glibc.malloc.{tunable}" in os.environ.get("GLIBC_TUNABLES", "")


def tune_allocator() -> tuple[str, ...]:
    """Keep tile-sized arrays on glibc's heap between tiles.

    By default glibc serves each allocation above its mmap threshold with fresh pages,
    returns them to the kernel when the array is freed, and trims the heap top above twice
    that threshold, so every tile's arrays are page-faulted and zeroed by the kernel again.
    On a full CNN scan of a 68 Mpx orthomosaic (int8, 2-core EPYC) that was a third of the
    time outside the network: the channels-last copy of each tile's input took 4.3 ms, the
    network 15 ms; with these settings the scan took 1.8 s instead of 2.2 s. The price is
    memory kept by idle threads' arenas between stages' trims (peak RSS of the benchmark
    flights, two workers, did not change).

    The trim threshold is set only once the mmap threshold is: setting it alone freezes
    glibc's mmap threshold at 128 KB, worse than the default. A parameter the user chose
    (``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``, ``GLIBC_TUNABLES``) wins.
    A no-op on other C libraries. Idempotent.

    Returns:
        The parameters set (``mmap_threshold``, ``trim_threshold``).
    """
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return ()
    done: list[str] = []
    if not _user_set("MALLOC_MMAP_THRESHOLD_", "mmap_threshold"):
        if not any(libc.mallopt(_M_MMAP_THRESHOLD, value) == 1 for value in MMAP_THRESHOLD_BYTES):
            return ()
        done.append("mmap_threshold")
    if not _user_set("MALLOC_TRIM_THRESHOLD_", "trim_threshold") and \
            libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES) == 1:
        done.append("trim_threshold")
    return tuple(done)
