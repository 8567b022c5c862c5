"""Fixtures for detector tests: tiny YOLO tile sets written by seeded code."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest


def write_yolo_set(root: Path, *, n_train: int = 8, n_valid: int = 4, n_test: int = 4,
                   size: int = 64, seed: int = 0) -> Path:
    """A YOLO set of dark images with bright squares ("mines"), depth in the file names.

    The first image of each split has no label file and the second an empty one (no object).
    """
    rng = np.random.default_rng(seed)
    depths = ["Surface_Mine_0cm_depth", "Mine_1cm_depth", "Mine_5_cm_depth", "Mine_10cm_depth"]
    for split, n in (("train", n_train), ("valid", n_valid), ("test", n_test)):
        (root / split / "images").mkdir(parents=True)
        (root / split / "labels").mkdir(parents=True)
        for i in range(n):
            img = rng.integers(20, 60, (size, size, 3), dtype=np.uint8)
            name = f"{i:03d}_Zone_1_{depths[i % 4]}__1-0m"
            lines = []
            if i >= 2:
                for _ in range(int(rng.integers(1, 3))):
                    s = int(rng.integers(6, 12))
                    x, y = (int(v) for v in rng.integers(2, size - s - 2, 2))
                    img[y:y + s, x:x + s] = 220
                    lines.append(f"0 {(x + s / 2) / size:.6f} {(y + s / 2) / size:.6f} {s / size:.6f} {s / size:.6f}")
            cv2.imwrite(str(root / split / "images" / f"{name}.jpg"), img)
            if i == 1:
                (root / split / "labels" / f"{name}.txt").write_text("")
            elif i >= 2:
                (root / split / "labels" / f"{name}.txt").write_text("\n".join(lines) + "\n")
    (root / "data.yaml").write_text("nc: 1\nnames: ['mine']\n")
    return root


@pytest.fixture
def yolo_set(tmp_path: Path) -> Path:
    """A tiny YOLO set (8 train, 4 valid, 4 test images of 64 px)."""
    return write_yolo_set(tmp_path / "tiles")
