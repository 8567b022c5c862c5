"""``rams benchmark flight``: score a run folder against a truth GeoJSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table


def _f(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def flight(
    out_dir: Path = typer.Argument(..., help="Run folder (sha.geojson, detections.geojson)."),
    truth: Path = typer.Option(..., "--truth", help="Truth GeoJSON (WGS84): mines and minefields."),
    tolerance_m: float = typer.Option(
        0.5, "--tolerance-m", help="Point matching tolerance, metres."
    ),
) -> None:
    """Score one run: point P/R/F1 per class, mine coverage and flagged area ratios."""
    from rams.evaluation.flight import evaluate_flight  # heavy (plots): only when asked

    result = evaluate_flight(out_dir, truth, tolerance_m)
    console = Console()
    points = Table(title=f"Points (one-to-one within {tolerance_m} m)")
    for col in ("detector / class", "truth", "pred", "precision", "recall", "F1"):
        points.add_column(col, justify="right" if col != "detector / class" else "left")
    for name, m in result["points_by_detector"].items():
        points.add_row(
            name,
            str(m["tp"] + m["fn"]),
            str(m["tp"] + m["fp"]),
            _f(m["precision"]),
            _f(m["recall"]),
            _f(m["f1"]),
        )
        if name == "cnn":
            for cls, c in m["per_class"].items():
                points.add_row(
                    f"  {cls}",
                    str(c["n_truth"]),
                    str(c["n_pred"]),
                    _f(c["precision"]),
                    _f(c["recall"]),
                    _f(c["f1"]),
                )
    console.print(points)
    poly = result["polygons"]
    polys = Table(title="SHA polygons")
    polys.add_column("metric")
    polys.add_column("value", justify="right")
    for key in (
        "n_sha",
        "n_minefields",
        "mine_coverage",
        "minefield_area_covered",
        "flagged_area_m2",
        "minefield_area_m2",
        "surveyed_area_m2",
        "flagged_over_minefield",
        "flagged_over_surveyed",
    ):
        polys.add_row(key, _f(poly[key]))
    console.print(polys)
    console.print(f"wrote {Path(out_dir) / 'evaluation.json'} and evaluation.png")


def register(app: typer.Typer) -> None:
    """Register ``flight`` on the ``benchmark`` sub-app."""
    app.command("flight")(flight)
