"""One training run from a folder: YOLO tile set or flights, then evaluation and model card."""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from rams.atomic import check_output_files
from rams.core.devices import MINE_SIZE_M
from rams.detection.card import write_model_card
from rams.detection.copy_paste import MineBank
from rams.detection.detector import load_detector
from rams.detection.flight_tiles import find_flights, load_flight_tiles
from rams.detection.metadata import DetectorMetadata
from rams.detection.precision import PRECISIONS
from rams.detection.sources import LoadedSource, SourceSpec, load_source, read_sources_file
from rams.detection.tile_metrics import TileReport
from rams.detection.train import TileSet, load_yolo_tiles, train_detector
from rams.detection.train_config import WORKING_GSD_IMG_SIZE, TrainConfig
from rams.detection.yolo import class_names as yolo_class_names
from rams.detection.yolo import read_split, split_dir, split_overlap_report
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


def check_config(config: TrainConfig, source: str | Path | None = None) -> None:
    """Refuse training settings that cannot run (before any data is loaded).

    Raises:
        RamsInputError: an input size that is not a multiple of 32, a mosaic probability
            outside [0, 1], an unknown precision, budget clock, decoy style or preset, missing
            starting or pretrained weights, pretrained weights for a preset without an
            EfficientNet-Lite0 trunk, ``frozen_blocks`` outside 0-11, a negative
            ``backbone_lr_scale``, a learning rate that is not a positive number.
    """
    if config.img_size % 32:
        raise RamsInputError(source, f"--img-size must be a multiple of 32, got {config.img_size}")
    if not (math.isfinite(config.lr) and config.lr > 0):
        raise RamsInputError(source, f"--lr must be a positive number, got {config.lr}")
    if not 0.0 <= config.mosaic <= 1.0:
        raise RamsInputError(source, f"--mosaic must be a probability in [0, 1], got {config.mosaic}")
    if config.precision not in PRECISIONS:
        raise RamsInputError(source, f"--precision must be one of {', '.join(PRECISIONS)}, not {config.precision!r}")
    if config.budget_clock not in ("wall", "cpu"):
        raise RamsInputError(source, f"--budget-clock must be wall or cpu, not {config.budget_clock!r}")
    from rams.detection.copy_paste import DECOY_STYLES

    if config.decoy_style not in DECOY_STYLES:
        raise RamsInputError(source, f"decoy_style must be one of {', '.join(DECOY_STYLES)}, not {config.decoy_style!r}")
    if config.init_from is not None and not Path(config.init_from).is_file():
        raise RamsInputError(config.init_from, "weights to start from do not exist")
    from rams.detection.lite_trunk import BLOCKS, resolve_pretrained
    from rams.detection.model import PRESETS

    if config.preset not in PRESETS:
        raise RamsInputError(source, f"preset must be one of {', '.join(PRESETS)}, not {config.preset!r}")
    lite = PRESETS[config.preset].get("backbone") == "efficientnet_lite0"
    if config.pretrained is not None:
        if config.init_from is not None:
            raise RamsInputError(source, "give pretrained (a new trunk from ImageNet weights) or init_from "
                                         "(trained weights to continue), not both")
        if not lite:
            raise RamsInputError(source, f"pretrained weights need preset lite0, not {config.preset!r}")
        weights = resolve_pretrained(config.pretrained)
        if not weights.is_file():
            raise RamsInputError(weights, "no such pretrained weights file")
    if not 0 <= config.frozen_blocks <= len(BLOCKS):
        raise RamsInputError(source, f"frozen_blocks must be 0 to {len(BLOCKS)}, got {config.frozen_blocks}")
    if config.frozen_blocks and config.pretrained is None and config.init_from is None:
        raise RamsInputError(source, "frozen_blocks without pretrained or init_from would freeze random weights")
    if config.init_from is None and not lite and (config.frozen_blocks or config.backbone_lr_scale != 1.0):
        raise RamsInputError(source, f"frozen_blocks and backbone_lr_scale apply to preset lite0, not {config.preset!r}")
    if config.backbone_lr_scale < 0:
        raise RamsInputError(source, f"backbone_lr_scale must be >= 0, got {config.backbone_lr_scale}")


