"""The colour-robustness benchmark repaints the labelled objects, not their ground or shadows."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import cv2
import numpy as np

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_rgb_colour.py"


def _load():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_rgb_colour", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_rgb_colour"] = module
    spec.loader.exec_module(module)
    return module


def test_repaint_split_paints_the_object_and_leaves_ground_and_shadow(tmp_path: Path) -> None:
    bench = _load()
    root = tmp_path / "set"
    (root / "valid" / "images").mkdir(parents=True)
    (root / "valid" / "labels").mkdir(parents=True)
    (root / "data.yaml").write_text("names: [ksf-casing, pfm-1]\n")
    rgb = np.full((96, 96, 3), 150, np.uint8)
    rgb[40:52, 30:54] = (220, 190, 160)      # a pale tan object, 24 x 12 px
    rgb[52:56, 34:56] = (90, 90, 90)         # its grey shadow, inside the box
    cv2.imwrite(str(root / "valid" / "images" / "a.png"), rgb[:, :, ::-1].copy())
    # box 28..58 x 38..58 (centre 43, 48; 30 x 20 px), class 1 = pfm-1
    (root / "valid" / "labels" / "a.txt").write_text(f"1 {43 / 96} {48 / 96} {30 / 96} {20 / 96}\n")
    out = tmp_path / "green"
    n = bench.repaint_split(root, "valid", {"pfm-1"}, (56, 79, 36), out)
    assert n == 1
    img = cv2.imread(str(out / "valid" / "images" / "a.png"))[:, :, ::-1].astype(float)
    obj = img[42:50, 33:51].reshape(-1, 3).mean(axis=0)
    assert np.abs(obj - (56, 79, 36)).max() < 6       # the object took the colour
    assert np.abs(img[53:55, 38:52] - 90).max() <= 1   # the shadow did not
    assert np.abs(img[:30] - 150).max() == 0            # nor the ground
    assert (out / "valid" / "labels" / "a.txt").read_text() == (root / "valid" / "labels" / "a.txt").read_text()
    # a class not asked for is left alone
    same = tmp_path / "none"
    assert bench.repaint_split(root, "valid", {"ksf-casing"}, (56, 79, 36), same) == 0
    assert np.array_equal(cv2.imread(str(same / "valid" / "images" / "a.png"))[:, :, ::-1], rgb)
