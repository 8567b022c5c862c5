"""Box metrics of a detector on labelled images: COCO matching, AP, best-F1 threshold.

Matching follows COCO: per image and class, detections in descending confidence each take
the unmatched ground-truth box of highest IoU if that IoU reaches the threshold. Average
precision uses COCO's 101-point interpolation,

    AP = 1/101 * sum over r in {0, 0.01, ..., 1} of max{precision(r') : r' >= r},

averaged over classes that have ground truth; AP50-95 averages AP over the IoU thresholds
0.50, 0.55, ..., 0.95. Precision, recall and F1 are reported at the model's operating
threshold with IoU 0.5.

Training selects its model and operating threshold with these; the tile benchmark
(:mod:`rams.evaluation.tiles`) reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rams.detection.tile_metrics import BoxMetrics, PrCurve

IOU_THRESHOLDS = np.round(np.arange(0.5, 0.96, 0.05), 2)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
BOOTSTRAP_RESAMPLES = 1000
"""Image resamples behind the AP50 intervals of :func:`evaluate_tiles` (fixed seed)."""


@dataclass
class ImageTruth:
    """Ground truth of one image: boxes (N, 4) ``x0, y0, x1, y1`` pixels, classes (N,)."""

    boxes: np.ndarray
    classes: np.ndarray


@dataclass
class ImagePrediction:
    """Detections of one image: boxes (N, 4), scores (N,), classes (N,)."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise IoU of boxes ``x0, y0, x1, y1``: (N, 4), (M, 4) -> (N, M)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = ix * iy
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def match_detections(
    det_boxes: np.ndarray, det_scores: np.ndarray, gt_boxes: np.ndarray, iou_threshold: float
) -> np.ndarray:
    """Greedy COCO matching of one image and class.

    Returns:
        (N,) bool: True where the detection (in the given order) is a true positive.
    """
    tp = np.zeros(len(det_scores), bool)
    if len(det_scores) == 0 or len(gt_boxes) == 0:
        return tp
    iou = box_iou(det_boxes, gt_boxes)
    taken = np.zeros(len(gt_boxes), bool)
    for i in np.argsort(-det_scores, kind="stable"):
        cand = np.where(taken, -1.0, iou[i])
        j = int(np.argmax(cand))
        if cand[j] >= iou_threshold:
            taken[j] = True
            tp[i] = True
    return tp


def average_precision(scores: np.ndarray, tp: np.ndarray, n_gt: int) -> tuple[float, np.ndarray]:
    """COCO 101-point interpolated AP.

    Args:
        scores: (N,) confidences of all detections (any order).
        tp: (N,) whether each is a true positive.
        n_gt: number of ground-truth objects.

    Returns:
        ``(AP, precision at the 101 recall points)``; AP is NaN when ``n_gt`` is 0.
    """
    if n_gt == 0:
        return float("nan"), np.zeros(len(RECALL_POINTS))
    if len(scores) == 0:
        return 0.0, np.zeros(len(RECALL_POINTS))
    order = np.argsort(-np.asarray(scores), kind="mergesort")
    hits = np.asarray(tp, bool)[order]
    ctp = np.cumsum(hits)
    cfp = np.cumsum(~hits)
    recall = ctp / n_gt
    precision = ctp / np.maximum(ctp + cfp, 1)
    # Envelope: precision at recall r is the best precision at any recall >= r.
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    idx = np.searchsorted(recall, RECALL_POINTS, side="left")
    interp = np.where(idx < len(envelope), envelope[np.minimum(idx, len(envelope) - 1)], 0.0)
    return float(interp.mean()), interp