def train_from_folder(
    tiles_dir: str | Path, out: str | Path, *, channels: str = "thermal",
    config: TrainConfig | None = None, class_names: list[str] | None = None, progress: bool = True,
    background_per_flight: int = 60, tiles_per_mine: int = 3,
) -> dict[str, Any]:
    """Train on ``tiles_dir`` and write ``out`` (.pt), its ``.sha256`` and ``NAME.md``.

    A YOLO set trains on ``train/``, selects on ``valid/`` (if present) and reports on
    ``test/`` (if present; never used for choices). A folder of flights trains on all but
    the last flight (sorted by name) and selects on the last.

    Args:
        tiles_dir: a YOLO tile set or a folder of flights with ``truth.geojson``.
        out: weights path (``.pt``).
        channels: "thermal" or "rgb".
        config: training settings (default: :class:`TrainConfig` ()).
        class_names: class names overriding ``data.yaml`` (or the device classes for flights).
        progress: rich progress bars.
        background_per_flight: flights: random background tiles per flight.
        tiles_per_mine: flights: tiles cut around each mine.

    Raises:
        RamsInputError: missing folder, no images or flights, bad labels, bad options.
    """
    config = config or TrainConfig()
    root = Path(tiles_dir)
    out = Path(out)
    if channels not in CHANNELS:
        raise RamsInputError(None, f"--channels must be one of {sorted(CHANNELS)}, not {channels!r}")
    check_config(config)
    if out.suffix != ".pt":
        raise RamsInputError(out, "weights file name must end in .pt")
    check_output_files(out, out.with_suffix(".pt.sha256"), out.with_suffix(".md"))
    if not root.is_dir():
        raise RamsInputError(root, "tile folder does not exist")
    img_size, seed, threads = config.img_size, config.seed, config.threads
    notes: list[str] = []
    test_report: TileReport | None = None
    t0 = time.perf_counter()
    if _is_yolo_set(root):
        samples = read_split(root, "train")
        listed = yolo_class_names(root, samples)
        if class_names and len(class_names) != len(listed):
            raise RamsInputError(None, f"--class-names gives {len(class_names)} name(s) for the "
                                       f"{len(listed)} class(es) of {root} ({', '.join(listed)})")
        names = class_names or listed
        train = load_yolo_tiles(root, "train", CHANNELS[channels], img_size)
        valid = None
        for split in ("valid", "val"):
            try:
                split_dir(root, split)
            except RamsInputError:
                continue
            valid = load_yolo_tiles(root, split, CHANNELS[channels], img_size)
            break
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
                             config=config, meta_extra=meta_extra, progress=progress, started=t0)
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
    write_model_card(out.with_suffix(".md"), meta=DetectorMetadata.from_dict(summary["meta"]), summary=summary, data=data,
                     licence=licence, test=test_report, notes=notes)
    summary["test"] = None if test_report is None else test_report.to_dict()
    return summary


def _resolve_sources(sources: list[SourceSpec] | list[str | Path]) -> list[SourceSpec]:
    return [s if isinstance(s, SourceSpec) else SourceSpec(Path(s)) for s in sources]


