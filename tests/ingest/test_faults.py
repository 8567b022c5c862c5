"""Damaged rasters: every fault is exit 2, one line naming the file, no output folder.

Each case damages a deflate-compressed, 64 px tiled thermal GeoTIFF of a one-sensor flight
the way real copies go wrong (cut short, a block zeroed, a garbled stream, a wrong file under
a .tif name, a broken overview) and runs ``rams process`` on it. With ``--allow-partial``
the same flight is processed with holes, and the area not read is reported.

tifffile (installed with scikit-image) is the independent oracle for the block layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import rasterio
import yaml
from rasterio.enums import Resampling
from rasterio.transform import Affine
from rasterio.windows import Window

from rams.cli.main import main
from rams.config import load_config
from rams.errors import RasterError
from rams.grid.reader import GridReader, lost_pixels
from rams.grid.target import TargetGrid
from rams.ingest.manifest import load_manifest
from rams.ingest.rasters import open_sensor_raster
from tests.conftest import E0, N0, UTM, write_manifest, write_raster
from tests.orchestration.test_pipeline import _test_combiner  # noqa: F401  (autouse fixture)

tifffile = pytest.importorskip("tifffile")

GSD_M = 0.1
BLOCK_PX = 64


def thermal_flight(folder: Path, size_px: int = 256, *, overviews: bool = False, seed: int = 0) -> Path:
    """A thermal-only flight: ``size_px`` square, 0.1 m, float32 deg C, deflate, 64 px tiles."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    data = (20 + rng.normal(0, 0.3, (size_px, size_px))).astype(np.float32)
    path = write_raster(
        folder / "thermal.tif", data, transform=Affine(GSD_M, 0, E0, 0, -GSD_M, N0), nodata=-9999.0,
        compress="deflate",
    )
    if overviews:
        with rasterio.open(path, "r+") as dst:
            dst.build_overviews([2, 4, 8], Resampling.average)
    write_manifest(folder, [{"path": "thermal.tif", "sensor": "thermal", "units": "celsius"}], flight_id="f")
    return folder


def pages(path: Path) -> list[tuple[np.ndarray, np.ndarray]]:
    """(offsets, byte counts) of every image of a TIFF, read by tifffile."""
    with tifffile.TiffFile(path) as tif:
        return [(np.array(p.dataoffsets, np.int64), np.array(p.databytecounts, np.int64)) for p in tif.pages]


def truncate(path: Path, fraction: float) -> int:
    """Keep the first ``fraction`` of the file; return the bytes kept."""
    data = path.read_bytes()
    keep = int(len(data) * fraction)
    path.write_bytes(data[:keep])
    return keep


def middle_block(path: Path, page: int = 0) -> tuple[int, int, int]:
    """(offset, byte count, index) of the middle block of image ``page``."""
    offsets, counts = pages(path)[page]
    i = len(offsets) // 2 + (int(np.sqrt(len(offsets))) // 2 if page == 0 else 0)  # off the edges
    return int(offsets[i]), int(counts[i]), i


def overwrite(path: Path, offset: int, data: bytes) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        fh.write(data)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    import os

    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump({
        "tiles": {"tile_px": 128}, "detection": {"enabled": False},
        "candidates": {"combiner": os.environ["RAMS_TEST_COMBINER"]},
    }))
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, [line for line in err.splitlines() if line.strip()]


def _case_truncated(fraction: float) -> Callable[[Path], str]:
    def damage(flight: Path) -> str:
        path = flight / "thermal.tif"
        size = path.stat().st_size
        offsets, counts = pages(path)[0]
        keep = truncate(path, fraction)
        outside = int(np.count_nonzero(offsets + counts > keep))
        missing = size - keep  # the original file ends with the last block
        text = f"{missing / 1e3:.1f} kB missing" if missing < 1e6 else f"{missing / 1e6:.1f} MB missing"
        return rf"thermal\.tif: truncated or damaged TIFF: full resolution: {outside} of {len(offsets)} block\(s\) beyond the end of the file.*{re.escape(text)}"
    return damage


