"""Drawing the layout of a synthetic flight: tracks, minefields, mines and distractors.

Counts scale with the surveyed area (``a = (size_m / 200)**2``): about 1 to 3 minefields,
10 to 40 mines per minefield, a few scattered mines and, on the steppe, about 45 rocks,
18 pieces of metal debris and 10 warm patches per 200 m x 200 m (other families: see
:mod:`rams.synth.families`). Mines keep at least :data:`MIN_SPACING_M` between each other
and from distractors so that matching detections to truth is unambiguous. Minefields and
scattered mines stay at least ``0.1 * size_m`` inside the square, so every sensor's
footprint sees them.

Tracks, minefields and mines are drawn first, so they do not depend on the family's
clutter. Boot prints along footpaths keep clear of mines only (a trail of prints overlaps
itself and other clutter).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.polygon import orient
from shapely.prepared import prep

from rams.synth.catalog import look
from rams.synth.families import DEFAULT_FAMILY, FAMILY_SPECS, ClutterSpec

#: Minimum distance between mine centres, and between a mine's and a distractor's edges.
MIN_SPACING_M = 1.0

#: Most mines in one minefield.
MAX_MINES_PER_FIELD = 40

#: The layouts a minefield is drawn with (in this order, with fixed odds).
DRAWN_LAYOUTS = ("scatter", "rows-ap", "rows-av", "mixed")

#: Every layout a flight may impose on all its minefields (training data): the drawn ones plus
#: ``rows-ozm``, anti-personnel rows where each mine is an OZM-72 with odds
#: :data:`OZM_SHARE` (a PMN-2 otherwise), so that a detector sees many OZM-72 (in drawn
#: ``rows-ap`` fields they are 15 % of the mines, and the rarest class in training).
LAYOUTS = (*DRAWN_LAYOUTS, "rows-ozm")

#: Odds that a mine of a ``rows-ap`` / ``rows-ozm`` row is an OZM-72.
OZM_SHARE = {"rows-ap": 0.15, "rows-ozm": 0.6}


def check_layout(layout: str | None) -> None:
    """Raise ValueError unless ``layout`` is None or one of :data:`LAYOUTS`."""
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"unknown minefield layout {layout!r}; expected one of {', '.join(LAYOUTS)}")


class _Placer:
    """Accepts object positions that keep their clearances.

    Placed objects are binned in square cells of :data:`_Placer.CELL_M`, so a test looks at
    the neighbours within reach only (thousands of stones stay cheap); the clearances
    tested are the same as against every object.
    """

    CELL_M = 4.0

    def __init__(self) -> None:
        self.xy: list[tuple[float, float]] = []
        self.radius: list[float] = []
        self.is_mine: list[bool] = []
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.max_radius = 0.0

    def _near(self, x: float, y: float, reach: float) -> list[int]:
        c = self.CELL_M
        out: list[int] = []
        for cx in range(math.floor((x - reach) / c), math.floor((x + reach) / c) + 1):
            for cy in range(math.floor((y - reach) / c), math.floor((y + reach) / c) + 1):
                out.extend(self.cells.get((cx, cy), ()))
        return sorted(out)

    def fits(self, x: float, y: float, radius: float, is_mine: bool, mines_only: bool = False) -> bool:
        """True when the object keeps its clearances (``mines_only``: from mines only)."""
        near = self._near(x, y, MIN_SPACING_M + self.max_radius + radius)
        if mines_only:
            near = [i for i in near if self.is_mine[i]]
        if not near:
            return True
        xy = np.asarray([self.xy[i] for i in near])
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        r = np.asarray([self.radius[i] for i in near])
        mine = np.asarray([self.is_mine[i] for i in near])
        need = np.where(
            mine & is_mine,
            MIN_SPACING_M,
            np.where(mine | is_mine, MIN_SPACING_M + r + radius, 0.2 + r + radius),
        )
        return bool(np.all(d >= need))

    def add(self, x: float, y: float, radius: float, is_mine: bool) -> None:
        self.cells.setdefault((math.floor(x / self.CELL_M), math.floor(y / self.CELL_M)), []).append(len(self.xy))
        self.xy.append((x, y))
        self.radius.append(radius)
        self.is_mine.append(is_mine)
        self.max_radius = max(self.max_radius, radius)


def _curve_across(rng: np.random.Generator, size_m: float) -> NDArray[np.float64]:
    """A cubic Bezier curve from one edge of the square (or a little beyond) to another."""
    lo, hi = -0.1 * size_m, 1.1 * size_m
    edges = rng.choice(4, size=2, replace=False)
    ends = []
    for edge in edges:
        t = rng.uniform(lo, hi)
        ends.append([(lo, t), (hi, t), (t, lo), (t, hi)][int(edge)])
    c1, c2 = rng.uniform(0.0, size_m, size=(2, 2))
    p0, p3 = np.asarray(ends[0]), np.asarray(ends[1])
    s = np.linspace(0.0, 1.0, max(50, int(size_m * 1.5)))[:, None]
    curve: NDArray[np.float64] = (
        (1 - s) ** 3 * p0 + 3 * (1 - s) ** 2 * s * c1 + 3 * (1 - s) * s**2 * c2 + s**3 * p3
    )
    return curve


def _draw_tracks(rng: np.random.Generator, size_m: float) -> list[dict[str, Any]]:
    tracks = []
    n = 1 + min(3, int(rng.poisson(0.6 * size_m / 200.0)))
    for _ in range(n):
        curve = _curve_across(rng, size_m)
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
            if layout in OZM_SHARE:
                cls = "OZM-72" if rng.random() < OZM_SHARE[layout] else "PMN-2"
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
    else:
        scale = rng.uniform(*lk.scale_range)
        draw = lk.dt_morning if morning else lk.dt_evening
        dt = draw.sign * rng.uniform(draw.lo, draw.hi)
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


def _boot_prints(rng: np.random.Generator, path: NDArray[np.float64]) -> list[tuple[float, float, float]]:
    """(x, y, heading) of the boot prints of a few walkers along a footpath.

    Each walker keeps a lateral offset from the path; prints alternate left and right of
    the walker's line, one step (0.6 to 0.75 m) apart; some are scuffed out and left out.
    """
    seg = np.diff(path, axis=0)
    seg_len = np.hypot(seg[:, 0], seg[:, 1])
    arc = np.concatenate([[0.0], np.cumsum(seg_len)])
    out: list[tuple[float, float, float]] = []
    for _walker in range(1 + int(rng.poisson(1.5))):
        offset = float(rng.normal(0.0, 0.25))
        step = float(rng.uniform(0.6, 0.75))
        s = np.arange(float(rng.uniform(0.0, step)), arc[-1], step)
        k = np.clip(np.searchsorted(arc, s, side="right") - 1, 0, len(seg) - 1)
        heading = np.arctan2(seg[k, 1], seg[k, 0])
        t = (s - arc[k]) / np.maximum(seg_len[k], 1e-9)
        x = path[k, 0] + t * seg[k, 0]
        y = path[k, 1] + t * seg[k, 1]
        side = np.where(np.arange(s.size) % 2 == 0, 0.09, -0.09) + offset
        jitter = rng.normal(0.0, [0.03, 0.03, 0.12], size=(s.size, 3))
        keep = rng.random(s.size) >= 0.2
        nx, ny = -np.sin(heading), np.cos(heading)
        for i in np.flatnonzero(keep):
            out.append((float(x[i] + side[i] * nx[i] + jitter[i, 0]),
                        float(y[i] + side[i] * ny[i] + jitter[i, 1]),
                        float(heading[i] + jitter[i, 2])))
    return out


def draw_layout(
    rng: np.random.Generator, size_m: float, morning: bool, clutter: ClutterSpec | None = None,
    layout: str | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Draw tracks, minefields, mines and distractors.

    Args:
        rng: the flight's generator (consumed in a fixed order).
        size_m: side of the surveyed square (metres).
        morning: sign of the mines' thermal contrast (True: warmer than soil).
        clutter: the family's distractors (default: the steppe's).
        layout: lay every minefield out this way (one of :data:`LAYOUTS`; training data,
            for example PFM-1 scatter fields only) instead of drawing each field's layout.
            The fields' outlines and the tracks stay those of the same seed; the mines
            and the clutter around them differ.

    Returns:
        (minefields, objects, tracks) as keyword dicts for the scene dataclasses.

    Raises:
        ValueError: for a layout not in :data:`LAYOUTS`.
    """
    check_layout(layout)
    margin_m = max(0.1 * size_m, 2.0)
    tracks = _draw_tracks(rng, size_m)
    track_lines = [LineString(t["points_m"]).buffer(t["half_width_m"] + 0.3) for t in tracks]
    clutter = clutter or FAMILY_SPECS[DEFAULT_FAMILY].clutter
    placer = _Placer()
    objects: list[dict[str, Any]] = []
    minefields: list[dict[str, Any]] = []
    counts = {"mine": 0, "distractor": 0}

    def try_add(kind: str, cls: str, x: float, y: float, field_id: str | None,
                angle_rad: float | None = None) -> bool:
        lk = look(cls)
        radius = lk.half_length_m * (1.5 if lk.shape == "gauss" else 1.0)
        pt = Point(x, y)
        if kind == "mine" and any(t.contains(pt) for t in track_lines):
            return False
        if not placer.fits(x, y, radius, kind == "mine", mines_only=cls == "boot_print"):
            return False
        counts[kind] += 1
        obj = _object(rng, counts[kind], kind, cls, x, y, morning, field_id)
        if angle_rad is not None:
            obj["angle_rad"] = angle_rad
        placer.add(x, y, radius, kind == "mine")
        objects.append(obj)
        return True

    for k, (poly, cx, cy, angle, length, width) in enumerate(_draw_fields(rng, size_m, margin_m)):
        field_id = f"mf{k + 1:02d}"
        # drawn even when ``layout`` overrides it: the generator is consumed as without it
        drawn = str(rng.choice(DRAWN_LAYOUTS, p=[0.35, 0.3, 0.2, 0.15]))
        field_layout = drawn if layout is None else layout
        area = poly.area
        lower = min(10, max(3, round(area * 0.05)))
        n_target = int(np.clip(round(area * rng.uniform(0.025, 0.05)), lower, MAX_MINES_PER_FIELD))
        inside = prep(poly.buffer(-0.4))
        ca, sa = math.cos(angle), math.sin(angle)
        placed = 0
        for u, v, cls in _field_candidates(rng, field_layout, length, width, n_target):
            if placed >= n_target:
                break
            x, y = cx + u * ca - v * sa, cy + u * sa + v * ca
            if inside.contains(Point(x, y)) and try_add("mine", cls, x, y, field_id):
                placed += 1
        category = "AV" if field_layout == "rows-av" else ("AP" if field_layout != "mixed" else "AP+AV")
        ring = list(poly.exterior.coords)[:-1]
        minefields.append(
            {"id": field_id, "corners_m": tuple((float(x), float(y)) for x, y in ring),
             "layout": field_layout, "device_category": category}
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

    if clutter.footpaths_per_200m > 0.0:
        for _ in range(max(1, int(rng.poisson(clutter.footpaths_per_200m * size_m / 200.0)))):
            for x, y, heading in _boot_prints(rng, _curve_across(rng, size_m)):
                if 0.0 <= x <= size_m and 0.0 <= y <= size_m:
                    try_add("distractor", "boot_print", x, y, None, angle_rad=heading)

    for cls, per_200m in clutter.per_200m:
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
        for _attempt in range(30 * clutter.in_field_count):
            if placed >= clutter.in_field_count:
                break
            x, y = rng.uniform([minx, miny], [maxx, maxy])
            # int(r * n) for r in [0, 1): for two classes, the first when r < 0.5.
            cls = clutter.in_field[int(rng.random() * len(clutter.in_field))]
            if field_poly.contains(Point(x, y)) and try_add("distractor", cls, x, y, mf["id"]):
                placed += 1
    return minefields, objects, tracks
