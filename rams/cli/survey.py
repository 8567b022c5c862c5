"""``rams survey``: the outputs of ``rams batch`` (and minefield records) to one planner layer."""

from __future__ import annotations

from pathlib import Path

import typer

from rams.cli.options import QUIET_HELP, print_json


def survey(
    runs_root: Path = typer.Argument(..., help="Folder holding rams batch outputs (one folder per flight)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder for survey.gpkg, GeoJSON and survey.html."),
    records: Path | None = typer.Option(
        None, "--records", help="Minefield records (GeoJSON or GeoPackage, any CRS): polygons with an id, "
                                "optional Point mines and LineString rows with record_id."),
    dedup_radius_m: float = typer.Option(0.6, "--dedup-radius-m", help="Points of different flights closer than this are one mine."),
    search_radius_m: float = typer.Option(100.0, "--search-radius-m", help="How far from a record its pattern is looked for."),
    as_json: bool = typer.Option(False, "--json", help="Print the survey summary (summary.json) as JSON on stdout."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
) -> None:
    """Merge overlapping flights into one layer and give each record a verdict."""
    from pydantic import ValidationError

    from rams.errors import RamsInputError
    from rams.survey import SurveyConfig, run_survey

    try:
        config = SurveyConfig(dedup_radius_m=dedup_radius_m, search_radius_m=search_radius_m)
    except ValidationError as exc:
        first = exc.errors()[0]
        option = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "an option"
        raise RamsInputError(None, f"{option}: {first['msg']}") from None
    result = run_survey(runs_root, out, records, config)
    s = result.summary
    if as_json:
        print_json(s)
        return
    typer.echo(f"{s['n_flights']} flight(s): {s['n_sha']} SHA(s) from {s['n_sha_flights']}, "
               f"{s['n_points']} mine point(s) from {s['n_points_flights']}")
    if result.assessments:
        counts = ", ".join(f"{v} {k}" for k, v in s["verdicts"].items())
        share = s["share_points_outside_records"]
        typer.echo(f"{s['n_records']} record(s): {counts}; "
                   f"{s['n_sha_unrecorded']} SHA(s) in no record; mines outside every record: "
                   f"{s['n_points_outside_records']}" + (f" ({100 * share:.0f} %)" if share is not None else ""))
    if not quiet:
        typer.echo(f"wrote {', '.join(sorted(result.files))} to {out}", err=True)


def register(app: typer.Typer) -> None:
    """Register ``survey`` on ``app``."""
    app.command("survey")(survey)