def train_from_sources(
    sources: list[SourceSpec] | list[str | Path], out: str | Path, *, working_gsd_m: float,
    class_names: list[str] | None = None, config: TrainConfig | None = None,
    withheld: list[dict[str, Any]] | None = None, max_input_gsd_factor: float = 5.0,
    background_per_flight: int = 60, tiles_per_mine: int = 3, progress: bool = True,
    recipe_path: str | Path | None = None,
) -> dict[str, Any]:
    """Train an RGB detector on several sources resampled to one working GSD.

    Each source (:class:`~rams.detection.sources.SourceSpec`) is read at ``working_gsd_m``;
    its training images are drawn in proportion to its ``weight``; real (YOLO) images are
    copy-paste ground and give the objects pasted (:class:`~rams.detection.copy_paste.MineBank`);
    images of YOLO sources whose names start with a ``select_prefixes`` entry (a training
    flight), or the ``select_fraction`` of them drawn by name hash, choose the epoch and the operating threshold. ``withheld`` sets are scored
    after training, never used for a choice, and reported in the model card.

    Args:
        sources: source specs (or folders, with defaults).
        out: weights path (``.pt``); ``NAME.md`` (model card) is written beside it.
        working_gsd_m: the model's GSD, metres.
        class_names: the project classes to learn (default: the device classes).
        config: training settings (default: :class:`TrainConfig` ()).
        withheld: ``[{"path", "split", "gsd_m" (optional)}]`` YOLO splits to report on.
        max_input_gsd_factor: coarsest supported input GSD over the working GSD (5: the
            shipped recipe's model keeps precision 0.93 and recall 0.56 on the withheld real
            flight degraded to 5x its working GSD, 2.5 cm, and falls to 0.83 / 0.40 at 6x;
            ``benchmarks/bench_rgb_gsd.py``).
        background_per_flight: flights: random background tiles per flight.
        tiles_per_mine: flights: tiles cut around each mine.
        progress: rich progress bars.
        recipe_path: the recipe file, named in the model card.

    Raises:
        RamsInputError: a source that cannot be read, no training image, bad options.
    """
    config = config or TrainConfig()
    out = Path(out)
    if out.suffix != ".pt":
        raise RamsInputError(out, "weights file name must end in .pt")
    check_output_files(out, out.with_suffix(".pt.sha256"), out.with_suffix(".md"))
    check_config(config)
    names = class_names or list(MINE_SIZE_M)
    specs = _resolve_sources(sources)
    t0 = time.perf_counter()
    loaded: list[LoadedSource] = []
    # data loading (resampling every real tile, generating or reading synthetic flights) takes
    # a minute or more: a bar over the sources on stderr
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), disable=not progress, transient=True) as bar:
        task = bar.add_task("loading training sources", total=len(specs))
        for spec in specs:
            bar.update(task, description=f"loading {spec.description or spec.path.name}")
            loaded.append(load_source(spec, names, working_gsd_m=working_gsd_m, tile_px=config.img_size,
                                      seed=config.seed, background_per_flight=background_per_flight,
                                      tiles_per_mine=tiles_per_mine))
            bar.advance(task)
    train, select = TileSet(), TileSet()
    bank = MineBank()
    total = sum(len(src.train) for src in loaded)
    weight_sum = sum(src.spec.weight for src in loaded if len(src.train))
    for src in loaded:
        real = src.spec.resolved_kind() == "yolo"
        train.extend(src.train, share=total * src.spec.weight / weight_sum, paste_ground=real,
                     class_balance=config.class_balance)
        select.extend(src.select)
        if real:
            for img, b, c in zip(src.train.images, src.train.boxes, src.train.classes, strict=True):
                bank.add_from(img, b, c)
    if not len(train):
        raise RamsInputError(None, "no training images in these sources")
    load_s = time.perf_counter() - t0
    log.info("loaded %d training and %d selection images in %.0f s; %d objects for copy-paste",
             len(train), len(select), load_s, len(bank))
    meta_extra: dict[str, Any] = {
        "input_gsd_m": working_gsd_m,
        "max_input_gsd_m": round(working_gsd_m * max_input_gsd_factor, 6),
        "sources": [_source_record(src) for src in loaded],
    }
    summary = train_detector(train, select if len(select) else None, out=out, channels="rgb",
                             class_names=names, config=config, meta_extra=meta_extra,
                             progress=progress, bank=bank, started=t0)
    summary["load_seconds"] = round(load_s, 1)
    reports: dict[str, TileReport] = {}
    detector = load_detector(out)
    for entry in withheld or []:
        from rams.evaluation.tiles import evaluate_tiles

        key = f"{Path(entry['path']).name}/{entry.get('split', 'valid')}"
        rep = evaluate_tiles(entry["path"], entry.get("split", "valid"), detector,
                             gsd_m=entry.get("gsd_m"))
        reports[key] = rep
    summary["withheld"] = {key: rep.to_dict() for key, rep in reports.items()}
    _write_sources_card(out, summary, loaded, reports, working_gsd_m, recipe_path, len(bank))
    return summary


def _source_record(src: LoadedSource) -> dict[str, Any]:
    return {
        "path": src.spec.path.name, "kind": src.spec.resolved_kind(),
        "gsd_m": round(src.gsd_m, 6), "gsd_estimated": src.gsd_estimated,
        "weight": src.spec.weight, "images": len(src.train), "selection_images": len(src.select),
        "objects": src.counts, "classes": src.spec.classes,
        "select_prefixes": list(src.spec.select_prefixes),
        "select_fraction": src.spec.select_fraction,
        "licence": src.spec.licence,
    }


