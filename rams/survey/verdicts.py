"""A verdict per minefield record, with its numbers; and what lies in no record.

Verdicts (never "safe": the imagery sees the surface only):

- ``displaced``: the recorded pattern was found nearby, moved by more than
  ``displaced_offset_m`` or rotated by more than ``displaced_rotation_deg``;
- ``confirmed``: the recorded pattern was found in place, or at least
  ``confirm_min_points`` detections (or a fitted row pattern) lie inside the record;
- ``not_imaged``: less than ``min_imaged_fraction`` of the record was imaged;
- ``evidence_outside``: nothing inside, but an SHA within ``evidence_outside_m`` outside;
  an SHA whose mine-layer detections lie outside the record (and most of whose area does)
  counts as outside even where its safety margin overlaps the record; its distance is then
  reported to its detections (:func:`holds_sha`);
- ``partly_imaged``: nothing found on the imaged part of a partly imaged record;
- ``no_surface_evidence``: imaged, nothing seen on the surface.

The tests are applied in that order, so a record whose pattern is found elsewhere is
``displaced`` even where the record itself was not imaged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry

from rams.survey.config import SurveyConfig
from rams.survey.merge import SurveyPoint, SurveySha
from rams.survey.records import Record
from rams.survey.registration import RigidFit, register_pattern

VERDICTS = ("confirmed", "displaced", "evidence_outside", "no_surface_evidence", "not_imaged", "partly_imaged")
NOTES = {
    "confirmed": "surface evidence inside the record",
    "displaced": "recorded pattern found offset from the record; check the found position",
    "evidence_outside": "no surface evidence inside; evidence near the record, outside it",
    "no_surface_evidence": "no surface evidence on the imaged ground; buried or removed mines are not excluded; not a release decision",
    "not_imaged": "the record lies outside every flight footprint",
    "partly_imaged": "no surface evidence on the imaged part; the rest was not imaged",
}


@dataclass
class Assessment:
    """The verdict on one record and the numbers behind it.

    Attributes:
        record: the record.
        verdict: one of :data:`VERDICTS`.
        imaged_fraction: share of the record's area inside a flight footprint.
        n_points_inside: deduplicated mine points inside the record polygon.
        fit: the accepted registration of the recorded pattern, or None.
        found_geometry: the record polygon moved by ``fit`` (None without a fit).
        evidence_distance_m: distance to the nearest SHA outside the record (to its
            evidence where its margin reaches into the record; only for ``evidence_outside``).
        n_recorded_mines: recorded mines (points, or placed along recorded rows).
        n_expected_visible: recorded mines that the fit puts on imaged ground.
    """

    record: Record
    verdict: str
    imaged_fraction: float
    n_points_inside: int
    fit: RigidFit | None = None
    found_geometry: BaseGeometry | None = None
    evidence_distance_m: float | None = None
    n_recorded_mines: int = 0
    n_expected_visible: int = 0

    def properties(self) -> dict[str, Any]:
        """The ``records_assessed`` attributes: the record's own, then the survey's."""
        fit = self.fit
        offset = fit.offset_xy_m if fit is not None else None
        return {
            **self.record.properties,
            "record_id": self.record.record_id,
            "verdict": self.verdict,
            "offset_east_m": None if offset is None else round(float(offset[0]), 3),
            "offset_north_m": None if offset is None else round(float(offset[1]), 3),
            "rotation_deg": None if fit is None else round(fit.rotation_deg, 3),
            "imaged_fraction": round(self.imaged_fraction, 4),
            "n_points_inside": self.n_points_inside,
            "fit_rms_m": None if fit is None or not math.isfinite(fit.rms_m) else round(fit.rms_m, 3),
            "n_recorded_mines": self.n_recorded_mines,
            "n_matched": None if fit is None else fit.n_inliers,
            "evidence_distance_m": None if self.evidence_distance_m is None else round(self.evidence_distance_m, 2),
            "note": NOTES[self.verdict],
        }


def _fit_pattern(
    record: Record, points_xy: np.ndarray, tree: cKDTree | None, imaged: BaseGeometry, config: SurveyConfig
) -> tuple[RigidFit | None, int]:
    """Register the record's pattern onto nearby detections; (accepted fit or None, visible)."""
    pattern = record.pattern_xy()
    if len(pattern) < config.min_inliers or tree is None:
        return None, 0
    centre = np.asarray(record.geometry.centroid.coords[0])
    reach = config.search_radius_m + float(np.max(np.hypot(*(pattern - centre).T)))
    near = tree.query_ball_point(centre, reach)
    fit = register_pattern(
        pattern, points_xy[near], centre, inlier_radius_m=config.inlier_radius_m,
        max_rotation_deg=config.max_rotation_deg, max_offset_m=config.search_radius_m,
        n_pairs=config.ransac_pairs, pair_length_tol_m=config.pair_length_tol_m, seed=config.seed,
    )
    if fit is None:
        return None, 0
    visible = int(shapely.covers(imaged, shapely.points(fit.apply(pattern))).sum()) if not imaged.is_empty else 0
    accepted = (
        visible > 0 and fit.n_inliers >= config.min_inliers
        and fit.n_inliers >= config.min_inlier_fraction * visible
    )
    return (fit if accepted else None), visible