def ap50_bootstrap_interval(
    preds: Sequence[ImagePrediction], truths: Sequence[ImageTruth], num_classes: int,
    resamples: int = 1000, level: float = 0.95, seed: int = 0,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of AP50 over images.

    Images are drawn with replacement (a test set of a hundred frames gives AP50 to a few
    hundredths at best, and this says how many); matching is done once per image at IoU
    0.5, so a resample only re-sorts the detections it draws.

    Returns:
        ``(low, high)`` at ``level``, or None when no image has ground truth.
    """
    per_image: list[list[tuple[np.ndarray, np.ndarray, int]]] = []
    for p, t in zip(preds, truths, strict=True):
        row = []
        for k in range(num_classes):
            pm, tm = p.classes == k, t.classes == k
            row.append((p.scores[pm], match_detections(p.boxes[pm], p.scores[pm], t.boxes[tm], 0.5),
                        int(tm.sum())))
        per_image.append(row)
    if not any(n for row in per_image for _s, _t, n in row):
        return None
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(resamples):
        draw = rng.integers(0, len(per_image), len(per_image))
        aps = []
        for k in range(num_classes):
            n_gt = sum(per_image[i][k][2] for i in draw)
            if n_gt == 0:
                continue
            scores = np.concatenate([per_image[i][k][0] for i in draw])
            tp = np.concatenate([per_image[i][k][1] for i in draw])
            aps.append(average_precision(scores, tp, n_gt)[0])
        if aps:
            values.append(float(np.mean(aps)))
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return round(float(low), 5), round(float(high), 5)


def evaluate_predictions(
    preds: Sequence[ImagePrediction], truths: Sequence[ImageTruth], threshold: float,
    num_classes: int | None = None, *, bootstrap: int = 0,
) -> BoxMetrics:
    """Detection metrics over a set of images.

    Args:
        preds: detections per image (low-confidence ones included, for AP).
        truths: ground truth per image, same order.
        threshold: operating confidence threshold for precision, recall and F1.
        num_classes: classes to average over (default: all seen in truths).
        bootstrap: resamples for a 95 % interval of AP50 over images (0 = none).

    Returns:
        The metrics with the precision-recall curve, and the AP50 interval when
        ``bootstrap``; APs are None when there is no ground truth.
    """
    if num_classes is None:
        seen = [int(c) for t in truths for c in t.classes] + [int(c) for p in preds for c in p.classes]
        num_classes = max(seen) + 1 if seen else 1
    ap_iou: list[float] = []
    curve = np.zeros(len(RECALL_POINTS))
    for thr in IOU_THRESHOLDS:
        aps = []
        curves = []
        for k in range(num_classes):
            scores, tps, n_gt = [], [], 0
            for p, t in zip(preds, truths, strict=True):
                pm, tm = p.classes == k, t.classes == k
                n_gt += int(tm.sum())
                scores.append(p.scores[pm])
                tps.append(match_detections(p.boxes[pm], p.scores[pm], t.boxes[tm], float(thr)))
            if n_gt == 0:
                continue
            ap, prec = average_precision(np.concatenate(scores), np.concatenate(tps), n_gt)
            aps.append(ap)
            curves.append(prec)
        ap_iou.append(float(np.mean(aps)) if aps else float("nan"))
        if thr == 0.5 and curves:
            curve = np.mean(curves, axis=0)
    tp = fp = fn = 0
    for p, t in zip(preds, truths, strict=True):
        keep = p.scores >= threshold
        for k in range(num_classes):
            pm, tm = keep & (p.classes == k), t.classes == k
            hits = match_detections(p.boxes[pm], p.scores[pm], t.boxes[tm], 0.5)
            tp += int(hits.sum())
            fp += int((~hits).sum())
            fn += int(tm.sum()) - int(hits.sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n_obj = sum(len(t.classes) for t in truths)

    def _num(v: float) -> float | None:
        return None if np.isnan(v) else round(float(v), 5)

    ci = ap50_bootstrap_interval(preds, truths, num_classes, resamples=bootstrap) if bootstrap else None
    return BoxMetrics(
        ap50=_num(ap_iou[0]),
        ap50_95=_num(float(np.mean(ap_iou))) if n_obj else None,
        ap_per_iou={f"{thr:.2f}": _num(a) for thr, a in zip(IOU_THRESHOLDS, ap_iou, strict=True)},
        precision=round(precision, 5), recall=round(recall, 5), f1=round(f1, 5),
        tp=tp, fp=fp, fn=fn, n_images=len(truths), n_objects=n_obj,
        pr_curve=PrCurve(recall=[round(float(r), 3) for r in RECALL_POINTS],
                         precision=[round(float(p), 5) for p in curve]),
        bootstrapped=bool(bootstrap), ap50_ci95=ci,
    )


def best_f1_threshold(
    preds: Sequence[ImagePrediction], truths: Sequence[ImageTruth],
    candidates: Sequence[float] = tuple(np.round(np.arange(0.05, 0.951, 0.025), 3)),
    max_false_alarms_per_image: float | None = None,
) -> tuple[float, float]:
    """The confidence threshold of best F1 at IoU 0.5 (pick it on validation data only).

    Args:
        preds: detections per image.
        truths: truth per image.
        candidates: thresholds to try.
        max_false_alarms_per_image: when given, only thresholds whose false alarms per image
            stay within it compete on F1 (a false alarm costs a survey team a walk); when
            none does, the threshold with the fewest false alarms is returned.

    Returns:
        ``(threshold, F1 there)``.
    """
    best = (0.3, -1.0)
    fewest: tuple[int, float, float] | None = None  # (false alarms, threshold, F1): lowest wins
    for thr in candidates:
        tp = fp = fn = 0
        for p, t in zip(preds, truths, strict=True):
            keep = p.scores >= thr
            for k in np.unique(np.concatenate([p.classes, t.classes])).astype(int):
                pm, tm = keep & (p.classes == k), t.classes == k
                hits = match_detections(p.boxes[pm], p.scores[pm], t.boxes[tm], 0.5)
                tp += int(hits.sum())
                fp += int((~hits).sum())
                fn += int(tm.sum()) - int(hits.sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
        if fewest is None or (fp, thr) < fewest[:2]:
            fewest = (fp, float(thr), f1)
        if max_false_alarms_per_image is not None and fp > max_false_alarms_per_image * max(len(preds), 1):
            continue
        if f1 > best[1] + 1e-9:
            best = (float(thr), f1)
    if best[1] < 0 and fewest is not None:
        return fewest[1], fewest[2]
    return best


def same_truth(a: ImageTruth, b: ImageTruth, atol: float = 0.5) -> bool:
    """Same objects in any order: classes equal, boxes within ``atol`` (pixels by default)."""
    if a.boxes.shape != b.boxes.shape:
        return False
    order_a, order_b = np.lexsort(a.boxes.T), np.lexsort(b.boxes.T)
    return bool(np.allclose(a.boxes[order_a], b.boxes[order_b], atol=atol)
                and np.array_equal(a.classes[order_a], b.classes[order_b]))
