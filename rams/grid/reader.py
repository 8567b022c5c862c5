"""Windowed, warped reading of one orthomosaic onto a target grid.

Each read warps only the requested window (GDAL WarpedVRT), so memory is bounded by the
window size whatever the raster size, and striped (untiled) GeoTIFFs work as well as tiled
ones. Values come back in physical units: reflectance (0-1) for multispectral, degrees C
for thermal, 0-1 for RGB.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import RasterioError
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from rams.grid.target import TargetGrid
from rams.ingest.rasters import SensorRaster

log = logging.getLogger(__name__)

#: GDAL block cache per process, MB: bounds memory when many windows are read (GDAL reads
#: the variable when its cache is first used; a user's own setting wins).
GDAL_CACHE_MB = 256
os.environ.setdefault("GDAL_CACHEMAX", str(GDAL_CACHE_MB))

_KELVIN_OFFSET = 273.15

#: Smallest window side, pixels, down to which a failing read is split to salvage data.
_MIN_SALVAGE_PX = 32


@dataclass
class GridReader:
    """Reads one sensor raster onto a :class:`TargetGrid`, window by window.

    Picklable (the open datasets are not pickled and reopen lazily), so that readers can be
    shipped to Dask workers, and safe to share between threads: each thread opens its own
    GDAL datasets (a GDAL dataset must not be used by two threads at once).

    Attributes:
        raster: the validated sensor raster.
        grid: the grid to read onto.
        failed_windows: windows of the source that could not be decoded (corrupt data); they
            come back as invalid pixels.
    """

    raster: SensorRaster
    grid: TargetGrid
    failed_windows: list[tuple[int, int, int, int]] = field(default_factory=list)
    _local: Any = field(default=None, init=False, repr=False, compare=False)
    _opened: list[tuple[Any, Any]] = field(default_factory=list, init=False, repr=False, compare=False)
    _lock: Any = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_local"] = None
        state["_opened"] = []
        state["_lock"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def _thread(self) -> Any:
        """This thread's state: its open datasets and its count of failed windows."""
        with self._lock:
            if self._local is None:
                self._local = threading.local()
        local = self._local
        if not hasattr(local, "failed"):
            local.handles = None
            local.failed = 0
        return local

    def thread_failures(self) -> int:
        """Windows that failed to decode in reads made by the calling thread (so a task
        can count its own failures while other threads read)."""
        return int(self._thread().failed)

    @property
    def path(self) -> Path:
        """Path of the source GeoTIFF."""
        return self.raster.path

    @property
    def band_names(self) -> list[str]:
        """Band names of the data bands."""
        return list(self.raster.entry.bands or [])

    def _resampling(self) -> Resampling:
        ratio = self.grid.gsd_m / max(self.raster.gsd_m, 1e-12)
        return Resampling.average if ratio > 1.5 else Resampling.bilinear

    def _open(self) -> tuple[Any, Any]:
        local = self._thread()
        if local.handles is None:
            src = rasterio.open(self.raster.path)
            kwargs: dict[str, Any] = {
                "crs": self.grid.crs,
                "transform": self.grid.transform,
                "width": self.grid.width,
                "height": self.grid.height,
                "resampling": self._resampling(),
                "NUM_THREADS": "ALL_CPUS",  # GDAL warps a window's chunks in parallel
            }
            if self.raster.alpha_band is not None:
                kwargs["src_alpha"] = self.raster.alpha_band
            else:
                kwargs["add_alpha"] = True
                if self.raster.nodata is not None:
                    kwargs["src_nodata"] = self.raster.nodata
                    kwargs["nodata"] = self.raster.nodata
            vrt = WarpedVRT(src, **kwargs)
            local.handles = (src, vrt)
            with self._lock:
                self._opened.append(local.handles)
        return local.handles

    def close(self) -> None:
        """Close the datasets opened by every thread (they reopen on the next read).

        Call it when no read is in flight.
        """
        with self._lock:
            opened, self._opened = self._opened, []
            self._local = None
        for src, vrt in opened:
            vrt.close()
            src.close()

    def read(self, window: Window) -> tuple[np.ndarray, np.ndarray]:
        """Read a window of the target grid.

        Args:
            window: a window of :attr:`grid`.

        Returns:
            ``(data, valid)``: data float32 (bands, rows, cols) in physical units, and valid
            bool (rows, cols). Invalid pixels hold 0. Parts of the source that cannot be
            decoded (a truncated or damaged file) come back invalid and are recorded in
            :attr:`failed_windows`.
        """
        data, alpha = self._read_raw(window)
        valid = alpha > 0
        if self.raster.nodata is not None and not np.isnan(self.raster.nodata):
            valid &= np.all(data != np.float32(self.raster.nodata), axis=0)
        valid &= np.all(np.isfinite(data), axis=0)
        data = self._to_physical(data)
        data[:, ~valid] = 0.0
        return data, valid

    def _read_raw(self, window: Window) -> tuple[np.ndarray, np.ndarray]:
        """Raw warped values and alpha; on a decode error, salvage what decodes by quadrants."""
        _, vrt = self._open()
        rows, cols = int(window.height), int(window.width)
        bands = self.raster.data_bands
        alpha_index = self.raster.alpha_band if self.raster.alpha_band is not None else vrt.count
        try:
            # one read for data and alpha: each read call warps its window again
            both = vrt.read([*bands, alpha_index], window=window, out_dtype="float32")
            return both[:-1], both[-1]
        except RasterioError as exc:
            if min(rows, cols) >= 2 * _MIN_SALVAGE_PX:
                data = np.zeros((len(bands), rows, cols), np.float32)
                alpha = np.zeros((rows, cols), np.uint8)
                half_r, half_c = rows // 2, cols // 2
                for r0, r1 in ((0, half_r), (half_r, rows)):
                    for c0, c1 in ((0, half_c), (half_c, cols)):
                        sub = Window(window.col_off + c0, window.row_off + r0, c1 - c0, r1 - r0)
                        d, a = self._read_raw(sub)
                        data[:, r0:r1, c0:c1] = d
                        alpha[r0:r1, c0:c1] = a
                return data, alpha
            key = (int(window.col_off), int(window.row_off), cols, rows)
            self.failed_windows.append(key)
            self._thread().failed += 1
            log.debug("%s: window %s could not be decoded (%s)", self.raster.path, key, exc)
            return np.zeros((len(bands), rows, cols), np.float32), np.zeros((rows, cols), np.uint8)

    def _to_physical(self, data: np.ndarray) -> np.ndarray:
        entry = self.raster.entry
        scale = entry.scale
        offset = entry.offset or 0.0
        if scale is None and entry.sensor == "rgb":
            scale = 1.0 / 255.0 if self.raster.dtype == "uint8" else 1.0 / 65535.0
        if scale is not None and scale != 1.0:
            data *= np.float32(scale)
        if offset:
            data += np.float32(offset)
        if entry.sensor == "thermal":
            if entry.units == "kelvin":
                data -= np.float32(_KELVIN_OFFSET)
            elif entry.units == "centikelvin":
                data *= np.float32(0.01)
                data -= np.float32(_KELVIN_OFFSET)
        return data
