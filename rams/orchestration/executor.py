"""Execution backends: run tile tasks in this process or on a Dask cluster.

Both backends expose ``map(fn, items, *args) -> list`` returning results in item order, so
the pipeline does not know where its tiles run.
"""

from __future__ import annotations

import logging
import math
import os
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from rams.errors import RamsInputError

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


class _ContiguousRuns:
    """Hands out item indices so that each worker runs a contiguous stretch in order.

    Worker ``w`` starts at the beginning of the ``w``-th of ``workers`` equal stretches and
    walks forward; a worker whose stretch is done takes the last item of the stretch with
    the most items left, and keeps taking from that stretch's end while it lasts (so no
    thread idles while another has a queue, and the items it takes are neighbours too).

    On the anomaly stage of a 0.25 km² flight with two threads and one dataset handle per
    thread, handing tiles out alternately decoded the multispectral raster's blocks about
    three times over (9.2 s of CPU against 3.2 s in order; tiles of 1024 px with a 32 px
    halo touch 4 x 4 blocks of 512 px).
    """

    def __init__(self, n_items: int, workers: int) -> None:
        self.workers = max(1, min(workers, n_items))
        bounds = [round(k * n_items / self.workers) for k in range(self.workers + 1)]
        self._next = bounds[:-1]
        self._end = bounds[1:]
        self._victim: list[int | None] = [None] * self.workers
        self._lock = threading.Lock()
        self.stopped = False

    def stop(self) -> None:
        """Hand out no further item."""
        with self._lock:
            self.stopped = True

    def next(self, worker: int) -> int | None:
        """The next item for ``worker``, or None when there is none left (or after :meth:`stop`)."""
        with self._lock:
            if self.stopped:
                return None
            if self._next[worker] < self._end[worker]:
                self._next[worker] += 1
                return self._next[worker] - 1
            left = [self._end[w] - self._next[w] for w in range(self.workers)]
            victim = self._victim[worker]
            if victim is None or left[victim] <= 0:  # keep to one victim while it has items
                victim = max(range(self.workers), key=left.__getitem__)
                if left[victim] <= 0:
                    return None
                self._victim[worker] = victim
            self._end[victim] -= 1
            return self._end[victim]


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
        """Apply ``fn(item, *args)`` to every item; results in item order.

        With several workers each thread runs a contiguous run of the items in order (see
        :class:`_ContiguousRuns`): the anomaly stage hands its tiles over in strips of
        tile columns (:func:`rams.tiles.windows.strip_order`), so a thread's next tile
        shares source blocks with its last ones, still in the block cache of that thread's
        own dataset handle. A failing item stops the others from
        starting and its exception is raised (the first failing item's, in item order).
        """
        with _progress(self.progress) as bar:
            task = bar.add_task(label or "tiles", total=len(items))
            if self.workers <= 1 or len(items) <= 1:
                out = []
                for item in items:
                    out.append(fn(item, *args))
                    bar.advance(task)
                return out
            from rams.anomaly import share_kernel_threads

            runs = _ContiguousRuns(len(items), self.workers)
            results: list[Any] = [None] * len(items)
            errors: dict[int, BaseException] = {}
            done: queue.SimpleQueue[int] = queue.SimpleQueue()

            def work(worker: int) -> None:
                share_kernel_threads(runs.workers)  # this worker's share of the cores
                while (i := runs.next(worker)) is not None:
                    try:
                        results[i] = fn(items[i], *args)
                    except BaseException as exc:  # re-raised by the caller's thread
                        errors[i] = exc
                        runs.stop()
                    done.put(i)

            threads = [threading.Thread(target=work, args=(w,), name=f"rams-tile-{w}", daemon=True)
                       for w in range(runs.workers)]
            for t in threads:
                t.start()
            try:
                finished = 0
                while finished < len(items):
                    try:
                        done.get(timeout=0.2)
                    except queue.Empty:
                        if not any(t.is_alive() for t in threads) and done.empty():
                            break  # stopped by a failure: the rest never ran
                        continue
                    finished += 1
                    bar.advance(task)
            except BaseException:
                runs.stop()  # Ctrl-C: start no further item; the running ones finish
                raise
            finally:
                for t in threads:
                    t.join()
            if errors:
                raise errors[min(errors)]
            return results

    def close(self) -> None:
        """Nothing to release."""


#: Dask tasks per worker thread of the cluster: each runs a contiguous run of the items.
DASK_RUNS_PER_THREAD = 4
#: How long to wait for a --scheduler address to answer, seconds.
_CONNECT_TIMEOUT_S = 10


def _run_items(fn: Callable[..., R], items: list[T], *args: Any) -> list[R]:
    """``fn(item, *args)`` for each item in order (one Dask task).

    The worker's task threads share its process's numba threads, as the local executor's
    threads do (see :func:`rams.anomaly.share_kernel_threads`).
    """
    from dask.distributed import get_worker

    from rams.anomaly import share_kernel_threads

    share_kernel_threads(get_worker().state.nthreads)
    return [fn(item, *args) for item in items]


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
            # each worker process gets its share of the cores for its numba kernels (one
            # each on two cores, not all of them each); a user's own setting wins
            threads = os.environ.get("NUMBA_NUM_THREADS") or str(max(1, (os.cpu_count() or 1) // workers))
            self._cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                env={"NUMBA_NUM_THREADS": threads},
            )
            self.client = Client(self._cluster)
        else:
            try:
                self.client = Client(scheduler, timeout=_CONNECT_TIMEOUT_S)
            except (OSError, ValueError, TimeoutError) as exc:
                raise RamsInputError(None, f"--scheduler {scheduler}: cannot connect to a Dask scheduler there "
                                           f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
        self.progress = progress

    def map(self, fn: Callable[..., R], items: Sequence[T], *args: Any, label: str = "") -> list[R]:
        """Run the items as Dask tasks, each a contiguous run of them; results in item order.

        A task runs :data:`DASK_RUNS_PER_THREAD` runs' worth of consecutive items (row-major
        tiles) one after the other in one worker, so a tile's source blocks are mostly still
        in that worker's block cache from its neighbour (one task per tile scattered
        neighbours over the workers and decoded the shared blocks once per worker; see
        :class:`_ContiguousRuns`).
        """
        from dask.distributed import as_completed

        if not items:
            return []
        scattered = [self.client.scatter(a, broadcast=True) for a in args]
        threads = max(1, sum(self.client.nthreads().values()))
        size = max(1, math.ceil(len(items) / (threads * DASK_RUNS_PER_THREAD)))
        runs = [list(items[i:i + size]) for i in range(0, len(items), size)]
        futures = [self.client.submit(_run_items, fn, run, *scattered, pure=False) for run in runs]
        sizes = {f.key: len(run) for f, run in zip(futures, runs, strict=True)}
        with _progress(self.progress) as bar:
            task = bar.add_task(label or "tiles", total=len(items))
            try:
                for done in as_completed(futures):
                    if done.status == "error":
                        done.result()  # raises the task's exception
                    bar.advance(task, sizes[done.key])
            except BaseException:
                self.client.cancel(futures)
                raise
        return [result for run in self.client.gather(futures) for result in run]

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

