"""A non-editable install works away from the checkout: configs and models are package data.

Builds the wheel from a copy of the checkout (so no ``build/`` lands in it), installs it into a
fresh virtual environment that borrows the installed dependencies (``--system-site-packages``:
no network, and the local CPU torch is not replaced), and runs ``rams demo`` from a folder
outside the checkout with no ``RAMS_*`` overrides. Slow: about 2 minutes on two idle cores, over 10 with the machine busy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: What a build needs from the checkout (setup.py copies configs/ and models/ into the wheel).
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "rams", "configs", "models")


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)} -> {proc.returncode}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.mark.slow
def test_wheel_installs_and_runs_the_demo_outside_the_checkout(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc", "_bundled")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAMS_") and k != "PYTHONPATH"}
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
          "--no-index", "-w", str(dist), "-q"], tmp_path, env, 300)
    (wheel,) = dist.glob("rams-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for member in ("rams/_bundled/configs/default.yaml", "rams/_bundled/configs/sensors/generic-rgb.yaml",
                   "rams/_bundled/models/rams_rgb.pt", "rams/_bundled/models/rams_rgb.pt.sha256",
                   "rams/_bundled/models/rams_rgb.md", "rams/_bundled/models/rams_combiner.json",
                   *(f"rams/_bundled/models/{p.name}" for p in (ROOT / "models").glob("*.int8.json"))):
        assert member in names, member

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], tmp_path, env, 300)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
         tmp_path, env, 300)

    away = tmp_path / "elsewhere"
    away.mkdir()
    where = _run([str(bin_dir / "python"), "-c",
                  "import rams.config_paths as c; print(c.config_dir()); print(c.models_dir())"],
                 away, env, 120).stdout.split()
    site = venv.resolve()
    assert all(Path(p).resolve().is_relative_to(site) for p in where), where  # not the checkout's

    proc = _run([str(bin_dir / "rams"), "demo", "-o", "demo", "--size-m", "20", "--quiet"], away, env, 900)
    run = json.loads((away / "demo" / "output" / "run.json").read_text(encoding="utf-8"))
    # the CNN ran: the shipped RGB weights, checksum and card were found in the installed package
    assert run["counts"]["detections"] > 0 and run["warnings"] == []
    assert (away / "demo" / "output" / "report.html").is_file()
    assert "SHA polygons" in proc.stdout  # the summary is on stdout
    assert "Traceback" not in proc.stderr
    assert not any(away.glob("*.egg-info")) and not (ROOT / "rams" / "_bundled").exists()
