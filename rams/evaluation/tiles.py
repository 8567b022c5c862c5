"""Detector evaluation on labelled tiles (YOLO-format sets): the tile benchmark.

The metrics themselves (COCO matching, AP50, AP50-95, best-F1 threshold) live in
:mod:`rams.detection.box_metrics`, where training uses them too.
Precision, recall and F1 are reported at the model's operating threshold with IoU 0.5.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rams.atomic import atomic_path, check_output_files, write_json_atomic
from rams.core.devices import normalise_class_name
from rams.detection.box_metrics import (
    BOOTSTRAP_RESAMPLES,
    ImagePrediction,
    ImageTruth,
    evaluate_predictions,
    match_detections,
    same_truth,
)
from rams.detection.tile_metrics import (
    BoxMetrics,
    ConflictingGroup,
    DuplicateReport,
    FalseAlarms,
    RecallAtFalseAlarms,
    TileReport,
)
from rams.detection.yolo import identical_image_groups
from rams.errors import RamsInputError
from rams.evaluation.conditions import ConditionScheme, conditions_for_set

if TYPE_CHECKING:
    from rams.detection.yolo import YoloSample

def duplicate_report(
    samples: Sequence[YoloSample], preds: Sequence[ImagePrediction], truths: Sequence[ImageTruth],
    threshold: float, num_classes: int | None = None, *, bootstrap: int = 0,
) -> DuplicateReport:
    """Byte-identical images in a split, and the metrics with one image per group.

    A split can hold exact copies of an image; when a copy has no label file while the
    original has boxes, the split says the same pixels both hold and do not hold an
    object, and every detection of that object scores once as a true positive and once
    per copy as a false positive. The headline metrics keep every image as the split
    lists it; this report adds:

    * ``deduplicated``: one image per group of identical files, the kept one being the
      first by name among those with a label file (a missing label file is the weaker
      evidence: it is also what copying only the image leaves behind);
    * ``without_conflicts``: every image of a group whose labels disagree left out.

    Args:
        samples: :class:`rams.detection.yolo.YoloSample` of the split (``image``,
            ``has_label_file``), in the order of ``preds`` and ``truths``.
        preds: detections per image.
        truths: ground truth per image.
        threshold: operating threshold for precision, recall and F1.
        num_classes: classes to average AP over.
        bootstrap: resamples for AP50 intervals (see :func:`evaluate_predictions`).

    Returns:
        The groups, and the two metrics (as :func:`evaluate_predictions`, without the
        curve; None when the split has no duplicate).
    """
    groups = identical_image_groups([s.image for s in samples])
    drop: set[int] = set()
    conflicting: set[int] = set()
    conflicts = []
    for idx in groups:
        with_file = [i for i in idx if samples[i].has_label_file]
        kept = with_file[0] if with_file else idx[0]
        drop.update(i for i in idx if i != kept)
        if not all(same_truth(truths[idx[0]], truths[i]) for i in idx[1:]):
            conflicting.update(idx)
            conflicts.append(ConflictingGroup(
                images=[samples[i].image.name for i in idx],
                objects=[len(truths[i].boxes) for i in idx],
                label_files=[samples[i].has_label_file for i in idx],
                kept=samples[kept].image.name,
            ))
    if not groups:
        return DuplicateReport(0, len(drop), conflicts)

    def without(left_out: set[int]) -> BoxMetrics:
        keep = [i for i in range(len(samples)) if i not in left_out]
        return evaluate_predictions([preds[i] for i in keep], [truths[i] for i in keep],
                                    threshold, num_classes, bootstrap=bootstrap).without_curve()

    return DuplicateReport(len(groups), len(drop), conflicts, without(drop), without(conflicting))


def write_pr_curve_png(path: str | Path, curves: dict[str, dict[str, list[float]]], title: str) -> None:
    """Plot precision-recall curves (IoU 0.5) to a PNG, atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.5), dpi=110)
    for label, c in curves.items():
        ax.plot(c["recall"], c["precision"], label=label)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def false_alarm_report(
    preds: Sequence[ImagePrediction], truths: Sequence[ImageTruth], threshold: float,
    image_areas_m2: Sequence[float] | None, *, max_per_ha: float = 1.0,
) -> FalseAlarms:
    """False alarms at the operating threshold, per image and per hectare.

    A false alarm is a detection at or above ``threshold`` that matches no ground-truth
    object of its class at IoU 0.5 (COCO matching, as for precision). With the images'
    ground areas known, it also gives the recall reached while false alarms stay at or
    below ``max_per_ha`` per hectare of imaged ground: detections are ranked by confidence
    over the whole set and the ranking is cut where the false alarms so far first exceed
    ``max_per_ha * imaged hectares`` (COCO matching is greedy by confidence, so whether a
    detection is a hit does not depend on the cut).

    Args:
        preds: detections per image (low-confidence ones included).
        truths: ground truth per image.
        threshold: operating threshold.
        image_areas_m2: ground area of each image, m² (None when the GSD is unknown).
        max_per_ha: false-alarm rate for the recall figure.

    Returns:
        The false alarms; per hectare and the recall within ``max_per_ha`` only with
        ``image_areas_m2``.
    """
    scores, hits = [], []
    n_gt = 0
    fa = 0
    for p, t in zip(preds, truths, strict=True):
        for k in np.unique(np.concatenate([p.classes, t.classes])).astype(int):
            pm, tm = p.classes == k, t.classes == k
            n_gt += int(tm.sum())
            h = match_detections(p.boxes[pm], p.scores[pm], t.boxes[tm], 0.5)
            scores.append(p.scores[pm])
            hits.append(h)
            fa += int((~h & (p.scores[pm] >= threshold)).sum())
    per_image = round(fa / max(len(truths), 1), 4)
    if image_areas_m2 is None:
        return FalseAlarms(fa, per_image)
    area_ha = float(np.sum(image_areas_m2)) / 1e4
    sc = np.concatenate(scores) if scores else np.zeros(0)
    ht = np.concatenate(hits) if hits else np.zeros(0, bool)
    order = np.argsort(-sc, kind="mergesort")
    cfp = np.cumsum(~ht[order])
    allowed = max_per_ha * area_ha
    cut = int(np.searchsorted(cfp, allowed, side="right"))  # first index where fp > allowed
    # Ties: a threshold keeps every detection of equal score, so back off to a score change.
    while 0 < cut < len(order) and sc[order[cut]] == sc[order[cut - 1]]:
        cut -= 1
    tp = int(ht[order[:cut]].sum())
    recall = RecallAtFalseAlarms(
        max_per_ha=max_per_ha,
        recall=round(tp / n_gt, 5) if n_gt else None,
        threshold=None if cut == 0 else round(float(sc[order[cut - 1]]), 5),
        false_alarms=int(cfp[cut - 1]) if cut else 0,
    )
    return FalseAlarms(fa, per_image, round(area_ha, 8), round(fa / max(area_ha, 1e-12), 2), recall)


