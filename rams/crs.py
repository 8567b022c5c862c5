"""The one place that owns CRS handling.

All transformers are built with ``always_xy=True`` so that coordinates are always
(x, y) = (easting, northing) or (lon, lat), never swapped.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from pyproj import CRS, Transformer
from rasterio.crs import CRS as RioCRS

WGS84 = CRS.from_epsg(4326)


def to_pyproj(crs: RioCRS | CRS | str | int) -> CRS:
    """Return a pyproj CRS for a rasterio CRS, a pyproj CRS, a WKT/PROJ string or an EPSG code."""
    if isinstance(crs, CRS):
        return crs
    if isinstance(crs, RioCRS):
        return CRS.from_wkt(crs.to_wkt())
    return CRS.from_user_input(crs)


def to_rasterio(crs: RioCRS | CRS | str | int) -> RioCRS:
    """Return a rasterio CRS for any CRS-like input."""
    if isinstance(crs, RioCRS):
        return crs
    return RioCRS.from_wkt(to_pyproj(crs).to_wkt())


def same_crs(a: RioCRS | CRS | str | int, b: RioCRS | CRS | str | int) -> bool:
    """True when two CRSs are equivalent (compared as CRS objects, never as strings)."""
    return to_pyproj(a).equals(to_pyproj(b), ignore_axis_order=True)


def is_geographic(crs: RioCRS | CRS | str | int) -> bool:
    """True for a lon/lat CRS such as EPSG:4326."""
    return bool(to_pyproj(crs).is_geographic)


def utm_crs_for_lonlat(lon: float, lat: float) -> CRS:
    """The WGS84 / UTM zone CRS (EPSG:326xx north, 327xx south) containing (lon, lat)."""
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


@lru_cache(maxsize=64)
def _transformer(src_wkt: str, dst_wkt: str) -> Transformer:
    return Transformer.from_crs(CRS.from_wkt(src_wkt), CRS.from_wkt(dst_wkt), always_xy=True)


def transformer(src: RioCRS | CRS | str | int, dst: RioCRS | CRS | str | int) -> Transformer:
    """A cached (x, y)-ordered transformer from ``src`` to ``dst``."""
    return _transformer(to_pyproj(src).to_wkt(), to_pyproj(dst).to_wkt())


def to_wgs84(src: RioCRS | CRS | str | int) -> Transformer:
    """Transformer from ``src`` to WGS84 lon/lat (RFC 7946 order)."""
    return transformer(src, WGS84)


def transform_point(
    src: RioCRS | CRS | str | int, dst: RioCRS | CRS | str | int, x: float, y: float
) -> tuple[float, float]:
    """Transform one (x, y) point between CRSs."""
    tx, ty = transformer(src, dst).transform(x, y)
    return float(tx), float(ty)


def on_the_globe(lonlat: ArrayLike) -> bool:
    """Whether every (longitude, latitude) pair of ``lonlat`` (n, 2) is a finite WGS84 position.

    GeoJSON (RFC 7946) is longitude first; a file with the two swapped, or in metres, fails.
    """
    xy = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    return bool(np.all(np.isfinite(xy)) and np.all(np.abs(xy[:, 0]) <= 180.0) and np.all(np.abs(xy[:, 1]) <= 90.0))

