"""Tile evaluation: IoU, COCO matching, 101-point AP (hand-worked), conditions, report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from rams.detection.box_metrics import (
    ImagePrediction,
    ImageTruth,
    ap50_bootstrap_interval,
    average_precision,
    best_f1_threshold,
    box_iou,
    evaluate_predictions,
    match_detections,
)
from rams.detection.yolo import identical_image_groups, split_overlap_report
from rams.errors import RamsInputError
from rams.evaluation.conditions import (
    NONE,
    ConditionScheme,
    condition_scheme,
    conditions_for_set,
    register_conditions,
)
from rams.evaluation.thermal_conditions import THERMAL_DEPTH, burial_depth_condition
from rams.evaluation.tiles import (
    duplicate_report,
    evaluate_tiles,
)


def test_box_iou() -> None:
    a = np.array([[0, 0, 2, 2]], float)
    b = np.array([[1, 1, 3, 3], [0, 0, 2, 2], [5, 5, 6, 6]], float)
    np.testing.assert_allclose(box_iou(a, b), [[1 / 7, 1.0, 0.0]])


def test_ap_hand_worked() -> None:
    # 3 objects; detections by score: TP, FP, TP. Recall 1/3, 1/3, 2/3; precision 1, 1/2, 2/3.
    # Envelope: 1 for r <= 1/3 (34 of the 101 points: 0.00..0.33), 2/3 for 0.34..0.66
    # (33 points), 0 beyond: AP = (34 * 1 + 33 * 2/3) / 101 = 56 / 101.
    ap, curve = average_precision(np.array([0.9, 0.8, 0.7]), np.array([True, False, True]), 3)
    assert ap == pytest.approx(56 / 101)
    assert curve[0] == 1.0 and curve[34] == pytest.approx(2 / 3) and curve[67] == 0.0
    assert np.isnan(average_precision(np.array([0.5]), np.array([False]), 0)[0])
    assert average_precision(np.array([]), np.array([], bool), 2)[0] == 0.0


def test_matching_is_greedy_by_score_and_one_to_one() -> None:
    gt = np.array([[0, 0, 10, 10]], float)
    dets = np.array([[1, 1, 10, 10], [0, 0, 10, 10]], float)
    tp = match_detections(dets, np.array([0.5, 0.9]), gt, 0.5)
    assert tp.tolist() == [False, True]  # the more confident one takes the object


def test_evaluate_predictions_perfect_and_threshold() -> None:
    gt = ImageTruth(np.array([[0, 0, 10, 10], [20, 20, 30, 30]], float), np.array([0, 0]))
    empty = ImageTruth(np.zeros((0, 4)), np.zeros(0, int))
    pred = ImagePrediction(np.array([[0, 0, 10, 10], [20, 20, 30, 30], [50, 50, 60, 60]], float),
                           np.array([0.9, 0.8, 0.2]), np.array([0, 0, 0]))
    fp_only = ImagePrediction(np.array([[1, 1, 5, 5]], float), np.array([0.1]), np.array([0]))
    m = evaluate_predictions([pred, fp_only], [gt, empty], threshold=0.5)
    assert m.ap50 == 1.0 and m.ap50_95 == 1.0
    assert (m.tp, m.fp, m.fn) == (2, 0, 0) and m.f1 == 1.0
    m = evaluate_predictions([pred, fp_only], [gt, empty], threshold=0.05)
    assert (m.tp, m.fp) == (2, 2) and m.precision == 0.5
    thr, f1 = best_f1_threshold([pred, fp_only], [gt, empty])
    assert 0.2 < thr <= 0.8 and f1 == 1.0


def test_burial_depth_condition_of_thermal_names() -> None:
    condition_of = burial_depth_condition
    assert condition_of("1104_Zone_4_Surface_Mine_0cm_depth__0-7m_x.jpg") == "0 cm (surface)"
    assert condition_of("119_Zone_9_Mine_10_cm_depth__1-5m.jpg") == "10 cm"
    assert condition_of("11006_Zone_7_Mine_5cm_depth__1-6m.jpg") == "5 cm"
    assert condition_of("807_Zone_2_Mine_1_cm_depth__1-0m.jpg") == "1 cm"
    assert condition_of("1139_Zone_6__free_zone__6-7m.jpg") == "no mine (free zone)"
    assert condition_of("783_min8_1m__0-4m.jpg") == "unknown"


def test_conditions_chosen_by_name_marker_recognition_or_none(tmp_path: Path) -> None:
    assert conditions_for_set(tmp_path) is NONE  # no data.yaml
    assert NONE.parse("1104_Zone_4_Surface_Mine_0cm_depth.jpg") == "unknown"
    (tmp_path / "data.yaml").write_text("names: ['mine']\n")
    assert conditions_for_set(tmp_path) is NONE
    assert conditions_for_set(tmp_path, "thermal-depth") is THERMAL_DEPTH  # the caller's choice
    # the thermal set as shipped: recognised from its Roboflow export fields
    (tmp_path / "data.yaml").write_text(
        "names: ['mine']\nroboflow:\n  workspace: xamurani\n  project: landmines_detection\n")
    assert conditions_for_set(tmp_path) is THERMAL_DEPTH
    assert conditions_for_set(tmp_path, "none") is NONE
    (tmp_path / "data.yaml").write_text("names: ['mine']\nconditions: none\n")
    assert conditions_for_set(tmp_path) is NONE
    (tmp_path / "data.yaml").write_text("names: ['mine']\nconditions: thermal-depth\n")
    assert conditions_for_set(tmp_path) is THERMAL_DEPTH
    (tmp_path / "data.yaml").write_text("names: ['mine']\nconditions: lanes\n")
    with pytest.raises(RamsInputError, match="unknown conditions scheme 'lanes'"):
        conditions_for_set(tmp_path)
    with pytest.raises(RamsInputError, match="known: none, thermal-depth"):
        condition_scheme("lanes")


def test_registered_scheme_is_chosen_by_the_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rams.evaluation import conditions

    monkeypatch.setattr(conditions, "_SCHEMES", dict(conditions.condition_schemes()))  # left as found
    lanes = ConditionScheme("test-lanes", lambda name: name.split("_")[0], "lane before the first _")
    register_conditions(lanes)
    (tmp_path / "data.yaml").write_text("names: ['mine']\nconditions: test-lanes\n")
    scheme = conditions_for_set(tmp_path)
    assert scheme is lanes and scheme.parse("north_001.jpg") == "north"


def test_evaluate_tiles_report(tmp_path: Path, make_yolo_set: Callable[..., Path]) -> None:
    from rams.detection.centernet import Detections
    from rams.detection.detector import load_detector, save_detector
    from rams.detection.model import CenterNet, model_config
    from rams.detection.yolo import read_split
    from rams.evaluation.tiles import evaluate_tiles

    root = make_yolo_set()
    meta = {"class_names": ["mine"], "channels": "rgb", "in_channels": 3, "img_size": 64,
            "normalisation": {"mode": "per_image"}, "input_gsd_m": None, "threshold": 0.3, "name": "m"}
    save_detector(tmp_path / "m.pt", CenterNet(model_config("small", 3, 1)), meta)
    detector = load_detector(tmp_path / "m.pt")
    # the random network is replaced by an oracle of known output: every labelled object
    # found (score 0.9) and one false alarm (score 0.5) on the first, object-free, image
    samples = read_split(root, "test")
    answers = []
    for s in samples:
        b = s.boxes * 64  # cx, cy, w, h of 64 px images
        boxes = np.stack([b[:, 0] - b[:, 2] / 2, b[:, 1] - b[:, 3] / 2, b[:, 0] + b[:, 2] / 2, b[:, 1] + b[:, 3] / 2], 1)
        answers.append(Detections(boxes.reshape(-1, 4).astype(np.float32), np.full(len(b), 0.9, np.float32),
                                  np.zeros(len(b), np.int64)))
    assert len(answers[0].boxes) == 0
    answers[0] = Detections(np.array([[5, 5, 15, 15]], np.float32), np.array([0.5], np.float32), np.zeros(1, np.int64))
    n_objects = sum(len(s.boxes) for s in samples)

    def oracle(images: list[np.ndarray], **_: object) -> list[Detections]:
        assert [i.shape for i in images] == [(64, 64, 3)] * len(images)
        return [answers.pop(0) for _ in images]

    detector.predict_tile_images = oracle  # type: ignore[method-assign]
    out = tmp_path / "r" / "report.json"
    report = evaluate_tiles(root, "test", detector, out_json=out, out_png=out.with_suffix(".png"))
    assert answers == []  # every image was predicted once
    saved = json.loads(out.read_text())
    assert saved["n_images"] == 4 and set(saved["conditions"]) == {"0 cm (surface)", "1 cm", "5 cm", "10 cm"}
    assert out.with_suffix(".png").stat().st_size > 1000
    assert saved["inference_precision"] == "float32" and saved["model"] == "m" and saved["threshold"] == 0.3
    assert report.overall.ap50 == pytest.approx(1.0)  # the false alarm ranks below every hit
    assert saved == json.loads(json.dumps(report.to_dict()))  # the file is the dict form
    assert (saved["tp"], saved["fp"], saved["fn"]) == (n_objects, 1, 0)
    assert saved["precision"] == pytest.approx(n_objects / (n_objects + 1), abs=1e-4) and saved["recall"] == 1.0
    assert saved["conditions"]["0 cm (surface)"]["fp"] == 1 and saved["conditions"]["5 cm"]["fp"] == 0
    low, high = saved["ap50_ci95"]
    assert low <= report.overall.ap50 <= high


def _truth(*boxes: list[float]) -> ImageTruth:
    arr = np.array(boxes, float).reshape(-1, 4)
    return ImageTruth(arr, np.zeros(len(arr), int))


def test_duplicate_report_counts_conflicting_copies_once(tmp_path: Path) -> None:
    """An unlabelled byte-identical copy of a labelled image: the same detection is a TP on
    the original and an FP on the copy in the raw metrics; one image per group restores it."""
    from rams.detection.yolo import YoloSample

    names = ["a.jpg", "a - Copy.jpg", "b.jpg", "c.jpg", "c2.jpg"]
    payloads = [b"image-a", b"image-a", b"image-b", b"image-c", b"image-c"]
    for name, data in zip(names, payloads, strict=True):
        (tmp_path / name).write_bytes(data)
    assert identical_image_groups([tmp_path / n for n in names]) == [[0, 1], [3, 4]]
    box_a, box_b, box_c = [10, 10, 30, 30], [40, 40, 60, 60], [5, 5, 25, 25]
    truths = [_truth(box_a), _truth(), _truth(box_b), _truth(box_c), _truth(box_c)]
    has_file = [True, False, True, True, True]
    samples = [YoloSample(tmp_path / n, t.boxes, t.classes, f)
               for n, t, f in zip(names, truths, has_file, strict=True)]
    # Identical pixels give identical detections: the copy of "a" repeats its detection.
    det = {0: box_a, 1: box_a, 2: box_b, 3: box_c, 4: box_c}
    score = {0: 0.85, 1: 0.85, 2: 0.9, 3: 0.8, 4: 0.8}
    preds = [ImagePrediction(np.array([det[i]], float), np.array([score[i]]), np.zeros(1, int))
             for i in range(5)]
    raw = evaluate_predictions(preds, truths, 0.5, 1)
    assert raw.fp == 1 and raw.ap50 is not None and raw.ap50 < 0.95
    rep = duplicate_report(samples, preds, truths, 0.5, 1)
    assert rep.groups == 2 and rep.redundant_images == 2
    assert len(rep.conflicting_groups) == 1  # "c" and its copy agree
    conflict = rep.conflicting_groups[0]
    assert conflict.kept == "a.jpg" and conflict.objects == [1, 0]
    assert conflict.label_files == [True, False]
    dedup, clean = rep.deduplicated, rep.without_conflicts
    assert dedup is not None and clean is not None
    assert dedup.n_images == 3 and dedup.n_objects == 3 and dedup.fp == 0
    assert dedup.ap50 == pytest.approx(1.0)
    assert clean.n_images == 3 and clean.n_objects == 3  # b, c, c2


def test_duplicate_report_without_duplicates(tmp_path: Path) -> None:
    from rams.detection.yolo import YoloSample

    for name in ("x.jpg", "y.jpg"):
        (tmp_path / name).write_bytes(name.encode())
    samples = [YoloSample(tmp_path / n, np.zeros((0, 4)), np.zeros(0, int)) for n in ("x.jpg", "y.jpg")]
    preds = [ImagePrediction(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int))] * 2
    rep = duplicate_report(samples, preds, [_truth(), _truth()], 0.5, 1)
    assert rep.to_dict() == {"groups": 0, "redundant_images": 0, "conflicting_groups": [],
                             "deduplicated": None, "without_conflicts": None}


def test_evaluate_tiles_flags_an_unlabelled_copy(tmp_path: Path, make_yolo_set: Callable[..., Path]) -> None:
    import shutil

    from rams.cli.main import main
    from rams.detection.detector import save_detector
    from rams.detection.model import CenterNet, model_config

    root = make_yolo_set()
    original = sorted((root / "test" / "images").glob("*.jpg"))[2]  # labelled, 1-2 objects
    shutil.copy(original, original.with_name(f"{original.stem} - Copy.jpg"))
    meta = {"class_names": ["mine"], "channels": "rgb", "in_channels": 3, "img_size": 64,
            "normalisation": {"mode": "per_image"}, "input_gsd_m": None, "threshold": 0.3, "name": "m"}
    save_detector(tmp_path / "m.pt", CenterNet(model_config("small", 3, 1)), meta)
    out = tmp_path / "report.json"
    assert main(["benchmark", "tiles", str(root), "--split", "test", "--model", str(tmp_path / "m.pt"),
                 "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    dup = report["duplicates"]
    assert report["n_images"] == 5 and dup["groups"] == 1 and dup["redundant_images"] == 1
    assert dup["conflicting_groups"][0]["kept"] == original.name
    assert dup["deduplicated"]["n_images"] == 4
    assert dup["deduplicated"]["n_objects"] == report["n_objects"]


def _scene(n: int, seed: int) -> tuple[list[ImagePrediction], list[ImageTruth]]:
    """``n`` images with one object each; detections hit it (score ~0.7) or miss it (~0.5)."""
    rng = np.random.default_rng(seed)
    preds, truths = [], []
    for _ in range(n):
        box = np.array([[10.0, 10.0, 30.0, 30.0]])
        hit = rng.random() < 0.7
        det = box if hit else box + 40.0
        preds.append(ImagePrediction(det, np.array([rng.uniform(0.5, 0.9) if hit else rng.uniform(0.3, 0.7)]),
                                     np.zeros(1, int)))
        truths.append(ImageTruth(box, np.zeros(1, int)))
    return preds, truths


def test_ap50_bootstrap_interval() -> None:
    preds, truths = _scene(60, 1)
    m = evaluate_predictions(preds, truths, 0.5, 1, bootstrap=400)
    assert m.ap50_ci95 is not None and m.ap50 is not None
    low, high = m.ap50_ci95
    assert low < m.ap50 < high and high - low > 0.05
    assert m.to_dict()["ap50_ci95"] == [low, high]
    assert ap50_bootstrap_interval(preds, truths, 1, resamples=400) == (low, high)  # fixed seed
    # Four times the images (same mix): the interval narrows by about half.
    big_p, big_t = _scene(240, 1)
    low4, high4 = ap50_bootstrap_interval(big_p, big_t, 1, resamples=400)
    assert (high4 - low4) < 0.7 * (high - low)
    # A perfect detector has no uncertainty; no ground truth gives no interval.
    perfect = [ImagePrediction(t.boxes, np.ones(1), t.classes) for t in truths]
    assert ap50_bootstrap_interval(perfect, truths, 1, resamples=50) == (1.0, 1.0)
    empty = [_truth()] * 3
    none = [ImagePrediction(np.zeros((0, 4)), np.zeros(0), np.zeros(0, int))] * 3
    assert ap50_bootstrap_interval(none, empty, 1, resamples=10) is None
    unbootstrapped = evaluate_predictions(preds, truths, 0.5, 1)
    assert unbootstrapped.ap50_ci95 is None and "ap50_ci95" not in unbootstrapped.to_dict()


def test_split_overlap_report(tmp_path: Path, make_yolo_set: Callable[..., Path]) -> None:
    import shutil


    root = make_yolo_set()
    assert split_overlap_report(root)["messages"] == []
    test_images = sorted((root / "test" / "images").glob("*.jpg"))
    shutil.copy(test_images[3], root / "train" / "images" / "leaked.jpg")  # no label file in train
    shutil.copy(test_images[2], test_images[2].with_name("copy.jpg"))  # unlabelled copy in test
    labels = root / "test" / "labels"
    shutil.copy(test_images[3], test_images[3].with_name("same.jpg"))  # copy with the same labels
    shutil.copy(labels / f"{test_images[3].stem}.txt", labels / "same.txt")
    rep = split_overlap_report(root)
    assert rep["images"] == {"train": 9, "valid": 4, "test": 6}
    assert rep["shared"] == {"train/test": 1}
    assert rep["within"] == {"test": {"redundant_images": 2, "conflicting_groups": 1}}
    assert len(rep["messages"]) == 2 and "train and test" in rep["messages"][0]


def test_false_alarm_report_hand_worked() -> None:
    from rams.evaluation.tiles import false_alarm_report

    truth = [ImageTruth(np.array([[0, 0, 10, 10]], np.float32), np.array([0])),
             ImageTruth(np.zeros((0, 4), np.float32), np.zeros(0, np.int64))]
    preds = [
        # a hit (0.9), a false alarm (0.6) and a low-confidence false alarm (0.2)
        ImagePrediction(np.array([[0, 0, 10, 10], [50, 50, 60, 60], [70, 70, 80, 80]], np.float32),
                        np.array([0.9, 0.6, 0.2], np.float32), np.array([0, 0, 0])),
        ImagePrediction(np.array([[5, 5, 15, 15]], np.float32), np.array([0.4], np.float32), np.array([0])),
    ]
    r = false_alarm_report(preds, truth, 0.3, [2500.0, 2500.0])  # two 50 x 50 m images = 0.5 ha
    assert r.false_alarms == 2 and r.false_alarms_per_image == 1.0
    assert r.imaged_area_ha == 0.5 and r.false_alarms_per_ha == 4.0
    # at most 1 per ha of 0.5 ha: no false alarm allowed -> cut after the 0.9 hit
    rfa = r.recall_at_fa_per_ha
    assert rfa is not None
    assert rfa.recall == 1.0 and rfa.false_alarms == 0 and rfa.threshold == pytest.approx(0.9)
    r2 = false_alarm_report(preds, truth, 0.3, [2500.0, 2500.0], max_per_ha=4.0)  # 2 allowed
    assert r2.recall_at_fa_per_ha is not None
    assert r2.recall_at_fa_per_ha.false_alarms == 2
    assert r2.recall_at_fa_per_ha.threshold == pytest.approx(0.4)
    assert false_alarm_report(preds, truth, 0.3, None).to_dict() == {
        "false_alarms": 2, "false_alarms_per_image": 1.0, "imaged_area_ha": None, "false_alarms_per_ha": None,
        "recall_at_fa_per_ha": None}


def test_evaluate_tiles_at_gsd_ignores_unknown_classes(tmp_path: Path) -> None:
    """A set with a class the model lacks (casings) is scored with those objects ignored."""
    from rams.detection.centernet import Detections

    root = tmp_path / "set"
    for split in ("valid",):
        (root / split / "images").mkdir(parents=True)
        (root / split / "labels").mkdir(parents=True)
    import cv2

    img = np.full((100, 100, 3), 90, np.uint8)
    cv2.imwrite(str(root / "valid" / "images" / "a.png"), img)
    # a 12 cm PFM-1 of 40 px (GSD 0.3 cm) and a casing
    (root / "valid" / "labels" / "a.txt").write_text("1 0.3 0.3 0.4 0.2\n0 0.75 0.75 0.3 0.3\n")
    (root / "data.yaml").write_text("names: ['ksf-casing', 'pfm-1']\n")

    class FakeDetector:
        in_channels = 3
        class_names: ClassVar[list[str]] = ["PFM-1", "TM-62"]
        threshold = 0.5
        input_gsd_m = 0.01
        meta: ClassVar[dict[str, str]] = {"name": "fake"}

        def predict_at_gsd(self, images: list[np.ndarray], gsd_m: float, **_: object) -> list[Detections]:
            assert gsd_m == pytest.approx(0.003)
            # the mine found; one detection on the casing; one false alarm
            boxes = np.array([[10, 20, 50, 40], [65, 65, 85, 85], [0, 80, 10, 90]], np.float32)
            return [Detections(boxes, np.array([0.9, 0.8, 0.7], np.float32), np.array([0, 0, 1]))]

    rep = evaluate_tiles(root, "valid", FakeDetector())
    assert rep.gsd_source.startswith("estimated") and rep.gsd_m == pytest.approx(0.003)
    assert rep.ignored_set_classes == ["ksf-casing"] and rep.detections_on_ignored_objects == 1
    assert rep.overall.tp == 1 and rep.overall.fp == 1 and rep.false_alarms.false_alarms_per_image == 1.0
    assert rep.false_alarms.imaged_area_ha == pytest.approx(100 * 100 * 0.003**2 / 1e4, rel=1e-3)
    assert rep.class_agnostic.tp == 1 and rep.class_agnostic.fp == 1


def test_a_class_map_that_names_no_class_is_refused() -> None:
    """A typo in --class-map would silently drop every object of the class from the score."""
    from rams.errors import RamsInputError
    from rams.evaluation.tiles import _class_index

    assert _class_index(["ksf-casing", "pfm-1"], ["PFM-1", "TM-62"], {"pfm-1": "PFM-1"}) == [-1, 0]
    assert _class_index(["ksf-casing", "pfm-1"], ["PFM-1", "TM-62"], {"PFM 1": "tm-62"}) == [-1, 1]
    with pytest.raises(RamsInputError, match=r"renames 'foo', not a class of the tile set \(ksf-casing, pfm-1\)"):
        _class_index(["ksf-casing", "pfm-1"], ["PFM-1"], {"foo": "PFM-1"})
    with pytest.raises(RamsInputError, match=r"maps 'pfm-1' to 'NOPE', not a class of the model \(PFM-1\)"):
        _class_index(["ksf-casing", "pfm-1"], ["PFM-1"], {"pfm-1": "NOPE"})


def test_an_output_that_is_a_folder_is_refused_before_any_work(tmp_path: Path) -> None:
    """Found at the end, the curve would be written and the report not (a half-written result)."""
    from rams.errors import RamsInputError

    (tmp_path / "taken").mkdir()
    with pytest.raises(RamsInputError, match="is a folder; an output file"):
        evaluate_tiles(tmp_path / "no-set", "valid", object(), out_json=tmp_path / "taken",
                       out_png=tmp_path / "taken.png")
    assert not (tmp_path / "taken.png").exists()
    (tmp_path / "file").write_text("x")
    with pytest.raises(RamsInputError, match=r"file: is a file, so .*sub\.json cannot be written below it"):
        evaluate_tiles(tmp_path / "no-set", "valid", object(), out_json=tmp_path / "file" / "sub.json")


def test_training_refuses_a_card_path_taken_by_a_folder_before_loading(tmp_path: Path) -> None:
    from rams.errors import RamsInputError
    from rams.training.run import train_from_sources

    (tmp_path / "m.md").mkdir()
    with pytest.raises(RamsInputError, match=r"m\.md: is a folder"):
        train_from_sources([tmp_path / "no-such-source"], tmp_path / "m.pt", working_gsd_m=0.005)
    assert not (tmp_path / "m.pt").exists()
