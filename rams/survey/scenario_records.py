"""Minefield records drawn from a synthetic truth with known errors (tests and benchmarks).

Each truth minefield gets a role:

- ``exact``: recorded where it was laid;
- ``shifted``: the record is moved 10 to 80 m and rotated up to 20 degrees about the
  field's centroid (``record = R(rot) (truth - c) + c + shift``);
- ``missing_row``: shifted like ``shifted`` and one recorded row left out;
- ``unrecorded``: no record at all.

Extra records: ``phantom`` (a recorded row pattern on imaged ground where nothing was laid)
and ``outside`` (a record far from every flight). Row layouts can be recorded as rows
(LineStrings with ``mine_count``) instead of mine points. Records are written in WGS84,
as IMSMA Core exports them, with a pass-through attribute (``source``).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from shapely.geometry import LineString, Point, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

from rams.core.truth import parse_truth
from rams.crs import WGS84, transformer
from rams.survey.registration import RigidFit
from rams.survey.runs import project_geometry
from rams.survey.writer import geometry_lonlat

#: Along-row projections closer than this (across the rows) are one row.
ROW_GAP_M = 1.0


@dataclass
class TruthField:
    """A laid minefield in metres: polygon, layout and mine positions."""

    field_id: str
    layout: str
    polygon: Polygon
    mines_xy: np.ndarray


@dataclass
class RecordTruth:
    """How a drawn record differs from the truth.

    Attributes:
        record_id: the record's id.
        role: ``exact``, ``shifted``, ``missing_row``, ``phantom`` or ``outside``.
        field_id: the truth minefield it describes (None for phantom/outside).
        centre_xy: the rotation centre (the field's centroid), metres.
        shift_xy_m: record minus truth translation, metres.
        rotation_deg: record minus truth rotation, counter-clockwise positive.
        as_rows: the record carries rows instead of mine points.
    """

    record_id: str
    role: str
    field_id: str | None
    centre_xy: tuple[float, float] = (0.0, 0.0)
    shift_xy_m: tuple[float, float] = (0.0, 0.0)
    rotation_deg: float = 0.0
    as_rows: bool = False

    def expected_fit(self, record_centre_xy: np.ndarray) -> tuple[np.ndarray, float]:
        """The true found-minus-recorded (offset east/north at ``record_centre_xy``, rotation)."""
        inverse = RigidFit(np.asarray(self.centre_xy) + np.asarray(self.shift_xy_m),
                           -math.radians(self.rotation_deg), -np.asarray(self.shift_xy_m), 0, 0.0,
                           np.zeros((0, 2), dtype=int))
        found = inverse.apply(np.asarray(record_centre_xy, dtype=float).reshape(1, 2))[0]
        return found - np.asarray(record_centre_xy, dtype=float), -self.rotation_deg


def read_truth_fields(truth: dict[str, Any], crs: Any) -> list[TruthField]:
    """Minefields of a synth ``truth.geojson`` (already parsed) in ``crs``, with their mines."""
    tr = transformer(WGS84, crs)
    parsed = parse_truth(truth)
    fields: dict[str, TruthField] = {}
    for mf in parsed.minefields:
        poly = project_geometry(shape(mf.geometry), WGS84, crs)
        assert isinstance(poly, Polygon)
        fields[mf.id] = TruthField(mf.id, str(mf.layout), poly, np.zeros((0, 2)))
    for mine in parsed.mines:
        if mine.minefield_id in fields:
            x, y = tr.transform(mine.lon, mine.lat)
            tf = fields[mine.minefield_id]
            tf.mines_xy = np.vstack([tf.mines_xy, [[x, y]]])
    return list(fields.values())


def truth_mines_xy(truth: dict[str, Any], crs: Any) -> np.ndarray:
    """Every truth mine (in a field or scattered) in ``crs``, (n, 2) metres."""
    tr = transformer(WGS84, crs)
    ll = np.array([[m.lon, m.lat] for m in parse_truth(truth).mines], dtype=float).reshape(-1, 2)
    x, y = tr.transform(ll[:, 0], ll[:, 1])
    return np.column_stack([x, y])


def field_rows(field: TruthField) -> list[np.ndarray]:
    """The field's mines grouped into rows along the polygon's long axis (indices per row)."""
    rect = field.polygon.minimum_rotated_rectangle
    xy = np.asarray(rect.exterior.coords)[:3]
    edges = [xy[1] - xy[0], xy[2] - xy[1]]
    along = max(edges, key=lambda e: float(np.hypot(*e)))
    u = along / np.hypot(*along)
    v = np.array([-u[1], u[0]])
    across = field.mines_xy @ v
    order = np.argsort(across)
    rows, current = [], [int(order[0])]
    for a, b in zip(order[:-1].tolist(), order[1:].tolist(), strict=True):
        if across[b] - across[a] > ROW_GAP_M:
            rows.append(np.array(current))
            current = []
        current.append(b)
    rows.append(np.array(current))
    return rows


def _row_lines(xy: np.ndarray, rows: list[np.ndarray]) -> list[tuple[LineString, int]]:
    """One line per row, from its first to its last mine along the row's main direction."""
    out = []
    for idx in rows:
        pts = xy[idx]
        if len(pts) == 1:
            out.append((LineString([pts[0], pts[0] + 0.01]), 1))
            continue
        centred = pts - pts.mean(axis=0)
        direction = np.linalg.svd(centred, full_matrices=False)[2][0]
        t = centred @ direction
        a, b = pts.mean(axis=0) + t.min() * direction, pts.mean(axis=0) + t.max() * direction
        out.append((LineString([a, b]), len(pts)))
    return out


def _move(xy: np.ndarray, centre: np.ndarray, rot_deg: float, shift: np.ndarray) -> np.ndarray:
    fit = RigidFit(centre, math.radians(rot_deg), shift, 0, 0.0, np.zeros((0, 2), dtype=int))
    return fit.apply(xy)


def _features(record_id: str, polygon: BaseGeometry, mines_xy: np.ndarray, rows: list[tuple[LineString, int]] | None,
              crs: Any, props: dict[str, Any]) -> list[dict[str, Any]]:
    feats = [{"type": "Feature", "geometry": geometry_lonlat(polygon, crs), "properties": {"id": record_id, **props}}]
    tr = transformer(crs, WGS84)
    if rows is not None:
        for line, count in rows:
            lon, lat = tr.transform(*np.asarray(line.coords).T)
            coords = [[round(float(a), 7), round(float(b), 7)] for a, b in zip(lon, lat, strict=True)]
            feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                          "properties": {"record_id": record_id, "mine_count": count}})
    else:
        for x, y in mines_xy:
            feats.append({"type": "Feature", "geometry": geometry_lonlat(Point(x, y), crs),
                          "properties": {"record_id": record_id}})
    return feats


