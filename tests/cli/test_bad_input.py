"""Bad input: exit code 2, one clear line naming the file, no traceback, nothing in OUT_DIR."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from rasterio.transform import Affine

from rams.cli.main import main
from tests.conftest import E0, N0, write_manifest, write_raster


def _thermal(folder: Path, data: np.ndarray | None = None, **kw: object) -> None:
    arr = np.full((1, 32, 32), 20.0, np.float32) if data is None else data
    write_raster(folder / "t.tif", arr, transform=Affine(0.1, 0, E0, 0, -0.1, N0), **kw)  # type: ignore[arg-type]


def _case_missing_file(folder: Path) -> str:
    write_manifest(folder, [{"path": "t.tif", "sensor": "thermal"}])
    return "t.tif: file not found"


def _case_not_geotiff(folder: Path) -> str:
    (folder / "t.tif").write_bytes(b"GIF89a not a tiff at all")
    write_manifest(folder, [{"path": "t.tif", "sensor": "thermal"}])
    return "t.tif: cannot be read as a GeoTIFF"


def _case_corrupt(folder: Path) -> str:
    _thermal(folder)
    data = (folder / "t.tif").read_bytes()
    (folder / "t.tif").write_bytes(data[:4] + b"\x00" * 12)
    write_manifest(folder, [{"path": "t.tif", "sensor": "thermal"}])
    return "t.tif: "


def _case_no_georef(folder: Path) -> str:
    write_raster(folder / "t.tif", np.ones((1, 8, 8), np.float32), crs=None)
    write_manifest(folder, [{"path": "t.tif", "sensor": "thermal"}])
    return "no georeferencing"


def _case_no_overlap(folder: Path) -> str:
    _thermal(folder)
    write_raster(folder / "r.tif", np.ones((3, 16, 16), np.uint8), transform=Affine(0.02, 0, E0 + 900, 0, -0.02, N0))
    write_manifest(folder, [{"path": "t.tif", "sensor": "thermal"}, {"path": "r.tif", "sensor": "rgb"}])
    return "footprints do not overlap"


def _case_band_count(folder: Path) -> str:
    write_raster(folder / "ms.tif", np.ones((3, 16, 16), np.uint16), transform=Affine(0.05, 0, E0, 0, -0.05, N0))
    write_manifest(folder, [{"path": "ms.tif", "sensor": "multispectral", "profile": "micasense-rededge-mx"}])
    return "ms.tif: has 3 data band(s) but profile 'micasense-rededge-mx' says 5"


def _case_all_nodata(folder: Path) -> str:
    _thermal(folder, np.full((1, 32, 32), -9999.0, np.float32), nodata=-9999.0)
    write_manifest(folder, [{"path": "t.tif", "sensor": "thermal"}])
    return "all nodata"


def _case_unknown_sensor(folder: Path) -> str:
    _thermal(folder)
    write_manifest(folder, [{"path": "t.tif", "sensor": "lidar"}])
    return "flight.yaml: invalid manifest: rasters.0.sensor"


def _case_malformed_manifest(folder: Path) -> str:
    (folder / "flight.yaml").write_text("rasters:\n  - path: [unclosed\n")
    return "flight.yaml: flight manifest is not valid YAML at line 3"


def _case_impossible_date(folder: Path) -> str:
    _thermal(folder)
    (folder / "flight.yaml").write_text("date: 2026-13-45\nrasters:\n  - {path: t.tif, sensor: thermal}\n")
    return "flight.yaml: flight manifest holds a value YAML cannot read"


def _case_binary_manifest(folder: Path) -> str:
    (folder / "flight.yaml").write_bytes(bytes(range(256)))
    return "flight.yaml: flight manifest is not UTF-8 text"


def _case_dead_band(folder: Path) -> str:
    data = np.full((5, 16, 16), 1200, np.uint16)
    data[4] = 0  # the near-infrared band wrote nothing
    write_raster(folder / "ms.tif", data, nodata=0, transform=Affine(0.05, 0, E0, 0, -0.05, N0))
    write_manifest(folder, [{"path": "ms.tif", "sensor": "multispectral", "profile": "micasense-rededge-mx"}])
    return "ms.tif: band 5 (nir) holds no valid pixel (all nodata or NaN)"


def _case_all_nan(folder: Path) -> str:
    _thermal(folder, np.full((1, 32, 32), np.nan, np.float32), nodata=-9999.0)
    write_manifest(folder, [{"path": "t.tif", "sensor": "thermal"}])
    return "t.tif: band 1"


CASES: dict[str, Callable[[Path], str]] = {
    "impossible_date": _case_impossible_date,
    "binary_manifest": _case_binary_manifest,
    "dead_band": _case_dead_band,
    "all_nan": _case_all_nan,
    "missing_file": _case_missing_file,
    "not_geotiff": _case_not_geotiff,
    "corrupt": _case_corrupt,
    "no_georef": _case_no_georef,
    "no_overlap": _case_no_overlap,
    "band_count": _case_band_count,
    "all_nodata": _case_all_nodata,
    "unknown_sensor": _case_unknown_sensor,
    "malformed_manifest": _case_malformed_manifest,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exit_2_one_line_nothing_written(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flight = tmp_path / "flight"
    flight.mkdir()
    expected = CASES[case](flight)
    out = tmp_path / "out"
    code = main(["process", str(flight), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("rams: error: ")
    assert expected in lines[0]
    assert "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


@pytest.mark.parametrize("where", ["existing_file", "under_a_file"])
def test_output_path_that_cannot_be_a_folder_is_one_line(
    where: str, small_flight: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flight = small_flight(size_m=6.0)
    blocker = tmp_path / "taken.txt"
    blocker.write_text("a user's file\n")
    out = blocker if where == "existing_file" else blocker / "sub"
    code = main(["process", str(flight), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"rams: error: {blocker}"), err
    assert blocker.read_text() == "a user's file\n"


def test_console_script_exit_code_and_no_traceback(tmp_path: Path) -> None:
    flight = tmp_path / "flight"
    flight.mkdir()
    _case_missing_file(flight)
    proc = subprocess.run(
        [sys.executable, "-m", "rams.cli.main", "process", str(flight), "-o", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "t.tif: file not found" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_mistyped_option_is_a_usage_error_and_version_prints(capsys: pytest.CaptureFixture[str]) -> None:
    from rams import __version__

    assert main(["process", "--bogus", "x"]) == 2
    err = capsys.readouterr().err
    assert "No such option: --bogus" in err and "Traceback" not in err
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"rams {__version__}"


def test_quick_exit_keeps_exit_code_handlers_and_buffered_output(tmp_path: Path) -> None:
    # exit_now skips the interpreter's shutdown: the exit handlers must still run, a
    # non-daemon thread must still finish, and buffered output must still arrive
    marker, late = tmp_path / "handler-ran", tmp_path / "thread-done"
    script = (
        "import atexit, sys, threading, time\n"
        "from pathlib import Path\n"
        "from rams.cli.main import exit_now\n"
        f"atexit.register(lambda: Path({str(marker)!r}).write_text('ran'))\n"
        f"threading.Thread(target=lambda: (time.sleep(0.3), Path({str(late)!r}).write_text('done'))).start()\n"
        "sys.stdout.write('buffered line')\n"
        "exit_now(3)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == "buffered line"
    assert marker.read_text() == "ran"
    assert late.read_text() == "done"


def test_quick_exit_stops_a_thread_pool_left_open() -> None:
    # a library's global pool, never shut down: its idle workers are non-daemon threads
    # that only threading's exit hooks stop; a plain join of them would wait forever
    script = (
        "from concurrent.futures import ThreadPoolExecutor\n"
        "from rams.cli.main import exit_now\n"
        "POOL = ThreadPoolExecutor(2)\n"
        "assert POOL.submit(lambda: 41 + 1).result() == 42\n"
        "exit_now(0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr



def test_negative_workers_is_a_usage_error(small_flight: Callable[..., Path], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["process", str(small_flight(size_m=6.0)), "-o", str(tmp_path / "out"), "-w", "-1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--workers must be 0 (one per core) or more, got -1" in err
    assert not (tmp_path / "out").exists()
