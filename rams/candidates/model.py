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

from rams.candidates.points import MinePoint

#: Order of the polygon attributes in exported tables.
SHA_FIELDS: tuple[str, ...] = (
    "id",
    "class",
    "status",
    "evidence",
    "device_category",
    "confidence",
    "area_m2",
    "n_detections",
    "max_score",
    "priority",
    "sensors",
    "flight_id",
    "date",
)

#: Order of the point attributes in exported tables (``extra`` keys follow, sorted).
POINT_FIELDS: tuple[str, ...] = (
    "id",
    "class",
    "device_category",
    "confidence",
    "detector",
    "sensor",
    "gsd_m",
    "sha_id",
    "flight_id",
    "date",
)


def _iso(date: dt.date | None) -> str | None:
    return None if date is None else date.isoformat()


@dataclass(frozen=True)
class ShaPolygon:
    """One suspected hazardous area.

    Attributes:
        id: stable id, ``"{flight_id}-sha-{priority:03d}"``.
        geometry: valid polygon in the flight CRS, exterior counter-clockwise, no holes.
        evidence: indicators behind it (``thermal_anomaly``, ``spectral_anomaly``,
            ``cnn_detection``), sorted.
        device_category: AP, AV, UXO or unknown (from the CNN classes inside).
        confidence: in [0, 1].
        area_m2: area in the flight's metric CRS, square metres.
        n_detections: evidence points inside (CNN detections and anomaly peaks or blobs).
        max_score: highest anomaly score -log10(Pfa) inside (0 when there is none).
        priority: 1 = survey first.
        sensors: sensors whose data contributed, sorted.
        flight_id: flight the polygon comes from.
        date: survey date, or None.
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
    sha_class: str = "SHA"
    status: str = "suspected"

    def properties(self) -> dict[str, Any]:
        """Attribute row, keys in :data:`SHA_FIELDS` order."""
        return {
            "id": self.id,
            "class": self.sha_class,
            "status": self.status,
            "evidence": list(self.evidence),
            "device_category": self.device_category,
            "confidence": self.confidence,
            "area_m2": self.area_m2,
            "n_detections": self.n_detections,
            "max_score": self.max_score,
            "priority": self.priority,
            "sensors": list(self.sensors),
            "flight_id": self.flight_id,
            "date": _iso(self.date),
        }


@dataclass(frozen=True)
class CandidatePoint:
    """A detection or anomaly peak, attributed for export.

    Attributes:
        id: stable id, ``"{flight_id}-pt-{index:04d}"``.
        point: the detector output (flight CRS metres).
        sha_id: id of the SHA polygon containing it, or None.
        flight_id: flight it comes from.
        date: survey date, or None.
    """

    id: str
    point: MinePoint
    sha_id: str | None
    flight_id: str
    date: dt.date | None

    @property
    def x_m(self) -> float:
        """Easting, flight CRS metres."""
        return self.point.x_m

    @property
    def y_m(self) -> float:
        """Northing, flight CRS metres."""
        return self.point.y_m

    def properties(self) -> dict[str, Any]:
        """Attribute row: :data:`POINT_FIELDS`, then the point's ``extra`` keys sorted."""
        p = self.point
        row: dict[str, Any] = {
            "id": self.id,
            "class": p.class_name,
            "device_category": p.device_category,
            "confidence": round(float(p.confidence), 4),
            "detector": p.detector,
            "sensor": p.sensor,
            "gsd_m": round(float(p.gsd_m), 4),
            "sha_id": self.sha_id,
            "flight_id": self.flight_id,
            "date": _iso(self.date),
        }
        for key in sorted(p.extra):
            if key not in row:
                row[key] = p.extra[key]
        return row


@dataclass
class CandidateSet:
    """Everything the candidates stage found on one flight.

    Attributes:
        flight_id: flight id.
        date: survey date, or None.
        polygons: SHA polygons, by priority (1 first).
        points: attributed points, in id order.
        surveyed_area_m2: scored ground area (valid anomaly pixels), or None if unknown.
        n_blobs: anomaly blobs found in the raster (before grouping).
    """

    flight_id: str
    date: dt.date | None
    polygons: list[ShaPolygon] = field(default_factory=list)
    points: list[CandidatePoint] = field(default_factory=list)
    surveyed_area_m2: float | None = None
    n_blobs: int = 0

    @property
    def flagged_area_m2(self) -> float:
        """Total SHA area, square metres (polygons do not overlap)."""
        return float(sum(p.area_m2 for p in self.polygons))
