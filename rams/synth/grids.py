"""Per-sensor raster grids of a synthetic flight: extent, pixel grid, CRS, footprint, shift.

Each sensor gets its own GSD, its own extent (the surveyed square grown or shrunk by a few
metres on each side), a pixel grid whose origin is not aligned with the others', a known
misregistration (the image content is displaced by ``shift_m``), and a valid footprint
shaped like a photogrammetry orthomosaic's: a slightly rotated rectangle with jagged edges,
nodata outside. A sensor may be written in EPSG:4326; its pixel centres are then mapped to
UTM with pyproj (exactly on an 8-pixel lattice, bilinearly in between).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from affine import Affine
from numpy.typing import NDArray
from rasterio.crs import CRS

from rams.crs import transformer
from rams.synth.footprint import Footprint
from rams.synth.noise import salt
from rams.synth.window import WindowGeometry

Float64Array = NDArray[np.float64]


@dataclass(frozen=True)
class SensorGrid:
    """The raster grid of one sensor.

    Attributes:
        name: ``"ms"``, ``"thermal"`` or ``"rgb"``.
        gsd_m: ground sample distance (metres; nominal for EPSG:4326).
        crs: the raster's CRS.
        transform: pixel -> CRS affine transform.
        width: columns.
        height: rows.
        shift_m: (dx, dy) misregistration: content appears this far from its true place.
        footprint: valid-data footprint.
        origin_m: (easting, northing) of the scene's local origin in ``utm_crs``.
        utm_crs: the scene's projected CRS.
    """

    name: str
    gsd_m: float
    crs: CRS
    transform: Affine
    width: int
    height: int
    shift_m: tuple[float, float]
    footprint: Footprint
    origin_m: tuple[float, float]
    utm_crs: CRS

    @property
    def geographic(self) -> bool:
        """True when the raster is in lon/lat."""
        return bool(self.crs.is_geographic)

    def window_geometry(self, row_off: int, col_off: int, height: int, width: int, halo: int = 0) -> WindowGeometry:
        """Scene coordinates of the pixels of a window grown by ``halo`` pixels."""
        rows = np.arange(row_off - halo, row_off + height + halo, dtype=np.int64)
        cols = np.arange(col_off - halo, col_off + width + halo, dtype=np.int64)
        t = self.transform
        e0, n0 = self.origin_m
        sx, sy = self.shift_m
        if not self.geographic:
            # Local coordinates from integer pixel indices: exact, whatever the window.
            x1 = np.asarray((t.c - e0) + (cols + 0.5) * t.a - sx, dtype=np.float64)
            y1 = np.asarray((t.f - n0) + (rows + 0.5) * t.e - sy, dtype=np.float64)
            return WindowGeometry(rows, cols, np.array([[t.a, 0.0], [0.0, t.e]]), x1_m=x1, y1_m=y1)
        # pyproj on every pixel is slow at 1 to 2 cm; the lon/lat -> UTM map is smooth, so it is
        # evaluated on a global lattice of every COARSE_PX-th pixel and interpolated
        # bilinearly (error far below a micrometre over a few metres).
        k = COARSE_PX
        r_lat = np.arange(rows[0] // k, rows[-1] // k + 2, dtype=np.int64) * k
        c_lat = np.arange(cols[0] // k, cols[-1] // k + 2, dtype=np.int64) * k
        lon, lat = np.meshgrid(t.c + (c_lat + 0.5) * t.a, t.f + (r_lat + 0.5) * t.e)
        to_utm = transformer(self.crs, self.utm_crs)
        east, north = to_utm.transform(lon, lat)
        x_m = _interp_lattice(np.asarray(east) - e0, rows, cols, r_lat[0], c_lat[0], k) - sx
        y_m = _interp_lattice(np.asarray(north) - n0, rows, cols, r_lat[0], c_lat[0], k) - sy
        lon_c, lat_c = t * (col_off + width / 2.0, row_off + height / 2.0)
        ex, ny_ = to_utm.transform([lon_c, lon_c + t.a, lon_c], [lat_c, lat_c, lat_c + t.e])
        jac = np.array([[ex[1] - ex[0], ex[2] - ex[0]], [ny_[1] - ny_[0], ny_[2] - ny_[0]]])
        return WindowGeometry(rows, cols, jac, x_m=x_m, y_m=y_m)


#: Lattice step (pixels) on which geographic pixel coordinates are projected exactly.
COARSE_PX = 8


def _interp_lattice(
    values: Float64Array, rows: NDArray[np.int64], cols: NDArray[np.int64], r0: int, c0: int, step: int
) -> Float64Array:
    """Bilinear interpolation (float64) of values given at every ``step``-th pixel."""
    fr = (rows - r0) / step
    fc = (cols - c0) / step
    ir = np.minimum(np.floor(fr).astype(np.intp), values.shape[0] - 2)
    ic = np.minimum(np.floor(fc).astype(np.intp), values.shape[1] - 2)
    wr = (fr - ir)[:, None]
    wc = fc - ic
    along = values[:, ic] + (values[:, ic + 1] - values[:, ic]) * wc
    top = along[ir]
    out: Float64Array = top + (along[ir + 1] - top) * wr
    return out


def make_grid(
    name: str,
    gsd_m: float,
    size_m: float,
    rng: np.random.Generator,
    *,
    utm_crs: CRS,
    origin_m: tuple[float, float],
    geographic: bool,
    shift_px: float,
    seed: int,
) -> SensorGrid:
    """Draw one sensor's grid around the surveyed square ``[0, size_m]^2``.

    Args:
        name: sensor key.
        gsd_m: pixel size (metres).
        size_m: side of the surveyed square (metres).
        rng: the flight's grid generator (consumed in a fixed order).
        utm_crs: the scene CRS.
        origin_m: (easting, northing) of the square's south-west corner.
        geographic: write this sensor in EPSG:4326.
        shift_px: misregistration magnitude in pixels (0 for none).
        seed: the flight seed (for the footprint's jagged edges).

    Returns:
        The grid.
    """
    left, right, bottom, top = rng.uniform(-0.02, 0.05, size=4) * size_m
    x0, x1, y0, y1 = -left, size_m + right, -bottom, size_m + top
    angle = math.radians(rng.uniform(0.3, 1.5)) * rng.choice([-1.0, 1.0])
    jitter = rng.uniform(-0.01, 0.01, size=2) * size_m
    jag_m = max(0.1, 0.006 * size_m)
    direction = rng.uniform(0.0, 2.0 * math.pi)
    # Rounded to micrometres (as recorded in synth.json); + 0.0 turns -0.0 into 0.0.
    shift = (
        round(shift_px * gsd_m * math.cos(direction), 6) + 0.0,
        round(shift_px * gsd_m * math.sin(direction), 6) + 0.0,
    )
    hw, hh = (x1 - x0) / 2.0, (y1 - y0) / 2.0
    ca, sa = math.cos(angle), abs(math.sin(angle))
    footprint = Footprint(
        cx_m=(x0 + x1) / 2.0 + jitter[0],
        cy_m=(y0 + y1) / 2.0 + jitter[1],
        half_w_m=hw * ca - hh * sa - abs(jitter[0]) - 0.005 * size_m,
        half_h_m=hh * ca - hw * sa - abs(jitter[1]) - 0.005 * size_m,
        angle_rad=angle,
        jag_m=jag_m,
        salt_value=salt(seed, f"footprint/{name}"),
    )
    e0, n0 = origin_m
    if not geographic:
        width = math.ceil((x1 - x0) / gsd_m)
        height = math.ceil((y1 - y0) / gsd_m)
        transform = Affine(gsd_m, 0.0, e0 + x0, 0.0, -gsd_m, n0 + y1)
        crs = utm_crs
    else:
        crs = CRS.from_epsg(4326)
        to_ll = transformer(utm_crs, crs)
        edge = np.linspace(0.0, 1.0, 21)
        ex = np.concatenate([x0 + (x1 - x0) * edge, np.full(21, x1), x1 - (x1 - x0) * edge, np.full(21, x0)])
        ny = np.concatenate([np.full(21, y0), y0 + (y1 - y0) * edge, np.full(21, y1), y1 - (y1 - y0) * edge])
        lon, lat = to_ll.transform(ex + e0, ny + n0)
        lon_c, lat_c = to_ll.transform(e0 + (x0 + x1) / 2, n0 + (y0 + y1) / 2)
        lon_e, _ = to_ll.transform(e0 + (x0 + x1) / 2 + 1.0, n0 + (y0 + y1) / 2)
        _, lat_n = to_ll.transform(e0 + (x0 + x1) / 2, n0 + (y0 + y1) / 2 + 1.0)
        dlon = gsd_m * abs(lon_e - lon_c)
        dlat = gsd_m * abs(lat_n - lat_c)
        width = math.ceil((max(lon) - min(lon)) / dlon)
        height = math.ceil((max(lat) - min(lat)) / dlat)
        transform = Affine(dlon, 0.0, float(min(lon)), 0.0, -dlat, float(max(lat)))
    return SensorGrid(
        name=name, gsd_m=gsd_m, crs=crs, transform=transform, width=width, height=height,
        shift_m=shift, footprint=footprint, origin_m=origin_m, utm_crs=utm_crs,
    )
