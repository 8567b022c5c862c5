"""``survey.html``: the record table with a map of offsets, and the unrecorded SHAs.

One self-contained file (inline SVG, no scripts, no network): a planner opens it offline.
The map is drawn in the working CRS (metres, north up); each displaced record has an
arrow from its recorded centre to where its pattern was found.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from rams.atomic import write_text_atomic
from rams.survey.writer import polygon_parts

if TYPE_CHECKING:
    from pathlib import Path

    from rams.survey.run import SurveyResult

MAP_PX = 640
VERDICT_COLOURS = {
    "confirmed": "#c62828", "displaced": "#ef6c00", "evidence_outside": "#6a1b9a",
    "no_surface_evidence": "#2e7d32", "not_imaged": "#757575", "partly_imaged": "#1565c0",
}
STYLE = """body{font-family:sans-serif;margin:1.5em;color:#222}table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#eee}td.l{text-align:left}
.note{color:#555;font-size:90%}"""


class _Frame:
    """Maps working-CRS metres to SVG pixels (north up, equal scale on both axes)."""

    def __init__(self, bounds: tuple[float, float, float, float]) -> None:
        x0, y0, x1, y1 = bounds
        pad = 0.05 * max(x1 - x0, y1 - y0, 1.0)
        self.x0, self.y1 = x0 - pad, y1 + pad
        self.scale = MAP_PX / max(x1 - x0 + 2 * pad, y1 - y0 + 2 * pad)

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.x0) * self.scale, (self.y1 - y) * self.scale

    def path(self, geom: BaseGeometry) -> str:
        parts = []
        for poly in polygon_parts(geom):
            for ring in [poly.exterior, *poly.interiors]:
                pts = [self.xy(x, y) for x, y in ring.coords]
                parts.append("M" + " L".join(f"{a:.1f},{b:.1f}" for a, b in pts) + " Z")
        return " ".join(parts)


def _svg_map(result: SurveyResult) -> str:
    geoms: list[BaseGeometry] = [f.footprint for f in result.flights if not f.footprint.is_empty]
    geoms += [a.record.geometry for a in result.assessments]
    geoms += [a.found_geometry for a in result.assessments if a.found_geometry is not None]
    geoms += [s.geometry for s in result.shas]
    if not geoms:
        return "<p>Nothing to map.</p>"
    b = [g.bounds for g in geoms]
    frame = _Frame((min(v[0] for v in b), min(v[1] for v in b), max(v[2] for v in b), max(v[3] for v in b)))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{MAP_PX}" height="{MAP_PX}" '
           'style="border:1px solid #999;background:#fafafa">',
           '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="6" refY="3" orient="auto">'
           '<path d="M0,0 L6,3 L0,6 Z" fill="#000"/></marker></defs>']
    for f in result.flights:
        out.append(f'<path d="{frame.path(f.footprint)}" fill="#dfe7ef" stroke="#9ab" stroke-width="1">'
                   f"<title>{html.escape(f.flight_id)}</title></path>")
    for s in result.shas:
        out.append(f'<path d="{frame.path(s.geometry)}" fill="#ffb74d" fill-opacity="0.6" stroke="#e65100">'
                   f'<title>{html.escape(str(s.properties["id"]))}</title></path>')
    for p in result.points:
        x, y = frame.xy(p.x_m, p.y_m)
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="1.6" fill="#b71c1c"/>')
    for a in result.assessments:
        colour = VERDICT_COLOURS[a.verdict]
        title = html.escape(f"{a.record.record_id}: {a.verdict}")
        out.append(f'<path d="{frame.path(a.record.geometry)}" fill="none" stroke="{colour}" '
                   f'stroke-width="2"><title>{title}</title></path>')
        if a.found_geometry is not None and a.fit is not None:
            out.append(f'<path d="{frame.path(a.found_geometry)}" fill="none" stroke="{colour}" '
                       'stroke-dasharray="4 3" stroke-width="1.5"/>')
            cx, cy = a.fit.centre_xy
            x0, y0 = frame.xy(cx, cy)
            x1, y1 = frame.xy(cx + a.fit.offset_xy_m[0], cy + a.fit.offset_xy_m[1])
            out.append(f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="#000" '
                       'stroke-width="1.5" marker-end="url(#arrow)"/>')
    out.append("</svg>")
    return "\n".join(out)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _table(header: list[str], rows: list[list[str]], left: int = 1) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(f'<td{" class=l" if i < left or i == len(row) - 1 else ""}>{html.escape(c)}</td>'
                        for i, c in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _record_rows(result: SurveyResult) -> list[list[str]]:
    rows = []
    for a in result.assessments:
        p = a.properties()
        offset = math.hypot(p["offset_east_m"], p["offset_north_m"]) if a.fit is not None else None
        matched = f"{p['n_matched']}/{a.n_expected_visible}" if a.fit is not None else "-"
        rows.append([a.record.record_id, a.verdict, _fmt(p["offset_east_m"]), _fmt(p["offset_north_m"]),
                     _fmt(offset), _fmt(p["rotation_deg"]), _fmt(p["imaged_fraction"], 2),
                     str(p["n_points_inside"]), str(a.n_recorded_mines), matched, _fmt(p["fit_rms_m"], 2),
                     _fmt(p["evidence_distance_m"]), p["note"]])
    return rows


def survey_report_html(result: SurveyResult) -> str:
    """The text of ``survey.html``."""
    s = result.summary
    share = s["share_points_outside_records"]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>RAMS survey</title>"
             f"<style>{STYLE}</style></head><body><h1>RAMS survey</h1>",
             f"<p>{s['n_flights']} flight(s), {s['imaged_area_m2']:.0f} m² imaged; {s['n_sha']} SHA(s) "
             f"(from {s['n_sha_flights']} per-flight SHAs), {s['n_points']} mine point(s) (from "
             f"{s['n_points_flights']} per-flight points).</p>"]
    if result.assessments:
        parts.append(f"<p>{s['n_records']} record(s). Detected mines outside every record as handed over: "
                     f"{s['n_points_outside_records']} ({_fmt(None if share is None else 100 * share)} %); "
                     f"outside every record and every found position: {s['n_points_unrecorded']}.</p>")
    parts.append("<p class=note>Verdicts describe the surface as imaged. The absence of surface "
                 "evidence is not a statement that land is safe; it informs non-technical survey.</p>")
    parts.append("<h2>Map</h2>" + _svg_map(result))
    parts.append("<p class=note>Grey: flight footprints; orange: SHAs; red dots: mine points; outlines: "
                 "records by verdict; dashed: where a record's pattern was found; arrow: offset.</p>")
    if result.assessments:
        parts.append("<h2>Records</h2>" + _table(
            ["record", "verdict", "east m", "north m", "offset m", "rotation °", "imaged", "points inside",
             "recorded mines", "matched", "fit rms m", "evidence at m", "note"], _record_rows(result), left=2))
    unrecorded = sorted((x for x in result.shas if not x.properties["record_ids"]),
                        key=lambda x: (x.properties["priority"], -x.properties["confidence"]))
    title = "SHAs in no record" if result.assessments else "SHAs (no records given)"
    parts.append(f"<h2>{title}, by priority</h2>" + _table(
        ["SHA", "priority", "confidence", "area m²", "device", "points", "flights"],
        [[str(x.properties["id"]), str(x.properties["priority"]), _fmt(x.properties["confidence"], 3),
          _fmt(x.geometry.area), str(x.properties.get("device_category")),
          str(x.properties.get("n_detections")), _fmt(x.properties["flight_ids"])] for x in unrecorded]))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def write_survey_report(path: Path, result: SurveyResult) -> Path:
    """Write ``survey.html`` atomically; return its path."""
    write_text_atomic(path, survey_report_html(result))
    return path
