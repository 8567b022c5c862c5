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

from rams.atomic import write_text_atomic
from rams.candidates.model import CandidateSet

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
dt { font-weight: 600; }
"""


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
        "<tr><th>Priority</th><th>Id</th><th>Device category</th><th>Confidence</th>"
        "<th>Evidence</th><th>Area (m²)</th><th>Detections</th><th>Max score (-log10 Pfa)</th>"
        "<th>Sensors</th></tr>"
    )
    rows = []
    for sha in sorted(candidates.polygons, key=lambda p: p.priority):
        rows.append(
            f'<tr class="p{sha.priority}"><td class="num">{sha.priority}</td><td>{_e(sha.id)}</td>'
            f"<td>{_e(sha.device_category)}</td><td class='num'>{sha.confidence:.2f}</td>"
            f"<td>{_e(', '.join(sha.evidence))}</td><td class='num'>{sha.area_m2:,.1f}</td>"
            f"<td class='num'>{sha.n_detections}</td><td class='num'>{sha.max_score:.1f}</td>"
            f"<td>{_e(', '.join(sha.sensors))}</td></tr>"
        )
    return f"<table>{head}{''.join(rows)}</table>"


def _dl(items: dict[str, Any]) -> str:
    return (
        "<dl>"
        + "".join(f"<dt>{_e(k)}</dt><dd>{_e(_fmt(v))}</dd>" for k, v in items.items())
        + "</dl>"
    )


def _metrics_section(metrics: dict[str, Any]) -> str:
    parts = ["<h2>Evaluation against ground truth</h2>"]
    scalars = {k: v for k, v in metrics.items() if not isinstance(v, dict | list)}
    parts.append(_dl(scalars))
    for key, value in metrics.items():
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            cols = sorted({c for v in value.values() for c in v})
            head = "<tr><th></th>" + "".join(f"<th>{_e(c)}</th>" for c in cols) + "</tr>"
            body = "".join(
                f"<tr><td>{_e(name)}</td>"
                + "".join(f"<td class='num'>{_e(_fmt(row.get(c)))}</td>" for c in cols)
                + "</tr>"
                for name, row in sorted(value.items())
            )
            parts.append(f"<h3>{_e(key)}</h3><table>{head}{body}</table>")
        elif isinstance(value, dict):
            parts.append(f"<h3>{_e(key)}</h3>" + _dl(value))
    return "\n".join(parts)


def report_html(
    *,
    flight_id: str,
    date: dt.date | None,
    candidates: CandidateSet,
    quicklook_png: Path | None,
    metrics: dict[str, Any] | None,
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
        "points (detections and anomaly peaks)": len(candidates.points),
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
    body = [
        f"<h1>{_e(title)}</h1>",
        '<p class="note">Suspected hazardous areas (SHA) from drone imagery, for non-technical '
        "survey. Indirect evidence only: this report never declares land safe. Priority 1 is "
        "surveyed first.</p>",
        "<h2>Summary</h2>",
        _dl(summary),
        "<h2>Map</h2>",
        image,
        "<h2>Suspected hazardous areas by priority</h2>",
        _sha_table(candidates),
    ]
    if metrics:
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
    metrics: dict[str, Any] | None,
    run_info: dict[str, Any],
) -> Path:
    """Write the self-contained ``report.html``.

    Args:
        path: output file.
        flight_id: flight id.
        date: survey date, or None.
        candidates: SHA polygons and points of the flight.
        quicklook_png: the map image to embed (skipped when None or missing).
        metrics: evaluation results (``evaluate_flight`` output), or None.
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
