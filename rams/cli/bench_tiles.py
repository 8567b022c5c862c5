"""``rams benchmark tiles``: score a detector on a labelled YOLO tile split."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from rams.cli.options import QUIET_HELP, InferencePrecision, Split, print_json, stderr, stdout
from rams.evaluation.conditions import condition_schemes

if TYPE_CHECKING:
    from rams.detection.tile_metrics import BoxMetrics


class _CountingDetector:
    """A detector whose batch predictions advance a progress bar (the scorer calls it per batch)."""

    def __init__(self, detector: Any, bar: Progress, task: Any) -> None:
        self._detector, self._bar, self._task = detector, bar, task

    def __getattr__(self, name: str) -> Any:
        return getattr(self._detector, name)

    def predict_at_gsd(self, images: list[Any], *args: Any, **kwargs: Any) -> Any:
        out = self._detector.predict_at_gsd(images, *args, **kwargs)
        self._bar.advance(self._task, len(images))
        return out

    def predict_tile_images(self, images: list[Any], *args: Any, **kwargs: Any) -> Any:
        out = self._detector.predict_tile_images(images, *args, **kwargs)
        self._bar.advance(self._task, len(images))
        return out


_CONDITIONS_HELP = "; ".join(f"{s.name} ({s.description})" for s in condition_schemes().values())


def register(app: typer.Typer) -> None:
    """Register ``tiles`` on the ``benchmark`` sub-app."""

    @app.command("tiles")
    def tiles(
        tiles_dir: Path = typer.Argument(..., help="YOLO tile set (train/ valid/ test/)."),
        split: Split = typer.Option(Split.test, "--split", help="Split to score."),
        model: str = typer.Option(..., "--model", help="Weights path or name in models/."),
        out: Path | None = typer.Option(None, "--out", "-o", help="Report JSON; the PR curve PNG goes beside it (default: benchmarks/results/tiles_<model>_<split>.json).", show_default=False),
        precision: InferencePrecision | None = typer.Option(None, "--precision", help="Inference precision; auto: the fastest mode this CPU runs accurately. Default: the detector's.", show_default=False),
        gsd_m: float | None = typer.Option(None, "--gsd-m", min=1e-5, max=1.0, help="Ground sample distance of the set, metres (default: estimated from the labelled mines' physical size). Used by models with a working GSD."),
        class_map: str | None = typer.Option(None, "--class-map", help="Set class -> model class renames, e.g. 'pfm-1=PFM-1'; set classes the model lacks are scored as ignored regions."),
        conditions: str | None = typer.Option(None, "--conditions", help=f"How the file names give the per-condition breakdown: {_CONDITIONS_HELP}. Default: the set's 'conditions:' key in data.yaml, else a scheme that recognises the set, else none.", show_default=False),
        as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout instead of tables."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    ) -> None:
        """Precision, recall, F1, AP50, AP50-95, per-condition breakdown and a PR curve PNG."""
        from rich.table import Table

        from rams.detection.detector import load_detector, resolve_model_path
        from rams.detection.yolo import read_split
        from rams.errors import RamsInputError
        from rams.evaluation.tiles import evaluate_tiles

        detector = load_detector(model) if precision is None else load_detector(model, precision=precision.value)
        if out is None:
            out = Path("benchmarks/results") / f"tiles_{resolve_model_path(model).stem}_{split.value}.json"
        png = out.with_suffix(".png")
        mapping = None
        if class_map:
            mapping = {}
            for pair in class_map.split(","):
                key, eq, value = (part.strip() for part in pair.partition("="))
                if not (key and eq and value) or key in mapping:
                    raise RamsInputError(None, f"--class-map must be 'a=B,c=D' with each set class once, "
                                               f"not {class_map!r}")
                mapping[key] = value
        n_images = len(read_split(tiles_dir, split.value))
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=stderr, disable=quiet, transient=True) as bar:
            task = bar.add_task(f"detecting on {split.value}/", total=n_images)
            report = evaluate_tiles(tiles_dir, split.value, _CountingDetector(detector, bar, task),
                                    out_json=out, out_png=png, gsd_m=gsd_m, class_map=mapping,
                                    conditions=conditions)
        if as_json:
            print_json(report.to_dict())
            return

        def f(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.3f}"

        table = Table(title=f"{tiles_dir} [{split.value}] with {report.model} (threshold {report.threshold:.3f})")
        for col in ("condition", "images", "objects", "AP50", "AP50-95", "P", "R", "F1", "FP/img"):
            table.add_column(col, justify="left" if col == "condition" else "right")
        overall = report.overall
        rows = [("all", overall, round(overall.fp / max(overall.n_images, 1), 4)),
                *((name, m, fppi) for name, (m, fppi) in report.conditions.items())]
        for name, m, fppi in rows:
            table.add_row(name, str(m.n_images), str(m.n_objects), f(m.ap50), f(m.ap50_95),
                          f(m.precision), f(m.recall), f(m.f1), f"{fppi:.3f}")

        def ci(m: BoxMetrics) -> str:
            c = m.ap50_ci95
            return "" if c is None else f" (95 % interval over images {c[0]:.3f}-{c[1]:.3f})"

        console = stdout
        console.print(table)
        console.print(f"AP50 {f(overall.ap50)}{ci(overall)}")
        fa = report.false_alarms
        rfa = fa.recall_at_fa_per_ha
        console.print(
            f"false alarms at the operating threshold: {fa.false_alarms_per_image:.3f} per image"
            + ("" if fa.false_alarms_per_ha is None or fa.imaged_area_ha is None or report.gsd_m is None
               else f", {fa.false_alarms_per_ha:.1f} per ha of imaged ground "
               f"({fa.imaged_area_ha * 1e4:.0f} m² at {report.gsd_m * 100:.3f} cm GSD, {report.gsd_source})")
            + ("" if rfa is None or rfa.recall is None else
               f"; recall at <= {rfa.max_per_ha:g} false alarm per ha: {rfa.recall:.3f}"))
        agn = report.class_agnostic
        console.print(f"any mine class (class-agnostic): AP50 {f(agn.ap50)}{ci(agn)}, P {f(agn.precision)}, "
                      f"R {f(agn.recall)}, {report.class_agnostic_false_alarms.false_alarms_per_image:.3f} "
                      "false alarms per image")
        if report.ignored_set_classes:
            console.print(f"set classes the model lacks, scored as ignored regions: {', '.join(report.ignored_set_classes)} "
                          f"({report.detections_on_ignored_objects} detection(s) on them not counted)")
        dup = report.duplicates
        if dup.groups:
            console.print(
                f"[yellow]{dup.redundant_images} image(s) of {split}/ are byte-identical copies of "
                f"others ({dup.groups} group(s), {len(dup.conflicting_groups)} with conflicting labels); the table counts "
                "every copy.[/yellow]"
            )
            for label, dm in (("one image per group (labelled copy kept)", dup.deduplicated),
                              ("groups with conflicting labels left out", dup.without_conflicts)):
                if dm is None:
                    continue
                console.print(f"  {label}: {dm.n_images} images, {dm.n_objects} objects, "
                              f"AP50 {f(dm.ap50)}{ci(dm)}, AP50-95 {f(dm.ap50_95)}, P {f(dm.precision)}, "
                              f"R {f(dm.recall)}, F1 {f(dm.f1)}")
        console.print(f"report: {out}\nPR curve: {png}  ({report.images_per_second} images/s)")
