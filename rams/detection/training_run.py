"""One training run from a folder: YOLO tile set or flights, then evaluation and model card."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import yaml

from rams.detection.card import write_model_card
from rams.detection.detector import PRECISIONS, load_detector
from rams.detection.flight_tiles import MINE_SIZE_M, find_flights, load_flight_tiles
from rams.detection.train import TrainConfig, load_yolo_tiles, train_detector
from rams.detection.yolo import class_names as yolo_class_names
from rams.detection.yolo import read_split, split_dir
from rams.errors import RamsInputError

log = logging.getLogger(__name__)

CHANNELS = {"thermal": 1, "rgb": 3}


def _is_yolo_set(root: Path) -> bool:
    return (root / "train" / "images").is_dir()


def data_credit(root: Path) -> tuple[str, str]:
    """(description, licence/attribution) of a YOLO set from its data.yaml, if it says."""
    path = root / "data.yaml"
    licence = "not stated by the data set; check before redistributing the weights"
    desc = f"YOLO tile set `{root.name}`"
    if path.is_file():
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError:
            data = {}
        rf = data.get("roboflow") if isinstance(data, dict) else None
        if isinstance(rf, dict) and rf.get("project"):
            credit = f"{rf.get('workspace')}/{rf['project']}, Roboflow Universe"
            lic = rf.get("license")
            licence = f"{lic}; credit \"{credit}, {lic}\"" if lic else f"credit \"{credit}\""
            desc += f" ({credit}, version {rf.get('version', '?')})"
    return desc, licence


def train_from_folder(
    tiles_dir: str | Path, out: str | Path, *, channels: str = "thermal", epochs: int = 40,
    img_size: int = 320, minutes: float | None = None, budget_clock: str = "wall",
    max_wall_minutes: float | None = None, batch_size: int = 16, lr: float = 3e-3,
    preset: str = "small", seed: int = 0, threads: int = 2, class_names: list[str] | None = None,
    eval_every: int = 2, progress: bool = True, background_per_flight: int = 60,
    tiles_per_mine: int = 3, mosaic: float = 0.0, precision: str = "float32",
    init_from: str | Path | None = None,
) -> dict[str, Any]:
    """Train on ``tiles_dir`` and write ``out`` (.pt), its ``.sha256`` and ``NAME.md``.

    A YOLO set trains on ``train/``, selects on ``valid/`` (if present) and reports on
    ``test/`` (if present; never used for choices). A folder of flights trains on all but
    the last flight (sorted by name) and selects on the last.

    Raises:
        RamsInputError: missing folder, no images or flights, bad labels, bad options.
    """
    root = Path(tiles_dir)
    out = Path(out)
    if channels not in CHANNELS:
        raise RamsInputError(None, f"--channels must be one of {sorted(CHANNELS)}, not {channels!r}")
    if img_size % 32:
        raise RamsInputError(None, f"--img-size must be a multiple of 32, got {img_size}")
    if out.suffix != ".pt":
        raise RamsInputError(out, "weights file name must end in .pt")
    if not root.is_dir():
        raise RamsInputError(root, "tile folder does not exist")
    if not 0.0 <= mosaic <= 1.0:
        raise RamsInputError(None, f"--mosaic must be a probability in [0, 1], got {mosaic}")
    if precision not in PRECISIONS:
        raise RamsInputError(None, f"--precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if init_from is not None and not Path(init_from).is_file():
        raise RamsInputError(init_from, "weights to start from do not exist")
    if budget_clock not in ("wall", "cpu"):
        raise RamsInputError(None, f"--budget-clock must be wall or cpu, not {budget_clock!r}")
    config = TrainConfig(img_size=img_size, epochs=epochs, minutes=minutes, batch_size=batch_size,
                         lr=lr, preset=preset, seed=seed, threads=threads, eval_every=eval_every,
                         budget_clock=budget_clock, max_wall_minutes=max_wall_minutes,
                         mosaic=mosaic, precision=precision,
                         init_from=None if init_from is None else str(init_from))
    notes: list[str] = []
    test_report: dict[str, Any] | None = None
    t0 = time.perf_counter()
    if _is_yolo_set(root):
        samples = read_split(root, "train")
        names = class_names or yolo_class_names(root, samples)
        train = load_yolo_tiles(root, "train", CHANNELS[channels], img_size)
        valid = None
        for split in ("valid", "val"):
            try:
                split_dir(root, split)
            except RamsInputError:
                continue
            valid = load_yolo_tiles(root, split, CHANNELS[channels], img_size)
            break
        from rams.evaluation.tiles import split_overlap_report

        checks = split_overlap_report(root)
        for message in checks["messages"]:
            log.warning("%s: %s", root, message)
            notes.append(f"Data check: {message}.")
        data, licence = data_credit(root)
        data += (f": {len(train)} training images (`train/`)"
                 + (f", {len(valid)} validation images (`valid/`, model selection and threshold)" if valid else "")
                 + f"; images resized to {img_size} px.")
        meta_extra: dict[str, Any] = {"input_gsd_m": None}
    else:
        flights = find_flights(root, "rgb" if channels == "rgb" else "thermal")
        if not flights:
            raise RamsInputError(root, "neither a YOLO tile set (train/images) nor a folder of flights with truth.geojson")
        names = class_names or list(MINE_SIZE_M)
        train_flights = flights[:-1] if len(flights) > 1 else flights
        train, gsd = load_flight_tiles(train_flights, names, sensor=channels, tile_px=img_size,
                                       background_per_flight=background_per_flight,
                                       tiles_per_mine=tiles_per_mine, seed=seed)
        valid = None
        if len(flights) > 1:
            valid, _ = load_flight_tiles(flights[-1:], names, sensor=channels, tile_px=img_size,
                                         background_per_flight=background_per_flight,
                                         tiles_per_mine=1, seed=seed + 1)
        data = (f"Synthetic flights (rams.synth.generate_flight) {', '.join(f.name for f in train_flights)} "
                f"for training" + (f", {flights[-1].name} for selection" if valid else "")
                + f"; {len(train)} tiles of {img_size} px at {gsd * 100:.1f} cm GSD cut around mines, "
                "distractors and random background; boxes are squares of the device's physical size "
                f"({', '.join(f'{k} {v:.2f} m' for k, v in MINE_SIZE_M.items())}).")
        licence = "generated by rams (Apache-2.0); no third-party data"
        meta_extra = {"input_gsd_m": round(gsd, 5)}
    load_s = time.perf_counter() - t0
    summary = train_detector(train, valid, out=out, channels=channels, class_names=names,
                             config=config, meta_extra=meta_extra, progress=progress)
    summary["load_seconds"] = round(load_s, 1)
    notes.append(f"Data loading took {load_s:.0f} s before training; training used "
                 f"{summary['cpu_seconds'] / 60:.1f} min of process CPU time over {threads} threads.")
    if _is_yolo_set(root):
        try:
            split_dir(root, "test")
            has_test = True
        except RamsInputError:
            has_test = False
        if has_test:
            from rams.evaluation.tiles import evaluate_tiles

            test_report = evaluate_tiles(root, "test", load_detector(out))
    write_model_card(out.with_suffix(".md"), meta=summary["meta"], summary=summary, data=data,
                     licence=licence, test=test_report, notes=notes)
    summary["test"] = test_report
    return summary
