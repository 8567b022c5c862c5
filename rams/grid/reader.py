"""Windowed, warped reading of one orthomosaic onto a target grid.

Each read warps only the requested window (GDAL WarpedVRT), so memory is bounded by the
window size whatever the raster size, and striped (untiled) GeoTIFFs work as well as tiled
ones. Values come back in physical units: reflectance (0-1) for multispectral, degrees C
for thermal, 0-1 for RGB.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import rasterio
from rasterio.enums import MaskFlags, Resampling
from rasterio.errors import RasterioError
from rasterio.transform import Affine
from rasterio.vrt import WarpedVRT
from rasterio.windows import Window

from rams.crs import same_crs
from rams.errors import RasterError
from rams.grid.target import TargetGrid
from rams.ingest.rasters import PARTIAL_HINT, SensorRaster, decode_failure

log = logging.getLogger(__name__)

#: GDAL block cache per process, MB: bounds memory when many windows are read (GDAL reads
#: the variable when its cache is first used; a user's own setting wins).
GDAL_CACHE_MB = 256
os.environ.setdefault("GDAL_CACHEMAX", str(GDAL_CACHE_MB))


def gdal_cache_bytes() -> int:
    """The block cache ``GDAL_CACHEMAX`` gives GDAL, bytes, read as GDAL reads it.

    A number below 100,000 is megabytes, a larger one bytes, ``N%`` a share of the physical
    memory; anything else is taken as this module's default (:data:`GDAL_CACHE_MB`).
    """
    value = os.environ.get("GDAL_CACHEMAX", str(GDAL_CACHE_MB)).strip()
    try:
        if value.endswith("%"):
            return int(float(value[:-1]) / 100 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        number = float(value)
        return int(number * 1024 * 1024) if number < 100_000 else int(number)
    except (ValueError, OSError, AttributeError):  # AttributeError: no sysconf (Windows)
        return GDAL_CACHE_MB * 1024 * 1024


_KELVIN_OFFSET = 273.15

#: Source windows narrower than this use OpenCV's fixed-point (int16) remap maps.
_FIXED_POINT_MAP_PX = 32_000

#: Smallest window side, pixels, down to which a failing read is split to salvage data.
_MIN_SALVAGE_PX = 32


def _integral(value: float) -> bool:
    return abs(value - round(value)) < 1e-6


@dataclass
class GridReader:
    """Reads one sensor raster onto a :class:`TargetGrid`, window by window.

    Picklable (the open datasets are not pickled and reopen lazily), so that readers can be
    shipped to Dask workers, and safe to share between threads: each thread opens its own
    GDAL datasets (a GDAL dataset must not be used by two threads at once).

    Attributes:
        raster: the validated sensor raster.
        grid: the grid to read onto.
        allow_partial: when False (the default), a window that fails to decode raises a
            :class:`RasterError` naming the file and the block; when True, the parts that
            cannot be decoded come back as invalid pixels and are recorded in
            :attr:`failed_windows`.
        failed_windows: windows of the grid ``(col_off, row_off, width, height)`` that could
            not be decoded (with ``allow_partial``).
    """

    raster: SensorRaster
    grid: TargetGrid
    allow_partial: bool = False
    failed_windows: list[tuple[int, int, int, int]] = field(default_factory=list)
    _local: Any = field(default=None, init=False, repr=False, compare=False)
    _opened: list[Any] = field(default_factory=list, init=False, repr=False, compare=False)
    _lock: Any = field(default_factory=threading.Lock, init=False, repr=False, compare=False)
    _maps: Any = field(default=None, init=False, repr=False, compare=False)
    _keeps_zero: bool = field(default=False, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_local"] = None
        state["_opened"] = []
        state["_lock"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def __post_init__(self) -> None:
        self._maps = self._compute_axis_maps()
        self._keeps_zero = self._conversion_keeps_zero()

    def _thread(self) -> Any:
        """This thread's state: its open datasets and the windows that failed in its reads."""
        if self._local is None:
            with self._lock:
                if self._local is None:
                    self._local = threading.local()
        local = self._local
        if not hasattr(local, "failed"):
            local.src = None
            local.vrt = None
            local.failed = []
        return local

    def thread_failures(self) -> int:
        """Windows that failed to decode in reads made by the calling thread.

        Per thread, so a task can count its own failures while other threads read.
        """
        return len(self._thread().failed)

    def thread_failed_windows(self) -> list[tuple[int, int, int, int]]:
        """The windows of :meth:`thread_failures`, oldest first.

        Each as ``(col_off, row_off, width, height)`` of the grid.
        """
        return list(self._thread().failed)

    @property
    def path(self) -> Path:
        """Path of the source GeoTIFF."""
        return self.raster.path

    @property
    def band_names(self) -> list[str]:
        """Band names of the data bands."""
        return list(self.raster.entry.bands or [])

    def _axis_maps(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The separable target-to-source maps, or None (see :meth:`_compute_axis_maps`)."""
        return self._maps  # type: ignore[no-any-return]

    def _compute_axis_maps(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per-axis maps ``(scale, offset)`` from target to source pixel coordinates.

        Only when the source is in the grid's CRS, north-up, and resampled bilinearly (not
        much finer than the grid); None otherwise, and GDAL's warper reads the window.
        """
        src_t, dst_t = self.raster.transform, self.grid.transform
        if self._resampling() != Resampling.bilinear:
            return None
        if src_t.b or src_t.d or dst_t.b or dst_t.d or src_t.a <= 0 or src_t.e >= 0 or dst_t.a <= 0 or dst_t.e >= 0:
            return None
        if not same_crs(self.raster.crs, self.grid.crs):
            return None
        # source pixel coordinate (centre convention) of target pixel centre i:
        # ((dst_origin + (i + 0.5) * dst_step) - src_origin) / src_step - 0.5
        col = np.array([dst_t.a / src_t.a, (dst_t.c - src_t.c) / src_t.a + 0.5 * dst_t.a / src_t.a - 0.5])
        row = np.array([dst_t.e / src_t.e, (dst_t.f - src_t.f) / src_t.e + 0.5 * dst_t.e / src_t.e - 0.5])
        return col, row

    def _resampling(self) -> Resampling:
        ratio = self.grid.gsd_m / max(self.raster.gsd_m, 1e-12)
        return Resampling.average if ratio > 1.5 else Resampling.bilinear

    def _source(self) -> Any:
        """This thread's open source dataset."""
        local = self._thread()
        if local.src is None:
            local.src = rasterio.open(self.raster.path)
            with self._lock:
                self._opened.append(local.src)
        return local.src

    def _vrt_kwargs(self, window: Window | None = None) -> dict[str, Any]:
        """WarpedVRT arguments for the whole grid, or for ``window`` of it alone."""
        transform, width, height = self.grid.transform, self.grid.width, self.grid.height
        if window is not None:
            transform = transform * Affine.translation(window.col_off, window.row_off)
            width, height = int(window.width), int(window.height)
        kwargs: dict[str, Any] = {
            "crs": self.grid.crs,
            "transform": transform,
            "width": width,
            "height": height,
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
        return kwargs

    def _vrt(self) -> Any:
        """This thread's warped view of the source onto the grid (GDAL's warper)."""
        local = self._thread()
        if local.vrt is None:
            local.vrt = WarpedVRT(self._source(), **self._vrt_kwargs())
            with self._lock:
                self._opened.append(local.vrt)
        return local.vrt

    def _read_warped(self, window: Window, *, isolated: bool) -> tuple[np.ndarray, np.ndarray]:
        """Data and alpha of ``window`` through GDAL's warper.

        ``isolated``: through a warped view of that window alone, whose blocks (GDAL warps
        whole blocks of the view, 512 x 128 px) hold nothing outside it, so that a salvage
        read does not touch a bad block next to it.
        """
        bands = self.raster.data_bands
        if isolated:
            with WarpedVRT(self._source(), **self._vrt_kwargs(window)) as vrt:
                alpha_index = self.raster.alpha_band if self.raster.alpha_band is not None else vrt.count
                both = vrt.read([*bands, alpha_index], out_dtype="float32")
                return both[:-1], both[-1]
        vrt = self._vrt()
        alpha_index = self.raster.alpha_band if self.raster.alpha_band is not None else vrt.count
        # one read for data and alpha: each read call warps its window again
        both = vrt.read([*bands, alpha_index], window=window, out_dtype="float32")
        return both[:-1], both[-1]

    def close(self) -> None:
        """Close the datasets opened by every thread (they reopen on the next read).

        Call it when no read is in flight.
        """
        with self._lock:
            opened, self._opened = self._opened, []
            self._local = None
        for dataset in reversed(opened):  # each VRT before its source
            dataset.close()

    def read(
        self, window: Window, *, stored: bool = False, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Read a window of the target grid.

        Args:
            window: a window of :attr:`grid`.
            stored: the values as the file stores them, without the manifest's scale,
                offset or unit conversion, and in the file's own data type where the
                window is copied from the source's pixel lattice without resampling (else
                float32): for a detector that takes 8-bit counts, which would otherwise be
                turned into floats, scaled to 0-1 and scaled back (three passes over each
                tile).
            out: a float32 C-contiguous array (bands, rows, cols) to return the data in
                (not with ``stored``); where the window is the source's own pixels, GDAL
                decodes into it directly (a fused cube's slice: no copy of the bands).

        Returns:
            ``(data, valid)``: data float32 (bands, rows, cols) in physical units (with
            ``stored``: the stored values, in the file's type or float32 as said above;
            float32 too where damaged blocks were salvaged), and valid bool (rows, cols).
            Invalid pixels hold 0. With :attr:`allow_partial`, parts of
            the source that cannot be decoded (a truncated or damaged file) come back invalid
            and are recorded in :attr:`failed_windows`.

        Raises:
            RasterError: a block of the source cannot be decoded (without
                :attr:`allow_partial`).
        """
        if out is not None and stored:
            raise ValueError("out= takes physical values, not stored ones")
        data, alpha = self._read_raw(window, stored=stored, out=out)
        if alpha.dtype == np.bool_:
            # source pixels copied as they are: nodata and non-finite values were masked
            # (and zeroed) when the source window was read
            valid = alpha
        else:
            valid = alpha > 0
            if self.raster.nodata is not None and not np.isnan(self.raster.nodata):
                valid &= np.all(data != np.float32(self.raster.nodata), axis=0)
            valid &= np.all(np.isfinite(data), axis=0)
        if stored:
            if alpha.dtype != np.bool_:  # resampled: invalid pixels still hold the warper's values
                np.copyto(data, 0, where=~valid)
            return data, valid
        data = self._to_physical(data)
        if (alpha.dtype != np.bool_ or not self._keeps_zero) and not valid.all():  # else still 0 where invalid
            np.copyto(data, np.float32(0.0), where=~valid)  # broadcast over bands
        if out is not None and data is not out:
            np.copyto(out, data)
            data = out
        return data, valid

    def _read_same_crs(
        self, window: Window, maps: tuple[np.ndarray, np.ndarray], *, stored: bool = False,
        out: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Bilinear resampling of a source in the grid's CRS, without GDAL's warper.

        The target-to-source map is separable (a scale and an offset per axis), so the
        source window is read as it is and resampled with OpenCV; invalid source pixels
        take no weight (the weights of the valid ones are renormalised) and a target pixel
        is valid when valid source pixels carry at least half of its weight. Several times
        faster than the general warper on the same grid; the same result within float error
        and GDAL's 1/8 px approximation of the transform. ``stored``: see :meth:`read`; the
        source's data type is kept only where its pixels are copied. ``out``: where the
        window is copied from inside the source, the source window is decoded into it.
        """
        src = self._source()
        rows, cols = int(window.height), int(window.width)
        (sc, oc), (sr, orow) = maps
        xs = (np.arange(cols, dtype=np.float64) + window.col_off) * sc + oc
        ys = (np.arange(rows, dtype=np.float64) + window.row_off) * sr + orow
        # the grid is the source's own pixel grid (the multispectral on a grid snapped to
        # its lattice, the detector's RGB): target pixel (i, j) is source pixel
        # (i + ys[0], j + xs[0]), copied without resampling
        same_lattice = abs(sc - 1.0) < 1e-9 and abs(sr - 1.0) < 1e-9 and _integral(xs[0]) and _integral(ys[0])
        if same_lattice:
            c0, c1 = max(round(xs[0]), 0), min(round(xs[0]) + cols, src.width)
            r0, r1 = max(round(ys[0]), 0), min(round(ys[0]) + rows, src.height)
        else:
            unclipped = (int(np.floor(xs[0])) - 1, int(np.floor(ys[0])) - 1,
                         int(np.floor(xs[-1])) + 3, int(np.floor(ys[-1])) + 3)
            c0, c1 = max(unclipped[0], 0), min(unclipped[2], src.width)
            r0, r1 = max(unclipped[1], 0), min(unclipped[3], src.height)
        n_bands = len(self.raster.data_bands)
        if c1 <= c0 or r1 <= r0:  # the window lies outside the raster
            dtype = np.dtype(self.raster.dtype) if stored and same_lattice else np.float32
            return np.zeros((n_bands, rows, cols), dtype), np.zeros((rows, cols), bool)
        sw = Window(c0, r0, c1 - c0, r1 - r0)
        inside = same_lattice and (c1 - c0, r1 - r0) == (cols, rows)
        try:
            data, mask = self._read_source(src, sw, stored=stored and same_lattice, out=out if inside else None)
        except RasterioError:
            if not self.allow_partial:
                raise
            data, mask, lost = self._read_source_by_block(src, sw)
            for lc, lr, lw, lh in lost:  # the lost source blocks, as windows of the grid
                i0 = max(0, math.ceil((lc - 0.5 - oc) / sc - window.col_off))
                i1 = min(cols, math.floor((lc + lw - 0.5 - oc) / sc - window.col_off) + 1)
                j0 = max(0, math.ceil((lr - 0.5 - orow) / sr - window.row_off))
                j1 = min(rows, math.floor((lr + lh - 0.5 - orow) / sr - window.row_off) + 1)
                if i1 > i0 and j1 > j0:
                    self._record_failure((int(window.col_off) + i0, int(window.row_off) + j0, i1 - i0, j1 - j0))
        if same_lattice:
            if inside:  # inside the raster: the source window itself
                return data, mask
            i0, j0 = r0 - round(ys[0]), c0 - round(xs[0])
            pixels = np.zeros((n_bands, rows, cols), data.dtype)
            valid = np.zeros((rows, cols), bool)
            pixels[:, i0:i0 + r1 - r0, j0:j0 + c1 - c0] = data
            valid[i0:i0 + r1 - r0, j0:j0 + c1 - c0] = mask
            return pixels, valid
        map_x = np.broadcast_to((xs - c0).astype(np.float32)[None, :], (rows, cols)).copy()
        map_y = np.broadcast_to((ys - r0).astype(np.float32)[:, None], (rows, cols)).copy()
        if max(sw.width, sw.height) < _FIXED_POINT_MAP_PX:  # fixed-point maps: 1/32 px, faster
            map_x, map_y = cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)

        def remap(a: np.ndarray) -> np.ndarray:
            return cv2.remap(a, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)

        out = np.empty((n_bands, rows, cols), np.float32)
        if (c0, r0, c1, r1) == unclipped and mask.all():
            # every target pixel's footprint lies on valid source pixels: the weights are
            # all 1 (no remap of the mask, no division; the tiles of a flight's interior)
            for b in range(n_bands):
                out[b] = remap(data[b])
            return out, np.ones((rows, cols), np.float32)  # resampled: read() checks nodata as usual
        weight = remap(mask.astype(np.float32))
        valid = weight >= 0.5
        safe = np.where(valid, weight, 1.0)
        for b in range(n_bands):
            out[b] = remap(data[b]) / safe
        out[:, ~valid] = 0.0
        return out, valid.astype(np.float32)

    def _read_source(
        self, src: Any, sw: Window, *, stored: bool = False, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Data bands (invalid pixels 0) and validity (bool) of a source window.

        The bands are float32, or in the file's own data type with ``stored``; decoded into
        ``out`` (float32, the window's shape) when given.
        """
        nodata = self.raster.nodata
        if self.raster.alpha_band is not None:
            # data and alpha in one read, as stored: a second read decodes each block of a
            # pixel-interleaved RGBA again (the detector's RGB windows: 2x slower)
            both = src.read([*self.raster.data_bands, self.raster.alpha_band], window=sw)
            mask = both[-1] > 0
            if out is not None:
                out[...] = both[:-1]
                data = out
            else:
                data = both[:-1] if stored else both[:-1].astype(np.float32)
        else:
            if out is not None:
                data = src.read(self.raster.data_bands, window=sw, out=out)
            else:
                data = src.read(self.raster.data_bands, window=sw, out_dtype=None if stored else "float32")
            if nodata is not None:  # from the values already read (no second decode)
                mask = np.ones(data.shape[1:], bool) if np.isnan(nodata) else np.all(data != np.float32(nodata), axis=0)
            elif any(MaskFlags.per_dataset in flags for flags in src.mask_flag_enums):
                mask = src.dataset_mask(window=sw) > 0  # an internal mask band
            else:
                mask = np.ones(data.shape[1:], bool)
        if not np.issubdtype(np.dtype(self.raster.dtype), np.integer):  # integers are finite
            mask &= np.isfinite(data).all(axis=0)
        if not mask.all():  # a window all valid (most of a flight) needs no zeroing pass
            np.copyto(data, 0, where=~mask)  # broadcast over bands
        return data, mask

    def _read_source_by_block(
        self, src: Any, sw: Window
    ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int, int]]]:
        """:meth:`_read_source` one source block at a time.

        A block that does not decode costs only its own pixels; the lost blocks' windows
        (source pixels) are returned too.
        """
        bh, bw = src.block_shapes[0]
        c0, r0, w, h = int(sw.col_off), int(sw.row_off), int(sw.width), int(sw.height)
        data = np.zeros((len(self.raster.data_bands), h, w), np.float32)
        mask = np.zeros((h, w), bool)
        lost: list[tuple[int, int, int, int]] = []
        for br in range(r0 // bh, (r0 + h - 1) // bh + 1):
            for bc in range(c0 // bw, (c0 + w - 1) // bw + 1):
                x0, x1 = max(c0, bc * bw), min(c0 + w, (bc + 1) * bw)
                y0, y1 = max(r0, br * bh), min(r0 + h, (br + 1) * bh)
                try:
                    d, m = self._read_source(src, Window(x0, y0, x1 - x0, y1 - y0))
                except RasterioError:
                    lost.append((x0, y0, x1 - x0, y1 - y0))
                    continue
                data[:, y0 - r0:y1 - r0, x0 - c0:x1 - c0] = d
                mask[y0 - r0:y1 - r0, x0 - c0:x1 - c0] = m
        return data, mask, lost

    def _record_failure(self, key: tuple[int, int, int, int]) -> None:
        self.failed_windows.append(key)
        self._thread().failed.append(key)

    def _read_raw(
        self, window: Window, *, isolated: bool = False, stored: bool = False, out: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw warped values and alpha.

        On a decode error, salvage what decodes by quadrants (the same-CRS path salvages
        block by block itself). ``stored``: see :meth:`read` (only the same-CRS path keeps
        the file's data type); ``out``: where the same-CRS path copies the source's pixels,
        they are decoded into it (else the caller copies them).
        """
        rows, cols = int(window.height), int(window.width)
        bands = self.raster.data_bands
        try:
            maps = self._axis_maps()
            if maps is not None:
                return self._read_same_crs(window, maps, stored=stored, out=out)
            return self._read_warped(window, isolated=isolated)
        except RasterioError as exc:
            if not self.allow_partial:
                problem = f"{decode_failure(exc, self.raster.path)}; {PARTIAL_HINT}"
                log.debug("%s: %s", self.raster.path, exc)
            elif min(rows, cols) >= 2 * _MIN_SALVAGE_PX:
                data = np.zeros((len(bands), rows, cols), np.float32)
                alpha = np.zeros((rows, cols), np.uint8)
                half_r, half_c = rows // 2, cols // 2
                for r0, r1 in ((0, half_r), (half_r, rows)):
                    for c0, c1 in ((0, half_c), (half_c, cols)):
                        sub = Window(window.col_off + c0, window.row_off + r0, c1 - c0, r1 - r0)
                        d, a = self._read_raw(sub, isolated=True)
                        data[:, r0:r1, c0:c1] = d
                        alpha[r0:r1, c0:c1] = a
                return data, alpha
            else:
                key = (int(window.col_off), int(window.row_off), cols, rows)
                self._record_failure(key)
                log.debug("%s: window %s could not be decoded (%s)", self.raster.path, key, exc)
                return np.zeros((len(bands), rows, cols), np.float32), np.zeros((rows, cols), np.uint8)
        # raised outside the handler so that no GDAL error is chained to it: those do not
        # survive pickling, and Dask ships a task's error to the client pickled
        raise RasterError(self.raster.path, problem)

    def _conversion_keeps_zero(self) -> bool:
        """Whether :meth:`_to_physical` maps 0 to 0 (no offset, no kelvin shift, a finite positive scale)."""
        entry = self.raster.entry
        scale = entry.scale
        return not (bool(entry.offset) or (entry.sensor == "thermal" and entry.units in ("kelvin", "centikelvin"))
                    or (scale is not None and not (math.isfinite(scale) and scale > 0)))

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


def lost_pixels(windows: list[tuple[int, int, int, int]], area: Window, cell_px: int = 1) -> int:
    """Pixels of ``area`` covered by any of ``windows`` (overlaps counted once).

    Args:
        windows: ``(col_off, row_off, width, height)`` in the same pixel grid as ``area``.
        area: the region counted (e.g. a tile's core).
        cell_px: count on cells of this many pixels a side (bounds memory on a whole-flight
            grid; a partly covered cell counts in full, so the count can only be high).

    Returns:
        The number of pixels (a multiple of ``cell_px**2`` when ``cell_px > 1``, clipped to
        the area).
    """
    c0, r0 = int(area.col_off), int(area.row_off)
    w, h = int(area.width), int(area.height)
    if not windows or w <= 0 or h <= 0:
        return 0
    mask = np.zeros((-(-h // cell_px), -(-w // cell_px)), bool)
    for wc, wr, ww, wh in windows:
        x0, x1 = max(wc, c0) - c0, min(wc + ww, c0 + w) - c0
        y0, y1 = max(wr, r0) - r0, min(wr + wh, r0 + h) - r0
        if x1 > x0 and y1 > y0:
            mask[y0 // cell_px:-(-y1 // cell_px), x0 // cell_px:-(-x1 // cell_px)] = True
    return min(int(np.count_nonzero(mask)) * cell_px**2, w * h)
