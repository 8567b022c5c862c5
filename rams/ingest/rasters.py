"""Opening and validating the rasters of a flight.

Validation reads only metadata, the TIFF directories (every strip and tile must lie inside
the file: :mod:`rams.ingest.tiff_blocks`) and a decimated mask, so memory is bounded
whatever the raster size.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.enums import ColorInterp
from rasterio.errors import RasterioIOError
from rasterio.transform import Affine
from rasterio.windows import Window

from rams.checksum import input_fact, sha256_input
from rams.errors import RasterError
from rams.ingest.manifest import RasterEntry
from rams.ingest.tiff_blocks import BlockCheck, TiffStructureError, check_blocks

#: Longest side of the decimated mask read during validation, pixels.
_MASK_PREVIEW_PX = 512
#: Validation of large rasters without overviews samples a grid of blocks: blocks per axis.
_SAMPLE_BLOCKS = 6
#: ... each read as a decimated mask of this many pixels a side.
_SAMPLE_MASK_PX = 32
#: Long side of the decimated read that confirms a band empty in the sample (:func:`_first_empty_band`).
_BAND_CHECK_PX = 2048

#: What a user can do about a damaged raster, appended to the error.
PARTIAL_HINT = "re-copy the file, or process what is readable with --allow-partial"


@dataclass
class SensorRaster:
    """One validated orthomosaic of a flight.

    Attributes:
        entry: the manifest entry it came from (bands, scaling, units resolved).
        path: absolute path of the GeoTIFF.
        crs: its CRS.
        transform: its affine transform (pixel -> CRS coordinates).
        width: columns.
        height: rows.
        data_bands: 1-based band indexes holding data (alpha excluded).
        alpha_band: 1-based index of an alpha band, or None.
        nodata: the nodata value, or None.
        dtype: numpy dtype name of the data.
        gsd_m: ground sample distance in metres (approximate for geographic CRSs).
        valid_fraction: fraction of valid pixels estimated from a decimated mask (NaN when
            the pixel data could not all be decoded).
        size_bytes: file size.
        checksum: SHA-256 of the file.
        decode_error: why the pixel data could not all be decoded ("" when it could).
        damage: with ``allow_partial``, what the TIFF directories say is missing ("" when
            every block lies inside the file).
        missing_area_m2: ground area of the full-resolution blocks that lie outside the file.
    """

    entry: RasterEntry
    path: Path
    crs: CRS
    transform: Affine
    width: int
    height: int
    data_bands: list[int]
    alpha_band: int | None
    nodata: float | None
    dtype: str
    gsd_m: float
    valid_fraction: float
    size_bytes: int = 0
    checksum: str = field(default="", repr=False)
    decode_error: str = ""
    damage: str = ""
    missing_area_m2: float = 0.0

    @property
    def sensor(self) -> str:
        """Sensor kind: multispectral, thermal or rgb."""
        return self.entry.sensor

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in the raster's CRS."""
        x0, y0, x1, y1 = rasterio.transform.array_bounds(self.height, self.width, self.transform)
        # a south-up raster (positive pixel height) has its "north" below its "south"
        return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def read_padded(
    src: Any, indexes: int | list[int], window: Window, *, fill: float = 0, dtype: Any = None,
    masks: bool = False,
) -> np.ndarray:
    """Values of an integer pixel window that may reach past the raster's edge; ``fill`` outside.

    The same values as ``src.read(indexes, window=window, boundless=True, fill_value=fill)``
    (``src.read_masks`` with ``masks=True``, 0 outside) without the virtual raster rasterio
    builds for each boundless read (3-15 ms a window, and each VRT reads its blocks afresh).

    Args:
        src: an open rasterio dataset.
        indexes: one band (a 2-D result) or a list of bands (3-D, bands first).
        window: the pixel window (integer offsets and sizes).
        fill: the value outside the raster (masks are always 0 there).
        dtype: the result's type (default: the raster's, or uint8 for masks).
        masks: read the bands' masks instead of their values.

    Raises:
        ValueError: a window with a fractional offset or size (a boundless read would
            resample it; callers round first).
    """
    edges = (window.col_off, window.row_off, window.width, window.height)
    if any(v != int(v) for v in edges):
        raise ValueError(f"read_padded needs a whole-pixel window, got {window}")
    c0, r0, w, h = (int(v) for v in edges)
    shape = (h, w) if isinstance(indexes, int) else (len(indexes), h, w)
    if dtype is None:
        dtype = "uint8" if masks else src.dtypes[0]
    out = np.full(shape, 0 if masks else fill, dtype=dtype)
    rr0, cc0 = max(r0, 0), max(c0, 0)
    rr1, cc1 = min(r0 + h, src.height), min(c0 + w, src.width)
    if rr1 > rr0 and cc1 > cc0:
        inner = Window(cc0, rr0, cc1 - cc0, rr1 - rr0)
        read = src.read_masks if masks else src.read
        out[..., rr0 - r0 : rr1 - r0, cc0 - c0 : cc1 - c0] = read(indexes, window=inner)
    return out