def assess_record(
    record: Record,
    points_xy: np.ndarray,
    shas: list[SurveySha],
    imaged: BaseGeometry,
    config: SurveyConfig,
    tree: cKDTree | None = None,
) -> Assessment:
    """Judge one record against the survey's mine points, SHAs and footprint.

    Args:
        record: the record (working CRS).
        points_xy: (n, 2) deduplicated mine points, metres.
        shas: merged SHAs.
        imaged: union of the flight footprints.
        config: thresholds.
        tree: a KD-tree over ``points_xy`` (built when None).

    Returns:
        The assessment.
    """
    if tree is None and len(points_xy):
        tree = cKDTree(points_xy)
    geom = record.geometry
    area = geom.area
    imaged_fraction = float(geom.intersection(imaged).area / area) if area > 0 else 0.0
    n_inside = int(shapely.covers(geom, shapely.points(points_xy)).sum()) if len(points_xy) else 0
    fit, visible = _fit_pattern(record, points_xy, tree, imaged, config)
    out = Assessment(record, "no_surface_evidence", imaged_fraction, n_inside,
                     n_recorded_mines=len(record.pattern_xy()), n_expected_visible=visible)
    if fit is not None:
        out.fit = fit
        out.found_geometry = shapely.transform(geom, fit.apply)
        moved = float(np.hypot(*fit.offset_xy_m)) > config.displaced_offset_m
        turned = abs(fit.rotation_deg) > config.displaced_rotation_deg
        out.verdict = "displaced" if moved or turned else "confirmed"
        return out
    pattern_inside = any(
        s.properties.get("basis") == "pattern" and geom.intersects(s.geometry.representative_point())
        for s in shas
    )
    if n_inside >= config.confirm_min_points or pattern_inside:
        out.verdict = "confirmed"
    elif imaged_fraction < config.min_imaged_fraction:
        out.verdict = "not_imaged"
    else:
        # SHAs not in the record (see holds_sha) whose fence lies within reach; the distance
        # reported is to the fence, or to the evidence where the fence reaches into the record
        near = []
        for s in shas:
            fence = geom.distance(s.geometry)
            if fence <= config.evidence_outside_m and not holds_sha(geom, s):
                near.append(fence if fence > 0 else geom.distance(s.core))
        if near:
            out.verdict, out.evidence_distance_m = "evidence_outside", float(min(near))
        elif imaged_fraction < config.fully_imaged_fraction:
            out.verdict = "partly_imaged"
    return out


def holds_sha(zone: BaseGeometry, sha: SurveySha) -> bool:
    """Whether an SHA belongs to a record's zone.

    True when the zone touches the SHA's evidence (:attr:`SurveySha.core`: where its mine
    points lie; the polygon when it covers none) or covers the polygon's representative point
    (most of the SHA lies in it). A fence whose margin alone reaches into the zone does not
    belong to it.
    """
    return bool(zone.intersects(sha.core) or zone.covers(sha.geometry.representative_point()))


def link_records(assessments: list[Assessment], shas: list[SurveySha], points: list[SurveyPoint]) -> None:
    """Fill ``record_ids`` of SHAs and points.

    A point is linked to the records whose polygon covers it or, for a record whose pattern
    was found, its found position. An SHA is linked to those that hold it
    (:func:`holds_sha`), not those its margin alone reaches: a fence reaches several metres
    past its mines (more with the SHA extent), and a record that it only grazes holds none of
    its detections; it is judged ``evidence_outside``. An empty list marks them
    ``unrecorded``.

    A found record is linked by its found position only: its recorded polygon has just been
    shown to be off, and a minefield that no record describes can lie under it.
    """
    pts = shapely.points(np.array([[p.x_m, p.y_m] for p in points]).reshape(-1, 2))
    for a in assessments:
        zone = a.found_geometry if a.found_geometry is not None else a.record.geometry
        rid = a.record.record_id
        for s in shas:
            if holds_sha(zone, s):
                s.properties["record_ids"] = sorted({*s.properties["record_ids"], rid})
        if len(points):
            for i in np.flatnonzero(shapely.covers(zone, pts)).tolist():
                points[i].properties["record_ids"] = sorted({*points[i].properties["record_ids"], rid})
    for s in shas:
        s.properties["recorded"] = bool(s.properties["record_ids"])
    for p in points:
        p.properties["recorded"] = bool(p.properties["record_ids"])
