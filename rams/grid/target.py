"""The common target grid of a flight: one projected CRS, one extent, one GSD.

Every sensor is resampled onto this grid (see :mod:`rams.grid.reader`); RGB also keeps a
finer grid of its own for the detector (:func:`sensor_grid`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from rasterio.crs import CRS
from rasterio.transform import Affine
from rasterio.warp import transform_bounds

from rams.core.sensors import SENSORS
from rams.crs import is_geographic, same_crs, to_rasterio, transform_point, utm_crs_for_lonlat
from rams.errors import FlightGeometryError
from rams.ingest.flight import Flight

ExtentMode = Literal["union", "intersection"]


@dataclass(frozen=True)
class TargetGrid:
    """A north-up pixel grid in a projected CRS.

    Attributes:
        crs: projected CRS (metres).
        transform: affine transform, pixel (col, row) -> (x, y) of the pixel's corner.
        width: columns.
        height: rows.
    """

    crs: CRS
    transform: Affine
    width: int
    height: int

    @property
    def gsd_m(self) -> float:
        """Pixel size, metres."""
        return float(self.transform.a)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in :attr:`crs`."""
        left, top = self.transform.c, self.transform.f
        return (left, top - self.height * self.gsd_m, left + self.width * self.gsd_m, top)

    @property
    def area_m2(self) -> float:
        """Area covered by the grid, m²."""
        return self.width * self.height * self.gsd_m**2

    def with_gsd(self, gsd_m: float) -> TargetGrid:
        """The same extent and origin at another GSD (used for the RGB detector grid)."""
        left, bottom, right, top = self.bounds
        width = max(1, math.ceil((right - left) / gsd_m - 1e-9))
        height = max(1, math.ceil((top - bottom) / gsd_m - 1e-9))
        return TargetGrid(self.crs, Affine(gsd_m, 0, left, 0, -gsd_m, top), width, height)


def flight_crs(flight: Flight) -> CRS:
    """The flight's projected CRS: the first projected input CRS, else the UTM zone of the centre."""
    for sensor in flight.sensors:
        crs = flight.rasters[sensor].crs
        if not is_geographic(crs):
            return crs
    first = flight.rasters[flight.sensors[0]]
    left, bottom, right, top = transform_bounds(first.crs, "EPSG:4326", *first.bounds)
    return to_rasterio(utm_crs_for_lonlat((left + right) / 2, (bottom + top) / 2))


#: Finest default grid of a flight with an RGB orthomosaic alone, metres. The grid carries the
#: anomaly core (the CNN reads the RGB at its own working GSD, whatever the grid): at 2 cm
#: its windows (5 / 21 px) span 10 / 42 cm, the size of surface mines, where at the RGB's
#: millimetres they would span grass blades. On the real withheld flight F14 (0.27 cm), with one
#: combiner, the same mine layer and SHAs came out of a 4 s anomaly stage and a 15 MB run folder, against
#: 15 s and 319 MB at 0.27 cm.
RGB_ONLY_GRID_GSD_M = 0.02


def build_target_grid(
    flight: Flight,
    *,
    extent: ExtentMode = "union",
    gsd_m: float | None = None,
) -> TargetGrid:
    """Build the common grid of a flight.

    Args:
        flight: the validated flight.
        extent: "union" of all sensor footprints or their "intersection".
        gsd_m: pixel size; default the finest of the multispectral/thermal inputs; with RGB
            alone, its GSD but no finer than :data:`RGB_ONLY_GRID_GSD_M`.

    Raises:
        FlightGeometryError: the sensors' footprints do not overlap.
    """
    crs = flight_crs(flight)
    boxes = {s: transform_bounds(r.crs, crs, *r.bounds, densify_pts=21) for s, r in flight.rasters.items()}
    lefts, bottoms, rights, tops = zip(*boxes.values(), strict=True)
    inter = (max(lefts), max(bottoms), min(rights), min(tops))
    if inter[0] >= inter[2] or inter[1] >= inter[3]:
        names = ", ".join(flight.rasters[s].path.name for s in flight.sensors)
        raise FlightGeometryError(flight.folder, f"sensor footprints do not overlap ({names})")
    box = inter if extent == "intersection" else (min(lefts), min(bottoms), max(rights), max(tops))
    if gsd_m is None:
        others = [r for s, r in flight.rasters.items() if s != "rgb"]
        gsd_m = min(_gsd_in(r.crs, r.transform, r.width, r.height, crs) for r in others or flight.rasters.values())
        if not others:
            gsd_m = max(gsd_m, RGB_ONLY_GRID_GSD_M)
    # The origin goes on the pixel lattice of a raster already at the grid's GSD (the
    # multispectral first): that raster's windows are then plain reads, not resampled,
    # which was the costliest part of fusion. Without one, on a multiple of the GSD.
    # Either way the grid of a flight is the same on every run.
    ox, oy = lattice_origin(flight, crs, gsd_m)
    left = ox + math.floor((box[0] - ox) / gsd_m + 1e-6) * gsd_m
    top = oy + math.ceil((box[3] - oy) / gsd_m - 1e-6) * gsd_m
    width = max(1, math.ceil((box[2] - left) / gsd_m - 1e-6))
    height = max(1, math.ceil((top - box[1]) / gsd_m - 1e-6))
    return TargetGrid(crs, Affine(gsd_m, 0, left, 0, -gsd_m, top), width, height)


#: Sensors whose pixel lattice the grid adopts, first choice first (most bands first: the
#: multispectral is the most expensive to resample).
_LATTICE_ORDER = SENSORS


def lattice_origin(flight: Flight, crs: CRS, gsd_m: float) -> tuple[float, float]:
    """A corner ``(x, y)`` of the pixel lattice the grid's origin is snapped to.

    The top-left corner of the first raster (in :data:`_LATTICE_ORDER`) that is in ``crs``,
    north-up, with square pixels of ``gsd_m``; ``(0, 0)`` when none is, so that the origin
    falls on a multiple of the GSD.
    """
    for sensor in _LATTICE_ORDER:
        r = flight.rasters.get(sensor)
        if r is None or not same_crs(r.crs, crs):
            continue
        t = r.transform
        if t.b or t.d or abs(t.a - gsd_m) > 1e-9 * gsd_m or abs(-t.e - gsd_m) > 1e-9 * gsd_m:
            continue
        return float(t.c), float(t.f)
    return 0.0, 0.0


def _gsd_in(src_crs: CRS, transform: Affine, width: int, height: int, dst_crs: CRS) -> float:
    """A raster's pixel size measured in ``dst_crs`` units (metres), at its centre."""
    if same_crs(src_crs, dst_crs):
        return float(math.sqrt(abs(transform.a * transform.e)))
    cx, cy = transform * (width / 2, height / 2)
    x0, y0 = transform_point(src_crs, dst_crs, cx, cy)
    x1, y1 = transform_point(src_crs, dst_crs, cx + transform.a, cy)
    x2, y2 = transform_point(src_crs, dst_crs, cx, cy + transform.e)
    return float(math.sqrt(math.hypot(x1 - x0, y1 - y0) * math.hypot(x2 - x0, y2 - y0)))


def sensor_grid(flight: Flight, grid: TargetGrid, sensor: str) -> TargetGrid:
    """A grid with the extent of ``grid`` at the sensor's own GSD (for the detector)."""
    raster = flight.rasters[sensor]
    return grid.with_gsd(_gsd_in(raster.crs, raster.transform, raster.width, raster.height, grid.crs))
