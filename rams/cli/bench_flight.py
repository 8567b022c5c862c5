"""``rams benchmark flight``: score a run folder against a truth GeoJSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from rams.cli.options import QUIET_HELP, print_json, stderr, stdout
from rams.core.flight_metrics import ExpectedPositionScores, PointScores


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
    as_json: bool = typer.Option(False, "--json", help="Print the evaluation as JSON on stdout instead of tables."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
) -> None:
    """Score one run: points by kind and class, calibration, SHA coverage and areas.

    Writes evaluation.json and evaluation.png into the run folder (and the metrics into its
    report.html).
    """
    import contextlib

    from rams.evaluation.flight import flight_metrics  # heavy (plots): only when asked

    busy = contextlib.nullcontext() if quiet else stderr.status(f"scoring {out_dir} against {truth}")
    with busy:
        result = flight_metrics(out_dir, truth, tolerance_m)
    if as_json:
        print_json(result.to_dict())
        return
    console = stdout
    cols = ("truth", "pred", "precision", "recall", "F1")
    points = Table(title=f"Mine-layer points (one-to-one within {tolerance_m} m)")
    points.add_column("kind / class")
    for col in cols:
        points.add_column(col, justify="right")

    def row(name: str, m: PointScores | ExpectedPositionScores) -> None:
        points.add_row(name, str(m.tp + m.fn), str(m.tp + m.fp), _f(m.precision), _f(m.recall), _f(m.f1))

    m = result.points
    row("mine layer", m)
    for cls, c in m.per_class.items():
        points.add_row(f"  {cls}", str(c.n_truth), str(c.n_pred), _f(c.precision), _f(c.recall), _f(c.f1))
    for kind, k in result.points_by_kind.items():
        row(f"kind {kind}", k)
    row("kind expected_position", result.expected_positions)
    console.print(points)
    cal = result.calibration
    rel = Table(title=f"Reliability of point probabilities ({cal.n_points} candidates, "
                      f"{cal.n_on_mines} on mines): ECE {_f(cal.ece)}")
    for col in ("probability bin", "points", "mean probability", "mine frequency"):
        rel.add_column(col, justify="right")
    for b in cal.reliability:
        rel.add_row(f"{b.lower:.1f}-{b.upper:.1f}", str(b.n), _f(b.mean_probability), _f(b.frequency))
    console.print(rel)
    if cal.sweep and result.n_truth_mines:
        from rams.candidates.calibration import labelled_operating_points, operating_points

        for what, op in labelled_operating_points(operating_points(cal.sweep, result.n_truth_mines)):
            console.print(f"{what} (any probability threshold): " + (
                "not reached" if op is None else
                f"P {_f(op['precision'])} R {_f(op['recall'])} at probability >= {op['threshold']:.2f}"))
    poly = result.polygons.to_dict()
    polys = Table(title="SHA polygons")
    polys.add_column("metric")
    polys.add_column("value", justify="right")
    for key in (
        "n_sha",
        "n_sha_priority_1",
        "n_sha_without_mine",
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
    polys.add_row("false mine points per 1000 m²", _f(result.false_mine_points_per_1000m2))
    console.print(polys)
    console.print(f"wrote {Path(out_dir) / 'evaluation.json'} and evaluation.png")


def register(app: typer.Typer) -> None:
    """Register ``flight`` on the ``benchmark`` sub-app."""
    app.command("flight")(flight)
