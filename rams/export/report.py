"""``report.html``: a self-contained flight report for survey planners.

One HTML file with inline CSS and the quicklook PNG embedded as base64, so it can be
mailed or opened offline: flight and run information, the SHA table by priority, and the
evaluation metrics when the flight was scored against ground truth. Every value is
HTML-escaped.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from rams.atomic import write_text_atomic
from rams.candidates.model import CandidatePoint, CandidateSet, ShaPolygon
from rams.core.flight_metrics import ExpectedPositionScores, FlightMetrics, PointScores
from rams.core.points import MinePoint
from rams.crs import WGS84, transformer, utm_crs_for_lonlat

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
.note { color: #555; font-size: 0.9em; max-width: 60em; }
table { border-collapse: collapse; font-size: 0.85em; margin-top: 0.5em; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.p1 td:first-child { border-left: 4px solid #d7191c; }
tr.p2 td:first-child { border-left: 4px solid #fd8d3c; }
tr.p3 td:first-child { border-left: 4px solid #fecc5c; }
img.map { max-width: 100%; border: 1px solid #ccc; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; font-size: 0.9em; }
dt { font-weight: 600; } dd { margin: 0; } pre { margin: 0; font-size: 0.85em; }
"""


#: What the point files hold, for the reader of the report.
POINT_KINDS_HTML = """<p class="note">Every candidate point has a <b>kind</b> and a calibrated
<b>probability</b> that a mine lies there (fitted on synthetic flights, checked on flights it
was not fitted on; see models/rams_combiner.md):</p>
<ul class="note">
<li><b>fused</b>: a CNN detection and an anomaly peak (thermal and/or multispectral) at the
same place: two independent sensors agree.</li>
<li><b>cnn</b>: a CNN detection on the RGB orthomosaic with no anomaly under it. Where the
thermal and multispectral sensors looked there and saw nothing, and the combiner was never
fitted on such a point, it gets the base rate and the low layer (<i>scored_by</i>: base_rate;
with <i>cnn_only_scoring: rgb_only</i> in the config, the RGB-only model scores it instead);
outside their rasters the combiner's RGB-only model scores it (<i>scored_by</i>: rgb_only).</li>
<li><b>anomaly</b>: an anomaly peak with no CNN detection (buried or hidden mines show here,
so do warm stones and scrap).</li>
<li><b>expected_position</b>: an empty place in a regular row of mines, at the row's spacing
(<i>spacing_m</i>); no sensor saw a mine there. A check for the survey team, not a detection;
its probability is the share of the row's positions that hold a mine.</li>
</ul>
<p class="note"><b>detections.geojson</b> is the mine layer: points at or above the configured
probability; what a planner acts on. Isolated mine points outside any SHA are <i>point
hazards</i> (priority 3). <b>candidates_low.geojson</b> holds every other candidate (never
dropped), <b>expected_positions.geojson</b> the row gaps. SHA polygons are fenced along mine
rows (basis <i>pattern</i>) or around dense groups of mine points (basis <i>cluster</i>);
priority 1 needs several expected mines (sum of probabilities) or a row pattern.</p>"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _sha_table(candidates: CandidateSet) -> str:
    if not candidates.polygons:
        return '<p class="note">No suspected hazardous area was found on this flight.</p>'
    head = (
        "<tr><th>Priority</th><th>Id</th><th>Basis</th><th>Device category</th><th>Confidence</th>"
        "<th>Expected mines</th><th>Evidence</th><th>Area (m²)</th><th>Mine points</th>"
        "<th>Expected positions</th><th>Max score (-log10 Pfa)</th><th>Sensors</th></tr>"
    )
    rows = []
    for sha in sorted(candidates.polygons, key=lambda p: p.priority):
        rows.append(
            f'<tr class="p{sha.priority}"><td class="num">{sha.priority}</td><td>{_e(sha.id)}</td>'
            f"<td>{_e(sha.basis)}</td><td>{_e(sha.device_category)}</td>"
            f"<td class='num'>{sha.confidence:.2f}</td><td class='num'>{sha.expected_mines:.1f}</td>"
            f"<td>{_e(', '.join(sha.evidence))}</td><td class='num'>{sha.area_m2:,.1f}</td>"
            f"<td class='num'>{sha.n_detections}</td><td class='num'>{sha.n_expected_positions}</td>"
            f"<td class='num'>{sha.max_score:.1f}</td>"
            f"<td>{_e(', '.join(sha.sensors))}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _dd(value: Any) -> str:
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict) for v in value)
    ):
        return f"<pre>{_e(json.dumps(value, indent=1, sort_keys=True, default=str))}</pre>"
    return _e(_fmt(value))


def _dl(items: dict[str, Any]) -> str:
    return (
        "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_dd(v)}</dd>" for k, v in items.items()) + "</dl>"
    )


def _table(rows: dict[str, dict[str, Any]], cols: list[str], first: str) -> str:
    head = f"<tr><th>{_e(first)}</th>" + "".join(f"<th>{_e(c)}</th>" for c in cols) + "</tr>"
    body = "".join(
        f"<tr><td>{_e(name)}</td>"
        + "".join(
            f"<td class='num'>{_e(_fmt(row.get(c)) if row.get(c) is not None else '-')}</td>"
            for c in cols
        )
        + "</tr>"
        for name, row in rows.items()
    )
    return f"<table>{head}{body}</table>"


_PRF_COLUMNS = ("tp", "fp", "fn", "precision", "recall", "f1")


def _prf_row(scores: PointScores | ExpectedPositionScores) -> dict[str, Any]:
    return {c: getattr(scores, c) for c in _PRF_COLUMNS}


def _metrics_section(m: FlightMetrics) -> str:
    """The evaluation section: a run scored against ground truth.

    See :func:`rams.evaluation.flight.flight_metrics`.
    """
    kinds = {"mine layer": _prf_row(m.points), **{k: _prf_row(v) for k, v in m.points_by_kind.items()},
             "expected_position": _prf_row(m.expected_positions)}
    parts = [
        "<h2>Evaluation against ground truth</h2>",
        f'<p class="note">Points matched one to one within {_e(m.tolerance_m)} m '
        f"({_e(m.matching)}); {_e(m.n_truth_mines)} true mines.</p>",
        "<h3>SHA polygons</h3>",
        _dl(m.polygons.to_dict()),
        "<h3>Mine-layer points by kind</h3>",
        _table(kinds, list(_PRF_COLUMNS), "kind"),
    ]
    if m.points.per_class:
        parts += [
            "<h3>Mine-layer points by class</h3>",
            _table({k: v.to_dict() for k, v in m.points.per_class.items()},
                   ["n_truth", "n_pred", "precision", "recall", "f1"], "class"),
        ]
    cal = m.calibration
    bins = {f"{b.lower:.1f}-{b.upper:.1f}": b.to_dict() for b in cal.reliability}
    parts += [
        f"<h3>Calibration of point probabilities (ECE {_e(cal.ece)})</h3>",
        _table(bins, ["n", "mean_probability", "frequency"], "probability"),
    ]
    if cal.sweep and m.n_truth_mines:
        from rams.candidates.calibration import labelled_operating_points, operating_points

        rows = dict(labelled_operating_points(operating_points(cal.sweep, m.n_truth_mines)))
        parts += [
            "<h3>Operating points of the point probabilities (any threshold)</h3>",
            _table({k: v or {"threshold": "not reached"} for k, v in rows.items()},
                   ["threshold", "precision", "recall", "f1"], "operating point"),
        ]
    return "\n".join(parts)


def report_html(
    *,
    flight_id: str,
    date: dt.date | None,
    candidates: CandidateSet,
    quicklook_png: Path | None,
    metrics: FlightMetrics | None,
    run_info: dict[str, Any],
) -> str:
    """The HTML text of the report (see :func:`write_report`)."""
    title = f"RAMS flight {flight_id}"
    date_text = date.isoformat() if date else "unknown"
    summary = {
        "flight id": flight_id,
        "survey date": date_text,
        "SHA polygons": len(candidates.polygons),
        "flagged area (m²)": round(candidates.flagged_area_m2, 1),
        "mine points (detections.geojson)": len(candidates.mine_points),
        "point hazards (isolated mine points)": sum(1 for p in candidates.points if p.hazard == "point"),
        "low-confidence candidates (candidates_low.geojson)": len(candidates.low_points),
        "expected positions (expected_positions.geojson)": len(candidates.expected),
    }
    if candidates.surveyed_area_m2:
        summary["surveyed area (m²)"] = round(candidates.surveyed_area_m2, 1)
        summary["flagged share of surveyed area"] = round(
            candidates.flagged_area_m2 / candidates.surveyed_area_m2, 4
        )
    image = '<p class="note">No map image.</p>'
    if quicklook_png is not None and Path(quicklook_png).is_file():
        b64 = base64.b64encode(Path(quicklook_png).read_bytes()).decode("ascii")
        image = f'<img class="map" alt="SHA map of flight {_e(flight_id)}" src="data:image/png;base64,{b64}">'
    warnings = [str(w) for w in run_info.get("warnings") or []]
    body = [
        f"<h1>{_e(title)}</h1>",
        '<p class="note">Suspected hazardous areas (SHA) from drone imagery, for non-technical '
        "survey. Indirect evidence only: this report never declares land safe. Priority 1 is "
        "surveyed first.</p>",
    ]
    if warnings:
        body += ['<h2>Warnings</h2>', '<ul class="warnings">'
                 + "".join(f"<li>{_e(w)}</li>" for w in warnings) + "</ul>"]
    body += [
        "<h2>Summary</h2>",
        _dl(summary),
        "<h2>Map</h2>",
        image,
        "<h2>Suspected hazardous areas by priority</h2>",
        _sha_table(candidates),
        "<h2>Point kinds and layers</h2>",
        POINT_KINDS_HTML,
    ]
    if metrics is not None:
        body.append(_metrics_section(metrics))
    body += ["<h2>Run</h2>", _dl({k: v for k, v in sorted(run_info.items())})]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def write_report(
    path: str | Path,
    *,
    flight_id: str,
    date: dt.date | None,
    candidates: CandidateSet,
    quicklook_png: Path | None,
    metrics: FlightMetrics | None,
    run_info: dict[str, Any],
) -> Path:
    """Write the self-contained ``report.html``.

    Args:
        path: output file.
        flight_id: flight id.
        date: survey date, or None.
        candidates: SHA polygons and points of the flight.
        quicklook_png: the map image to embed (skipped when None or missing).
        metrics: the flight scored against ground truth, or None (no evaluation section).
        run_info: run facts (versions, config digest, timings, counts) shown as a list.

    Returns:
        ``path``.
    """
    text = report_html(
        flight_id=flight_id,
        date=date,
        candidates=candidates,
        quicklook_png=quicklook_png,
        metrics=metrics,
        run_info=run_info,
    )
    write_text_atomic(path, text)
    return Path(path)


def _features(out_dir: Path, name: str) -> list[dict[str, Any]]:
    path = out_dir / name
    if not path.is_file():
        return []
    return list(json.loads(path.read_text(encoding="utf-8")).get("features", []))


def _run_crs(run_info: dict[str, Any], features: list[dict[str, Any]]) -> CRS:
    """The flight's projected CRS.

    The run's grid CRS from ``run.json``, else (a folder without one) the UTM zone of the
    features' first coordinate.
    """
    crs_text = (run_info.get("grid") or {}).get("crs")
    if isinstance(crs_text, str) and crs_text:
        return CRS.from_user_input(crs_text)
    for feat in features:
        lon, lat = shape(feat["geometry"]).representative_point().coords[0]
        return utm_crs_for_lonlat(lon, lat)
    return utm_crs_for_lonlat(0.0, 0.0)


def _date_of(props: dict[str, Any]) -> dt.date | None:
    value = props.get("date")
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def _candidates_from_run(out_dir: Path, run_info: dict[str, Any]) -> CandidateSet:
    """Rebuild a run's candidates from its GeoJSON outputs (RFC 7946, WGS84 lon/lat).

    Geometries are projected back to the flight CRS (:func:`_run_crs`) as
    :class:`~rams.candidates.model.CandidateSet` holds them.
    """
    layers = {name: _features(out_dir, name) for name in (
        "sha.geojson", "detections.geojson", "candidates_low.geojson", "expected_positions.geojson")}
    crs = _run_crs(run_info, [f for feats in layers.values() for f in feats])
    to_flight = transformer(WGS84, crs)

    def project(geom: BaseGeometry) -> BaseGeometry:
        def fn(xy: np.ndarray) -> np.ndarray:
            x, y = to_flight.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geom, fn)

    polygons: list[ShaPolygon] = []
    points: list[CandidatePoint] = []
    flight_id, date = out_dir.name, None
    for feat in layers["sha.geojson"]:
        p = feat.get("properties") or {}
        flight_id, date = str(p.get("flight_id", flight_id)), _date_of(p)
        polygons.append(
            ShaPolygon(
                id=str(p.get("id", f"sha-{len(polygons) + 1:03d}")),
                geometry=project(shape(feat["geometry"])),
                evidence=tuple(p.get("evidence", [])),
                device_category=str(p.get("device_category", "unknown")),
                confidence=float(p.get("confidence", 0.0)),
                area_m2=float(p.get("area_m2", 0.0)),
                n_detections=int(p.get("n_detections", 0)),
                max_score=float(p.get("max_score", 0.0)),
                priority=int(p.get("priority", 0)),
                sensors=tuple(p.get("sensors", [])),
                flight_id=str(p.get("flight_id", "")),
                date=_date_of(p),
                basis=str(p.get("basis", "cluster")),
                expected_mines=float(p.get("expected_mines", 0.0) or 0.0),
                n_expected_positions=int(p.get("n_expected_positions", 0) or 0),
            )
        )
    expected: list[CandidatePoint] = []
    for name, layer in (("detections.geojson", "mine"), ("candidates_low.geojson", "low"),
                        ("expected_positions.geojson", "expected")):
        for feat in layers[name]:
            x_m, y_m = project(shape(feat["geometry"])).coords[0][:2]
            cp = _point_from_feature(feat, layer, x_m, y_m)
            (expected if layer == "expected" else points).append(cp)
            flight_id, date = cp.flight_id or flight_id, date or cp.date
    return CandidateSet(flight_id=flight_id, date=date, polygons=polygons, points=points, expected=expected)


def _point_from_feature(feat: dict[str, Any], layer: str, x_m: float, y_m: float) -> CandidatePoint:
    """A candidate point from an exported feature, at ``x_m, y_m`` in the flight CRS."""
    p = feat.get("properties") or {}
    mp = MinePoint(x_m, y_m, str(p.get("class", "")), float(p.get("confidence", 0.0) or 0.0),
                   str(p.get("detector", "")), str(p.get("sensor", "")), float(p.get("gsd_m", 0.0) or 0.0))
    return CandidatePoint(
        str(p.get("id", "")), mp, p.get("sha_id"), str(p.get("flight_id", "")), _date_of(p),
        kind=str(p.get("kind", "cnn")), probability=float(p.get("probability", 0.0) or 0.0), layer=layer,
        hazard=p.get("hazard"), priority=p.get("priority"), scored_by=str(p.get("scored_by") or "combiner"),
    )


def refresh_report_with_metrics(out_dir: str | Path, metrics: FlightMetrics) -> Path | None:
    """Rewrite a run's ``report.html`` with an evaluation section.

    The SHA table comes from the run's ``sha.geojson``, the map from ``quicklook.png`` and
    the run facts from ``run.json``; nothing is recomputed.

    Args:
        out_dir: the run folder.
        metrics: the run scored against ground truth.

    Returns:
        The report path, or None when the folder holds no report to refresh.
    """
    out_dir = Path(out_dir)
    report = out_dir / "report.html"
    if not report.is_file():
        return None
    run_json = out_dir / "run.json"
    run_info: dict[str, Any] = {}
    if run_json.is_file():
        loaded = json.loads(run_json.read_text(encoding="utf-8"))
        run_info = loaded if isinstance(loaded, dict) else {}
    candidates = _candidates_from_run(out_dir, run_info)
    candidates.surveyed_area_m2 = run_info.get("surveyed_area_m2")
    quicklook = out_dir / "quicklook.png"
    return write_report(
        report,
        flight_id=candidates.flight_id,
        date=candidates.date,
        candidates=candidates,
        quicklook_png=quicklook if quicklook.is_file() else None,
        metrics=metrics,
        run_info=run_info,
    )
