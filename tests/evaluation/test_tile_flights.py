"""Real labelled tiles stitched into an RGB-only flight: truth lands on the labelled objects."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import rasterio
import yaml

from rams.crs import WGS84, transformer
from rams.detection.yolo import read_split
from rams.evaluation.tile_flights import write_tile_flight


def test_truth_points_fall_on_the_labelled_objects(tmp_path: Path) -> None:
    root = tmp_path / "set"
    (root / "valid" / "images").mkdir(parents=True)
    (root / "valid" / "labels").mkdir(parents=True)
    sizes = [(60, 80), (70, 50), (40, 40)]  # (h, w): tiles of different sizes
    objects = {0: [(20, 30, 1)], 1: [(50, 10, 1), (12, 40, 0)], 2: []}  # (row, col, class)
    for k, (h, w) in enumerate(sizes):
        img = np.full((h, w, 3), 90 + 10 * k, np.uint8)
        lines = []
        for r, c, cls in objects[k]:
            img[r - 2:r + 3, c - 2:c + 3] = (250, 20, 20) if cls == 1 else (20, 20, 250)  # RGB
            lines.append(f"{cls} {c / w:.6f} {r / h:.6f} {5 / w:.6f} {5 / h:.6f}")
        cv2.imwrite(str(root / "valid" / "images" / f"F1_{k}.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        (root / "valid" / "labels" / f"F1_{k}.txt").write_text("".join(x + "\n" for x in lines))
    samples = read_split(root, "valid")
    out = tmp_path / "flight"
    report = write_tile_flight(samples, out, 0.003, {1: "PFM-1"}, "F1")
    assert report == {"tiles": 3, "mines": 2, "width_px": 2 * 80, "height_px": 2 * 80}
    manifest = yaml.safe_load((out / "flight.yaml").read_text())
    assert manifest == {"flight_id": "F1", "rasters": [{"path": "rgb.tif", "sensor": "rgb"}]}
    truth = json.loads((out / "truth.geojson").read_text())["features"]
    assert [f["properties"]["class"] for f in truth] == ["PFM-1", "PFM-1"]  # class 0 is not truth
    with rasterio.open(out / "rgb.tif") as src:
        assert src.res == pytest.approx((0.003, 0.003)) and src.crs.is_projected
        rgb = src.read()
        to_grid = transformer(WGS84, src.crs)
        for f in truth:
            r, c = src.index(*to_grid.transform(*f["geometry"]["coordinates"]))
            assert tuple(rgb[:, r, c]) == (250, 20, 20)
    # the margins of a cell hold its tile's colour, not black seams
    assert tuple(rgb[:, 79, 79]) == (90, 90, 90) and rgb.min() > 0