def _phantom(rng: np.random.Generator, area: BaseGeometry, avoid: np.ndarray, clear_m: float) -> tuple[Polygon, np.ndarray] | None:
    """A 3-row pattern (rows 4 m apart, mines every 3 m) on imaged ground clear of every mine."""
    u = np.arange(-9.0, 9.1, 3.0)
    local = np.array([[x, y] for y in (-4.0, 0.0, 4.0) for x in u])
    x0, y0, x1, y1 = area.bounds
    for _ in range(500):
        c = rng.uniform([x0, y0], [x1, y1])
        xy = _move(local, np.zeros(2), float(rng.uniform(0, 180)), c)
        poly = Polygon(xy[[0, len(u) - 1, -1, -len(u)]]).buffer(2.0, join_style="mitre")
        if not area.buffer(-2.0).contains(poly):
            continue
        if len(avoid) == 0 or np.min(np.hypot(*(avoid[:, None, :] - xy[None]).T)) > clear_m:
            return poly, xy
    return None


def draw_records(
    truth: dict[str, Any], crs: Any, roles: dict[str, str], rng: np.random.Generator, *,
    imaged: BaseGeometry, n_phantom: int = 1, outside: bool = True, rows_share: float = 0.5,
    phantom_clear_m: float = 15.0,
) -> tuple[dict[str, Any], list[RecordTruth]]:
    """Records of a synthetic truth with known errors.

    Args:
        truth: parsed synth ``truth.geojson``.
        crs: the scene's projected CRS.
        roles: truth field id -> ``exact``, ``shifted``, ``missing_row`` or ``unrecorded``
            (fields not listed are ``shifted``).
        rng: random generator of shifts, rotations and placements.
        imaged: the imaged ground (phantoms go there).
        n_phantom: records where nothing was laid.
        outside: add a record far from every flight.
        rows_share: chance that a row layout is recorded as rows rather than points.
        phantom_clear_m: least distance from a phantom's recorded mines to any laid mine.

    Returns:
        The records as a WGS84 FeatureCollection and how each differs from the truth.
    """
    feats: list[dict[str, Any]] = []
    truths: list[RecordTruth] = []
    for field in read_truth_fields(truth, crs):
        role = roles.get(field.field_id, "shifted")
        if role == "unrecorded":
            continue
        rid = f"REC-{len(truths) + 1:03d}"
        centre = np.asarray(field.polygon.centroid.coords[0])
        rt = RecordTruth(rid, role, field.field_id, (float(centre[0]), float(centre[1])))
        if role in ("shifted", "missing_row"):
            angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(10.0, 80.0)
            rt.shift_xy_m = (dist * math.cos(angle), dist * math.sin(angle))
            rt.rotation_deg = float(rng.uniform(-20.0, 20.0))
        rows = field_rows(field) if field.layout != "scatter" else []
        keep = np.arange(len(field.mines_xy))
        if role == "missing_row" and len(rows) > 1:
            dropped = rows.pop(int(rng.integers(len(rows))))
            keep = np.setdiff1d(keep, dropped)
        moved = _move(field.mines_xy, centre, rt.rotation_deg, np.asarray(rt.shift_xy_m))
        poly = Polygon(_move(np.asarray(field.polygon.exterior.coords), centre, rt.rotation_deg, np.asarray(rt.shift_xy_m)))
        rt.as_rows = bool(rows) and bool(rng.random() < rows_share)
        row_lines = _row_lines(moved, rows) if rt.as_rows else None
        props = {"source": "synthetic hand-over form", "recorded_layout": field.layout, "mine_count": len(keep)}
        feats += _features(rid, poly, moved[keep], row_lines, crs, props)
        truths.append(rt)
    avoid = truth_mines_xy(truth, crs)
    for _ in range(n_phantom):
        placed = _phantom(rng, imaged, avoid, clear_m=phantom_clear_m)
        if placed is None:
            continue
        rid = f"REC-{len(truths) + 1:03d}"
        feats += _features(rid, placed[0], placed[1], None, crs, {"source": "synthetic hand-over form", "mine_count": len(placed[1])})
        truths.append(RecordTruth(rid, "phantom", None))
    if outside:
        _, y0, x1, _ = imaged.bounds
        rid = f"REC-{len(truths) + 1:03d}"
        far = box(x1 + 400.0, y0, x1 + 430.0, y0 + 20.0)
        grid = np.array([[x, y] for x in np.arange(x1 + 405.0, x1 + 426.0, 4.0) for y in (y0 + 6.0, y0 + 14.0)])
        feats += _features(rid, far, grid, None, crs, {"source": "synthetic hand-over form"})
        truths.append(RecordTruth(rid, "outside", None))
    return {"type": "FeatureCollection", "features": json.loads(json.dumps(feats))}, truths
