"""The colour-robustness benchmark repaints the labelled objects, not their ground or shadows."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from tests.conftest import load_benchmark


def test_repaint_split_paints_the_object_and_leaves_ground_and_shadow(tmp_path: Path) -> None:
    bench = load_benchmark("bench_rgb_colour")
    root = tmp_path / "set"
    (root / "valid" / "images").mkdir(parents=True)
    (root / "valid" / "labels").mkdir(parents=True)
    (root / "data.yaml").write_text("names: [ksf-casing, pfm-1]\n")
    rgb = np.full((96, 96, 3), 150, np.uint8)
    rgb[40:52, 30:54] = (170, 140, 110)      # a tan object, 24 x 12 px (green at its lightness fits in 8 bits)
    rgb[52:56, 34:56] = (90, 90, 90)         # its grey shadow
    cv2.imwrite(str(root / "valid" / "images" / "a.png"), rgb[:, :, ::-1].copy())
    # box 28..58 x 38..58 (centre 43, 48; 30 x 20 px), class 1 = pfm-1
    (root / "valid" / "labels" / "a.txt").write_text(f"1 {43 / 96} {48 / 96} {30 / 96} {20 / 96}\n")
    out = tmp_path / "green"
    counts = bench.repaint_split(root, "valid", {"pfm-1"}, (56, 79, 36), 1.0, out)
    assert counts["repainted"] == 1 and counts["left"] == 0
    img = cv2.imread(str(out / "valid" / "images" / "a.png"))[:, :, ::-1].astype(float)
    obj = img[42:50, 32:52].reshape(-1, 3).mean(axis=0)  # inside its feathered rim
    hue = np.array([56.0, 79.0, 36.0])
    assert np.allclose(obj / obj.mean(), hue / hue.mean(), atol=0.03)  # the object took the hue
    assert abs(obj.mean() - 140.0) < 3                                  # at its own lightness
    assert np.abs(img[54:56, 38:52] - 90).max() <= 1   # the shadow did not (beyond the 2 px feathered rim)
    assert np.abs(img[:30] - 150).max() == 0            # nor the ground
    assert (out / "valid" / "labels" / "a.txt").read_text() == (root / "valid" / "labels" / "a.txt").read_text()
    # a class not asked for is left alone
    same = tmp_path / "none"
    assert bench.repaint_split(root, "valid", {"ksf-casing"}, (56, 79, 36), 1.0, same)["repainted"] == 0
    assert np.array_equal(cv2.imread(str(same / "valid" / "images" / "a.png"))[:, :, ::-1], rgb)
