"""``run_survey``: many flights' batch outputs (and records) in, one planner layer out."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from rams.atomic import write_json_atomic
from rams.survey.config import SurveyConfig
from rams.survey.merge import (
    SurveyPoint,
    SurveySha,
    attach_points_to_shas,
    dedup_points,
    merge_shas,
)
from rams.survey.records import read_records
from rams.survey.report import write_survey_report
from rams.survey.runs import FlightRun, read_runs
from rams.survey.verdicts import VERDICTS, Assessment, assess_record, link_records
from rams.survey.writer import Layer, write_survey_outputs

SUMMARY_FILE = "summary.json"
REPORT_FILE = "survey.html"


@dataclass
class SurveyResult:
    """What :func:`run_survey` found and wrote.

    Attributes:
        crs: the working (projected) CRS of every geometry below.
        flights: the flights read.
        shas: merged SHAs.
        points: deduplicated mine points.
        assessments: one per record (empty without records).
        imaged: union of the flight footprints.
        summary: survey-wide counts (also in ``summary.json``).
        files: name -> path of every file written.
    """

    crs: CRS
    flights: list[FlightRun]
    shas: list[SurveySha]
    points: list[SurveyPoint]
    assessments: list[Assessment]
    imaged: BaseGeometry
    summary: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)


def _summary(
    flights: list[FlightRun], shas: list[SurveySha], points: list[SurveyPoint],
    assessments: list[Assessment], imaged: BaseGeometry, has_records: bool,
) -> dict[str, Any]:
    """Survey-wide counts; shares are None when there is nothing to divide."""
    n_points = len(points)
    outside_recorded = 0
    if has_records and n_points:
        zone = shapely.union_all([a.record.geometry for a in assessments])
        pts = shapely.points(np.array([[p.x_m, p.y_m] for p in points]))
        outside_recorded = int((~shapely.covers(zone, pts)).sum())
    unrecorded_shas = [s for s in shas if not s.properties["record_ids"]]
    unaccounted = sum(1 for p in points if not p.properties["record_ids"])
    input_area = shapely.union_all([g for f in flights for g in f.sha_geoms]).area if shas else 0.0
    return {
        "n_flights": len(flights),
        "flight_ids": [f.flight_id for f in flights],
        "imaged_area_m2": round(float(imaged.area), 2),
        "n_sha_flights": sum(len(f.sha_geoms) for f in flights),
        "n_sha": len(shas),
        "sha_area_m2": round(float(sum(s.geometry.area for s in shas)), 2),
        "sha_union_area_m2": round(float(input_area), 2),
        "n_points_flights": sum(len(f.points_xy) for f in flights),
        "n_points": n_points,
        "n_records": len(assessments),
        "verdicts": {v: c for v, c in sorted(Counter(a.verdict for a in assessments).items())},
        # mines outside the records as handed over, and outside them and every found position
        "n_points_outside_records": outside_recorded if has_records else n_points,
        "share_points_outside_records": (outside_recorded if has_records else n_points) / n_points if n_points else None,
        "n_points_unrecorded": unaccounted,
        "share_points_unrecorded": unaccounted / n_points if n_points else None,
        "n_sha_unrecorded": len(unrecorded_shas),
        "sha_unrecorded_area_m2": round(float(sum(s.geometry.area for s in unrecorded_shas)), 2),
    }


def _layers(result: SurveyResult) -> list[Layer]:
    footprints = Layer("footprints")
    for f in result.flights:
        footprints.geometries.append(f.footprint)
        footprints.properties.append({
            "flight_id": f.flight_id, "date": f.date, "area_m2": round(float(f.footprint.area), 2),
            "n_sha": len(f.sha_geoms), "n_points": len(f.points_xy), "run_dir": str(f.out_dir),
        })
    return [
        Layer("sha", [s.geometry for s in result.shas], [s.properties for s in result.shas]),
        Layer("points", [Point(p.x_m, p.y_m) for p in result.points], [p.properties for p in result.points]),
        Layer("records_assessed", [a.record.geometry for a in result.assessments],
              [a.properties() for a in result.assessments]),
        footprints,
    ]


def run_survey(
    runs_root: str | Path,
    out_dir: str | Path,
    records_path: str | Path | None = None,
    config: SurveyConfig | None = None,
) -> SurveyResult:
    """Merge every flight below ``runs_root`` into one layer and judge the records.

    Args:
        runs_root: folder holding ``rams batch`` outputs (one folder per flight).
        out_dir: where ``survey.gpkg``, the four GeoJSON layers, ``survey.html`` and
            ``summary.json`` are written.
        records_path: minefield records (GeoJSON or GeoPackage), or None.
        config: thresholds (defaults: :class:`SurveyConfig`).

    Returns:
        The merged layers, the assessments and the files written.

    Raises:
        RamsInputError: ``runs_root`` is missing or holds no completed flight, or the
            records file is missing, unreadable or has a record without ``id``.
    """
    config = config or SurveyConfig()
    out_dir = Path(out_dir)
    flights, crs = read_runs(Path(runs_root))
    records = read_records(records_path, crs) if records_path is not None else []
    shas = merge_shas(flights)
    points = dedup_points(flights, config.dedup_radius_m)
    attach_points_to_shas(points, shas)
    imaged = shapely.union_all([f.footprint for f in flights])
    xy = np.array([[p.x_m, p.y_m] for p in points]).reshape(-1, 2)
    assessments = [assess_record(r, xy, shas, imaged, config) for r in records]
    assert all(a.verdict in VERDICTS for a in assessments)
    link_records(assessments, shas, points)
    summary = _summary(flights, shas, points, assessments, imaged, records_path is not None)
    result = SurveyResult(crs, flights, shas, points, assessments, imaged, summary)
    result.files = write_survey_outputs(out_dir, _layers(result), crs)
    result.files[REPORT_FILE] = write_survey_report(out_dir / REPORT_FILE, result)
    write_json_atomic(out_dir / SUMMARY_FILE, summary)
    result.files[SUMMARY_FILE] = out_dir / SUMMARY_FILE
    return result
