"""SHA-256 of files, and numbers measured on input files remembered per machine.

Digests serve the input records in ``run.json``, weight checksums and duplicate checks.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

from rams.errors import RamsInputError

#: Digests kept in the input-checksum cache (the oldest go first).
_CACHE_ENTRIES = 256

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


def _cache_file(name: str) -> Path | None:
    from rams.config_paths import cache_dir

    folder = cache_dir()
    return None if folder is None else folder / name


def _stat_key(path: Path) -> str:
    """What identifies one version of a file without reading it: path, size, mtime, inode."""
    st = path.stat()
    return f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}"


def sha256_input(path: str | Path) -> str:
    """SHA-256 of an input raster, remembered per machine by path, size, mtime and inode.

    An orthomosaic is tens of GB: hashing it at every run of the same flight (another
    config, a resumed batch) costs seconds to minutes. The digest is kept in the user's rams
    cache (:func:`rams.config_paths.cache_dir`) and reused while the file's size,
    modification time and inode are unchanged; a file rewritten in place with the same
    size and modification time to the nanosecond would be taken as unchanged. Weights are
    never checked through this cache (:func:`sha256_file` reads them every time).

    Raises:
        RamsInputError: the file cannot be read.
    """
    path = Path(path)
    return _remembered(path, "input-sha256.json", "", lambda: sha256_file(path),
                       lambda text: _HEX64.fullmatch(text) is not None)


def input_fact(path: str | Path, fact: str, compute: Callable[[], float]) -> float:
    """A number measured on an input file, remembered per machine like its digest.

    Kept in the user's rams cache (``input-facts.json``) under the file's path, size,
    modification time and inode (see :func:`sha256_input`) and the name ``fact``; computed
    by ``compute`` when unknown. NaN and infinite values are never remembered. Used for
    what ingest measures by decoding blocks (a raster's valid fraction), which costs tenths
    of a second per raster at every run of the same flight.
    """
    text = _remembered(Path(path), "input-facts.json", f"|{fact}", lambda: repr(float(compute())), _finite)
    return float(text)


def _finite(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _remembered(
    path: Path, cache_name: str, suffix: str, compute: Callable[[], str], usable: Callable[[str], bool]
) -> str:
    """``compute()`` for this version of ``path``, kept in the cache file ``cache_name``.

    The key is the file's stat key (:func:`_stat_key`) plus ``suffix``; only values that
    are ``usable`` are read back or stored. Without a cache folder, a file that cannot be
    stat'ed or a read-only home, ``compute()`` runs every time.
    """
    cache = _cache_file(cache_name)
    try:
        key = _stat_key(path) + suffix
    except OSError:
        return compute()  # sha256_file raises with the reason
    if cache is not None:
        known = _read_entries(cache).get(key, "")
        if usable(known):
            return known
    value = compute()
    if cache is not None and usable(value):
        try:
            _remember(cache, key, value)
        except OSError:
            pass  # a read-only home: measure every run, as before
    return value


def _read_entries(cache: Path) -> dict[str, str]:
    """The cache file's digests by key; empty when it is missing or damaged."""
    try:
        loaded = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def _remember(cache: Path, key: str, digest: str) -> None:
    """Add one digest (or fact) to a cache file, under an exclusive lock where the OS has one.

    The file is re-read under the lock, so concurrent runs (a batch's processes) do not
    drop each other's entries; it is replaced atomically, so a reader never sees half.
    """
    cache.parent.mkdir(parents=True, exist_ok=True)
    with open(cache.with_name(f".{cache.name}.lock"), "a+b") as lock:
        try:
            import fcntl

            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        except ImportError:  # no flock (Windows): last writer wins, a lost entry costs a re-hash
            pass
        entries = _read_entries(cache)
        entries.pop(key, None)
        entries[key] = digest
        keep = dict(list(entries.items())[-_CACHE_ENTRIES:])
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(keep, indent=0), encoding="utf-8")
        tmp.replace(cache)


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