def _case_zeroed_block(flight: Path) -> str:
    path = flight / "thermal.tif"
    offset, count, i = middle_block(path)
    overwrite(path, offset, b"\0" * count)
    col, row = i % (256 // BLOCK_PX), i // (256 // BLOCK_PX)
    return rf"thermal\.tif: block \(col {col}, row {row}\) of band 1, pixels x {col * 64}-{col * 64 + 63} y {row * 64}-{row * 64 + 63}, cannot be decoded"


def _case_corrupt_stream(flight: Path) -> str:
    path = flight / "thermal.tif"
    offset, count, i = middle_block(path)
    garbage = np.random.default_rng(1).integers(0, 256, count // 2, dtype=np.uint8).tobytes()
    overwrite(path, offset + count // 4, garbage)  # the zlib header is intact, the stream is not
    col, row = i % (256 // BLOCK_PX), i // (256 // BLOCK_PX)
    return rf"thermal\.tif: block \(col {col}, row {row}\) of band 1, .* cannot be decoded \(.*\)"


def _case_not_a_tiff(flight: Path) -> str:
    import cv2

    ok, png = cv2.imencode(".png", np.zeros((32, 32), np.uint8))
    assert ok
    (flight / "thermal.tif").write_bytes(png.tobytes())
    return r"thermal\.tif: (not a GeoTIFF \(GDAL reads it as PNG\)|cannot be read as a GeoTIFF)"


CASES: dict[str, tuple[Callable[[Path], str], dict[str, object]]] = {
    "truncated_10": (_case_truncated(0.10), {}),
    "truncated_50": (_case_truncated(0.50), {}),
    "truncated_90": (_case_truncated(0.90), {}),
    "zeroed_block": (_case_zeroed_block, {}),
    "corrupt_stream": (_case_corrupt_stream, {}),
    "not_a_tiff": (_case_not_a_tiff, {}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_damaged_raster_exit_2_one_line_no_output(
    case: str, tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damage, kwargs = CASES[case]
    flight = thermal_flight(tmp_path / "flight", **kwargs)  # type: ignore[arg-type]
    expected = damage(flight)
    out = tmp_path / "out"
    code, lines = _run(["process", str(flight), "-o", str(out), "--config", str(config_file)], capsys)
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("rams: error: ")
    assert re.search(expected, lines[0]), (expected, lines[0])
    assert not out.exists()


def test_damaged_overview_full_resolution_intact(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Overview 1 (1/2 resolution) has a zeroed block; every full-resolution block decodes."""
    flight = thermal_flight(tmp_path / "flight", size_px=1024, overviews=True)
    path = flight / "thermal.tif"
    offset, count, _ = middle_block(path, page=1)
    overwrite(path, offset, b"\0" * count)
    with rasterio.open(path) as src:
        assert np.isfinite(src.read(1)).all()  # the full resolution is fine
        with pytest.raises(rasterio.errors.RasterioIOError):
            src.read(1, out_shape=(512, 512))  # the overview is not
    out = tmp_path / "out"
    code, lines = _run(["process", str(flight), "-o", str(out), "--config", str(config_file)], capsys)
    assert code == 2
    assert len(lines) == 1, lines
    offsets = pages(path)[1][0]
    i = int(np.flatnonzero(offsets == offset)[0])
    col, row = i % 8, i // 8  # overview 1: 512 px = 8 blocks a side
    assert f"thermal.tif: block (col {col}, row {row}) of overview 1 (1/2 resolution) cannot be decoded" in lines[0]
    assert not out.exists()


def test_overview_beyond_end_of_file(tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The file loses its last bytes: the smallest overview's block, nothing of the full
    resolution. The directory check names the overview."""
    flight = thermal_flight(tmp_path / "flight", size_px=1024, overviews=True)
    path = flight / "thermal.tif"
    layout = pages(path)
    last_offsets, last_counts = layout[-1]
    keep = int(last_offsets.max()) + 10  # into the last block of the smallest overview
    path.write_bytes(path.read_bytes()[:keep])
    beyond = int(np.count_nonzero(last_offsets + last_counts > keep))
    full_offsets, full_counts = layout[0]
    assert (full_offsets + full_counts <= keep).all()  # the full resolution is all there
    out = tmp_path / "out"
    code, lines = _run(["process", str(flight), "-o", str(out), "--config", str(config_file)], capsys)
    assert code == 2
    assert len(lines) == 1, lines
    assert f"thermal.tif: truncated or damaged TIFF: overview 3: {beyond} of {len(last_offsets)} block(s) beyond the end of the file" in lines[0]
    assert not out.exists()


def test_block_failing_only_during_processing_fails_the_flight(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A zeroed block that ingest's sampled validation does not decode: the anomaly stage
    reads it, and the run fails the same way, leaving no output folder."""
    flight = thermal_flight(tmp_path / "flight", size_px=1024)
    path = flight / "thermal.tif"
    blocks_across = 1024 // BLOCK_PX
    i = 7 * blocks_across + 7  # block (7, 7): none of the 6 x 6 blocks validation samples
    offsets, counts = pages(path)[0]
    overwrite(path, int(offsets[i]), b"\0" * int(counts[i]))
    manifest, folder = load_manifest(flight)
    open_sensor_raster(manifest.rasters[0], folder)  # ingest passes: nothing decoded there
    out = tmp_path / "out"
    code, lines = _run(["process", str(flight), "-o", str(out), "--config", str(config_file)], capsys)
    assert code == 2
    assert len(lines) == 1, lines
    assert "thermal.tif: block (col 7, row 7) of band 1, pixels x 448-511 y 448-511, cannot be decoded" in lines[0]
    assert "--allow-partial" in lines[0]
    assert not out.exists()


def test_grid_reader_strict_raises_partial_records_the_hole(tmp_path: Path) -> None:
    flight = thermal_flight(tmp_path / "flight")
    path = flight / "thermal.tif"
    offset, count, i = middle_block(path)
    overwrite(path, offset, b"\0" * count)
    manifest, folder = load_manifest(flight)
    raster = open_sensor_raster(manifest.rasters[0], folder, allow_partial=True)
    grid = TargetGrid(raster.crs, raster.transform, raster.width, raster.height)
    col, row = i % 4, i // 4
    window = Window(0, 0, 256, 256)
    with pytest.raises(RasterError, match=rf"block \(col {col}, row {row}\)"):
        GridReader(raster, grid).read(window)
    reader = GridReader(raster, grid, allow_partial=True)
    data, valid = reader.read(window)
    hole = np.zeros((256, 256), bool)
    hole[row * 64:(row + 1) * 64, col * 64:(col + 1) * 64] = True
    assert np.array_equal(~valid, hole)  # read block by block: only the bad block is lost
    written = (20 + np.random.default_rng(0).normal(0, 0.3, (256, 256))).astype(np.float32)
    assert np.array_equal(data[0][~hole], written[~hole])  # and the rest is read as written
    # the recorded windows are exactly the pixels lost (the source has no nodata)
    recorded = np.zeros((256, 256), bool)
    for c0, r0, w, h in reader.failed_windows:
        recorded[r0:r0 + h, c0:c0 + w] = True
    assert np.array_equal(recorded, ~valid)
    assert lost_pixels(reader.failed_windows, window) == np.count_nonzero(~valid)
    assert lost_pixels(reader.failed_windows, window, cell_px=16) >= np.count_nonzero(~valid)


def test_warped_read_strict_raises_partial_records_the_hole(tmp_path: Path) -> None:
    """The same through GDAL's warper (a grid at twice the GSD: averaged, not remapped);
    there the salvage splits the window into quadrants down to 32 px."""
    flight = thermal_flight(tmp_path / "flight", size_px=1024)
    path = flight / "thermal.tif"
    offsets, counts = pages(path)[0]
    i = 7 * 16 + 7  # block (7, 7), not sampled by validation
    overwrite(path, int(offsets[i]), b"\0" * int(counts[i]))
    manifest, folder = load_manifest(flight)
    raster = open_sensor_raster(manifest.rasters[0], folder)
    grid = TargetGrid(raster.crs, Affine(0.2, 0, E0, 0, -0.2, N0), 512, 512)
    window = Window(128, 128, 256, 256)
    strict = GridReader(raster, grid)
    assert strict._axis_maps() is None  # the warper path
    with pytest.raises(RasterError, match=r"block \(col 7, row 7\) of band 1, pixels x 448-511 y 448-511"):
        strict.read(window)
    reader = GridReader(raster, grid, allow_partial=True)
    _, valid = reader.read(window)
    hole = np.zeros((256, 256), bool)
    hole[224 - 128:256 - 128, 224 - 128:256 - 128] = True  # the block at 0.2 m, in the window
    assert not valid[hole].any()
    assert valid.mean() > 0.9  # the rest is salvaged
    assert lost_pixels(reader.failed_windows, window) == np.count_nonzero(~valid)


def _area_not_read(warnings: list[str], word: str) -> float:
    for w in warnings:
        if word in w:
            m = re.search(r"area not read (?:about )?([\d.]+) m²", w) or re.search(r"; ([\d.]+) m² of the raster not read", w)
            assert m, w
            return float(m.group(1))
    raise AssertionError(f"no warning with {word!r} in {warnings}")


def test_allow_partial_records_the_area_not_read(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flight = thermal_flight(tmp_path / "flight")
    path = flight / "thermal.tif"
    offsets, counts = pages(path)[0]
    keep = truncate(path, 0.5)
    lost = offsets + counts > keep
    lost_m2 = np.count_nonzero(lost) * BLOCK_PX**2 * GSD_M**2  # 256 = 4 whole blocks a side
    out = tmp_path / "out"
    code, lines = _run(
        ["process", str(flight), "-o", str(out), "--config", str(config_file), "--allow-partial"], capsys
    )
    assert code == 0, lines
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["ingest"]["allow_partial"] is True
    warnings = run["warnings"]
    # the directory check and the anomaly stage agree with tifffile on the area lost
    assert _area_not_read(warnings, "beyond the end of the file") == pytest.approx(lost_m2, abs=0.05)
    assert _area_not_read(warnings, "could not be decoded") == pytest.approx(lost_m2, abs=0.05)
    console = "\n".join(lines)
    assert console.count("warning:") >= 2 and "area not read" in console
    report = (out / "report.html").read_text()
    assert "Warnings" in report and "area not read" in report
    with rasterio.open(out / "anomaly.tif") as src:
        score = src.read(1)
    hole = np.zeros(score.shape, bool)
    for i in np.flatnonzero(lost):
        r, c = divmod(int(i), 4)
        hole[r * 64:(r + 1) * 64, c * 64:(c + 1) * 64] = True
    assert score.shape == (256, 256)
    assert np.isnan(score[hole]).all()
    assert np.isfinite(score[~hole]).mean() > 0.9


def test_allow_partial_from_the_config_file(tmp_path: Path) -> None:
    cfg = tmp_path / "partial.yaml"
    cfg.write_text("ingest:\n  allow_partial: true\n")
    assert load_config(cfg).ingest.allow_partial is True
    assert load_config().ingest.allow_partial is False


def test_tiny_flight_is_fine(tmp_path: Path) -> None:
    """An undamaged raster passes the directory check (no false alarm)."""
    flight = thermal_flight(tmp_path / "flight", size_px=1024, overviews=True)
    manifest, folder = load_manifest(flight)
    raster = open_sensor_raster(manifest.rasters[0], folder)
    assert raster.damage == "" and raster.decode_error == "" and raster.missing_area_m2 == 0.0
    assert raster.crs.to_string() == UTM
