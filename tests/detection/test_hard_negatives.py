"""Hard-negative mining, hash-split selection and the false-alarm-budget threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rams.detection.augment import augment
from rams.detection.box_metrics import ImagePrediction, ImageTruth, best_f1_threshold
from rams.detection.hard_negatives import HardNegatives, false_alarm_centres
from rams.detection.sources import SourceSpec, _is_selection
from rams.detection.train_config import TrainConfig


def test_false_alarm_centres_skip_labelled_and_ignored_boxes() -> None:
    dets = np.array([[10, 10, 20, 20],    # on the mine
                     [23, 10, 33, 20],    # within the grown margin of the mine: a hit
                     [60, 60, 70, 70],    # bare ground
                     [100, 100, 110, 110]], np.float32)  # on an ignored casing
    scores = np.array([0.9, 0.5, 0.3, 0.8], np.float32)
    truth = np.array([[8, 8, 22, 22], [98, 98, 112, 112]], np.float32)
    pts = false_alarm_centres(dets, scores, truth, margin=0.5)
    assert pts.tolist() == [[65.0, 65.0]]
    # most confident first when several are free
    pts = false_alarm_centres(dets, np.array([0.9, 0.5, 0.3, 0.8], np.float32), truth[:1], 0.5)
    assert pts.tolist() == [[105.0, 105.0], [65.0, 65.0]]


class _FakeDetector:
    """Returns one detection at a fixed place per image (score 0.9)."""

    def __init__(self, where: dict[int, tuple[float, float]]) -> None:
        self.where = where
        self.calls: list[int] = []

    def predict_images(self, images: list[np.ndarray], *, min_score: float, batch_size: int) -> list:
        from types import SimpleNamespace

        out = []
        for img in images:
            k = int(img[0, 0, 0])
            self.calls.append(k)
            x, y = self.where[k]
            out.append(SimpleNamespace(boxes=np.array([[x - 4, y - 4, x + 4, y + 4]], np.float32),
                                       scores=np.array([0.9], np.float32)))
        return out


def test_mine_replaces_points_and_boosts_draw_weights() -> None:
    images = [np.full((64, 64, 3), k, np.uint8) for k in range(3)]
    boxes = [np.array([[0, 0, 8, 8]], np.float32), np.zeros((0, 4), np.float32),
             np.array([[30, 30, 40, 40]], np.float32)]
    hard = HardNegatives()
    det = _FakeDetector({0: (50, 50), 1: (20, 30), 2: (35, 35)})  # image 2's detection is a hit
    stats = hard.mine(det, images, boxes, np.array([0, 1, 2]))  # type: ignore[arg-type]
    assert stats == {"images": 3.0, "false_alarms": 2.0, "images_with_false_alarms": 2.0}
    assert sorted(hard.points) == [0, 1] and hard.points[1].tolist() == [[20.0, 30.0]]
    w = hard.draw_weights(np.ones(3), boost=1.0)
    assert w == pytest.approx([0.4, 0.4, 0.2])
    # a later round without false alarms on image 0 clears its points
    det.where[0] = (4, 4)
    hard.mine(det, images, boxes, np.array([0]))  # type: ignore[arg-type]
    assert sorted(hard.points) == [1]


def test_augment_centres_crops_on_hard_points() -> None:
    rng = np.random.default_rng(3)
    img = np.zeros((512, 512, 3), np.uint8)
    img[400:408, 100:108] = 255  # the look-alike the model fired on
    pts = np.array([[104.0, 404.0]], np.float32)
    hits = 0
    for _ in range(20):
        x, b, c = augment(img, np.zeros((0, 4), np.float32), np.zeros(0, np.int64), 64, rng,
                          (1.0, 1.0), hard_points=pts, hard_p=1.0)
        hits += int(x.max() - np.median(x) > 80)
        assert len(b) == len(c) == 0
    assert hits == 20
    misses = 0
    for _ in range(20):
        x, _b, _c = augment(img, np.zeros((0, 4), np.float32), np.zeros(0, np.int64), 64, rng,
                            (1.0, 1.0), hard_points=pts, hard_p=0.0)
        misses += int(x.max() - np.median(x) > 80)
    assert misses < 5  # random crops rarely find it


def test_selection_fraction_is_a_stable_name_hash() -> None:
    spec = SourceSpec(Path("x"), select_fraction=0.2)
    names = [f"F{k % 4}_tile_{k}.jpg" for k in range(2000)]
    chosen = [n for n in names if _is_selection(n, spec)]
    assert 0.17 < len(chosen) / len(names) < 0.23
    assert chosen == [n for n in reversed(names) if _is_selection(n, spec)][::-1]
    for flight in range(4):  # every flight gives its share
        own = [n for n in names if n.startswith(f"F{flight}_")]
        assert 0.14 < sum(_is_selection(n, spec) for n in own) / len(own) < 0.26
    assert not any(_is_selection(n, SourceSpec(Path("x"))) for n in names)
    assert _is_selection("F3_a.jpg", SourceSpec(Path("x"), select_prefixes=("F3",)))


def test_threshold_under_a_false_alarm_budget() -> None:
    # 10 images: one mine each, found at 0.9; 6 false alarms at 0.5 and 2 at 0.7
    truths, preds = [], []
    for k in range(10):
        truths.append(ImageTruth(np.array([[0, 0, 10, 10]], np.float32), np.array([0])))
        boxes, scores = [[0, 0, 10, 10]], [0.9]
        if k < 6:
            boxes.append([50, 50, 60, 60])
            scores.append(0.5)
        if k < 2:
            boxes.append([80, 80, 90, 90])
            scores.append(0.7)
        preds.append(ImagePrediction(np.array(boxes, np.float32), np.array(scores, np.float32),
                                     np.zeros(len(scores), np.int64)))
    thr, f1 = best_f1_threshold(preds, truths, candidates=(0.4, 0.6, 0.8))
    assert thr == 0.8 and f1 == 1.0
    thr, _ = best_f1_threshold(preds, truths, candidates=(0.4, 0.6))
    assert thr == 0.6  # best F1 alone: 2 false alarms beat 8
    thr, _ = best_f1_threshold(preds, truths, candidates=(0.4, 0.6), max_false_alarms_per_image=0.1)
    assert thr == 0.6  # 0.2 per image breaks the budget at both: the fewest false alarms wins
    thr, _ = best_f1_threshold(preds, truths, candidates=(0.4, 0.6), max_false_alarms_per_image=1.0)
    assert thr == 0.6
    assert TrainConfig().hard_negative_every == 0  # off unless a recipe asks
