"""What the candidates stage hands to export: SHA polygons and attributed points.

Geometries are shapely objects in the flight's projected CRS (metres); exporters convert
them (GeoJSON to WGS84 lon/lat, GeoPackage kept in the flight CRS). ``properties()`` gives
the attribute table row of each feature, with lists kept as lists (each format decides
how to store them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry import Polygon

from rams.core.points import MinePoint

#: Order of the polygon attributes in exported tables.
SHA_FIELDS: tuple[str, ...] = (
    "id",
    "class",
    "status",
    "basis",
    "evidence",
    "device_category",
    "confidence",
    "expected_mines",
    "area_m2",
    "n_detections",
    "n_expected_positions",
    "max_score",
    "priority",
    "sensors",
    "flight_id",
    "date",
)

#: Order of the point attributes in exported tables (features follow, sorted).
POINT_FIELDS: tuple[str, ...] = (
    "id",
    "kind",
    "layer",
    "probability",
    "scored_by",
    "class",
    "device_category",
    "confidence",
    "detector",
    "evidence",
    "sensor",
    "gsd_m",
    "hazard",
    "priority",
    "row_id",
    "spacing_m",
    "sha_id",
    "flight_id",
    "date",
)

#: Layers of candidate points: the mine layer a planner acts on, the low-confidence rest,
#: and the expected positions predicted by row spacing.
LAYER_MINE = "mine"
LAYER_LOW = "low"
LAYER_EXPECTED = "expected"


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


@dataclass(frozen=True)
class ShaPolygon:
    """One suspected hazardous area.

    Attributes:
        id: stable id, ``"{flight_id}-sha-{rank:03d}"`` (rank: priority, then confidence).
        geometry: valid polygon in the flight CRS, exterior counter-clockwise, no holes.
        evidence: indicators behind it (``cnn_detection``, ``spectral_anomaly``,
            ``thermal_anomaly``, ``mine_pattern``), sorted.
        device_category: AP, AV, UXO or unknown (from the CNN classes inside).
        confidence: probability that the area holds at least one mine, in [0, 1].
        area_m2: area in the flight's metric CRS, square metres.
        n_detections: mine-layer points inside.
        max_score: highest anomaly score -log10(Pfa) of those points (0 when none).
        priority: 1 (survey first) to 3, from the fused evidence (see :mod:`.delineate`).
        sensors: sensors whose data contributed, sorted.
        flight_id: flight the polygon comes from.
        date: survey date, or None.
        basis: ``pattern`` (fenced along mine rows) or ``cluster`` (a dense group of
            mine-layer points).
        expected_mines: sum of the mine probabilities of the points inside.
        n_expected_positions: expected positions (row gaps) inside.
    """

    id: str
    geometry: Polygon
    evidence: tuple[str, ...]
    device_category: str
    confidence: float
    area_m2: float
    n_detections: int
    max_score: float
    priority: int
    sensors: tuple[str, ...]
    flight_id: str
    date: dt.date | None
    basis: str = "cluster"
    expected_mines: float = 0.0
    n_expected_positions: int = 0
    sha_class: str = "SHA"
    status: str = "suspected"

    def properties(self) -> dict[str, Any]:
        """Attribute row, keys in :data:`SHA_FIELDS` order."""
        return {
            "id": self.id,
            "class": self.sha_class,
            "status": self.status,
            "basis": self.basis,
            "evidence": list(self.evidence),
            "device_category": self.device_category,
            "confidence": self.confidence,
            "expected_mines": self.expected_mines,
            "area_m2": self.area_m2,
            "n_detections": self.n_detections,
            "n_expected_positions": self.n_expected_positions,
            "max_score": self.max_score,
            "priority": self.priority,
            "sensors": list(self.sensors),
            "flight_id": self.flight_id,
            "date": _iso(self.date),
        }


@dataclass(frozen=True)
class CandidatePoint:
    """A candidate point (CNN, anomaly, fused or expected position), attributed for export.

    Attributes:
        id: stable id, ``"{flight_id}-pt-{index:04d}"`` (``-exp-`` for expected positions).
        point: the detector output (the CNN's for a fused point), flight CRS metres.
        sha_id: id of the SHA polygon containing it, or None.
        flight_id: flight it comes from.
        date: survey date, or None.
        kind: ``cnn``, ``anomaly``, ``fused`` or ``expected_position``.
        probability: calibrated probability that a mine is here.
        layer: ``mine`` (probability at least the configured threshold), ``low`` or
            ``expected``.
        evidence: evidence kinds behind the point.
        hazard: ``area`` (inside an SHA), ``point`` (an isolated mine-layer point: a point
            hazard) or None (low layer).
        priority: survey priority of a point hazard (3), else that of its SHA, else None.
        row_id: id of the mine row it belongs to (members and expected positions), or None.
        spacing_m: spacing of that row, metres (the spacing that predicts an expected
            position), or None.
        features: the combiner's inputs, by name.
        scored_by: how ``probability`` was made: ``combiner`` (the run's point combiner),
            ``rgb_only`` (its RGB-only model: a CNN detection outside the multispectral and
            thermal rasters, or any CNN detection with no anomaly peak under
            ``candidates.cnn_only_scoring: rgb_only``), ``base_rate`` (outside the combiner's
            fit data, with the default ``cnn_only_scoring: base_rate``: see
            :meth:`rams.candidates.combiner.PointCombiner.outside_domain`) or ``row_fill``
            (an expected position: its row's fill rate).
    """

    id: str
    point: MinePoint
    sha_id: str | None
    flight_id: str
    date: dt.date | None
    kind: str = "cnn"
    probability: float = 0.0
    layer: str = LAYER_MINE
    evidence: tuple[str, ...] = ()
    hazard: str | None = None
    priority: int | None = None
    row_id: str | None = None
    spacing_m: float | None = None
    features: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    scored_by: str = "combiner"

    @property
    def x_m(self) -> float:
        """Easting, flight CRS metres."""
        return self.point.x_m

    @property
    def y_m(self) -> float:
        """Northing, flight CRS metres."""
        return self.point.y_m

    def properties(self) -> dict[str, Any]:
        """Attribute row: :data:`POINT_FIELDS`, then features and ``extra`` keys sorted."""
        p = self.point
        row: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "layer": self.layer,
            "probability": round(float(self.probability), 4),
            "scored_by": self.scored_by,
            "class": p.class_name,
            "device_category": p.device_category,
            "confidence": round(float(p.confidence), 4),
            "detector": p.detector,
            "evidence": list(self.evidence),
            "sensor": p.sensor,
            "gsd_m": round(float(p.gsd_m), 4),
            "hazard": self.hazard,
            "priority": self.priority,
            "row_id": self.row_id,
            "spacing_m": None if self.spacing_m is None else round(self.spacing_m, 3),
            "sha_id": self.sha_id,
            "flight_id": self.flight_id,
            "date": _iso(self.date),
        }
        extra = {**{f"f_{k}": round(float(v), 4) for k, v in self.features.items()}, **p.extra}
        for key in sorted(extra):
            if key not in row and key != "evidence":
                row[key] = extra[key]
        return row


@dataclass
class CandidateSet:
    """Everything the candidates stage found on one flight.

    Attributes:
        flight_id: flight id.
        date: survey date, or None.
        polygons: SHA polygons, by priority (1 first).
        points: candidate points (mine layer first, then low), in id order.
        expected: expected positions (row gaps), in id order.
        surveyed_area_m2: scored ground area (valid anomaly pixels), or None if unknown.
        n_blobs: anomaly blobs found in the raster.
        warnings: what the user should know about this result (e.g. an uncalibrated
            combiner).
    """

    flight_id: str
    date: dt.date | None
    polygons: list[ShaPolygon] = field(default_factory=list)
    points: list[CandidatePoint] = field(default_factory=list)
    expected: list[CandidatePoint] = field(default_factory=list)
    surveyed_area_m2: float | None = None
    n_blobs: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def flagged_area_m2(self) -> float:
        """Total SHA area, square metres (polygons do not overlap)."""
        return float(sum(p.area_m2 for p in self.polygons))

    @property
    def mine_points(self) -> list[CandidatePoint]:
        """The mine layer (``detections.geojson``)."""
        return [p for p in self.points if p.layer == LAYER_MINE]

    @property
    def low_points(self) -> list[CandidatePoint]:
        """The low-confidence layer (``candidates_low.geojson``)."""
        return [p for p in self.points if p.layer != LAYER_MINE]
