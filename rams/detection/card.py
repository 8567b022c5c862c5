"""Model cards: a Markdown page next to each weights file (``models/NAME.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rams.atomic import write_text_atomic


def _metrics_table(rows: dict[str, dict[str, Any]]) -> list[str]:
    lines = ["| set | images | objects | AP50 | AP50-95 | precision | recall | F1 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, m in rows.items():
        def f(key: str, m: dict[str, Any] = m) -> str:
            v = m.get(key)
            return "n/a" if v is None else f"{v:.3f}"
        lines.append(f"| {name} | {m.get('n_images', '')} | {m.get('n_objects', '')} | {f('ap50')} | "
                     f"{f('ap50_95')} | {f('precision')} | {f('recall')} | {f('f1')} |")
    return lines


def _extra_augmentation(cfg: dict[str, Any]) -> str:
    """The real-ground augmentations a training config switched on, as a clause."""
    parts = []
    if cfg.get("copy_paste"):
        parts.append(f"copy-paste of real objects onto real images (p={cfg['copy_paste']}, up to "
                     f"{cfg.get('paste_max', 3)}, any angle, relit)")
    for key, name in (("blur_p", "blur"), ("jpeg_p", "JPEG re-compression"), ("shadow_p", "cast shadows")):
        if cfg.get(key):
            parts.append(f"{name} (p={cfg[key]})")
    if cfg.get("focus"):
        parts.append(f"object-centred crops (p={cfg['focus']})")
    return "; " + ", ".join(parts) if parts else ""


def write_model_card(
    path: str | Path, *, meta: dict[str, Any], summary: dict[str, Any], data: str,
    licence: str, test: dict[str, Any] | None = None, notes: list[str] | None = None,
) -> None:
    """Write a model card (atomically).

    Args:
        path: the ``.md`` path.
        meta: the weights' metadata (see :mod:`rams.detection.detector`).
        summary: the training summary of :func:`rams.detection.train.train_detector`.
        data: what the model was trained on (folders, seeds, sizes).
        licence: licence and attribution of the training data.
        test: held-out test report (overall and ``conditions``), or None.
        notes: further bullet points (caveats, contention during training, ...).
    """
    cfg = summary["config"]
    norm = meta["normalisation"]
    norm_text = ("each image standardised over its valid pixels (per band: subtract mean, divide "
                 "by standard deviation)" if norm["mode"] == "per_image" else
                 f"fixed per band: (x - {norm['mean']}) / {norm['std']} on 8-bit values")
    gsd = meta.get("input_gsd_m")
    minutes = summary["train_seconds"] / 60
    lines = [
        f"# {meta.get('name', Path(path).stem)}",
        "",
        "CenterNet-style detector (rams.detection.model.CenterNet): stride-4 heatmap per class "
        "plus box size and centre offset heads; plain 3x3 conv-BN-ReLU backbone to stride 32 "
        "with a feature-pyramid path back to stride 4.",
        "",
        "## Summary",
        "",
        f"- Weights: `{Path(path).with_suffix('.pt').name}`, SHA-256 `{summary.get('sha256', '')}` "
        f"(recorded in `{Path(path).with_suffix('.pt').name}.sha256`, checked on load)",
        f"- Classes: {', '.join(meta['class_names'])}",
        f"- Input: {meta['channels']} ({meta['in_channels']} band(s)), training size "
        f"{meta['img_size']} x {meta['img_size']} px",
        f"- Normalisation: {norm_text}",
        f"- Input GSD: {'unknown (oblique/close-range frames)' if gsd is None else f'{gsd * 100:.1f} cm'}",
        f"- Operating threshold: {meta['threshold']:.3f} (best F1 at IoU 0.5 on the validation split)",
        "- Inference: " + ("centre heatmap averaged over horizontal and vertical flips"
                           if meta.get("tta") else "single pass")
        + (f" ({meta['inference_selection']})" if meta.get("inference_selection") else ""),
        f"- Architecture: preset `{cfg['preset']}`, widths {meta['config']['widths']}, residual blocks "
        f"{meta['config']['blocks']}, head width {meta['config']['head_width']}; "
        f"{summary['parameters']:,} parameters",
        f"- Training: {summary['epochs_run']} epochs (selected epoch {summary['selected_epoch']} by "
        f"validation AP50), {summary['n_train']} training images, batch {cfg['batch_size']}, AdamW lr "
        f"{cfg['lr']}, cosine schedule, EMA weights, seed {cfg['seed']}, {cfg['threads']} CPU threads"
        + (", bfloat16 autocast forward passes" if cfg.get("precision") == "bfloat16" else "")
        + (f", 2x2 mosaic p={cfg['mosaic']}" if cfg.get("mosaic") else "")
        + (f", started from `{Path(cfg['init_from']).name}`" if cfg.get("init_from") else ""),
        f"- Training wall time: {summary['train_seconds']:.0f} s ({minutes:.1f} min)"
        + (f", budget {cfg['minutes']} min of {cfg.get('threads', 2)} dedicated cores (CPU time / threads)"
           if cfg.get("minutes") and cfg.get("budget_clock") == "cpu" else
           f", budget {cfg['minutes']} min wall" if cfg.get("minutes") else ""),
        "- Augmentation: horizontal/vertical flips, 90-degree rotations, scale "
        f"{cfg['scale_min']}-{cfg['scale_max']} with random crop/pad, brightness, contrast, gamma, "
        "colour gain (RGB), noise" + _extra_augmentation(cfg),
        "",
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
    rows: dict[str, dict[str, Any]] = {}
    if "valid" in summary:
        rows["validation (selection)"] = {**summary["valid"], "n_images": summary["valid"].get("n_images")}
    dup = (test or {}).get("duplicates") or {}
    if test is not None:
        rows["test (held out)"] = test
        if dup.get("groups"):
            rows["test, one image per group of identical files"] = dup["deduplicated"]
            rows["test, groups with conflicting labels left out"] = dup["without_conflicts"]
    lines += _metrics_table(rows) if rows else ["(no labelled evaluation data)"]
    if dup.get("groups"):
        lines += ["", (
            f"test/ holds {dup['redundant_images']} byte-identical "
            f"cop{'y' if dup['redundant_images'] == 1 else 'ies'} of other test images "
            f"({dup['groups']} groups, {len(dup['conflicting_groups'])} whose copies disagree on "
            "the labels); the first test row counts every copy, the others one image per group "
            "(the one with a label file) or none of the conflicting groups."
        )]
    if test is not None and test.get("conditions"):
        lines += ["", "Per condition (test):", ""]
        lines += _metrics_table(test["conditions"])
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    write_text_atomic(path, "\n".join(lines) + "\n")
