"""CLI conventions: help everywhere, -o/--out, choices that --help lists, --quiet, --json,
stdout for summaries and stderr for the rest, --workers 0 beating the config file."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer

from rams.cli import options
from rams.cli.main import app, main
from rams.errors import RamsInputError

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> dict[str, Any]:
    """Every leaf command by its full name ("process", "benchmark tiles", ...)."""
    root = typer.main.get_command(app)
    found: dict[str, Any] = {}

    def walk(group: Any, prefix: str) -> None:
        for name, cmd in group.commands.items():
            full = f"{prefix}{name}"
            if hasattr(cmd, "commands"):
                walk(cmd, full + " ")
            else:
                found[full] = cmd

    walk(root, "")
    return found


def _option(cmd: Any, flag: str) -> Any | None:
    return next((p for p in cmd.params if flag in getattr(p, "opts", [])), None)


#: Commands that write files, and (for the one that writes into its input) why not.
WRITERS = ("process", "demo", "batch", "synth", "train", "benchmark tiles")
#: Commands of this CLI layer (``survey`` belongs to the survey work and is checked for help only).
OWN = (*WRITERS, "benchmark flight")


def test_every_option_and_argument_has_help() -> None:
    commands = _commands()
    assert set(OWN) <= set(commands)
    missing = [f"{name} {p.name}" for name, cmd in commands.items() for p in cmd.params
               if not (getattr(p, "help", None) or "").strip()]
    assert missing == []


def test_output_flag_and_quiet_everywhere() -> None:
    commands = _commands()
    for name in WRITERS:
        out = _option(commands[name], "--out")
        assert out is not None and "-o" in out.opts, name
    for name in OWN:
        quiet = _option(commands[name], "--quiet")
        assert quiet is not None and "-q" in quiet.opts, name
    for name in ("benchmark tiles", "benchmark flight"):
        assert _option(commands[name], "--json") is not None, name


@pytest.mark.parametrize(("argv", "choices"), [
    (["train", "--help"], ["thermal", "rgb", "small", "base", "wall", "cpu", "float32", "bfloat16"]),
    (["benchmark", "tiles", "--help"], ["train", "valid", "test", "float32", "bfloat16", "thermal-depth"]),
])
def test_help_lists_the_choices(argv: list[str], choices: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    text = re.sub(r"[│╭╮╰╯─\s]+", " ", capsys.readouterr().out)
    for choice in choices:
        assert re.search(rf"\b{choice}\b", text), choice


@pytest.mark.parametrize(("argv", "flag"), [
    (["train", "SRC", "-o", "m.pt", "--preset", "huge"], "--preset"),
    (["train", "SRC", "-o", "m.pt", "--budget-clock", "moon"], "--budget-clock"),
    (["train", "SRC", "-o", "m.pt", "--channels", "lidar"], "--channels"),
    (["train", "SRC", "-o", "m.pt", "--precision", "float16"], "--precision"),
    (["benchmark", "tiles", "T", "--model", "m", "--split", "val2"], "--split"),
    (["benchmark", "tiles", "T", "--model", "m", "--precision", "half"], "--precision"),
])
def test_a_bad_choice_is_a_usage_error(
    argv: list[str], flag: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"Invalid value for '{flag}'" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_help_imports_no_heavy_library() -> None:
    """``rams --help`` and the start of ``rams process`` load neither torch nor the generator."""
    import subprocess
    import sys

    code = ("import sys; from rams.cli.main import app; "
            "print(sorted(m for m in ('torch', 'rams.synth', 'scipy', 'matplotlib', 'rams.config') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_choice_enums_match_the_library() -> None:
    from rams.cli import synth as synth_cli
    from rams.detection import detector
    from rams.detection.model import PRESETS
    from rams.synth import families
    from rams.training import run as training_run

    assert {c.value for c in options.Preset} == set(PRESETS)
    assert {c.value for c in options.Channels} == set(training_run.CHANNELS)
    assert {c.value for c in options.TrainPrecision} == set(training_run.PRECISIONS)
    inference = getattr(detector, "INFERENCE_PRECISIONS", detector.PRECISIONS)
    assert {c.value for c in options.InferencePrecision} == set(inference)
    assert {c.value for c in options.Split} == {"train", "valid", "test"}
    # synth --family stays a checked string; the CLI spells the families out (no generator import)
    assert synth_cli.FAMILIES == families.FAMILIES
    assert synth_cli.DEFAULT_FAMILY == families.DEFAULT_FAMILY
    assert synth_cli.HELD_OUT_FAMILIES == families.HELD_OUT_FAMILIES


@pytest.mark.parametrize("command", ["process", "batch"])
def test_explicit_workers_zero_beats_the_config_file(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import rams.orchestration.executor as executor_module

    seen: list[tuple[int, bool]] = []

    def fake_make_executor(*, workers: int, progress: bool, **_: Any) -> None:
        seen.append((workers, progress))
        raise RamsInputError(None, "stop here")

    monkeypatch.setattr(executor_module, "make_executor", fake_make_executor)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("execution:\n  workers: 3\n")
    base = [command, str(tmp_path), "-o", str(tmp_path / "out"), "-c", str(cfg)]
    assert main([*base, "--workers", "0"]) == 2
    assert main(base) == 2
    assert main([*base, "-w", "2", "--quiet"]) == 2
    assert seen == [(0, True), (3, True), (2, False)]


def test_synth_takes_out_option_or_the_old_positional(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = ["--size-m", "8", "--rgb-gsd-m", "0.02", "--seed", "1"]
    assert main(["synth", "-o", str(tmp_path / "a"), *small]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("synth-s1:") and str(tmp_path / "a") in captured.out
    assert captured.err == ""  # no status line without a terminal, no warnings
    assert (tmp_path / "a" / "flight.yaml").is_file()
    assert main(["synth", str(tmp_path / "b"), *small, "-q"]) == 0
    assert (tmp_path / "b" / "flight.yaml").read_bytes() == (tmp_path / "a" / "flight.yaml").read_bytes()
    capsys.readouterr()
    assert main(["synth", str(tmp_path / "c"), "-o", str(tmp_path / "d"), *small]) == 2
    assert "two output folders" in capsys.readouterr().err
    assert main(["synth", *small]) == 2
    assert "no output folder" in capsys.readouterr().err
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()


def test_benchmark_tiles_json_on_stdout_and_out_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    make_yolo_set: Callable[..., Path],
) -> None:
    from rams.detection.detector import save_detector
    from rams.detection.model import CenterNet, model_config

    root = make_yolo_set()
    meta = {"class_names": ["mine"], "channels": "rgb", "in_channels": 3, "img_size": 64,
            "normalisation": {"mode": "per_image"}, "input_gsd_m": None, "threshold": 0.3, "name": "m"}
    save_detector(tmp_path / "m.pt", CenterNet(model_config("small", 3, 1)), meta)
    out = tmp_path / "r" / "report.json"
    assert main(["benchmark", "tiles", str(root), "--split", "test", "--model", str(tmp_path / "m.pt"),
                 "-o", str(out), "--json", "-q"]) == 0
    captured = capsys.readouterr()
    printed = json.loads(captured.out)  # nothing but the JSON on stdout
    assert printed == json.loads(out.read_text())
    assert printed["n_images"] == 4 and out.with_suffix(".png").is_file()
    assert captured.err == ""
    # the set's data.yaml names the thermal convention; --conditions overrides it
    assert set(printed["conditions"]) == {"0 cm (surface)", "1 cm", "5 cm", "10 cm"}
    assert main(["benchmark", "tiles", str(root), "--split", "test", "--model", str(tmp_path / "m.pt"),
                 "-o", str(out), "--json", "-q", "--conditions", "none"]) == 0
    assert set(json.loads(capsys.readouterr().out)["conditions"]) == {"unknown"}


def test_rich_pin_supports_nested_live_displays() -> None:
    """``rams batch`` shows the tile bar inside the flight bar: two live displays at once."""
    from importlib.metadata import version

    from rich.progress import Progress

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (rich_pin,) = [d for d in deps if re.match(r"rich\b", d)]
    low = re.search(r">=\s*([\d.]+)", rich_pin)
    assert low is not None and tuple(int(x) for x in low.group(1).split(".")) >= (14, 1), rich_pin
    assert tuple(int(x) for x in version("rich").split(".")[:2]) >= (14, 1)
    with Progress(transient=True) as outer:  # rich < 14.1 raises LiveError here
        task = outer.add_task("flights", total=1)
        with Progress(transient=True) as inner:
            inner.add_task("tiles", total=1)
        outer.advance(task)


def test_readme_command_list_matches_rams_help() -> None:
    """The README's command block names every command `rams --help` lists, and no other."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    names = set()
    groups = {name.split()[0] for name in _commands() if " " in name}
    for line in block.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] == "rams" and not words[1].startswith("-"):
            names.add(" ".join(words[1:3]) if words[1] in groups else words[1])
    assert names == set(_commands())


