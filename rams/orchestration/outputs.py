"""The export stage of ``process_flight``: candidates, vectors, quicklook, report, run.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rams.atomic import write_json_atomic
from rams.candidates.sha import build_candidates
from rams.core.points import MinePoint
from rams.export.quicklook import write_quicklook
from rams.export.report import write_report
from rams.export.vector import (
    POINT_LAYERS,
    write_points_geojson,
    write_sha_geojson,
    write_survey_gpkg,
)
from rams.grid.backdrop import read_backdrop
from rams.orchestration.plan import FlightPlan
from rams.orchestration.stages import StageTimer


def write_outputs(
    plan: FlightPlan,
    staging: Path,
    peaks: list[MinePoint],
    detections: list[MinePoint],
    run_info: dict[str, Any],
    timer: StageTimer,
    cnn_support: list[MinePoint] | None = None,
    cnn_ran: bool = True,
    detector: str | None = None,
    cascade: bool = False,
) -> tuple[dict[str, int], list[str]]:
    """Build candidates and write every output file of a run into ``staging``.

    ``staging/anomaly.tif`` must already exist; ``cnn_support`` are the CNN's weaker
    responses (evidence for the candidate points); ``cnn_ran`` says whether the CNN scanned
    the flight (which combiner scores the points), ``detector`` which weights it ran
    (checked against the combiner's fit), ``cascade`` whether it read only the windows
    around the anomaly peaks (the combiner's cascade model scores such a run). Returns counts for the run summary and the
    run's warnings as ``run.json`` records them (the candidate stage's added).
    """
    flight = plan.flight
    with timer.stage("candidates"):
        candidates = build_candidates(
            staging / "anomaly.tif", detections, peaks, crs=plan.grid.crs,
            flight_id=flight.flight_id, date=flight.date, sensors=flight.sensors,
            config=plan.config.candidates, anomaly_threshold=plan.config.anomaly.threshold_log10_pfa,
            cnn_support=cnn_support, cnn_ran=cnn_ran, anomaly_sensors=plan.anomaly_sensors, detector=detector,
            cascade=cascade,
        )
    with timer.stage("export"):
        write_sha_geojson(staging / "sha.geojson", candidates, plan.grid.crs)
        for layer in POINT_LAYERS:
            write_points_geojson(staging / f"{layer}.geojson", candidates, plan.grid.crs, layer)
        write_survey_gpkg(staging / "survey.gpkg", candidates, plan.grid.crs)
        backdrop, backdrop_transform = read_backdrop(
            flight, plan.grid, allow_partial=plan.config.ingest.allow_partial
        )
        write_quicklook(
            staging / "quicklook.png", backdrop=backdrop, backdrop_transform=backdrop_transform,
            crs=plan.grid.crs, candidates=candidates,
        )
    counts = {
        "sha": len(candidates.polygons),
        "sha_priority_1": sum(1 for p in candidates.polygons if p.priority == 1),
        "detections": len(detections),
        "anomaly_peaks": len(peaks),
        "points_exported": len(candidates.points),
        "mine_points": len(candidates.mine_points),
        "low_points": len(candidates.low_points),
        "expected_positions": len(candidates.expected),
        "point_hazards": sum(1 for p in candidates.points if p.hazard == "point"),
    }
    run_info = {
        **run_info,
        "warnings": [*run_info.get("warnings", []), *candidates.warnings],
        "counts": counts,
        "surveyed_area_m2": candidates.surveyed_area_m2,
        "flagged_area_m2": candidates.flagged_area_m2,
        "seconds": {k: round(v, 3) for k, v in timer.seconds.items()},
    }
    write_report(
        staging / "report.html", flight_id=flight.flight_id, date=flight.date, candidates=candidates,
        quicklook_png=staging / "quicklook.png", metrics=None, run_info=run_info,
    )
    write_json_atomic(staging / "run.json", run_info)
    return counts, list(run_info["warnings"])
