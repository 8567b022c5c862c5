"""The valid-data footprint of a synthetic orthomosaic (nodata collar outside it).

Photogrammetry orthomosaics are not rectangles: the valid area is the union of the image
footprints, slightly rotated relative to the map grid, with ragged edges. The synthetic
footprint is a rotated rectangle whose sides are eaten into by 1-D value noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import Polygon, box

from rams.synth.noise import value_noise_1d

Float64Array = NDArray[np.float64]


@dataclass(frozen=True)
class Footprint:
    """Valid-data footprint in scene coordinates (local metres).

    A rectangle of half sizes ``half_w_m`` x ``half_h_m`` centred on (``cx_m``, ``cy_m``)
    and rotated by ``angle_rad``; each side is eaten into by up to ``jag_m`` of 1-D noise.
    """

    cx_m: float
    cy_m: float
    half_w_m: float
    half_h_m: float
    angle_rad: float
    jag_m: float
    salt_value: int

    def _rect(self, shrink_m: float) -> Polygon:
        ca, sa = math.cos(self.angle_rad), math.sin(self.angle_rad)
        hw, hh = self.half_w_m - shrink_m, self.half_h_m - shrink_m
        pts = [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]
        return Polygon([(self.cx_m + p * ca - q * sa, self.cy_m + p * sa + q * ca) for p, q in pts])

    def classify(self, xmin: float, ymin: float, xmax: float, ymax: float) -> str:
        """``"in"``, ``"out"`` or ``"edge"``: where a rectangle lies relative to the footprint."""
        rect = box(xmin, ymin, xmax, ymax)
        if self._rect(self.jag_m).contains(rect):
            return "in"
        if not self._rect(0.0).intersects(rect):
            return "out"
        return "edge"

    def _jag(self, t_m: Float64Array, side: int) -> Float64Array:
        s = (self.salt_value + side) & 0xFFFFFFFFFFFFFFFF
        n = 0.7 * value_noise_1d(t_m, 6.0, s) + 0.3 * value_noise_1d(t_m, 1.1, s ^ 0xABCDEF)
        return self.jag_m * n

    def inside(self, x_m: Float64Array, y_m: Float64Array) -> NDArray[np.bool_]:
        """Boolean mask of the points inside the footprint.

        The jagged-edge noise is evaluated only in the band near the border where it can
        change the answer.
        """
        ca, sa = math.cos(self.angle_rad), math.sin(self.angle_rad)
        dx, dy = x_m - self.cx_m, y_m - self.cy_m
        p = dx * ca + dy * sa
        q = -dx * sa + dy * ca
        ok = (np.abs(p) <= self.half_w_m) & (np.abs(q) <= self.half_h_m)
        near = ok & ((np.abs(p) > self.half_w_m - self.jag_m) | (np.abs(q) > self.half_h_m - self.jag_m))
        if near.any():
            pn, qn = p[near], q[near]
            keep = pn <= self.half_w_m - self._jag(qn, 0)
            keep &= pn >= -self.half_w_m + self._jag(qn, 1)
            keep &= qn <= self.half_h_m - self._jag(pn, 2)
            keep &= qn >= -self.half_h_m + self._jag(pn, 3)
            ok[near] = keep
        return ok