def _class_index(set_names: Sequence[str], model_names: Sequence[str],
                 class_map: dict[str, str] | None) -> list[int]:
    """Model class index of each class of a tile set, -1 for classes the model lacks.

    Classes the model lacks are scored as ignored regions. Names match up to case and
    punctuation; a set whose names match none of the model's keeps the identity (a model
    trained on that very set with other names).
    """
    by_norm = {normalise_class_name(n): i for i, n in enumerate(model_names)}
    set_norm = {normalise_class_name(n) for n in set_names}
    for key, value in (class_map or {}).items():
        if normalise_class_name(key) not in set_norm:
            raise RamsInputError(None, f"--class-map renames {key!r}, not a class of the tile set "
                                       f"({', '.join(set_names)})")
        if normalise_class_name(value) not in by_norm:
            raise RamsInputError(None, f"--class-map maps {key!r} to {value!r}, not a class of the model "
                                       f"({', '.join(model_names)})")
    class_map = {n: v for k, v in (class_map or {}).items() for n in set_names
                 if normalise_class_name(n) == normalise_class_name(k)}
    mapped = [by_norm.get(normalise_class_name((class_map or {}).get(n, n)), -1) for n in set_names]
    if all(m < 0 for m in mapped) and not class_map and len(set_names) <= len(model_names):
        return list(range(len(set_names)))
    return mapped


def _drop_ignored(pred: ImagePrediction, ignore_boxes: np.ndarray) -> tuple[ImagePrediction, int]:
    """Remove detections whose centre lies in an ignored box; return how many went."""
    if not len(ignore_boxes) or not len(pred.scores):
        return pred, 0
    cx = (pred.boxes[:, 0] + pred.boxes[:, 2]) / 2
    cy = (pred.boxes[:, 1] + pred.boxes[:, 3]) / 2
    inside = ((cx[:, None] >= ignore_boxes[None, :, 0]) & (cx[:, None] <= ignore_boxes[None, :, 2])
              & (cy[:, None] >= ignore_boxes[None, :, 1]) & (cy[:, None] <= ignore_boxes[None, :, 3])).any(1)
    keep = ~inside
    return ImagePrediction(pred.boxes[keep], pred.scores[keep], pred.classes[keep]), int(inside.sum())


