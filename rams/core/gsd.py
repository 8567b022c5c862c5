"""Ground sample distance of a raster from its affine transform."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from affine import Affine


def gsd_from_affine(transform: Affine) -> float:
    """Pixel size of a raster grid, in the units of its CRS (metres for a projected CRS).

    The square root of the pixel's area, ``sqrt(|a * e - b * d|)``: the pixel side for a
    north-up grid of square pixels (``|a|``), and still the side of a square of the same
    area for a rotated or sheared one.

    Args:
        transform: the raster's affine transform (pixel -> CRS coordinates).

    Returns:
        Pixel size in CRS units.
    """
    return math.sqrt(abs(transform.a * transform.e - transform.b * transform.d))
