"""Opening and validating the rasters of a flight.

Validation reads only metadata and a decimated mask (bounded memory whatever the raster size).
"""

from __future__ import annotations

import math
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

from rams.checksum import sha256_file
from rams.errors import RasterError
from rams.ingest.manifest import RasterEntry

#: Longest side of the decimated mask read during validation, pixels.
_MASK_PREVIEW_PX = 512
#: Validation of large rasters without overviews samples a grid of windows: side, pixels.
_SAMPLE_PX = 16
#: ... and windows per axis.
_SAMPLE_GRID = 12


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

    @property
    def sensor(self) -> str:
        """Sensor kind: multispectral, thermal or rgb."""
        return self.entry.sensor

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in the raster's CRS."""
        west, south, east, north = rasterio.transform.array_bounds(
            self.height, self.width, self.transform
        )
        return (west, south, east, north)


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


def _decimated_valid_fraction(src: Any) -> float:
    scale = min(1.0, _MASK_PREVIEW_PX / max(src.width, src.height))
    shape = (max(1, round(src.height * scale)), max(1, round(src.width * scale)))
    mask = src.dataset_mask(out_shape=shape)
    return float(np.count_nonzero(mask)) / mask.size


def _valid_fraction(src: Any) -> float:
    """Fraction of valid pixels, estimated without decoding the whole raster.

    A decimated read of the mask decodes every block of a file without overviews (seconds
    per GB), so large rasters without overviews are sampled instead: a regular grid of
    small windows spanning the whole extent, one block decoded each. Only when no sampled
    pixel is valid is the decimated read made, so that "all nodata" is never a sampling
    artefact.
    """
    if src.overviews(1) or src.width * src.height <= _MASK_PREVIEW_PX**2:
        return _decimated_valid_fraction(src)
    ph, pw = min(_SAMPLE_PX, src.height), min(_SAMPLE_PX, src.width)
    rows = np.unique(np.linspace(0, src.height - ph, _SAMPLE_GRID).astype(int))
    cols = np.unique(np.linspace(0, src.width - pw, _SAMPLE_GRID).astype(int))
    valid = total = 0
    for r in rows:
        for c in cols:
            mask = src.dataset_mask(window=Window(int(c), int(r), pw, ph))
            valid += int(np.count_nonzero(mask))
            total += mask.size
    if valid == 0:
        return _decimated_valid_fraction(src)
    return valid / total


def open_sensor_raster(entry: RasterEntry, flight_dir: Path, *, checksum: bool = True) -> SensorRaster:
    """Open and validate the raster of one manifest entry.

    Raises:
        RasterError: the file is missing, not a GeoTIFF, corrupt, without georeferencing,
            has a band count that contradicts the manifest/profile, or holds no valid pixel.
    """
    path = (flight_dir / entry.path).resolve()
    if not path.is_file():
        raise RasterError(path, "file not found")
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
                valid_fraction = _valid_fraction(src)
            except RasterioIOError as exc:
                # header fine, pixel data damaged (e.g. a truncated file): go on, the windows
                # that cannot be decoded become nodata and are reported
                decode_error = _short(exc)
                valid_fraction = float("nan")
            else:
                if valid_fraction == 0.0:
                    raise RasterError(path, "raster holds no valid pixel (all nodata)")
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
                gsd_m=gsd_in_metres(src.crs, src.transform, src.width, src.height),
                valid_fraction=valid_fraction,
                size_bytes=path.stat().st_size,
                decode_error=decode_error,
            )
    except RasterError:
        raise
    except RasterioIOError as exc:
        raise RasterError(path, f"cannot be read as a GeoTIFF ({_short(exc)})") from exc
    except Exception as exc:  # GDAL surfaces corruption under several classes
        raise RasterError(path, f"corrupt or unreadable raster ({_short(exc)})") from exc
    if checksum:
        info.checksum = sha256_file(path)
    return info


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
