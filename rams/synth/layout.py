"""Drawing the layout of a synthetic flight: tracks, minefields, mines and distractors.

Counts scale with the surveyed area (``a = (size_m / 200)**2``): about 1 to 3 minefields,
10 to 40 mines per minefield, a few scattered mines and about 45 rocks, 18 pieces of metal
debris and 10 warm patches per 200 m x 200 m. Mines keep at least :data:`MIN_SPACING_M`
between each other and from distractors so that matching detections to truth is
unambiguous. Minefields and scattered mines stay at least ``0.1 * size_m`` inside the
square, so every sensor's footprint sees them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.polygon import orient
from shapely.prepared import prep

from rams.synth.catalog import look

#: Minimum distance between mine centres, and between a mine's and a distractor's edges.
MIN_SPACING_M = 1.0

#: Most mines in one minefield.
MAX_MINES_PER_FIELD = 40

LAYOUTS = ("scatter", "rows-ap", "rows-av", "mixed")


class _Placer:
    """Accepts object positions that keep their clearances."""

    def __init__(self) -> None:
        self.xy: list[tuple[float, float]] = []
        self.radius: list[float] = []
        self.is_mine: list[bool] = []

    def fits(self, x: float, y: float, radius: float, is_mine: bool) -> bool:
        if not self.xy:
            return True
        xy = np.asarray(self.xy)
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        r = np.asarray(self.radius)
        mine = np.asarray(self.is_mine)
        need = np.where(
            mine & is_mine,
            MIN_SPACING_M,
            np.where(mine | is_mine, MIN_SPACING_M + r + radius, 0.2 + r + radius),
        )
        return bool(np.all(d >= need))

    def add(self, x: float, y: float, radius: float, is_mine: bool) -> None:
        self.xy.append((x, y))
        self.radius.append(radius)
        self.is_mine.append(is_mine)


def _draw_tracks(rng: np.random.Generator, size_m: float) -> list[dict[str, Any]]:
    tracks = []
    n = 1 + min(3, int(rng.poisson(0.6 * size_m / 200.0)))
    lo, hi = -0.1 * size_m, 1.1 * size_m
    for _ in range(n):
        edges = rng.choice(4, size=2, replace=False)
        ends = []
        for edge in edges:
            t = rng.uniform(lo, hi)
            ends.append([(lo, t), (hi, t), (t, lo), (t, hi)][int(edge)])
        c1, c2 = rng.uniform(0.0, size_m, size=(2, 2))
        p0, p3 = np.asarray(ends[0]), np.asarray(ends[1])
        s = np.linspace(0.0, 1.0, max(50, int(size_m * 1.5)))[:, None]
        curve = (
            (1 - s) ** 3 * p0 + 3 * (1 - s) ** 2 * s * c1 + 3 * (1 - s) * s**2 * c2 + s**3 * p3
        )
        ruts = bool(rng.random() < 0.5)
        tracks.append(
            {"points_m": curve, "half_width_m": 1.05 if ruts else float(rng.uniform(1.2, 2.0)), "ruts": ruts}
        )
    return tracks


def _draw_fields(
    rng: np.random.Generator, size_m: float, margin_m: float
) -> list[tuple[Polygon, float, float, float, float, float]]:
    """Minefield quadrilaterals as (polygon, cx, cy, angle, length, width)."""
    area_factor = (size_m / 200.0) ** 2
    n_target = max(1, round(rng.uniform(1.0, 3.4) * area_factor))
    inner = size_m - 2 * margin_m
    fields: list[tuple[Polygon, float, float, float, float, float]] = []
    for _ in range(n_target * 30):
        if len(fields) == n_target:
            break
        length = min(rng.uniform(25.0, 60.0), 0.5 * inner)
        width = min(rng.uniform(10.0, 25.0), 0.6 * length)
        angle = rng.uniform(0.0, math.pi)
        ca, sa = math.cos(angle), math.sin(angle)
        local = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float) * [length / 2, width / 2]
        local += rng.normal(0.0, 0.03 * width, size=(4, 2))
        rot = local @ np.array([[ca, sa], [-sa, ca]])
        half_ext = np.abs(rot).max(axis=0)
        cx = rng.uniform(margin_m + half_ext[0], size_m - margin_m - half_ext[0])
        cy = rng.uniform(margin_m + half_ext[1], size_m - margin_m - half_ext[1])
        poly = orient(Polygon(rot + np.array([cx, cy])), 1.0)
        gap_m = min(5.0, 0.1 * size_m)
        if not poly.is_valid or any(poly.distance(f[0]) < gap_m for f in fields):
            continue
        fields.append((poly, cx, cy, angle, length, width))
    return fields


def _field_candidates(
    rng: np.random.Generator, layout: str, length: float, width: float, n_target: int
) -> list[tuple[float, float, str]]:
    """Candidate mine positions (u along the field, v across) and classes."""
    if layout == "scatter":
        out = []
        n_clusters = max(1, min(6, round(n_target / 6)))
        centres = rng.uniform([-length / 2, -width / 2], [length / 2, width / 2], size=(n_clusters, 2))
        for _ in range(n_target * 4):
            c = centres[rng.integers(n_clusters)]
            u, v = rng.normal(c, rng.uniform(1.2, 2.5))
            out.append((float(u), float(v), "PFM-1"))
        return out
    av = layout in ("rows-av", "mixed")
    row_sep = rng.uniform(5.0, 8.0) if av else rng.uniform(2.5, 4.5)
    n_rows = max(1, min(int(width // row_sep), 4))
    per_row = math.ceil(n_target / n_rows) if layout != "mixed" else math.ceil(n_target / (2 * n_rows))
    step = max(length * 0.9 / max(per_row, 1), 4.0 if av else 1.5)
    out = []
    for r in range(n_rows):
        v0 = (r - (n_rows - 1) / 2) * row_sep
        offset = 0.5 * step * (r % 2)
        u = -length * 0.45 + offset
        while u <= length * 0.45:
            if layout == "rows-ap":
                cls = "OZM-72" if rng.random() < 0.15 else "PMN-2"
            else:
                cls = "TM-62"
            out.append((u + rng.normal(0, 0.15), v0 + rng.normal(0, 0.15), cls))
            if layout == "mixed" and rng.random() < 0.6:
                out.append((u + step / 2, v0 + 1.5 + rng.normal(0, 0.15), "PMN-2"))
            u += step
    return out


def _object(
    rng: np.random.Generator, idx: int, kind: str, cls: str, x: float, y: float,
    morning: bool, field_id: str | None,
) -> dict[str, Any]:
    lk = look(cls)
    if kind == "mine":
        scale = 1.0
        dt = rng.uniform(1.0, 3.0) * (1.0 if morning else -1.0)
    elif cls == "rock":
        scale = rng.uniform(0.3, 1.0)
        dt = rng.uniform(1.0, 2.5) if morning else rng.uniform(0.5, 1.5)
    elif cls == "metal_debris":
        scale = rng.uniform(0.5, 1.0)
        dt = -rng.uniform(1.0, 2.0)
    else:
        scale = rng.uniform(0.5, 1.0)
        dt = rng.uniform(0.8, 2.0)
    return {
        "id": f"{'m' if kind == 'mine' else 'd'}{idx:04d}",
        "kind": kind,
        "cls": cls,
        "x_m": round(float(x), 4),
        "y_m": round(float(y), 4),
        "angle_rad": float(rng.uniform(0.0, 2.0 * math.pi)),
        "scale": float(scale),
        "variant": int(rng.integers(max(1, len(lk.rgb)))),
        "delta_t_deg_c": float(dt),
        "shape_phase": float(rng.uniform(0.0, 2.0 * math.pi)),
        "minefield_id": field_id,
    }


def draw_layout(
    rng: np.random.Generator, size_m: float, morning: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Draw tracks, minefields, mines and distractors.

    Args:
        rng: the flight's generator (consumed in a fixed order).
        size_m: side of the surveyed square (metres).
        morning: sign of the mines' thermal contrast (True: warmer than soil).

    Returns:
        (minefields, objects, tracks) as keyword dicts for the scene dataclasses.
    """
    margin_m = max(0.1 * size_m, 2.0)
    tracks = _draw_tracks(rng, size_m)
    track_lines = [LineString(t["points_m"]).buffer(t["half_width_m"] + 0.3) for t in tracks]
    placer = _Placer()
    objects: list[dict[str, Any]] = []
    minefields: list[dict[str, Any]] = []

    def try_add(kind: str, cls: str, x: float, y: float, field_id: str | None) -> bool:
        lk = look(cls)
        radius = lk.half_length_m * (1.5 if lk.shape == "gauss" else 1.0)
        pt = Point(x, y)
        if kind == "mine" and any(t.contains(pt) for t in track_lines):
            return False
        if not placer.fits(x, y, radius, kind == "mine"):
            return False
        n = sum(1 for o in objects if o["kind"] == kind) + 1
        obj = _object(rng, n, kind, cls, x, y, morning, field_id)
        placer.add(x, y, radius, kind == "mine")
        objects.append(obj)
        return True

    for k, (poly, cx, cy, angle, length, width) in enumerate(_draw_fields(rng, size_m, margin_m)):
        field_id = f"mf{k + 1:02d}"
        layout = str(rng.choice(LAYOUTS, p=[0.35, 0.3, 0.2, 0.15]))
        area = poly.area
        lower = min(10, max(3, round(area * 0.05)))
        n_target = int(np.clip(round(area * rng.uniform(0.025, 0.05)), lower, MAX_MINES_PER_FIELD))
        inside = prep(poly.buffer(-0.4))
        ca, sa = math.cos(angle), math.sin(angle)
        placed = 0
        for u, v, cls in _field_candidates(rng, layout, length, width, n_target):
            if placed >= n_target:
                break
            x, y = cx + u * ca - v * sa, cy + u * sa + v * ca
            if inside.contains(Point(x, y)) and try_add("mine", cls, x, y, field_id):
                placed += 1
        category = "AV" if layout == "rows-av" else ("AP" if layout != "mixed" else "AP+AV")
        ring = list(poly.exterior.coords)[:-1]
        minefields.append(
            {"id": field_id, "corners_m": tuple((float(x), float(y)) for x, y in ring),
             "layout": layout, "device_category": category}
        )
    fields = [Polygon(m["corners_m"]) for m in minefields]

    area_factor = (size_m / 200.0) ** 2
    for _ in range(int(rng.poisson(1.5 * area_factor))):
        for _attempt in range(50):
            x, y = rng.uniform(margin_m, size_m - margin_m, size=2)
            if all(f.distance(Point(x, y)) > 3.0 for f in fields):
                cls = "PFM-1" if rng.random() < 0.6 else "PMN-2"
                if try_add("mine", cls, x, y, None):
                    break

    counts = {"rock": 45, "metal_debris": 18, "warm_patch": 10}
    for cls, per_200m in counts.items():
        n = max(1, int(rng.poisson(per_200m * area_factor)))
        placed = 0
        for _attempt in range(n * 20):
            if placed >= n:
                break
            x, y = rng.uniform(0.02 * size_m, 0.98 * size_m, size=2)
            if try_add("distractor", cls, x, y, None):
                placed += 1
    # War debris and rocks lie inside minefields too: the detectors must not fire on them.
    for field_poly, mf in zip(fields, minefields, strict=True):
        minx, miny, maxx, maxy = field_poly.bounds
        placed = 0
        for _attempt in range(60):
            if placed >= 2:
                break
            x, y = rng.uniform([minx, miny], [maxx, maxy])
            cls = "metal_debris" if rng.random() < 0.5 else "rock"
            if field_poly.contains(Point(x, y)) and try_add("distractor", cls, x, y, mf["id"]):
                placed += 1
    return minefields, objects, tracks
