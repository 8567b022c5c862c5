from __future__ import annotations

import os

import pytest

from rams.grid.reader import GDAL_CACHE_MB, gdal_cache_bytes


@pytest.mark.parametrize(("value", "expected"), [
    ("512", 512 * 1024 * 1024),            # below 100,000: megabytes
    ("200000000", 200_000_000),           # above: bytes
    (" 64 ", 64 * 1024 * 1024),
    ("not a size", GDAL_CACHE_MB * 1024 * 1024),
])
def test_gdal_cache_bytes_reads_the_setting_as_gdal_does(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int
) -> None:
    monkeypatch.setenv("GDAL_CACHEMAX", value)
    assert gdal_cache_bytes() == expected


def test_a_share_of_memory_is_a_share_of_the_physical_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(os, "sysconf"):
        pytest.skip("no sysconf")
    monkeypatch.setenv("GDAL_CACHEMAX", "10%")
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert gdal_cache_bytes() == pytest.approx(physical / 10, rel=1e-6)
