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


@pytest.mark.parametrize(("stamp", "reuse", "cnn", "redone"), [
    ("det-a src-1", False, True, False),  # same detector and source: kept
    ("det-a src-0", False, True, True),  # the source changed: redone ...
    ("det-a src-0", True, True, False),  # ... unless --reuse-runs
    ("det-b src-1", False, True, True),  # another detector: redone ...
    ("det-b src-1", True, True, True),  # ... even with --reuse-runs
    ("det-b src-1", False, False, False),  # ... unless the run had the CNN off (rule ZZE)
    ("det-b src-0", True, False, False),  # ... and with --reuse-runs whatever the source
    ("det-b src-0", False, False, True),  # the source changed without --reuse-runs: redone
])
def test_a_kept_run_is_reused_only_when_made_by_the_same_detector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stamp: str, reuse: bool, cnn: bool, redone: bool
) -> None:
    fit = _fit_combiner()
    calls: list[Path] = []
    monkeypatch.setattr(fit, "process_flight", lambda flight, out, config, force: calls.append(out))
    out = _kept_run(tmp_path, stamp)
    fit._process_once(tmp_path / "flight", out, tmp_path, "det-a src-1", reuse, cnn=cnn)
    assert bool(calls) == redone
    assert (out / "detector.sha256").read_text().split() == (["det-a", "src-1"] if redone else stamp.split())


def test_seed_lists_take_ranges_and_single_seeds() -> None:
    fit = _fit_combiner()
    assert fit._seeds("200-203") == [200, 201, 202, 203]
    assert fit._seeds("200-201,216-217, 230") == [200, 201, 216, 217, 230]


def test_an_added_flight_is_drawn_from_its_own_family(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fit = _fit_combiner()
    drawn: list[tuple[int, str]] = []

    def generate(flight: Path, *, seed: int, family: str, **_: object) -> None:
        drawn.append((seed, family))

    monkeypatch.setattr(fit, "generate_flight", generate)
    monkeypatch.setattr(fit, "_process_once", lambda *a, **k: None)
    families = ["steppe", "sand-litter", "rocky-scrub", "meadow"]
    out, _ = fit.prepare_run(300, 60.0, tmp_path, "d", families, family="stubble")
    fit.prepare_run(301, 60.0, tmp_path, "d", families)
    assert drawn == [(300, "stubble"), (301, families[301 % 4])]
    assert out.name.startswith("run-stubble-300-")


@pytest.mark.parametrize(("argv", "message"), [
    (["--add-families", "stubble"], "never"),  # a held-out family needs --seen-held-out
    (["--seen-held-out", "--add-families", "qat-terrace"], "never"),  # a blind one never
    (["--seen-held-out", "--add-families", "stubble", "--add-seed", "212"], "disjoint"),  # a calibration seed
])
def test_added_families_are_refused_when_blind_or_colliding(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str], message: str
) -> None:
    fit = _fit_combiner()
    monkeypatch.setattr("sys.argv", ["fit_combiner.py", "--work", str(tmp_path / "w"), *argv])
    with pytest.raises(SystemExit) as exc:
        fit.main()
    assert message in str(exc.value)
    assert not (tmp_path / "w").exists()  # refused before any flight is drawn