def gsd_in_metres(crs: CRS, transform: Affine, width: int, height: int) -> float:
    """Pixel size in metres; for a geographic CRS, measured at the raster's centre latitude."""
    size = math.sqrt(abs(transform.a * transform.e - transform.b * transform.d))
    if crs.is_geographic:
        _, lat = transform * (width / 2.0, height / 2.0)
        # metres per degree of latitude / longitude on the WGS84 ellipsoid (good to ~1e-3)
        lat_r = math.radians(lat)
        m_per_deg_lat = 111132.92 - 559.82 * math.cos(2 * lat_r)
        m_per_deg_lon = 111412.84 * math.cos(lat_r)
        return math.sqrt(abs(transform.a) * m_per_deg_lon * abs(transform.e) * m_per_deg_lat)
    units = crs.linear_units_factor[1] if crs.linear_units_factor else 1.0
    return size * units


def _decimated_shape(src: Any, long_side_px: int) -> tuple[int, int]:
    """(rows, cols) of the raster read decimated to at most ``long_side_px`` on its long side."""
    scale = min(1.0, long_side_px / max(src.width, src.height))
    return (max(1, round(src.height * scale)), max(1, round(src.width * scale)))


def _decimated_valid_fraction(src: Any) -> float:
    mask = src.dataset_mask(out_shape=_decimated_shape(src, _MASK_PREVIEW_PX))
    return float(np.count_nonzero(mask)) / float(mask.size)


def _band_valid(src: Any, data: np.ndarray) -> np.ndarray:
    """(bands,) whether each band of ``data`` (bands, ...) holds a valid value: not nodata, finite."""
    n = int(data.shape[0])
    ok = np.isfinite(data) if np.issubdtype(data.dtype, np.floating) else np.ones(data.shape, bool)
    if src.nodata is not None and not math.isnan(src.nodata):
        ok &= data != src.nodata
    return np.asarray(ok.reshape(n, -1).any(axis=1))


def _first_empty_band(src: Any, data_bands: list[int]) -> int:
    """The first data band without a single valid pixel (nodata or NaN throughout), or 0.

    The dataset mask counts a pixel valid when any band is, so a multispectral raster with
    one dead band, or a float raster filled with NaN under another nodata value, passes it
    and would give an anomaly raster without one valid pixel. The same sample as
    :func:`_valid_fraction` is read first; a band it finds empty is looked for again in a
    decimated read of the whole raster (at most :data:`_BAND_CHECK_PX` on a side) before
    it is called empty.
    """
    floating = np.issubdtype(np.dtype(src.dtypes[data_bands[0] - 1]), np.floating)
    if src.nodata is None and not floating:
        return 0  # every value is a value
    n = len(data_bands)
    seen = np.zeros(n, bool)
    for window, shape in _sample_windows(src):
        seen |= _band_valid(src, src.read(data_bands, window=window, out_shape=(n, *shape)))
        if seen.all():
            return 0
    seen |= _band_valid(src, src.read(data_bands, out_shape=(n, *_decimated_shape(src, _BAND_CHECK_PX))))
    empty = [b for b, ok in zip(data_bands, seen, strict=True) if not ok]
    return empty[0] if empty else 0


