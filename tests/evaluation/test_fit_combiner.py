"""``benchmarks/fit_combiner.py``: which kept runs it reuses, and its seed lists."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import load_benchmark


def _fit_combiner() -> ModuleType:
    load_benchmark("bench_candidates")  # its sibling import (the stress looks of --rerender)
    return load_benchmark("fit_combiner")


def _kept_run(tmp_path: Path, stamp: str) -> Path:
    out = tmp_path / "run"
    out.mkdir()
    (out / "run.json").write_text("{}")
    (out / "detector.sha256").write_text(stamp + "\n")
    return out


@pytest.mark.parametrize(("stamp", "reuse", "redone"), [
    ("det-a src-1", False, False),  # same detector and source: kept
    ("det-a src-0", False, True),  # the source changed: redone ...
    ("det-a src-0", True, False),  # ... unless --reuse-runs
    ("det-b src-1", False, True),  # another detector: redone ...
    ("det-b src-1", True, True),  # ... even with --reuse-runs
])
def test_a_kept_run_is_reused_only_when_made_by_the_same_detector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stamp: str, reuse: bool, redone: bool
) -> None:
    fit = _fit_combiner()
    calls: list[Path] = []
    monkeypatch.setattr(fit, "process_flight", lambda flight, out, config, force: calls.append(out))
    out = _kept_run(tmp_path, stamp)
    fit._process_once(tmp_path / "flight", out, tmp_path, "det-a src-1", reuse)
    assert bool(calls) == redone
    assert (out / "detector.sha256").read_text().split() == (["det-a", "src-1"] if redone else stamp.split())


def test_seed_lists_take_ranges_and_single_seeds() -> None:
    fit = _fit_combiner()
    assert fit._seeds("200-203") == [200, 201, 202, 203]
    assert fit._seeds("200-201,216-217, 230") == [200, 201, 216, 217, 230]
