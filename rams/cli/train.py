"""``rams train``: train the CNN detector on a YOLO tile set or on flights with truth."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    """Register ``rams train`` on ``app``."""

    @app.command("train")
    def train(
        tiles_dir: Path = typer.Argument(..., help="YOLO tile set (train/ valid/ test/) or a folder of flights with truth.geojson."),
        out: Path = typer.Option(..., "--out", help="Weights file to write, e.g. models/NAME.pt."),
        channels: str = typer.Option("thermal", "--channels", help="thermal (1 band) or rgb (3 bands)."),
        epochs: int = typer.Option(40, "--epochs", min=1, help="Most epochs."),
        img_size: int = typer.Option(320, "--img-size", min=32, help="Training input side, pixels (multiple of 32)."),
        minutes: float | None = typer.Option(None, "--minutes", min=0.1, help="Time budget; the schedule completes within it."),
        budget_clock: str = typer.Option("wall", "--budget-clock", help="How --minutes is measured: wall, or cpu (CPU time / threads; fair on a shared machine)."),
        max_wall_minutes: float | None = typer.Option(None, "--max-wall-minutes", min=0.1, help="Hard wall-time cap whatever the budget clock."),
        batch_size: int = typer.Option(16, "--batch-size", min=1),
        lr: float = typer.Option(3e-3, "--lr"),
        preset: str = typer.Option("small", "--preset", help="Architecture preset: small or base."),
        seed: int = typer.Option(0, "--seed"),
        threads: int = typer.Option(2, "--threads", min=1),
        class_names: str | None = typer.Option(None, "--class-names", help="Comma-separated names overriding data.yaml."),
        eval_every: int = typer.Option(2, "--eval-every", min=1, help="Validate every N epochs."),
        background_tiles: int = typer.Option(60, "--background-tiles", min=0, help="Flights: random background tiles per flight."),
        tiles_per_mine: int = typer.Option(3, "--tiles-per-mine", min=1, help="Flights: jittered tiles cut around each mine."),
        mosaic: float = typer.Option(0.0, "--mosaic", help="Probability that a training sample is a 2x2 mosaic of four images (off for the last 15% of the schedule)."),
        precision: str = typer.Option("float32", "--precision", help="Forward-pass precision while training: float32 or bfloat16 (CPU autocast; weights stay float32)."),
        init_from: Path | None = typer.Option(None, "--init-from", help="Start from these weights (checksum-verified .pt) instead of random ones: a second stage, or fine-tuning on a new tile set."),
        no_progress: bool = typer.Option(False, "--no-progress", help="Plain log lines instead of progress bars."),
    ) -> None:
        """Train a detector; write weights, a .sha256 record and a model card (NAME.md)."""
        from rams.detection.training_run import train_from_folder

        train_from_folder(
            tiles_dir, out, channels=channels, epochs=epochs, img_size=img_size, minutes=minutes,
            budget_clock=budget_clock, max_wall_minutes=max_wall_minutes, batch_size=batch_size, lr=lr, preset=preset, seed=seed, threads=threads,
            class_names=None if class_names is None else [c.strip() for c in class_names.split(",") if c.strip()],
            eval_every=eval_every, progress=not no_progress,
            background_per_flight=background_tiles, tiles_per_mine=tiles_per_mine, mosaic=mosaic,
            precision=precision, init_from=init_from,
        )
