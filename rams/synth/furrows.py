"""Ploughed ground: parallel furrows and the crop rows on their ridges.

The surface height across the rows is ``cos(phi)`` with the phase

    phi = 2 pi (x cos(a) + y sin(a) + w(x, y)) / pitch + phase

where ``a`` is the direction across the rows and ``w`` a smooth warp of a few centimetres
(rows are not ruled lines). ``cos(phi)`` is +1 on a ridge and -1 in a furrow; the slope
facing the sun is ``sin(phi) cos(sun_azimuth - a)``. Ridges are drier (lighter, warmer by
day, cooler by night), furrow bottoms damper; the faces turned to the sun are brighter and,
in the morning, warmer. Crops grow on the ridges: the vegetation cover of a pixel is the
vegetation field times a ridge mask.

Phases are evaluated per pixel (the node lattice, 0.1 m, is too coarse for a 0.5 m pitch);
the warp and the soil and crop colours are interpolated from the nodes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

#: Range of the row pitch (metres).
PITCH_RANGE_M = (0.5, 1.0)
#: Relative brightness of ridge over furrow, and of a sun-facing over a level face.
RIDGE_GAIN = 0.10
SLOPE_GAIN = 0.22
#: Ridge temperature offset (degC), morning and evening, and sunlit-face warming (morning).
RIDGE_DT_MORNING_DEG_C = 0.6
RIDGE_DT_EVENING_DEG_C = -0.4
SLOPE_DT_MORNING_DEG_C = 1.0


@dataclass(frozen=True)
class Furrows:
    """The rows of a ploughed field.

    Attributes:
        pitch_m: distance between ridges (metres).
        across_rad: direction across the rows, counter-clockwise from east.
        phase_rad: phase of the ridges at the scene origin.
    """

    pitch_m: float
    across_rad: float
    phase_rad: float

    @classmethod
    def draw(cls, rng: np.random.Generator) -> Furrows:
        """Random pitch, direction and phase."""
        return cls(
            pitch_m=float(rng.uniform(*PITCH_RANGE_M)),
            across_rad=float(rng.uniform(0.0, math.pi)),
            phase_rad=float(rng.uniform(0.0, 2.0 * math.pi)),
        )


def furrow_terms(
    furrows: Furrows, x_m: F64, y_m: F64, warp_m: F32, sun_azimuth_rad: float
) -> tuple[F32, F32]:
    """Ridge height and sunlit slope at pixels, (h, w) float32 each, in [-1, 1].

    Args:
        furrows: the rows.
        x_m: pixel x (scene metres): (w,) with ``y_m`` (h,) for a separable grid, or (h, w).
        y_m: pixel y: (h,) or (h, w).
        warp_m: row displacement across the rows at each pixel (metres), (h, w).
        sun_azimuth_rad: direction the sun shines from.

    Returns:
        (ridge, lit): ``cos(phi)`` and ``sin(phi) cos(sun_azimuth - across)``.
    """
    ca, sa = math.cos(furrows.across_rad), math.sin(furrows.across_rad)
    if x_m.ndim == 1:
        u = (y_m * sa)[:, None] + (x_m * ca)[None, :]
    else:
        u = x_m * ca + y_m * sa
    k = 2.0 * math.pi / furrows.pitch_m
    phi = (u + warp_m) * k + furrows.phase_rad
    facing = math.cos(sun_azimuth_rad - furrows.across_rad)
    return np.cos(phi).astype(np.float32), (np.sin(phi) * facing).astype(np.float32)


def crop_cover(veg: F32, ridge: F32) -> F32:
    """Vegetation cover of each pixel: crops on the ridges, bare furrows."""
    t = np.clip((ridge + 0.2) / 0.9, 0.0, 1.0)
    out: F32 = np.minimum(veg * np.float32(1.4), np.float32(1.0)) * (t * t * (3.0 - 2.0 * t))
    return out


def soil_gain(ridge: F32, lit: F32) -> F32:
    """Brightness factor of bare soil: lighter ridges, brighter sun-facing slopes."""
    out: F32 = np.float32(1.0) + np.float32(RIDGE_GAIN) * ridge + np.float32(SLOPE_GAIN) * lit
    return out


def furrow_temperature(ridge: F32, lit: F32, morning: bool) -> F32:
    """Temperature offset (degC) of the furrow relief."""
    if morning:
        out: F32 = np.float32(RIDGE_DT_MORNING_DEG_C) * ridge + np.float32(SLOPE_DT_MORNING_DEG_C) * lit
        return out
    return np.float32(RIDGE_DT_EVENING_DEG_C) * ridge
