"""Detector metrics on labelled tiles, as typed results.

:class:`BoxMetrics` comes from :func:`rams.detection.box_metrics.evaluate_predictions`
(training selects with it); :class:`TileReport` from the tile benchmark,
:func:`rams.evaluation.tiles.evaluate_tiles`. Both are read by ``rams benchmark tiles``,
training runs and the model card (:mod:`rams.detection.card`), which is why they live
here, below the benchmark.

``to_dict()`` gives the JSON form (report files under ``benchmarks/results/``, training
summaries): the keys and values written before the results were typed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class PrCurve:
    """Precision at the 101 COCO recall points (IoU 0.5, averaged over classes)."""

    recall: list[float]
    precision: list[float]


@dataclass(frozen=True)
class BoxMetrics:
    """Box detection metrics over a set of images.

    COCO matching; see :mod:`rams.detection.box_metrics`.

    Attributes:
        ap50: AP at IoU 0.5 (None without ground truth).
        ap50_95: AP averaged over IoU 0.50-0.95 (None without ground truth).
        ap_per_iou: AP at each IoU threshold, keyed ``"0.50"`` ... ``"0.95"``.
        precision, recall, f1: at the operating threshold, IoU 0.5.
        tp, fp, fn: counts there.
        n_images: images scored.
        n_objects: ground-truth objects.
        pr_curve: the precision-recall curve (None where left out of a report).
        bootstrapped: whether a bootstrap interval of AP50 was asked for.
        ap50_ci95: its 95 % interval over images (None when not asked for or no truth).
    """

    ap50: float | None
    ap50_95: float | None
    ap_per_iou: dict[str, float | None]
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    n_images: int
    n_objects: int
    pr_curve: PrCurve | None = None
    bootstrapped: bool = False
    ap50_ci95: tuple[float, float] | None = None

    def without_curve(self) -> BoxMetrics:
        """The same metrics without the precision-recall curve."""
        return replace(self, pr_curve=None)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``ap50_ci95`` only when bootstrapped, ``pr_curve`` only when kept."""
        out: dict[str, Any] = {"ap50": self.ap50}
        if self.bootstrapped:
            out["ap50_ci95"] = None if self.ap50_ci95 is None else list(self.ap50_ci95)
        out.update(ap50_95=self.ap50_95, ap_per_iou=dict(self.ap_per_iou), precision=self.precision,
                   recall=self.recall, f1=self.f1, tp=self.tp, fp=self.fp, fn=self.fn,
                   n_images=self.n_images, n_objects=self.n_objects)
        if self.pr_curve is not None:
            out["pr_curve"] = asdict(self.pr_curve)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BoxMetrics:
        """Read the JSON form back (e.g. a training summary's ``valid`` entry)."""
        curve = data.get("pr_curve")
        ci = data.get("ap50_ci95")
        return cls(
            ap50=data.get("ap50"), ap50_95=data.get("ap50_95"), ap_per_iou=dict(data.get("ap_per_iou") or {}),
            precision=data["precision"], recall=data["recall"], f1=data["f1"], tp=data["tp"], fp=data["fp"],
            fn=data["fn"], n_images=data["n_images"], n_objects=data["n_objects"],
            pr_curve=None if curve is None else PrCurve(list(curve["recall"]), list(curve["precision"])),
            bootstrapped="ap50_ci95" in data, ap50_ci95=None if ci is None else (ci[0], ci[1]),
        )


@dataclass(frozen=True)
class RecallAtFalseAlarms:
    """Recall reached while false alarms stay within a rate per hectare.

    Attributes:
        max_per_ha: the false-alarm rate allowed.
        recall: recall there (None without ground truth).
        threshold: the lowest score kept (None when nothing is).
        false_alarms: false alarms kept.
    """

    max_per_ha: float
    recall: float | None
    threshold: float | None
    false_alarms: int


@dataclass(frozen=True)
class FalseAlarms:
    """False alarms at the operating threshold.

    See :func:`rams.evaluation.tiles.false_alarm_report`.

    Attributes:
        false_alarms: detections at or above the threshold matching no object.
        false_alarms_per_image: per image scored.
        imaged_area_ha: ground area of the images, ha (None when the GSD is unknown).
        false_alarms_per_ha: per hectare of imaged ground (None when unknown).
        recall_at_fa_per_ha: recall within a false-alarm rate (None when unknown).
    """

    false_alarms: int
    false_alarms_per_image: float
    imaged_area_ha: float | None = None
    false_alarms_per_ha: float | None = None
    recall_at_fa_per_ha: RecallAtFalseAlarms | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class ConflictingGroup:
    """Byte-identical images whose labels disagree.

    Attributes:
        images: their file names.
        objects: labelled objects of each.
        label_files: whether each has a label file.
        kept: the image kept when deduplicating.
    """

    images: list[str]
    objects: list[int]
    label_files: list[bool]
    kept: str


