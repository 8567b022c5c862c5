"""The SHA-256 of a flight's inputs, computed while the flight is processed.

``run.json`` records each input's digest (provenance), and the digests decide whether an
output folder already holds a completed run of the same inputs. Hashing reads every byte of
every input: at 0.5 cm, a 0.25 km² flight is 19 GB, some 40 s on the first run (the digest
is remembered per file version afterwards, :func:`rams.checksum.sha256_input`), while the
cascade reads a small part of the RGB. So the digests that are not remembered are computed
in a background thread (hashlib and file reads let go of the GIL) and awaited only where
they are needed: before the completed-run check when OUT_DIR holds a ``run.json``, else
before ``run.json`` is written.
"""

from __future__ import annotations

import threading

from rams.checksum import known_sha256_input, sha256_input
from rams.ingest.rasters import SensorRaster


class InputDigests:
    """Fills each raster's ``checksum``: at once where remembered, else in a background thread.

    Args:
        rasters: the flight's rasters (their ``checksum`` is set in place).
    """

    def __init__(self, rasters: list[SensorRaster]) -> None:
        for raster in rasters:
            if not raster.checksum:
                raster.checksum = known_sha256_input(raster.path) or ""
        missing = sorted((r for r in rasters if not r.checksum), key=lambda r: r.size_bytes)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if missing:
            # a daemon: a run that fails before waiting does not wait for the hashing either
            self._thread = threading.Thread(target=self._hash, args=(missing,), name="rams-input-digests",
                                            daemon=True)
            self._thread.start()

    def _hash(self, missing: list[SensorRaster]) -> None:
        try:
            for raster in missing:  # smallest first
                raster.checksum = sha256_input(raster.path)
        except BaseException as exc:  # re-raised by wait(), in the caller's thread
            self._error = exc

    def wait(self) -> None:
        """Return when every digest is known.

        Raises:
            RamsInputError: an input could not be read while hashing.
        """
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            raise self._error
