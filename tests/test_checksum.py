"""File SHA-256 read in chunks equals the digest of the whole content."""

from __future__ import annotations

import hashlib
from pathlib import Path

from rams.checksum import sha256_file


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
