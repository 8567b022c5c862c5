"""Labelled tiles of one real flight stitched into an RGB-only flight that ``rams process`` runs.

Real labelled drone sets come as tiles cut from orthomosaics, without georeferencing
(``pfm1-drone-rgb``). To score the flight pipeline (anomaly core, CNN, candidate stage) on
real ground, or to fit the combiner's RGB-only model there, the tiles of one flight are laid
side by side in a grid of equal cells on a UTM grid at the set's ground sample distance, each
cell's margin filled with its tile's median colour (no black seams for the anomaly core to
find), and every labelled mine becomes a truth point at its box centre.

The mosaic is not the flight's orthomosaic: neighbouring tiles were not neighbours on the
ground, and the seams between them are edges the real mosaic does not have.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import yaml
from rasterio.transform import from_origin
from rasterio.windows import Window

from rams.atomic import write_text_atomic
from rams.crs import WGS84, transformer
from rams.detection.yolo import YoloSample, image_size, load_image

#: Where the mosaic's upper-left corner lies (UTM 38N; the place does not matter).
_CRS = "EPSG:32638"
_ORIGIN_E_M, _ORIGIN_N_M = 500000.0, 4400000.0


def write_tile_flight(
    samples: list[YoloSample], out: Path, gsd_m: float, truth_classes: dict[int, str], flight_id: str,
) -> dict[str, int]:
    """Write ``out/{rgb.tif, truth.geojson, flight.yaml}`` from the tiles of one flight.

    Args:
        samples: the flight's labelled images (YOLO), in the order to lay them out.
        out: the flight folder to write (created).
        gsd_m: ground sample distance of the tiles, metres per pixel.
        truth_classes: class index -> device class of the labels that are mines (others,
            such as cassette casings, are not truth).
        flight_id: the manifest's flight id.

    Returns:
        ``{"tiles": ..., "mines": ..., "width_px": ..., "height_px": ...}``.
    """
    out.mkdir(parents=True, exist_ok=True)
    cell = max(max(image_size(s.image)) for s in samples)
    n_cols = math.ceil(math.sqrt(len(samples)))
    n_rows = math.ceil(len(samples) / n_cols)
    profile = {
        "driver": "GTiff", "width": n_cols * cell, "height": n_rows * cell, "count": 3, "dtype": "uint8",
        "crs": _CRS, "transform": from_origin(_ORIGIN_E_M, _ORIGIN_N_M, gsd_m, gsd_m),
        "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate",
    }
    to_wgs84 = transformer(_CRS, WGS84)
    features: list[dict[str, Any]] = []
    medians: list[np.ndarray] = []
    tmp = out / "rgb.tif.part"
    with rasterio.open(tmp, "w", **profile) as dst:
        for k, s in enumerate(samples):
            img = load_image(s.image, 3)
            h, w = img.shape[:2]
            row, col = divmod(k, n_cols)
            block = np.empty((cell, cell, 3), np.uint8)
            colour = np.median(img.reshape(-1, 3), axis=0).astype(np.uint8)
            medians.append(colour)
            block[:] = colour
            block[:h, :w] = img
            dst.write(block.transpose(2, 0, 1), window=Window(col * cell, row * cell, cell, cell))
            for (cx, cy, _, _), cls in zip(s.boxes, s.classes, strict=True):
                name = truth_classes.get(int(cls))
                if name is None:
                    continue
                x = _ORIGIN_E_M + (col * cell + float(cx) * w) * gsd_m
                y = _ORIGIN_N_M - (row * cell + float(cy) * h) * gsd_m
                lon, lat = to_wgs84.transform(x, y)
                features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                                 "properties": {"kind": "mine", "class": name, "id": f"m{len(features) + 1:04d}",
                                                "tile": s.image.name}})
        # the empty cells of the last row: the tiles' median colour, not black
        fill = np.median(np.array(medians, np.float64), axis=0).astype(np.uint8)
        for k in range(len(samples), n_rows * n_cols):
            row, col = divmod(k, n_cols)
            dst.write(np.broadcast_to(fill[:, None, None], (3, cell, cell)),
                      window=Window(col * cell, row * cell, cell, cell))
    tmp.replace(out / "rgb.tif")
    write_text_atomic(out / "truth.geojson", json.dumps({"type": "FeatureCollection", "features": features}))
    manifest = {"flight_id": flight_id, "rasters": [{"path": "rgb.tif", "sensor": "rgb"}]}
    write_text_atomic(out / "flight.yaml", yaml.safe_dump(manifest, sort_keys=False))
    return {"tiles": len(samples), "mines": len(features), "width_px": profile["width"],
            "height_px": profile["height"]}

