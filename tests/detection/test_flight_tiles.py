"""Tiles cut from a flight with truth: CRS handling, box sizes, nodata collar."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import Affine

from rams.crs import WGS84, transformer
from rams.detection.flight_tiles import find_flights, load_flight_tiles

UTM = "EPSG:32638"
T = Affine(0.02, 0.0, 600_000.0, 0.0, -0.02, 4_400_000.0)


def _flight(folder: Path) -> list[tuple[int, int]]:
    folder.mkdir(parents=True)
    rgb = np.full((4, 600, 600), 150, np.uint8)
    rgb[3, :, 550:] = 0  # nodata collar in the alpha band
    mines = [(100, 120), (400, 300), (580, 300)]  # (col, row); the last in the collar
    for c, r in mines:
        rgb[:3, r - 3:r + 3, c - 3:c + 3] = 20
    with rasterio.open(folder / "rgb.tif", "w", driver="GTiff", width=600, height=600, count=4,
                       dtype="uint8", crs=UTM, transform=T, photometric="RGB",
                       alpha="YES") as dst:
        dst.write(rgb)
    to_ll = transformer(UTM, WGS84)
    feats = []
    for i, (c, r) in enumerate(mines):
        lon, lat = to_ll.transform(*(T * (c, r)))
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                      "properties": {"kind": "mine", "class": "TM-62" if i == 1 else "PMN-2"}})
    lon, lat = to_ll.transform(*(T * (300, 500)))
    feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                  "properties": {"kind": "distractor", "class": "rock"}})
    (folder / "truth.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return mines


def test_tiles_around_mines_have_boxes_on_them(tmp_path: Path) -> None:
    _flight(tmp_path / "flights" / "f1")
    flights = find_flights(tmp_path / "flights")
    assert [f.name for f in flights] == ["f1"]
    tiles, gsd = load_flight_tiles(flights, ["PMN-2", "TM-62"], tile_px=128, background_per_flight=3)
    assert gsd == 0.02
    n_boxes = 0
    for img, boxes, classes in zip(tiles.images, tiles.boxes, tiles.classes, strict=True):
        for (x0, y0, x1, y1), k in zip(boxes, classes, strict=True):
            cx, cy = int((x0 + x1) / 2), int((y0 + y1) / 2)
            assert img[cy, cx].mean() < 60  # the box is centred on the dark mine
            side = x1 - x0
            assert side in (6.0, 16.0) or x0 == 0 or x1 == 128
            assert (k == 1) == (side == 16.0) or x0 == 0 or x1 == 128
            n_boxes += 1
    assert n_boxes >= 2
    # The mine in the collar never becomes a label.
    assert all(img.shape == (128, 128, 3) for img in tiles.images)
