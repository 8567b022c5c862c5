"""File SHA-256 read in chunks equals the digest of the whole content."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rams.checksum import sha256_file
from rams.errors import RamsInputError


def test_chunked_digest_matches_whole_file(tmp_path: Path) -> None:
    data = bytes(range(256)) * 4099 + b"tail"  # not a multiple of the chunk size
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    expected = hashlib.sha256(data).hexdigest()
    assert sha256_file(path) == expected
    assert sha256_file(path, chunk=1000) == expected
    assert sha256_file(str(path), chunk=len(data) + 1) == expected
    path.write_bytes(data[:-1])
    assert sha256_file(path) != expected


def test_input_digest_is_remembered_until_the_file_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib
    import os

    import rams.checksum as ck

    monkeypatch.setenv("RAMS_CACHE_DIR", str(tmp_path / "cache"))
    f = tmp_path / "ortho.tif"
    f.write_bytes(b"a" * 1000)
    reads: list[Path] = []
    real = ck.sha256_file
    monkeypatch.setattr(ck, "sha256_file", lambda p, *a: reads.append(Path(p)) or real(p, *a))
    first = ck.sha256_input(f)
    assert first == hashlib.sha256(b"a" * 1000).hexdigest() and len(reads) == 1
    assert ck.sha256_input(f) == first and len(reads) == 1  # remembered: not read again
    f.write_bytes(b"b" * 1000)  # same size, new content and mtime
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert ck.sha256_input(f) == hashlib.sha256(b"b" * 1000).hexdigest() and len(reads) == 2
    # a damaged cache file is ignored and rewritten
    (tmp_path / "cache" / "input-sha256.json").write_text("{not json")
    assert ck.sha256_input(f) == hashlib.sha256(b"b" * 1000).hexdigest() and len(reads) == 3
    assert ck.sha256_input(f) == hashlib.sha256(b"b" * 1000).hexdigest() and len(reads) == 3
    with pytest.raises(RamsInputError, match=r"missing\.tif"):
        ck.sha256_input(tmp_path / "missing.tif")


def test_input_fact_is_remembered_per_file_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import math
    import os

    import rams.checksum as ck

    monkeypatch.setenv("RAMS_CACHE_DIR", str(tmp_path / "cache"))
    f = tmp_path / "ortho.tif"
    f.write_bytes(b"a" * 10)
    calls: list[float] = []

    def measure(value: float) -> float:
        calls.append(value)
        return value

    assert ck.input_fact(f, "valid_fraction", lambda: measure(0.25)) == 0.25
    assert ck.input_fact(f, "valid_fraction", lambda: measure(0.9)) == 0.25 and calls == [0.25]
    assert ck.input_fact(f, "other", lambda: measure(0.5)) == 0.5  # facts apart
    st = f.stat()
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # a new version of the file
    assert ck.input_fact(f, "valid_fraction", lambda: measure(0.75)) == 0.75
    assert math.isnan(ck.input_fact(f, "broken", lambda: measure(math.nan)))
    assert ck.input_fact(f, "broken", lambda: measure(0.1)) == 0.1  # NaN was not remembered
    assert len(calls) == 5
    (tmp_path / "cache" / "input-facts.json").write_text("{not json")  # damaged: measured again
    assert ck.input_fact(f, "valid_fraction", lambda: measure(0.6)) == 0.6 and len(calls) == 6


def _hash_all(paths: list[str]) -> None:
    from rams.checksum import sha256_input

    for p in paths:
        sha256_input(p)


def test_concurrent_runs_keep_each_others_digests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Processes that hash inputs at the same time lose no cache entry (the file is locked)."""
    import json
    import multiprocessing

    monkeypatch.setenv("RAMS_CACHE_DIR", str(tmp_path / "cache"))
    groups = []
    for g in range(4):
        paths = []
        for i in range(20):
            f = tmp_path / f"f{g}_{i}.tif"
            f.write_bytes(bytes([g, i]) * 5000)
            paths.append(str(f))
        groups.append(paths)
    ctx = multiprocessing.get_context("spawn")  # the child reads RAMS_CACHE_DIR from os.environ
    procs = [ctx.Process(target=_hash_all, args=(paths,)) for paths in groups]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    entries = json.loads((tmp_path / "cache" / "input-sha256.json").read_text())
    assert len(entries) == 80
