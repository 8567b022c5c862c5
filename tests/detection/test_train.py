"""Training smoke test and the train / benchmark CLI on a generated tile set."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from rams.cli.main import main
from rams.detection.augment import augment, mosaic
from rams.detection.detector import load_detector


def test_augment_keeps_boxes_on_objects() -> None:
    rng = np.random.default_rng(0)
    img = np.zeros((64, 64, 1), np.uint8)
    img[10:20, 30:50] = 255
    boxes = np.array([[30, 10, 50, 20]], np.float32)
    for _ in range(20):
        x, b, c = augment(img, boxes, np.array([0]), 64, rng)
        assert x.shape == (1, 64, 64) and len(b) == len(c)
        for x0, y0, x1, y1 in b.astype(int):
            inside = x[0, y0:y1, x0:x1]
            assert inside.size and inside.mean() > x[0].mean()


def test_mosaic_moves_boxes_with_their_images() -> None:
    rng = np.random.default_rng(1)
    images, boxes, classes = [], [], []
    for k in range(4):
        img = np.zeros((64, 64, 1), np.uint8)
        x0, y0 = int(rng.integers(0, 40)), int(rng.integers(0, 40))
        img[y0:y0 + 16, x0:x0 + 12] = 60 * (k + 1)
        images.append(img)
        boxes.append(np.array([[x0, y0, x0 + 12, y0 + 16]], np.float32))
        classes.append(np.array([k]))
    images[3] = np.repeat(np.repeat(images[3], 2, 0), 2, 1)  # other sizes are resized
    boxes[3] = boxes[3] * 2
    canvas, b, c = mosaic(images, boxes, classes)
    assert canvas.shape == (128, 128, 1) and list(c) == [0, 1, 2, 3]
    for (x0, y0, x1, y1), k in zip(b.astype(int), c, strict=True):
        patch = canvas[y0:y1, x0:x1, 0]
        assert patch.shape == (16, 12) and (patch == 60 * (k + 1)).all()
    for _ in range(20):  # and the canvas goes through augment like any image
        x, bb, cc = augment(canvas, b, c, 64, rng, (0.35, 1.4))
        assert len(bb) == len(cc)
        for x0, y0, x1, y1 in bb.astype(int):
            assert x[0, y0:y1, x0:x1].mean() > x[0].mean()


@pytest.mark.slow  # tens of seconds: CI runs it in its named slow subset (.ci/run)
def test_train_one_tiny_epoch_then_benchmark(yolo_set: Path, tmp_path: Path) -> None:
    import shutil

    labelled = sorted((yolo_set / "test" / "images").glob("*.jpg"))[2]
    shutil.copy(labelled, labelled.with_name(f"{labelled.stem} - Copy.jpg"))  # no label file
    out = tmp_path / "models" / "tiny.pt"
    rc = main(["train", str(yolo_set), "--out", str(out), "--channels", "rgb", "--epochs", "1",
               "--img-size", "64", "--batch-size", "4", "--eval-every", "1", "--no-progress",
               "--class-names", "PMN-2"])
    assert rc == 0
    assert out.is_file() and out.with_name("tiny.pt.sha256").is_file()
    card = out.with_suffix(".md").read_text()
    assert "Training wall time" in card and "parameters" in card and "test (held out)" in card
    assert "test, one image per group of identical files" in card and "1 byte-identical copy of" in card
    assert "Data check: test/ holds 1 byte-identical copy of its own images" in card
    blob = torch.load(out, map_location="cpu", weights_only=True)
    assert blob["meta"]["class_names"] == ["PMN-2"] and blob["meta"]["normalisation"]["mode"] == "fixed"
    det = load_detector(out)
    assert det.in_channels == 3 and 0 < det.threshold < 1
    report = tmp_path / "bench.json"
    assert main(["benchmark", "tiles", str(yolo_set), "--split", "test", "--model", str(out),
                 "--out", str(report)]) == 0
    data = json.loads(report.read_text())
    assert data["split"] == "test" and "conditions" in data and report.with_suffix(".png").is_file()


def test_cli_bad_input_exits_2(yolo_set: Path, tmp_path: Path, capsys: object) -> None:
    assert main(["train", str(tmp_path / "nothing"), "--out", str(tmp_path / "m.pt")]) == 2
    assert main(["train", str(tmp_path), "--out", str(tmp_path / "m.pt")]) == 2
    assert main(["benchmark", "tiles", str(yolo_set), "--model", str(tmp_path / "absent.pt")]) == 2
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"x")
    (tmp_path / "bad.pt.sha256").write_text("0" * 64 + "  bad.pt\n")
    assert main(["benchmark", "tiles", str(yolo_set), "--model", str(bad)]) == 2


@pytest.mark.slow  # tens of seconds: CI runs it in its named slow subset (.ci/run)
def test_bfloat16_second_stage_from_earlier_weights(yolo_set: Path, tmp_path: Path) -> None:
    """``--init-from`` starts from saved weights (a second stage at a new size), here with
    bfloat16 forward passes; the card says both; mismatched weights are an input error."""
    first = tmp_path / "stage1.pt"
    common = ["--channels", "rgb", "--epochs", "1", "--batch-size", "4", "--eval-every", "1",
              "--no-progress", "--class-names", "mine"]
    assert main(["train", str(yolo_set), "--out", str(first), "--img-size", "64", "--preset", "base",
                 *common]) == 0
    second = tmp_path / "stage2.pt"
    assert main(["train", str(yolo_set), "--out", str(second), "--img-size", "96", "--precision", "bfloat16",
                 "--init-from", str(first), *common]) == 0
    blob = torch.load(second, map_location="cpu", weights_only=True)
    cfg = blob["meta"]["training"]["config"]
    assert cfg["precision"] == "bfloat16" and cfg["init_from"] == str(first)
    assert blob["meta"]["img_size"] == 96
    # The architecture comes from the starting weights (base), not from --preset (small).
    first_meta = torch.load(first, map_location="cpu", weights_only=True)["meta"]
    assert blob["meta"]["config"] == first_meta["config"] and first_meta["config"]["widths"][0] > 16
    card = second.with_suffix(".md").read_text()
    assert "bfloat16 autocast forward passes" in card and "started from `stage1.pt`" in card
    # Weights from a thermal (1-band) model cannot start an RGB run.
    thermal = tmp_path / "thermal.pt"
    assert main(["train", str(yolo_set), "--out", str(thermal), "--img-size", "64", "--channels", "thermal",
                 "--epochs", "1", "--batch-size", "4", "--no-progress"]) == 0
    assert main(["train", str(yolo_set), "--out", str(tmp_path / "x.pt"), "--img-size", "64",
                 "--init-from", str(thermal), *common]) == 2
    assert main(["train", str(yolo_set), "--out", str(tmp_path / "y.pt"), "--precision", "float16"]) == 2


def test_the_total_wall_cap_counts_the_data_loading_before_the_loop() -> None:
    """``max_total_wall_minutes`` runs from when the command began loading; ``max_wall_minutes`` from the loop."""
    from rams.detection.train import _Schedule
    from rams.detection.train_config import TrainConfig

    loaded_for = 90.0  # seconds of data loading before the loop started
    started = time.perf_counter() - loaded_for
    total = _Schedule(TrainConfig(epochs=1000, max_total_wall_minutes=3.0), steps_per_epoch=10, started=started)
    assert 0.5 <= total.budget_used() < 0.6  # 90 s of a 180 s cap spent before the first step
    assert total.fraction(1, 0) == pytest.approx(total.budget_used(), abs=0.01)  # the cosine schedule is that far along
    loop_only = _Schedule(TrainConfig(epochs=1000, max_wall_minutes=3.0), steps_per_epoch=10, started=started)
    assert loop_only.budget_used() < 0.05
    assert _Schedule(TrainConfig(epochs=1000, max_total_wall_minutes=1.0), 10, started).fraction(1, 0) >= 1.0  # over: stops


def test_class_balance_draws_rare_class_images_more_often_within_a_source() -> None:
    from rams.detection.train import TileSet, class_balance_factors, class_balanced_weights

    img = np.zeros((8, 8, 3), np.uint8)
    box = np.array([[1, 1, 4, 4]], np.float32)
    source = TileSet()
    # 16 images with class 0, 4 with class 2 (one of them with class 0 too), 5 empty, 1 ignored box only
    for i in range(15):
        source.add(img, box, np.array([0]), f"a{i}")
    for i in range(3):
        source.add(img, box, np.array([2]), f"b{i}")
    source.add(img, np.concatenate([box, box]), np.array([0, 2]), "ab")
    for i in range(5):
        source.add(img, np.zeros((0, 4), np.float32), np.zeros(0, np.int64), f"e{i}")
    source.add(img, box, np.array([-1]), "ignored")
    factors = class_balance_factors(source.classes)
    assert factors == pytest.approx({0: 1.0, 2: 2.0})  # class 2 in a quarter as many images
    w = class_balanced_weights(source.classes)
    holding = slice(0, 19)
    assert w[holding].sum() == pytest.approx(19)  # the images with objects keep their total
    assert (w[19:] == 1).all()  # empty images and one with an ignored box only: unchanged
    assert w[15] == pytest.approx(2 * w[0]) and w[18] == pytest.approx(w[15])  # rarest class decides

    other = TileSet()
    other.add(img, box, np.array([1]), "c")
    train = TileSet()
    train.extend(source, share=25.0, class_balance=True)
    train.extend(other, share=5.0, class_balance=True)
    assert sum(train.weights[:25]) == pytest.approx(25.0) and train.weights[25] == pytest.approx(5.0)
    plain = TileSet()
    plain.extend(source, share=25.0)
    assert plain.weights == [1.0] * 25
