"""Stage-end memory release: survivors are frozen for the collector, and thawed after a run."""

from __future__ import annotations

import gc
import platform
import sys

import pytest

from rams.orchestration.memory import freeze_long_lived, release_memory, thaw


def test_release_memory_freezes_survivors_and_thaw_hands_them_back() -> None:
    thaw()
    try:
        survivor = [object() for _ in range(10)]
        release_memory()
        assert gc.get_freeze_count() >= len(survivor)
        thaw()
        assert gc.get_freeze_count() == 0
        freeze_long_lived()
        assert gc.get_freeze_count() > 0
    finally:
        thaw()


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="mallopt is glibc's")
def test_tune_allocator_sets_glibc_and_leaves_a_users_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from rams.orchestration.memory import tune_allocator

    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    assert tune_allocator() == ("mmap_threshold", "trim_threshold")
    assert tune_allocator() == ("mmap_threshold", "trim_threshold")  # idempotent
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "1048576")
    assert tune_allocator() == ("mmap_threshold",)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_")
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=1048576")
    assert tune_allocator() == ("trim_threshold",)


def test_tune_allocator_sets_no_trim_threshold_without_the_mmap_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # glibc refusing the mmap threshold (older ones cap it): the trim threshold alone would
    # freeze the mmap threshold at 128 KB, so nothing is set
    from rams.orchestration import memory

    calls: list[int] = []

    class RefusingLibc:
        def mallopt(self, param: int, value: int) -> int:
            calls.append(param)
            return 0

        def malloc_trim(self, pad: int) -> int:
            return 0

    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    monkeypatch.setattr(memory, "_libc", lambda: RefusingLibc())
    assert memory.tune_allocator() == ()
    assert set(calls) == {memory._M_MMAP_THRESHOLD}
