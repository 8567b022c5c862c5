"""Stage-end memory release: survivors are frozen for the collector, and thawed after a run."""

from __future__ import annotations

import gc

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