def test_train_summary_on_stdout_epoch_lines_on_stderr_and_bad_init_weights(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
    make_yolo_set: Callable[..., Path],
) -> None:
    tiles = make_yolo_set(n_train=4, n_valid=2, n_test=2)
    out = tmp_path / "m.pt"
    common = [str(tiles), "--channels", "rgb", "--epochs", "2", "--img-size", "64", "--batch-size", "4",
              "--eval-every", "1", "--class-names", "mine", "--threads", "1"]
    assert main(["train", *common, "-o", str(out), "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert re.search(r"^epoch 1: ", captured.err, re.M) and re.search(r"^epoch 2: ", captured.err, re.M)
    assert "epoch 1:" not in captured.out
    assert captured.out.startswith(f"wrote {out} (sha256 ") and "2 epochs in" in captured.out

    assert main(["train", *common, "-o", str(tmp_path / "q.pt"), "-q"]) == 0
    captured = capsys.readouterr()
    assert "epoch" not in captured.err and captured.out.startswith(f"wrote {tmp_path / 'q.pt'}")

    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not weights")
    (tmp_path / "bad.pt.sha256").write_text("0" * 64 + "  bad.pt\n")
    assert main(["train", *common, "-o", str(tmp_path / "never.pt"), "--init-from", str(bad), "-q"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "bad.pt: weights checksum mismatch" in lines[0], err
    assert not (tmp_path / "never.pt").exists()


def test_process_summary_on_stdout_quiet_stderr(
    small_flight: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flight = small_flight(rgb_gsd_m=0.03)  # coarser than the RGB model takes: a warning to show
    assert main(["process", str(flight), "-o", str(tmp_path / "out"), "-q", "-w", "1"]) == 0
    captured = capsys.readouterr()
    assert "SHA polygons" in captured.out and "flight tiny" in captured.out
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    # stderr carries the run's warnings, each once, and nothing else (no bars, no status lines);
    # this flight's RGB is too coarse for the CNN, which is logged while it runs and recorded
    assert any(w.startswith("CNN detection skipped") for w in run["warnings"])
    assert captured.err.splitlines() == [f"warning: {w}" for w in run["warnings"]]


def test_console_script_keeps_torch_cpp_notices_off_stderr() -> None:
    """The int8 network's C++ deprecation notice does not reach a CLI user's console."""
    import os
    import subprocess
    import sys

    load = "from rams.detection.detector import load_detector\nload_detector('rams_rgb', precision='int8')\n"
    env = {k: v for k, v in os.environ.items() if k != "TORCH_CPP_LOG_LEVEL"}

    def run(code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)

    run(load)  # builds the int8 network into the rams cache; the next runs load it (and print)
    if "Quantizer.cpp" not in run(load).stderr:  # torch 2.13 prints it; another torch may not
        pytest.skip("this torch prints no C++ quantisation notice to keep off")
    done = run("import rams.cli\n" + load)
    assert done.returncode == 0, done.stderr
    assert "Quantizer.cpp" not in done.stderr
