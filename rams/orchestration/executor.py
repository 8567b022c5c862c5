"""Execution backends: run tile tasks in this process or on a Dask cluster.

Both backends expose ``map(fn, items, *args) -> list`` returning results in item order, so
the pipeline does not know where its tiles run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Something that maps a task over items."""

    def map(self, fn: Callable[..., R], items: Sequence[T], *args: Any, label: str = "") -> list[R]:
        """Apply ``fn(item, *args)`` to every item; results in item order."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
        disable=not enabled, transient=True,
    )


def resolve_workers(workers: int) -> int:
    """``workers``, or one per CPU core when it is 0."""
    return workers if workers > 0 else (os.cpu_count() or 1)


def _numba_threadsafe() -> bool:
    """Whether numba's parallel kernels may be called from several threads at once.

    numba's ``workqueue`` layer (used when neither TBB nor OpenMP is available) aborts on
    concurrent launches; ``omp`` and ``tbb`` are safe.
    """
    from rams.anomaly import numba_threading_layer

    return numba_threading_layer() != "workqueue"


class LocalExecutor:
    """In-process execution; ``workers > 1`` uses threads.

    GDAL, numba, OpenCV and the numpy kernels release the GIL, so one tile's reading
    overlaps another's scoring.

    Args:
        workers: number of threads (1 = sequential; 0 = one per CPU core).
        progress: show a progress bar.
    """

    def __init__(self, workers: int = 1, progress: bool = False) -> None:
        self.workers = resolve_workers(workers)
        if self.workers > 1 and not _numba_threadsafe():
            log.warning("numba's threading layer is not thread-safe here; running tiles one at a time")
            self.workers = 1
        self.progress = progress

    def map(self, fn: Callable[..., R], items: Sequence[T], *args: Any, label: str = "") -> list[R]:
        """Apply ``fn(item, *args)`` to every item; results in item order."""
        with _progress(self.progress) as bar:
            task = bar.add_task(label or "tiles", total=len(items))
            if self.workers <= 1:
                out = []
                for item in items:
                    out.append(fn(item, *args))
                    bar.advance(task)
                return out
            with ThreadPoolExecutor(self.workers) as pool:
                futures = [pool.submit(fn, item, *args) for item in items]
                results = []
                try:
                    for future in futures:
                        results.append(future.result())
                        bar.advance(task)
                except BaseException:
                    # a failing task fails the map: do not run the tasks still queued
                    for future in futures:
                        future.cancel()
                    raise
                return results

    def close(self) -> None:
        """Nothing to release."""


class DaskExecutor:
    """Tiles as tasks on a Dask distributed cluster.

    Args:
        scheduler: address ``tcp://HOST:PORT`` of a running scheduler, or None to start a
            local cluster of ``workers`` processes.
        workers: number of local worker processes when no scheduler is given.
        progress: show a progress bar.
    """

    def __init__(self, scheduler: str | None = None, workers: int = 2, progress: bool = False) -> None:
        from dask.distributed import Client, LocalCluster

        self._cluster = None
        workers = resolve_workers(workers)
        if scheduler is None:
            self._cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self.client = Client(self._cluster)
        else:
            self.client = Client(scheduler)
        self.progress = progress

    def map(self, fn: Callable[..., R], items: Sequence[T], *args: Any, label: str = "") -> list[R]:
        """Submit one task per item; gather results in item order."""
        from dask.distributed import as_completed

        if not items:
            return []
        scattered = [self.client.scatter(a, broadcast=True) for a in args]
        futures = [self.client.submit(fn, item, *scattered, pure=False) for item in items]
        with _progress(self.progress) as bar:
            task = bar.add_task(label or "tiles", total=len(items))
            try:
                for done in as_completed(futures):
                    if done.status == "error":
                        done.result()  # raises the task's exception
                    bar.advance(task)
            except BaseException:
                self.client.cancel(futures)
                raise
        return list(self.client.gather(futures))

    def close(self) -> None:
        """Close the client (and the local cluster it started)."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def make_executor(
    *, workers: int = 1, scheduler: str | None = None, dask: bool = False, progress: bool = False
) -> Executor:
    """Pick a backend: Dask when a scheduler is given or ``dask`` is set, else in-process."""
    if scheduler is not None or dask:
        return DaskExecutor(scheduler=scheduler, workers=workers, progress=progress)
    return LocalExecutor(workers=workers, progress=progress)