def _agnostic_predictions(preds: Sequence[ImagePrediction]) -> list[ImagePrediction]:
    """The same detections, every class merged into one ("a mine")."""
    return [ImagePrediction(p.boxes, p.scores, np.zeros_like(p.classes)) for p in preds]


def _agnostic_truths(truths: Sequence[ImageTruth]) -> list[ImageTruth]:
    """The same truth, every class merged into one."""
    return [ImageTruth(t.boxes, np.zeros_like(t.classes)) for t in truths]


def evaluate_tiles(
    root: str | Path, split: str, detector: Any, *, out_json: str | Path | None = None,
    out_png: str | Path | None = None, batch_size: int = 8, gsd_m: float | None = None,
    class_map: dict[str, str] | None = None, conditions: ConditionScheme | str | None = None,
) -> TileReport:
    """Run a detector over a YOLO tile split and score it, overall and per condition.

    A model with a working GSD (``input_gsd_m``) sees each image resampled from the set's
    GSD (``gsd_m``, or estimated from the physical size of the labelled classes) to its
    own; a model without one sees images resized to its training size. Set classes are
    matched to model classes by name (``class_map`` renames set classes first); a set class
    the model lacks (e.g. cassette casings) becomes an ignored region: detections centred
    on it count neither way.

    Args:
        root: YOLO tile set folder.
        split: "train", "valid" or "test".
        detector: a :class:`rams.detection.detector.Detector`.
        out_json: where to write the report (atomically), or None.
        out_png: where to write the precision-recall curve, or None.
        batch_size: images per forward pass.
        gsd_m: the set's ground sample distance, metres (None: estimate from labels).
        class_map: set class name -> model class name, where the names differ.
        conditions: how file names give the per-condition breakdown: a scheme, a
            registered scheme's name, or None for the set's own (its ``data.yaml``
            marker, else a scheme that recognises it, else none; see
            :mod:`rams.evaluation.conditions`).

    Returns:
        The report (:class:`~rams.detection.tile_metrics.TileReport`; ``out_json`` gets its
        ``to_dict()``): overall metrics over every image of the split, false alarms per
        image and per hectare (:func:`false_alarm_report`), class-agnostic metrics (any
        mine class counts), per condition, duplicates (byte-identical images and the
        metrics with one image per group, see :func:`duplicate_report`), and run details.

    Raises:
        RamsInputError: missing split folder, no images, undecodable image, a GSD that
            is needed and cannot be estimated, or an unknown conditions scheme.
    """
    from rams.detection.yolo import class_names as set_class_names
    from rams.detection.yolo import read_split

    check_output_files(*(p for p in (out_json, out_png) if p is not None))
    scheme = conditions if isinstance(conditions, ConditionScheme) else conditions_for_set(root, conditions)
    samples = read_split(root, split)
    names = set_class_names(root, samples)
    to_model = _class_index(names, detector.class_names, class_map)
    gsd_m, gsd_source = _set_gsd(root, detector, samples, names, gsd_m)
    t0 = time.perf_counter()
    preds, truths, areas, n_ignored_dets = _predict_split(detector, samples, to_model, gsd_m, batch_size)
    seconds = time.perf_counter() - t0
    n_classes = len(detector.class_names)
    threshold = detector.threshold
    overall = evaluate_predictions(preds, truths, threshold, n_classes, bootstrap=BOOTSTRAP_RESAMPLES)
    areas_or_none = areas if gsd_m is not None else None
    agn_p, agn_t = _agnostic_predictions(preds), _agnostic_truths(truths)
    condition_metrics, curves = _by_condition(samples, preds, truths, scheme, threshold, n_classes)
    curves = {"all": overall.pr_curve, **curves}
    report = TileReport(
        tiles=str(Path(root)), split=split, threshold=threshold,
        class_names=detector.class_names, model=detector.meta.get("name"),
        set_class_names=names,
        ignored_set_classes=[n for n, k in zip(names, to_model, strict=True) if k < 0],
        detections_on_ignored_objects=n_ignored_dets,
        gsd_m=None if gsd_m is None else round(float(gsd_m), 6), gsd_source=gsd_source,
        model_gsd_m=getattr(detector, "input_gsd_m", None),
        inference_precision=getattr(detector, "precision", "float32"),
        seconds=round(seconds, 2), images_per_second=round(len(samples) / max(seconds, 1e-9), 2),
        overall=overall, false_alarms=false_alarm_report(preds, truths, threshold, areas_or_none),
        class_agnostic=evaluate_predictions(agn_p, agn_t, threshold, 1, bootstrap=BOOTSTRAP_RESAMPLES).without_curve(),
        class_agnostic_false_alarms=false_alarm_report(agn_p, agn_t, threshold, areas_or_none),
        conditions=condition_metrics,
        duplicates=duplicate_report(samples, preds, truths, threshold, n_classes, bootstrap=BOOTSTRAP_RESAMPLES),
    )
    if out_png is not None:
        write_pr_curve_png(out_png, {k: asdict(c) for k, c in curves.items() if c is not None},
                           f"{Path(root).name} / {split}: PR at IoU 0.5")
        report = replace(report, pr_curve_png=str(out_png))
    if out_json is not None:
        write_json_atomic(out_json, report.to_dict())
    return report


