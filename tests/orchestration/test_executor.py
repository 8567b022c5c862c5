"""The in-process executor: item order, contiguous runs per thread, failures."""

from __future__ import annotations

import threading
import time

import pytest

from rams.orchestration.executor import LocalExecutor, _ContiguousRuns


def _drain(runs: _ContiguousRuns, order: list[int]) -> dict[int, list[int]]:
    """Hand out every item, asking the workers in ``order`` (cycled), one item each time."""
    taken: dict[int, list[int]] = {w: [] for w in range(runs.workers)}
    k = 0
    idle = 0
    while idle < runs.workers:
        w = order[k % len(order)]
        k += 1
        i = runs.next(w)
        if i is None:
            idle += 1
            continue
        idle = 0
        taken[w].append(i)
    return taken


def test_each_worker_walks_its_own_stretch_in_order() -> None:
    runs = _ContiguousRuns(10, 2)
    taken = _drain(runs, [0, 1])
    assert taken == {0: [0, 1, 2, 3, 4], 1: [5, 6, 7, 8, 9]}


def test_a_free_worker_takes_the_tail_of_the_longest_stretch() -> None:
    runs = _ContiguousRuns(12, 3)  # stretches 0-3, 4-7, 8-11
    # worker 0 asks six times before the others ask once
    first = [runs.next(0) for _ in range(6)]
    assert first == [0, 1, 2, 3, 7, 6]  # its own stretch, then the tail of the longest, walked back
    rest = _drain(runs, [1, 2, 0])
    every = sorted(first + [i for items in rest.values() for i in items])
    assert every == list(range(12))  # every item exactly once


def test_more_workers_than_items() -> None:
    runs = _ContiguousRuns(2, 8)
    assert runs.workers == 2
    assert sorted(i for items in _drain(runs, [0, 1]).values() for i in items) == [0, 1]


def test_map_keeps_item_order_and_runs_each_item_once() -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def square(x: int, offset: int) -> int:
        time.sleep(0.001 * (x % 3))  # uneven work, so that stealing happens
        with lock:
            seen.append(x)
        return x * x + offset

    out = LocalExecutor(workers=3).map(square, list(range(40)), 1)
    assert out == [x * x + 1 for x in range(40)]
    assert sorted(seen) == list(range(40))


def test_map_threads_run_contiguous_items() -> None:
    by_thread: dict[str, list[int]] = {}
    lock = threading.Lock()

    def record(x: int) -> int:
        time.sleep(0.002)
        with lock:
            by_thread.setdefault(threading.current_thread().name, []).append(x)
        return x

    LocalExecutor(workers=2).map(record, list(range(30)))
    assert len(by_thread) == 2
    for items in by_thread.values():
        # a thread's items are one stretch walked forwards, then stolen tail items walked
        # backwards: at most two runs of consecutive items
        breaks = sum(1 for a, b in zip(items, items[1:]) if abs(b - a) != 1)
        assert breaks <= 1, items


def test_worker_threads_share_numba_threads_and_the_caller_keeps_its_own() -> None:
    """Two tile workers' kernels get half of numba's threads each (one each on two cores,
    not four threads on two cores); the calling thread's setting is untouched."""
    import numba

    total = int(numba.config.NUMBA_NUM_THREADS)
    before = numba.get_num_threads()
    seen = LocalExecutor(workers=2).map(lambda i: numba.get_num_threads(), list(range(8)))
    assert set(seen) == {max(1, total // 2)}
    assert numba.get_num_threads() == before
    assert LocalExecutor(workers=1).map(lambda i: numba.get_num_threads(), [0, 1]) == [before, before]


def test_map_raises_the_first_failure_and_starts_nothing_after_it() -> None:
    started: list[int] = []
    lock = threading.Lock()

    def fail_at_three(x: int) -> int:
        with lock:
            started.append(x)
        if x == 3:
            raise ValueError("item 3 is bad")
        time.sleep(0.01)
        return x

    with pytest.raises(ValueError, match="item 3 is bad"):
        LocalExecutor(workers=2).map(fail_at_three, list(range(200)))
    # worker 0 stopped at its fourth item; worker 1 finished at most the item it was on
    assert 3 in started
    assert len(started) < 20


def _where(x: int, offset: int) -> tuple[int, str]:
    from distributed import get_worker

    time.sleep(0.005)
    return x + offset, get_worker().address


def _fail_at(x: int, bad: int) -> int:
    if x == bad:
        raise ValueError(f"item {x} is bad")
    return x


def test_dask_map_runs_contiguous_items_per_task_in_order() -> None:
    from dask.distributed import LocalCluster

    from rams.orchestration.executor import DASK_RUNS_PER_THREAD, DaskExecutor

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        executor = DaskExecutor(scheduler=cluster.scheduler_address)
        try:
            out = executor.map(_where, list(range(50)), 100)
            assert [v for v, _ in out] == [x + 100 for x in range(50)]
            # 2 threads x DASK_RUNS_PER_THREAD runs of consecutive items: the worker changes
            # at most at each run's start (one task per item would change it about every item)
            changes = sum(1 for (_, a), (_, b) in zip(out, out[1:]) if a != b)
            assert changes <= 2 * DASK_RUNS_PER_THREAD - 1
            with pytest.raises(ValueError, match="item 17 is bad"):
                executor.map(_fail_at, list(range(40)), 17)
            assert executor.map(_fail_at, [], 0) == []
        finally:
            executor.close()


def _numba_threads(x: int) -> tuple[int, int]:
    import numba

    return numba.get_num_threads(), int(numba.config.NUMBA_NUM_THREADS)


def test_dask_workers_share_the_cores_for_their_numba_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    """A local cluster of two worker processes gives each half of the cores' numba threads
    (one each on two cores, not all of them each); a worker's task threads share its own."""
    import os

    from dask.distributed import LocalCluster

    from rams.orchestration.executor import DaskExecutor

    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    executor = DaskExecutor(workers=2)
    try:
        seen = set(executor.map(_numba_threads, list(range(8))))
    finally:
        executor.close()
    share = max(1, (os.cpu_count() or 1) // 2)
    assert seen == {(share, share)}
    # one worker process with two task threads and four numba threads: two each
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None,
                      env={"NUMBA_NUM_THREADS": "4"}) as cluster:
        executor = DaskExecutor(scheduler=cluster.scheduler_address)
        try:
            assert set(executor.map(_numba_threads, list(range(8)))) == {(2, 4)}
        finally:
            executor.close()


def test_a_scheduler_address_that_is_not_one_is_a_user_error() -> None:
    from rams.errors import RamsInputError
    from rams.orchestration.executor import DaskExecutor

    with pytest.raises(RamsInputError, match="--scheduler notanaddress: cannot connect to a Dask scheduler there"):
        DaskExecutor(scheduler="notanaddress")


def test_a_learning_rate_that_cannot_train_is_refused_before_loading() -> None:
    from rams.detection.train_config import TrainConfig
    from rams.errors import RamsInputError
    from rams.training.run import check_config

    for lr in (-1.0, 0.0, float("nan")):
        with pytest.raises(RamsInputError, match="--lr must be a positive number"):
            check_config(TrainConfig(lr=lr))
    check_config(TrainConfig(lr=1e-3))
