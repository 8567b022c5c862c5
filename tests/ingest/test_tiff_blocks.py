"""The TIFF directory reader against tifffile, and the arithmetic of what is missing."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from rasterio.enums import Resampling
from rasterio.transform import Affine

from rams.errors import RasterError
from rams.ingest.tiff_blocks import TiffStructureError, check_blocks
from tests.conftest import E0, N0, write_raster

tifffile = pytest.importorskip("tifffile")


def _write(path: Path, **profile: Any) -> Path:
    rng = np.random.default_rng(3)
    count = profile.pop("count", 2)
    overviews = profile.pop("overviews", False)
    data = rng.integers(0, 4000, (count, 300, 200)).astype(np.uint16)
    write_raster(path, data, transform=Affine(0.05, 0, E0, 0, -0.05, N0), **profile)
    if overviews:
        with rasterio.open(path, "r+") as dst:
            dst.build_overviews([2, 4], Resampling.average)
    return path


LAYOUTS: dict[str, dict[str, Any]] = {
    "tiled": {},
    "striped": {"tiled": False, "blockysize": 7},
    "bigtiff_deflate": {"BIGTIFF": "YES", "compress": "deflate"},
    "planar_separate": {"interleave": "band", "count": 3},
    "big_endian": {"ENDIANNESS": "BIG"},
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_blocks_match_tifffile(layout: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "a.tif", **LAYOUTS[layout])
    with rasterio.open(path, "r+") as dst:
        dst.build_overviews([2, 4], Resampling.average)
    check = check_blocks(path)
    with tifffile.TiffFile(path) as tif:
        assert tif.is_bigtiff == (layout == "bigtiff_deflate")
        expected = [(p.shape, list(p.dataoffsets), list(p.databytecounts)) for p in tif.pages]
    assert len(check.images) == len(expected) == 3
    assert [i.kind for i in check.images] == ["full resolution", "overview", "overview"]
    for image, (_, offsets, counts) in zip(check.images, expected, strict=True):
        assert image.offsets.tolist() == offsets
        assert image.byte_counts.tolist() == counts
    assert (check.images[0].width, check.images[0].height) == (200, 300)
    assert check.ok and check.missing_bytes == 0 and check.needed_size == path.stat().st_size


def test_truncation_counts_blocks_bytes_and_pixels(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.tif")  # 64 px tiles: 4 x 5 blocks of 200 x 300 px, 2 bands interleaved
    size = path.stat().st_size
    with tifffile.TiffFile(path) as tif:
        offsets = np.array(tif.pages[0].dataoffsets)
        counts = np.array(tif.pages[0].databytecounts)
    keep = int(offsets[13]) + 100  # blocks 0-12 whole, 13 cut, 14-19 gone
    path.write_bytes(path.read_bytes()[:keep])
    check = check_blocks(path)
    assert not check.ok
    (damage,) = check.damaged
    assert damage.bad_blocks.tolist() == list(range(13, 20))
    assert damage.missing_bytes == int(counts[13] - 100 + counts[14:].sum())
    assert check.missing_bytes == size - keep
    # blocks 13-19: (col 1..3, row 3) and row 4; edge blocks clipped at 200 x 300 px
    widths = [64, 64, 64, 8]
    lost = sum(widths[c] * 64 for c in (1, 2, 3)) + sum(w * (300 - 256) for w in widths)
    assert damage.lost_pixels == lost
    assert check.full_resolution_lost_fraction() == pytest.approx(lost / (200 * 300))
    assert f"full resolution: 7 of 20 block(s) beyond the end of the file ({lost / 60000:.1%} of its pixels)" in check.summary()


def test_directory_beyond_the_end_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.tif", overviews=True)
    with tifffile.TiffFile(path) as tif:
        second_ifd = tif.pages[1].offset
    path.write_bytes(path.read_bytes()[:second_ifd + 4])
    check = check_blocks(path)
    assert not check.ok
    assert "directory 1 at byte" in check.unreachable and "beyond the end of the file" in check.unreachable
    assert len(check.images) == 1 and not check.damaged  # the full resolution is all there


def test_sparse_blocks_are_not_damage(tmp_path: Path) -> None:
    path = tmp_path / "sparse.tif"
    profile = {"driver": "GTiff", "width": 256, "height": 256, "count": 1, "dtype": "uint8",
               "crs": "EPSG:32638", "transform": Affine(0.05, 0, E0, 0, -0.05, N0), "nodata": 0,
               "tiled": True, "blockxsize": 64, "blockysize": 64, "SPARSE_OK": True}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.full((1, 64, 64), 7, np.uint8), window=rasterio.windows.Window(0, 0, 64, 64))
    check = check_blocks(path)
    assert int((check.images[0].byte_counts == 0).sum()) == 15  # never written: sparse
    assert check.ok


@pytest.mark.parametrize("content", [b"", b"GIF89a not a tiff", b"MM\x00"])
def test_not_a_tiff(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "x.tif"
    path.write_bytes(content)
    with pytest.raises(TiffStructureError, match="not a TIFF"):
        check_blocks(path)


def test_cut_in_the_header_or_before_the_first_directory(tmp_path: Path) -> None:
    path = tmp_path / "x.tif"
    path.write_bytes(b"II*\x00")
    with pytest.raises(TiffStructureError, match="truncated TIFF: the file ends inside its header"):
        check_blocks(path)
    path.write_bytes(b"II*\x00" + b"\x00" * 12)  # a header zeroed after the magic number
    with pytest.raises(TiffStructureError, match="points to no image directory"):
        check_blocks(path)
    path.write_bytes(b"II*\x00\x08\x00\x00\x00")  # the first directory would start at byte 8
    check = check_blocks(path)
    assert not check.ok and not check.images
    assert "directory 0 at byte 8 lies beyond the end of the file" in check.unreachable


def test_input_errors_survive_pickling() -> None:
    """Errors raised in Dask tasks reach the client as the same class, path and problem."""
    err = pickle.loads(pickle.dumps(RasterError("/data/f/rgb.tif", "block (col 1, row 2) cannot be decoded")))
    assert type(err) is RasterError
    assert err.path == Path("/data/f/rgb.tif") and err.problem == "block (col 1, row 2) cannot be decoded"
    assert str(err) == "/data/f/rgb.tif: block (col 1, row 2) cannot be decoded"
