"""SHA-256 of files (input records in ``run.json``, weight checksums, duplicate checks)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from rams.errors import RamsInputError

_HEX64 = re.compile(r"[0-9a-fA-F]{64}")


def sha256_file(path: str | Path, chunk: int = 1 << 22) -> str:
    """Hex SHA-256 of a file, read in chunks (bounded memory whatever its size).

    Raises:
        RamsInputError: the file cannot be read (missing, a folder, no permission, I/O error).
    """
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(chunk):
                digest.update(block)
    except OSError as exc:
        raise RamsInputError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    return digest.hexdigest()


def read_sha256_record(record: str | Path) -> str:
    """The digest a ``sha256sum``-format record (``HEX  NAME``) gives, lower case.

    Raises:
        RamsInputError: the record is missing, unreadable, not text, or not a SHA-256 line.
    """
    try:
        text = Path(record).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RamsInputError(record, "checksum record does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RamsInputError(record, f"checksum record cannot be read ({type(exc).__name__})") from None
    parts = text.split()
    if not parts or not _HEX64.fullmatch(parts[0]):
        raise RamsInputError(record, "checksum record is not a SHA-256 line")
    return parts[0].lower()