def _write_sources_card(
    out: Path, summary: dict[str, Any], loaded: list[LoadedSource], reports: dict[str, TileReport],
    working_gsd_m: float, recipe_path: str | Path | None, n_bank: int,
) -> None:
    meta = DetectorMetadata.from_dict(summary["meta"])
    max_input_gsd_m = meta.max_input_gsd_m
    assert max_input_gsd_m is not None  # set by train_from_sources
    lines = [f"The model works at {working_gsd_m * 100:.2f} cm GSD: every source is resampled to it "
             "(area averaging) before crops are cut. It accepts orthomosaics from any finer GSD up to "
             f"{max_input_gsd_m * 100:.2f} cm (resampled to {working_gsd_m * 100:.2f} cm); the "
             "pipeline refuses to run it on coarser imagery.", "",
             "| source | kind | GSD | training images | objects | selection images | weight | licence |",
             "|---|---|---|---:|---|---:|---:|---|"]
    for src in loaded:
        gsd = f"{src.gsd_m * 100:.3f} cm" + (" (estimated from labelled object sizes)" if src.gsd_estimated else "")
        objs = ", ".join(f"{k} {v}" for k, v in sorted(src.counts.items())) or "none"
        desc = src.spec.description or src.spec.path.name
        lines.append(f"| {desc} | {src.spec.resolved_kind()} | {gsd} | {len(src.train)} | {objs} | "
                     f"{len(src.select)} | {src.spec.weight:g} | {src.spec.licence or 'not stated'} |")
    lines += ["", f"{n_bank} real labelled objects were available for copy-paste onto real ground."]
    for src in loaded:
        if src.spec.classes:
            mapping = ", ".join(f"{k} -> {v}" for k, v in src.spec.classes.items())
            lines.append(f"Class mapping of `{src.spec.path.name}`: {mapping} (ignored objects are "
                         "neither targets nor background in the loss, and are not scored).")
        if src.spec.select_prefixes:
            lines.append(f"Selection (epoch and operating threshold): images of `{src.spec.path.name}` "
                         f"named {', '.join(src.spec.select_prefixes)}* (held out of training).")
        if src.spec.select_fraction > 0:
            lines.append(f"Selection (epoch and operating threshold): {src.spec.select_fraction:.0%} of the "
                         f"images of every flight of `{src.spec.path.name}`, chosen by a hash of the file "
                         "name (held out of training).")
    if recipe_path is not None:
        lines.append(f"Recipe: `{recipe_path}`.")
    notes = [f"Data loading took {summary['load_seconds']:.0f} s before training; training used "
             f"{summary['cpu_seconds'] / 60:.1f} min of process CPU time over "
             f"{summary['config']['threads']} threads ({_precision_text(summary)})."]
    test = None
    for key, rep in reports.items():
        m, fa = rep.overall, rep.false_alarms
        ci = None if m.ap50_ci95 is None else list(m.ap50_ci95)
        notes.append(
            f"Withheld `{key}` (never used for training or selection), at the operating threshold: "
            f"AP50 {m.ap50} (95 % interval over images {ci}), precision "
            f"{m.precision}, recall {m.recall}, {fa.false_alarms_per_image} false alarms per image "
            f"({fa.false_alarms_per_ha} per ha of imaged ground, GSD {rep.gsd_m} m "
            f"{rep.gsd_source}); recall at <= 1 false alarm per ha "
            f"{None if fa.recall_at_fa_per_ha is None else fa.recall_at_fa_per_ha.recall}; any-mine "
            f"(class-agnostic) AP50 {rep.class_agnostic.ap50}.")
        test = rep if test is None else test
    write_model_card(out.with_suffix(".md"), meta=meta, summary=summary, data="\n".join(lines),
                     licence="per source, in the table above", test=test, notes=notes)


def train_from_recipe(
    recipe: str | Path | None, extra_sources: list[Path], out: str | Path, *,
    working_gsd_m: float | None = None, overrides: dict[str, Any] | None = None,
    class_names: list[str] | None = None, background_per_flight: int = 60,
    tiles_per_mine: int = 3, progress: bool = True,
) -> dict[str, Any]:
    """``rams train --recipe FILE`` / ``--working-gsd-m``.

    A recipe file, plus sources and settings given on the command line (which win over the
    file's).

    Raises:
        RamsInputError: unreadable recipe, no sources, bad settings.
    """
    data: dict[str, Any] = {"sources": []}
    if recipe is not None:
        data = read_sources_file(recipe)
    specs: list[SourceSpec] = [*data["sources"], *(SourceSpec(Path(p)) for p in extra_sources)]
    if not specs:
        raise RamsInputError(recipe, "no training sources")
    gsd = working_gsd_m or data.get("working_gsd_m")
    if gsd is None:
        raise RamsInputError(recipe, "a working GSD is needed (working_gsd_m in the recipe or --working-gsd-m)")
    settings = {"img_size": WORKING_GSD_IMG_SIZE, **(data.get("train") or {}), **(overrides or {})}
    known = set(TrainConfig.__dataclass_fields__)
    unknown = sorted(set(settings) - known)
    if unknown:
        raise RamsInputError(recipe, f"unknown training setting(s): {', '.join(unknown)}")
    config = TrainConfig(**settings)
    check_config(config, recipe)
    withheld = [{**w, "path": str((Path(recipe).parent / w["path"]).resolve()) if recipe else w["path"]}
                for w in data.get("withheld") or []]
    return train_from_sources(
        specs, out, working_gsd_m=float(gsd), class_names=class_names or data.get("classes"),
        config=config, withheld=withheld, background_per_flight=background_per_flight,
        tiles_per_mine=tiles_per_mine, progress=progress, recipe_path=recipe,
    )


def _precision_text(summary: dict[str, Any]) -> str:
    """The precision training ran in, and why (``auto`` resolved for the CPU)."""
    choice = summary.get("precision_choice") or {}
    return f"{choice.get('precision', summary['config']['precision'])}: {choice.get('reason', 'as requested')}"