def _set_gsd(
    root: str | Path, detector: Any, samples: list[Any], names: list[str], gsd_m: float | None
) -> tuple[float | None, str]:
    """The set's GSD for a model with a working GSD (given, or estimated from labels), and its source."""
    from rams.errors import RamsInputError

    if getattr(detector, "input_gsd_m", None) is None:
        return gsd_m, "not used (model has no working GSD)"
    if gsd_m is not None:
        return gsd_m, "given"
    from rams.detection.sources import estimate_gsd_m, labelled_box_sides

    estimated = estimate_gsd_m(labelled_box_sides(samples, names))
    if estimated is None:
        raise RamsInputError(root, "the model works at a fixed GSD and this set's GSD is unknown: "
                             "give --gsd-m (no labelled class of known physical size)")
    return estimated, "estimated from the physical size of labelled objects"


def _predict_split(
    detector: Any, samples: list[Any], to_model: list[int], gsd_m: float | None, batch_size: int
) -> tuple[list[ImagePrediction], list[ImageTruth], list[float], int]:
    """Detections and truths of every image, ground areas, and detections dropped on ignored objects.

    A model with a working GSD sees each image resampled from ``gsd_m`` to its own; set
    classes mapped to -1 (``to_model``) are ignored regions.
    """
    from rams.detection.yolo import load_image

    at_gsd = getattr(detector, "input_gsd_m", None) is not None
    preds: list[ImagePrediction] = []
    truths: list[ImageTruth] = []
    areas: list[float] = []
    n_ignored = 0
    for start in range(0, len(samples), batch_size):
        chunk = samples[start:start + batch_size]
        images = [load_image(s.image, detector.in_channels) for s in chunk]
        if at_gsd:
            assert gsd_m is not None
            dets = detector.predict_at_gsd(images, gsd_m, min_score=0.01, batch_size=batch_size)
        else:
            dets = detector.predict_tile_images(images, min_score=0.01, batch_size=batch_size)
        for s, img, d in zip(chunk, images, dets, strict=True):
            h, w = img.shape[:2]
            b = s.boxes
            xyxy = np.stack([(b[:, 0] - b[:, 2] / 2) * w, (b[:, 1] - b[:, 3] / 2) * h,
                             (b[:, 0] + b[:, 2] / 2) * w, (b[:, 1] + b[:, 3] / 2) * h], 1).reshape(-1, 4)
            cls = np.array([to_model[int(k)] for k in s.classes], np.int64).reshape(-1)
            pred, dropped = _drop_ignored(ImagePrediction(d.boxes, d.scores, d.classes), xyxy[cls < 0])
            n_ignored += dropped
            truths.append(ImageTruth(xyxy[cls >= 0], cls[cls >= 0]))
            preds.append(pred)
            if gsd_m is not None:
                areas.append(h * w * gsd_m * gsd_m)
    return preds, truths, areas, n_ignored


def _by_condition(
    samples: list[Any], preds: list[ImagePrediction], truths: list[ImageTruth], scheme: ConditionScheme,
    threshold: float, n_classes: int,
) -> tuple[dict[str, tuple[BoxMetrics, float]], dict[str, Any]]:
    """Metrics and false alarms per image for each condition, and the PR curves of those with objects."""
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(samples):
        groups.setdefault(scheme.parse(s.image.name), []).append(i)
    metrics: dict[str, tuple[BoxMetrics, float]] = {}
    curves: dict[str, Any] = {}
    for name in sorted(groups, key=_condition_order):
        idx = groups[name]
        m = evaluate_predictions([preds[i] for i in idx], [truths[i] for i in idx], threshold, n_classes,
                                 bootstrap=BOOTSTRAP_RESAMPLES)
        if m.n_objects:
            curves[name] = m.pr_curve
        metrics[name] = (m.without_curve(), round(m.fp / max(len(idx), 1), 4))
    return metrics, curves


def _condition_order(name: str) -> tuple[int, str]:
    m = re.match(r"(\d+) cm", name)
    return (int(m.group(1)), name) if m else (1000, name)
