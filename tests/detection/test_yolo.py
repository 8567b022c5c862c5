"""YOLO tile-set reader: layout, label edge cases, class names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rams.detection.yolo import class_names, load_image, read_label_file, read_split, split_dir
from rams.errors import RamsInputError


def test_missing_and_empty_label_files_mean_no_object(yolo_set: Path) -> None:
    samples = read_split(yolo_set, "train")
    assert len(samples) == 8
    assert not (yolo_set / "train" / "labels" / f"{samples[0].image.stem}.txt").exists()
    assert samples[0].boxes.shape == (0, 4) and samples[0].classes.shape == (0,)
    assert (yolo_set / "train" / "labels" / f"{samples[1].image.stem}.txt").read_text() == ""
    assert samples[1].boxes.shape == (0, 4)
    assert all(len(s.boxes) >= 1 for s in samples[2:])
    assert [s.has_label_file for s in samples[:3]] == [False, True, True]


def test_val_alias_and_missing_split(yolo_set: Path) -> None:
    (yolo_set / "valid").rename(yolo_set / "val")
    assert split_dir(yolo_set, "valid").name == "val"
    with pytest.raises(RamsInputError, match="no 'missing/images'"):
        read_split(yolo_set, "missing")
    with pytest.raises(RamsInputError, match="does not exist"):
        read_split(yolo_set / "nope", "train")


def test_no_images_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "train" / "images").mkdir(parents=True)
    with pytest.raises(RamsInputError, match="no images"):
        read_split(tmp_path, "train")


def test_label_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("1 0.5 0.5 0.2 0.1\n\n0 0.1 0.1 0.3 0.1 0.3 0.3\n2 0.5 0.5 0 0\n")
    boxes, classes = read_label_file(path)
    assert classes.tolist() == [1, 0]  # zero-size box dropped; polygon reduced to its bounds
    np.testing.assert_allclose(boxes[1], [0.2, 0.2, 0.2, 0.2], atol=1e-6)
    path.write_text("0 0.5 0.5\n")
    with pytest.raises(RamsInputError, match="line 1"):
        read_label_file(path)
    path.write_text("zero 0.5 0.5 0.1 0.1\n")
    with pytest.raises(RamsInputError, match="not numeric"):
        read_label_file(path)


@pytest.mark.parametrize(("line", "match"), [
    ("0 1.5 -0.2 0.1 0.1", "line 1 has a box outside the image"),
    ("0 0.5 0.5 3 2", "line 1 has a box outside the image"),
    ("-1 0.5 0.5 0.1 0.1", "line 1 has class -1, not a class index"),
    ("0.7 0.5 0.5 0.1 0.1", "line 1 has class 0.7, not a class index"),
    ("0 nan 0.5 0.1 0.1", "line 1 holds a value that is not a finite number"),
])
def test_label_lines_a_reader_cannot_trust_are_refused(tmp_path: Path, line: str, match: str) -> None:
    """Scored or trained on silently they would move boxes off the image or invent classes."""
    path = tmp_path / "a.txt"
    path.write_text(line + "\n")
    with pytest.raises(RamsInputError, match=match):
        read_label_file(path)
    path.write_text("0 1.005 0.5 0.1 0.1\n")  # an exporter's rounding past the edge is kept
    assert read_label_file(path)[1].tolist() == [0]
    path.write_bytes(b"0 0.5 0.5 0.1 0.1 \xe9\n")
    with pytest.raises(RamsInputError, match="not UTF-8 text"):
        read_label_file(path)


def test_a_class_beyond_data_yaml_names_the_label_file(yolo_set: Path) -> None:
    (yolo_set / "data.yaml").write_text("names: [mine]\n")
    samples = read_split(yolo_set, "train")
    label = yolo_set / "train" / "labels" / f"{samples[2].image.stem}.txt"
    label.write_text("3 0.5 0.5 0.1 0.1\n")
    with pytest.raises(RamsInputError, match=r"has class 3, but data\.yaml names 1 class"):
        class_names(yolo_set, read_split(yolo_set, "train"))
    (yolo_set / "data.yaml").write_text("names: {0: a, x: b}\n")
    with pytest.raises(RamsInputError, match="class indices 0 to n-1"):
        class_names(yolo_set)


def test_class_names(yolo_set: Path, tmp_path: Path) -> None:
    assert class_names(yolo_set) == ["mine"]
    (yolo_set / "data.yaml").write_text("names: {0: PFM-1, 1: TM-62}\n")
    assert class_names(yolo_set) == ["PFM-1", "TM-62"]
    (yolo_set / "data.yaml").unlink()
    assert class_names(yolo_set, read_split(yolo_set, "train")) == ["class_0"]


def test_load_image_channels(yolo_set: Path, tmp_path: Path) -> None:
    image = read_split(yolo_set, "train")[0].image
    assert load_image(image, 1).shape == (64, 64, 1)
    assert load_image(image, 3).shape == (64, 64, 3)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    with pytest.raises(RamsInputError, match="cannot be decoded"):
        load_image(bad, 3)


def test_an_image_that_is_not_one_is_named(tmp_path: Path) -> None:
    from rams.detection.yolo import image_size

    fake = tmp_path / "a.jpg"
    fake.write_text("not an image")
    with pytest.raises(RamsInputError, match=r"a\.jpg: image cannot be decoded"):
        image_size(fake)


@pytest.mark.parametrize(("names", "problem"), [
    (",,", "--class-names must be distinct comma-separated names"),
    ("A,B", "--class-names gives 2 name(s) for the 1 class(es)"),
])
def test_class_names_that_do_not_fit_the_set_are_refused_before_training(
    yolo_set: Path, tmp_path: Path, names: str, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from rams.cli.main import main

    out = tmp_path / "m.pt"
    assert main(["train", str(yolo_set), "-o", str(out), "--class-names", names, "--minutes", "0.1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and problem in err
    assert not out.exists()
