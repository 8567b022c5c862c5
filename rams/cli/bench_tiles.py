"""``rams benchmark tiles``: score a detector on a labelled YOLO tile split."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Register ``tiles`` on the ``benchmark`` sub-app."""

    @app.command("tiles")
    def tiles(
        tiles_dir: Path = typer.Argument(..., help="YOLO tile set (train/ valid/ test/)."),
        split: str = typer.Option("test", "--split", help="Split to score: train, valid or test."),
        model: str = typer.Option(..., "--model", help="Weights path or name in models/."),
        out: Path | None = typer.Option(None, "--out", help="Report JSON (default: benchmarks/results/tiles_<model>_<split>.json)."),
        precision: str = typer.Option("float32", "--precision", help="Inference precision: float32 or bfloat16."),
        gsd_m: float | None = typer.Option(None, "--gsd-m", min=1e-5, help="Ground sample distance of the set, metres (default: estimated from the labelled mines' physical size). Used by models with a working GSD."),
        class_map: str | None = typer.Option(None, "--class-map", help="Set class -> model class renames, e.g. 'pfm-1=PFM-1'; set classes the model lacks are scored as ignored regions."),
    ) -> None:
        """Precision, recall, F1, AP50, AP50-95, per-condition breakdown and a PR curve PNG."""
        from rich.console import Console
        from rich.table import Table

        from rams.detection.detector import PRECISIONS, load_detector, resolve_model_path
        from rams.errors import RamsInputError
        from rams.evaluation.tiles import evaluate_tiles

        if precision not in PRECISIONS:
            raise RamsInputError(None, f"--precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        detector = load_detector(model, precision=precision)
        if out is None:
            out = Path("benchmarks/results") / f"tiles_{resolve_model_path(model).stem}_{split}.json"
        png = out.with_suffix(".png")
        mapping = None
        if class_map:
            try:
                mapping = dict(pair.split("=", 1) for pair in class_map.split(",") if pair.strip())
            except ValueError:
                raise RamsInputError(None, f"--class-map must be 'a=B,c=D', not {class_map!r}") from None
        report = evaluate_tiles(tiles_dir, split, detector, out_json=out, out_png=png, gsd_m=gsd_m,
                                class_map=mapping)

        def f(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.3f}"

        table = Table(title=f"{tiles_dir} [{split}] with {report['model']} (threshold {report['threshold']:.3f})")
        for col in ("condition", "images", "objects", "AP50", "AP50-95", "P", "R", "F1", "FP/img"):
            table.add_column(col, justify="left" if col == "condition" else "right")
        rows = [("all", report), *list(report["conditions"].items())]
        for name, m in rows:
            fppi = m.get("false_positives_per_image", round(m["fp"] / max(m["n_images"], 1), 4))
            table.add_row(name, str(m["n_images"]), str(m["n_objects"]), f(m["ap50"]), f(m["ap50_95"]),
                          f(m["precision"]), f(m["recall"]), f(m["f1"]), f"{fppi:.3f}")
        def ci(m: dict) -> str:
            c = m.get("ap50_ci95")
            return "" if c is None else f" (95 % interval over images {c[0]:.3f}-{c[1]:.3f})"

        console = Console()
        console.print(table)
        console.print(f"AP50 {f(report['ap50'])}{ci(report)}")
        fa = report["false_alarms_per_image"]
        per_ha = report.get("false_alarms_per_ha")
        rfa = report.get("recall_at_fa_per_ha") or {}
        console.print(
            f"false alarms at the operating threshold: {fa:.3f} per image"
            + ("" if per_ha is None else f", {per_ha:.1f} per ha of imaged ground "
               f"({report['imaged_area_ha'] * 1e4:.0f} m² at {report['gsd_m'] * 100:.3f} cm GSD, {report['gsd_source']})")
            + ("" if rfa.get("recall") is None else
               f"; recall at <= {rfa['max_per_ha']:g} false alarm per ha: {rfa['recall']:.3f}"))
        agn = report["class_agnostic"]
        console.print(f"any mine class (class-agnostic): AP50 {f(agn['ap50'])}{ci(agn)}, P {f(agn['precision'])}, "
                      f"R {f(agn['recall'])}, {agn['false_alarms_per_image']:.3f} false alarms per image")
        if report["ignored_set_classes"]:
            console.print(f"set classes the model lacks, scored as ignored regions: {', '.join(report['ignored_set_classes'])} "
                          f"({report['detections_on_ignored_objects']} detection(s) on them not counted)")
        dup = report["duplicates"]
        if dup["groups"]:
            n_conf = len(dup["conflicting_groups"])
            console.print(
                f"[yellow]{dup['redundant_images']} image(s) of {split}/ are byte-identical copies of "
                f"others ({dup['groups']} group(s), {n_conf} with conflicting labels); the table counts "
                "every copy.[/yellow]"
            )
            for label, key in (("one image per group (labelled copy kept)", "deduplicated"),
                               ("groups with conflicting labels left out", "without_conflicts")):
                m = dup[key]
                console.print(f"  {label}: {m['n_images']} images, {m['n_objects']} objects, "
                              f"AP50 {f(m['ap50'])}{ci(m)}, AP50-95 {f(m['ap50_95'])}, P {f(m['precision'])}, "
                              f"R {f(m['recall'])}, F1 {f(m['f1'])}")
        console.print(f"report: {out}\nPR curve: {png}  ({report['images_per_second']} images/s)")