def _sample_windows(src: Any) -> list[tuple[Window | None, tuple[int, int]]]:
    """Where :func:`_valid_fraction` looks: (window, decimated shape) pairs.

    The whole raster decimated to :data:`_MASK_PREVIEW_PX` when it has overviews or is
    small; otherwise the block under the centre of each cell of a
    :data:`_SAMPLE_BLOCKS` x :data:`_SAMPLE_BLOCKS` grid, each read decimated.
    """
    if src.overviews(1) or src.width * src.height <= _MASK_PREVIEW_PX**2:
        return [(None, _decimated_shape(src, _MASK_PREVIEW_PX))]
    bh, bw = (min(n, size) for n, size in zip(src.block_shapes[0], (src.height, src.width), strict=True))
    n_rows, n_cols = -(-src.height // bh), -(-src.width // bw)
    block_rows = np.unique(((np.arange(_SAMPLE_BLOCKS) + 0.5) * n_rows / _SAMPLE_BLOCKS).astype(int))
    block_cols = np.unique(((np.arange(_SAMPLE_BLOCKS) + 0.5) * n_cols / _SAMPLE_BLOCKS).astype(int))
    out: list[tuple[Window | None, tuple[int, int]]] = []
    for br in block_rows:
        for bc in block_cols:
            r0, c0 = int(br) * bh, int(bc) * bw
            h, w = min(bh, src.height - r0), min(bw, src.width - c0)
            out.append((Window(c0, r0, w, h), (min(_SAMPLE_MASK_PX, h), min(_SAMPLE_MASK_PX, w))))
    return out


def _valid_fraction(src: Any) -> float:
    """Fraction of valid pixels, estimated without decoding the whole raster.

    A decimated read of the mask decodes every block of a file without overviews (seconds
    per GB), so large rasters without overviews are sampled instead: the blocks under the
    centres of a 6 x 6 grid over the extent, each decoded once and read as a decimated mask
    of the whole block, weighted by its area (on a 0.4 Gpx RGB, 0.07 s where 144 small
    windows, one block decoded each, took 0.30-0.34 s). Only when no sampled pixel is valid
    is the decimated read made, so that "all nodata" is never a sampling artefact.
    """
    samples = _sample_windows(src)
    if samples[0][0] is None:
        return _decimated_valid_fraction(src)
    valid = total = 0.0
    for window, shape in samples:
        assert window is not None
        h, w = int(window.height), int(window.width)
        mask = src.dataset_mask(window=window, out_shape=shape)
        valid += np.count_nonzero(mask) / mask.size * h * w  # weighted by the block's area
        total += h * w
    if valid == 0:
        return _decimated_valid_fraction(src)
    return valid / total


def _block_check(path: Path) -> tuple[BlockCheck | None, str]:
    """:func:`check_blocks` on the raster and any external overview or mask file GDAL uses.

    Returns the first failing check (None when all pass) and any structural problem (""
    when none; "not a TIFF" is left for GDAL to report).
    """
    for candidate in (path, path.with_name(path.name + ".ovr"), path.with_name(path.name + ".msk")):
        if candidate != path and not candidate.is_file():
            continue
        try:
            check = check_blocks(candidate)
        except TiffStructureError as exc:
            if candidate == path and str(exc).startswith("not a TIFF"):
                return None, ""
            return None, f"{candidate.name}: {exc}" if candidate != path else str(exc)
        except OSError as exc:
            return None, f"{candidate.name} cannot be read ({exc.strerror or exc})"
        if not check.ok:
            return check, ""
    return None, ""


def _damage_text(path: Path, check: BlockCheck | None, structure: str) -> str:
    if check is None:
        return f"damaged TIFF: {structure}"
    where = "" if check.path == path else f"{check.path.name}: "
    return where + check.summary()


def open_sensor_raster(
    entry: RasterEntry, flight_dir: Path, *, checksum: bool = True, allow_partial: bool = False
) -> SensorRaster:
    """Open and validate the raster of one manifest entry.

    Every strip or tile of every image in the file (full resolution, overviews, masks) must
    lie inside the file, checked from the TIFF directories without decoding.

    Args:
        entry: the manifest entry.
        flight_dir: the flight folder (``entry.path`` is relative to it).
        checksum: compute the file's SHA-256.
        allow_partial: accept a raster with blocks outside the file or undecodable data;
            what is missing is recorded in :attr:`SensorRaster.damage` and
            :attr:`SensorRaster.decode_error` instead of raised.

    Raises:
        RasterError: the file is missing, not a GeoTIFF, truncated or corrupt (unless
            ``allow_partial``), without georeferencing, has a band count that contradicts
            the manifest/profile, or holds no valid pixel.
    """
    path = (flight_dir / entry.path).resolve()
    if not path.is_file():
        raise RasterError(path, "file not found")
    check, structure = _block_check(path)
    damage = _damage_text(path, check, structure) if (check is not None or structure) else ""
    if damage and not allow_partial:
        raise RasterError(path, f"{damage}; {PARTIAL_HINT}")
    try:
        with warnings.catch_warnings():
            # a raster without georeferencing is reported as a RasterError below
            warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
            src = rasterio.open(path)
        with src:
            if src.driver != "GTiff":
                raise RasterError(path, f"not a GeoTIFF (GDAL reads it as {src.driver})")
            if src.crs is None or src.transform == Affine.identity():
                raise RasterError(path, "raster has no georeferencing (no CRS or geotransform)")
            if src.transform.b != 0 or src.transform.d != 0:
                raise RasterError(path, "rotated geotransforms are not supported")
            interps = list(src.colorinterp)
            alpha = [i + 1 for i, ci in enumerate(interps) if ci == ColorInterp.alpha]
            alpha_band = alpha[0] if alpha else None
            data_bands = [i for i in range(1, src.count + 1) if i != alpha_band]
            want = len(entry.bands or [])
            if entry.sensor == "rgb" and alpha_band is None and src.count == 4 and want == 3:
                alpha_band, data_bands = 4, [1, 2, 3]  # RGBA without colour interpretation set
            if len(data_bands) != want:
                source = f"profile '{entry.profile}'" if entry.profile else "the manifest"
                raise RasterError(
                    path,
                    f"has {len(data_bands)} data band(s) but {source} says {want} "
                    f"({', '.join(entry.bands or [])})",
                )
            decode_error = ""
            try:
                # remembered per file version: sampling it decodes blocks at every run
                valid_fraction = input_fact(path, "valid_fraction", lambda: _valid_fraction(src))
            except RasterioIOError as exc:
                # every block lies inside the file, but one does not decode (a corrupt
                # stream, or a damaged overview that the decimated read used)
                if not allow_partial:
                    raise RasterError(
                        path, f"{decode_failure(exc, path)}; {PARTIAL_HINT}"
                    ) from exc
                decode_error = _short(exc)
                valid_fraction = float("nan")
            else:
                if valid_fraction == 0.0:
                    raise RasterError(path, "raster holds no valid pixel (all nodata)")
                try:
                    empty = int(input_fact(path, "first_empty_band", lambda: _first_empty_band(src, data_bands)))
                except RasterioIOError:
                    # a block that does not decode is reported where the run reads it (or
                    # becomes nodata with --allow-partial), never by this check
                    empty = 0
                if empty:
                    names = entry.bands or []
                    k = data_bands.index(empty)
                    name = f" ({names[k]})" if k < len(names) else ""
                    raise RasterError(path, f"band {empty}{name} holds no valid pixel (all nodata or NaN)")
            gsd_m = gsd_in_metres(src.crs, src.transform, src.width, src.height)
            lost = check.full_resolution_lost_fraction() if check is not None else 0.0
            info = SensorRaster(
                entry=entry,
                path=path,
                crs=src.crs,
                transform=src.transform,
                width=src.width,
                height=src.height,
                data_bands=data_bands,
                alpha_band=alpha_band,
                nodata=src.nodata,
                dtype=src.dtypes[data_bands[0] - 1],
                gsd_m=gsd_m,
                valid_fraction=valid_fraction,
                size_bytes=path.stat().st_size,
                decode_error=decode_error,
                damage=damage,
                missing_area_m2=lost * src.width * src.height * gsd_m**2,
            )
    except RasterError:
        raise
    except RasterioIOError as exc:
        if damage:  # GDAL cannot open what the directory check found damaged: say why
            raise RasterError(path, f"{damage}; {PARTIAL_HINT}") from exc
        raise RasterError(path, f"cannot be read as a GeoTIFF ({_short(exc)})") from exc
    except Exception as exc:  # GDAL surfaces corruption under several classes
        raise RasterError(path, f"corrupt or unreadable raster ({_short(exc)})") from exc
    if checksum:
        info.checksum = sha256_input(path)
    return info


_IREADBLOCK = re.compile(r"(?:band (\d+): )?IReadBlock failed at X offset (\d+), Y offset (\d+)")


def _error_chain(exc: BaseException) -> list[str]:
    """Messages of ``exc`` and the GDAL errors chained under it, outermost first."""
    messages: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current).strip()
        if text:
            messages.append(text.splitlines()[0])
        current = current.__cause__ or current.__context__
    return messages