@dataclass(frozen=True)
class DuplicateReport:
    """Byte-identical images of a split, and the metrics with one image per group.

    See :func:`rams.evaluation.tiles.duplicate_report`.

    Attributes:
        groups: groups of identical images.
        redundant_images: images beyond the first of each group.
        conflicting_groups: groups whose labels disagree.
        deduplicated: metrics with one image per group (None without duplicates).
        without_conflicts: metrics without the conflicting groups (None without duplicates).
    """

    groups: int
    redundant_images: int
    conflicting_groups: list[ConflictingGroup] = field(default_factory=list)
    deduplicated: BoxMetrics | None = None
    without_conflicts: BoxMetrics | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "groups": self.groups, "redundant_images": self.redundant_images,
            "conflicting_groups": [asdict(g) for g in self.conflicting_groups],
            "deduplicated": None if self.deduplicated is None else self.deduplicated.to_dict(),
            "without_conflicts": None if self.without_conflicts is None else self.without_conflicts.to_dict(),
        }


@dataclass(frozen=True)
class TileReport:
    """A detector scored on a labelled tile split (``rams benchmark tiles``).

    Attributes:
        tiles: the tile set folder.
        split: the split scored.
        threshold: the model's operating threshold.
        class_names: the model's classes.
        model: the model's name.
        set_class_names: the set's classes.
        ignored_set_classes: set classes the model lacks (scored as ignored regions).
        detections_on_ignored_objects: detections dropped on those.
        gsd_m: the set's GSD, metres (None when not used).
        gsd_source: where the GSD came from.
        model_gsd_m: the model's working GSD, metres (None without one).
        inference_precision: the network's mode.
        seconds: detection time.
        images_per_second: images scored per second.
        overall: metrics over every image of the split (with the PR curve).
        false_alarms: false alarms at the operating threshold.
        class_agnostic: metrics with every class merged into one (no curve).
        class_agnostic_false_alarms: false alarms with classes merged.
        conditions: metrics per condition of the file names (no curve), with false
            positives per image.
        duplicates: byte-identical images and the metrics with one image per group.
        pr_curve_png: the PR curve image written, or None.
    """

    tiles: str
    split: str
    threshold: float
    class_names: list[str]
    model: str | None
    set_class_names: list[str]
    ignored_set_classes: list[str]
    detections_on_ignored_objects: int
    gsd_m: float | None
    gsd_source: str
    model_gsd_m: float | None
    inference_precision: str
    seconds: float
    images_per_second: float
    overall: BoxMetrics
    false_alarms: FalseAlarms
    class_agnostic: BoxMetrics
    class_agnostic_false_alarms: FalseAlarms
    conditions: dict[str, tuple[BoxMetrics, float]]
    duplicates: DuplicateReport
    pr_curve_png: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form.

        Run details, the overall metrics and false alarms at the top level,
        ``class_agnostic`` (metrics and false alarms), ``conditions`` (with
        ``false_positives_per_image``), ``duplicates``, ``pr_curve_png`` when written.
        """
        out: dict[str, Any] = {
            "tiles": self.tiles, "split": self.split, "threshold": self.threshold,
            "class_names": list(self.class_names), "model": self.model,
            "set_class_names": list(self.set_class_names),
            "ignored_set_classes": list(self.ignored_set_classes),
            "detections_on_ignored_objects": self.detections_on_ignored_objects,
            "gsd_m": self.gsd_m, "gsd_source": self.gsd_source, "model_gsd_m": self.model_gsd_m,
            "inference_precision": self.inference_precision, "seconds": self.seconds,
            "images_per_second": self.images_per_second,
            **self.overall.to_dict(), **self.false_alarms.to_dict(),
            "class_agnostic": {**self.class_agnostic.to_dict(), **self.class_agnostic_false_alarms.to_dict()},
            "conditions": {name: {**m.to_dict(), "false_positives_per_image": fppi}
                           for name, (m, fppi) in self.conditions.items()},
            "duplicates": self.duplicates.to_dict(),
        }
        if self.pr_curve_png is not None:
            out["pr_curve_png"] = self.pr_curve_png
        return out


__all__ = [
    "BoxMetrics",
    "ConflictingGroup",
    "DuplicateReport",
    "FalseAlarms",
    "PrCurve",
    "RecallAtFalseAlarms",
    "TileReport",
]