def _failing_overview(path: Path, bx: int, by: int) -> tuple[int, int] | None:
    """``(level, decimation)`` of the first overview whose block ``(bx, by)`` does not decode.

    Levels count from 1; None when every level decodes. Decodes at most one block per
    level: only called once a read has failed.
    """
    try:
        with rasterio.open(path) as src:
            factors = src.overviews(1)
        for level, factor in enumerate(factors, start=1):
            with rasterio.open(path, overview_level=level - 1) as ovr:
                bh, bw = ovr.block_shapes[0]
                if bx * bw >= ovr.width or by * bh >= ovr.height:
                    continue
                window = Window(bx * bw, by * bh, min(bw, ovr.width - bx * bw), min(bh, ovr.height - by * bh))
                try:
                    ovr.read(window=window)
                except RasterioIOError:
                    return level, factor
    except (RasterioIOError, OSError):
        return None
    return None


def decode_failure(exc: BaseException, path: Path) -> str:
    """Which block of ``path`` failed to decode, in words, from a rasterio read error.

    GDAL names the block (``band 1: IReadBlock failed at X offset 2, Y offset 1``) in the
    errors it chains under rasterio's ``Read failed``, without the band when the block
    belongs to an overview (then the overview levels are probed to say which); the innermost
    error says why (``ZIPDecode:Decoding error``, ``Read error ... got 0 bytes``).

    Returns:
        e.g. ``block (col 2, row 1) of band 1, pixels x 128-191 y 64-127, cannot be decoded
        (ZIPDecode:Decoding error at scanline 128)``.
    """
    messages = _error_chain(exc)
    detail = f"({(messages[-1] if messages else type(exc).__name__)[:160]})"
    matches = [m for text in messages for m in _IREADBLOCK.finditer(text)]
    full_res = [m for m in matches if m.group(1)]
    if full_res:
        band, bx, by = (int(g) for g in full_res[0].groups())
        try:
            with rasterio.open(path) as src:
                bh, bw = src.block_shapes[0]
        except RasterioIOError:
            return f"block (col {bx}, row {by}) of band {band} cannot be decoded {detail}"
        return (f"block (col {bx}, row {by}) of band {band}, pixels x {bx * bw}-{(bx + 1) * bw - 1} "
                f"y {by * bh}-{(by + 1) * bh - 1}, cannot be decoded {detail}")
    if matches:
        bx, by = int(matches[0].group(2)), int(matches[0].group(3))
        level = _failing_overview(path, bx, by)
        if level is not None:
            return (f"block (col {bx}, row {by}) of overview {level[0]} (1/{level[1]} resolution) cannot be "
                    f"decoded {detail}; the full resolution may be intact")
        return f"block (col {bx}, row {by}) of an overview or mask cannot be decoded {detail}"
    return f"pixel data cannot be decoded {detail}"


def _short(exc: BaseException) -> str:
    """The most specific line of a GDAL error (rasterio's outer one says "see previous")."""
    messages = _error_chain(exc)
    text = messages[-1] if messages else type(exc).__name__
    return text[:160]
