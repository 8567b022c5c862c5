"""Sliced (tiled) inference over a raster that is read window by window.

The raster is covered by fixed-size tiles of ``tile_px`` with ``overlap_px`` of overlap
(:func:`rams.tiles.windows.slice_window`), so an object narrower than the overlap is whole
in at least one tile. Detections whose centre lies on invalid
(nodata) pixels are dropped, and duplicates from overlapping tiles are merged: greedily by
confidence, a detection suppresses every other whose centre is within ``merge_radius_m`` or
whose box overlaps it with IoU >= 0.5 (class-agnostic: one object, one point).

In cascade mode only given windows (around anomaly-core candidates, see
:func:`cascade_windows`) are read; a window larger than a tile is tiled the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import affine
import cv2
import numpy as np
from rasterio.windows import Window
from scipy import ndimage
from scipy.spatial import cKDTree

from rams.core.dedup import greedy_radius_groups
from rams.core.gsd import gsd_from_affine
from rams.core.points import MinePoint
from rams.detection.box_metrics import box_iou
from rams.tiles.windows import slice_window

ReadWindow = Callable[[Window], tuple[np.ndarray, np.ndarray]]

#: Resample tiles to the model's training GSD when the raster's differs by more than this.
GSD_TOLERANCE = 0.2
NMS_IOU = 0.5
#: Batches are padded to a multiple of this (raster pixels): few distinct input shapes keep
#: the CPU backend's per-shape caches, and so memory, small.
_PAD_STEP_PX = 128


def model_input_reader(read: ReadWindow, sensor: str) -> ReadWindow:
    """Wrap a grid reader so that it gives what the sensor's models were trained on.

    The grid reader gives RGB as 0-1 (byte values / 255); the RGB models are trained on
    8-bit counts, so RGB windows are scaled back by 255. Other sensors are in physical units
    already (thermal in degrees C) and pass through.
    """
    if sensor != "rgb":
        return read

    def read_counts(window: Window) -> tuple[np.ndarray, np.ndarray]:
        data, valid = read(window)
        return data * np.float32(255.0), valid

    return read_counts


def cascade_windows(
    points: list[tuple[float, float]], transform: affine.Affine, width: int, height: int, *,
    window_m: float = 3.0,
) -> list[Window]:
    """Windows around candidate points, merged where they overlap or touch.

    Each point gets a square of ``window_m`` on the ground, clipped to the raster. Squares
    are merged by connected components on a coarse occupancy grid (cells of a quarter
    window), and each component becomes its bounding window.

    Args:
        points: candidate ``(x, y)`` in the raster's CRS (map metres).
        transform: the raster's affine (north-up).
        width: raster columns.
        height: raster rows.
        window_m: side of the square around each point, metres.

    Returns:
        Windows in raster pixels (no two overlap), row-major order.
    """
    if not points:
        return []
    gsd = gsd_from_affine(transform)
    half = max(math.ceil(window_m / gsd / 2), 1)
    cell = max(half // 2, 8)
    gw, gh = math.ceil(width / cell), math.ceil(height / cell)
    inv = ~transform
    xy = np.asarray(points, np.float64).reshape(-1, 2)
    cols, rows = inv * (xy[:, 0], xy[:, 1])
    # Round off float noise of the inverse transform before floor/ceil.
    cols, rows = np.round(np.asarray(cols), 6), np.round(np.asarray(rows), 6)
    c0 = np.clip(np.floor(cols - half), 0, width).astype(int)
    c1 = np.clip(np.ceil(cols + half), 0, width).astype(int)
    r0 = np.clip(np.floor(rows - half), 0, height).astype(int)
    r1 = np.clip(np.ceil(rows + half), 0, height).astype(int)
    inside = (c1 > c0) & (r1 > r0)
    # Rectangles in a sparse label grid: only the cells touched are allocated.
    occupied = np.zeros((gh, gw), bool)
    for a, b, c, d in zip(c0[inside], c1[inside], r0[inside], r1[inside], strict=True):
        occupied[c // cell:(d - 1) // cell + 1, a // cell:(b - 1) // cell + 1] = True
    labels, _n = ndimage.label(occupied, structure=np.ones((3, 3), bool))
    windows = []
    for comp, sl in enumerate(ndimage.find_objects(labels), 1):
        if sl is None:
            continue
        # Tight bounds from the member rectangles, not the coarse cells.
        member = labels[r0[inside] // cell, c0[inside] // cell] == comp
        a, b = int(c0[inside][member].min()), int(c1[inside][member].max())
        c, d = int(r0[inside][member].min()), int(r1[inside][member].max())
        windows.append(Window(a, c, b - a, d - c))
    windows.sort(key=lambda w: (w.row_off, w.col_off))
    return windows


def merge_detections(
    xy: np.ndarray, boxes: np.ndarray, scores: np.ndarray, radius: float, iou: float = NMS_IOU
) -> np.ndarray:
    """Greedy class-agnostic merge of duplicate detections (:mod:`rams.core.dedup`).

    Strongest first, a kept detection absorbs those within ``radius`` or whose box
    overlaps its own with IoU >= ``iou`` (:func:`~rams.detection.box_metrics.box_iou`).

    Args:
        xy: (N, 2) centres in map units.
        boxes: (N, 4) boxes ``x0, y0, x1, y1`` in the same units.
        scores: (N,) confidences.
        radius: centres closer than this are one object.
        iou: boxes overlapping at least this much are one object.

    Returns:
        Indices kept, by descending score.
    """
    if len(scores) == 0:
        return np.zeros(0, np.int64)
    sizes = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])

    def same_object(i: int, near: np.ndarray) -> np.ndarray:
        close = np.hypot(*(xy[near] - xy[i]).T) <= radius
        return np.asarray(close | (box_iou(boxes[i:i + 1], boxes[near])[0] >= iou))

    groups = greedy_radius_groups(xy, np.argsort(-scores, kind="stable"), radius,
                                  reach=max(radius, float(sizes.max())), joins=same_object)
    return np.asarray([g[0] for g in groups], np.int64)


def _prepare(
    image: np.ndarray, valid: np.ndarray, tile_px: int, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """Resample by ``scale`` (model GSD) and pad to ``tile_px`` (raster pixels).

    The padding is invalid pixels, so that the tiles of a batch share one size. An image
    that is not resampled keeps its data type (8-bit counts stay uint8 until normalised).
    """
    if scale != 1.0:
        image = np.asarray(image, np.float32)
        h, w = valid.shape
        nh, nw = max(round(h * scale), 1), max(round(w * scale), 1)
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
        image = np.stack([cv2.resize(b, (nw, nh), interpolation=interp) for b in image])
        valid = cv2.resize(valid.astype(np.uint8), (nw, nh), interpolation=cv2.INTER_NEAREST) > 0
    size = max(round(tile_px * scale), 1)
    c, h, w = image.shape
    if (h, w) == (size, size):  # a whole tile: nothing to pad
        return image, valid
    out = np.zeros((c, size, size), image.dtype)
    ok = np.zeros((size, size), bool)
    out[:, :h, :w] = image[:, :size, :size]
    ok[:h, :w] = valid[:size, :size]
    return out, ok


def _collect(
    found: list[tuple[float, float, float, float, float, int]], chunk: list[Window],
    masks: list[np.ndarray], dets: list[Any], scale: float, weak_below: float | None,
    near: cKDTree | None, weak_radius_px: float,
) -> None:
    """Append a batch's detections on valid pixels (col, row, w, h, score, class) to ``found``."""
    for win, valid, det in zip(chunk, masks, dets, strict=True):
        if not len(det):
            continue
        b = det.boxes / scale
        cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        h, w = valid.shape
        ic, ir = np.floor(cx).astype(int), np.floor(cy).astype(int)
        inside = (ic >= 0) & (ir >= 0) & (ic < w) & (ir < h)
        ok = np.zeros(len(cx), bool)
        ok[inside] = valid[ir[inside], ic[inside]]
        if weak_below is not None:
            weak = ok & (det.scores < weak_below)
            if weak.any():
                if near is None:
                    ok &= ~weak
                else:
                    pos = np.stack([win.col_off + cx[weak], win.row_off + cy[weak]], 1)
                    dist, _ = near.query(pos, distance_upper_bound=weak_radius_px)
                    ok[np.flatnonzero(weak)[~np.isfinite(dist)]] = False
        for k in np.flatnonzero(ok):
            found.append((float(win.col_off + cx[k]), float(win.row_off + cy[k]),
                          float(b[k, 2] - b[k, 0]), float(b[k, 3] - b[k, 1]),
                          float(det.scores[k]), int(det.classes[k])))


def detect_sliced(
    read_window: ReadWindow, width: int, height: int, transform: affine.Affine, model: Any, *,
    tile_px: int = 1024, overlap_px: int = 64, batch_size: int = 1,
    windows: list[Window] | None = None, merge_radius_m: float = 0.15, sensor: str = "rgb",
    min_score: float | None = None, on_progress: Callable[[int, int], None] | None = None,
    weak_below: float | None = None, weak_near_px: np.ndarray | None = None, weak_radius_px: float = 0.0,
) -> list[MinePoint]:
    """Run a detector over a raster tile by tile and return merged mine points.

    Args:
        read_window: ``read_window(window) -> (image (C, h, w) float32, or uint8 counts, valid bool (h, w))``.
        width: raster columns.
        height: raster rows.
        transform: the raster's affine (map metres per pixel, north-up).
        model: a :class:`rams.detection.detector.Detector`.
        tile_px: tile side, raster pixels; network pixels when the raster is coarser than
            the model's GSD and is upsampled to it.
        overlap_px: overlap of neighbouring tiles, raster pixels (at least the largest
            object's size, so that each object is whole in some tile); network pixels when
            upsampled, as ``tile_px``.
        batch_size: tiles per forward pass.
        windows: cascade mode: only these windows (tiled if larger than ``tile_px``).
        merge_radius_m: detections closer than this are one object, metres.
        sensor: sensor name recorded on the points.
        min_score: lowest confidence kept (default: the model's operating threshold).
        on_progress: called as ``on_progress(tiles_done, tiles_total)`` after each batch
            (a progress bar).
        weak_below: detections below this confidence are kept only within
            ``weak_radius_px`` of a point of ``weak_near_px`` ((N, 2) raster column, row):
            weak responses serve as evidence at given places (anomaly peaks), and a
            full scan at a low floor would otherwise hold thousands per hectare. None: keep all.
        weak_near_px: see ``weak_below``.
        weak_radius_px: see ``weak_below``, raster pixels.

    Returns:
        :class:`MinePoint` s in the raster's CRS (``detector="cnn"``), by descending
        confidence.
    """
    gsd_x, gsd_y = abs(transform.a), abs(transform.e)
    gsd = gsd_from_affine(transform)
    model_gsd = getattr(model, "input_gsd_m", None)
    scale = 1.0
    if model_gsd and abs(gsd / model_gsd - 1.0) > GSD_TOLERANCE:
        scale = gsd / model_gsd
    pad_step = _PAD_STEP_PX
    if scale > 1.0:
        # upsampled (a 2 cm orthomosaic for a 0.5 cm model): sizes are the network's, so a
        # tile, its overlap on the ground and the batch padding stay what they are at the
        # model's GSD (a 1024 px raster tile would be a 4096 px network input, 16x the memory)
        tile_px = max(int(tile_px / scale), 1)
        overlap_px = min(math.ceil(overlap_px / scale), tile_px - 1)
        pad_step = max(round(_PAD_STEP_PX / scale), 1)
    areas = windows if windows is not None else [Window(0, 0, width, height)]
    tiles = [t for area in areas for t in slice_window(area, tile_px, overlap_px)]
    if windows is not None:
        # cascade windows are mostly much smaller than a tile: batch similar sizes together
        # and pad each batch only to its largest window, not to a full tile
        # (by padded size, then row-major, so neighbours share the source's cached blocks)
        tiles.sort(key=lambda t: (-(-max(t.height, t.width) // _PAD_STEP_PX), t.row_off, t.col_off))
    names = list(model.class_names)
    places = np.zeros((0, 2)) if weak_near_px is None else np.asarray(weak_near_px, np.float64).reshape(-1, 2)
    near = cKDTree(places) if weak_below is not None and len(places) else None
    found: list[tuple[float, float, float, float, float, int]] = []  # col, row, w, h, score, cls

    def load(chunk: list[Window]) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
        longest = max(max(int(w.height), int(w.width)) for w in chunk)  # <= tile_px
        side = min(-(-longest // pad_step) * pad_step, tile_px)
        images, valids, masks = [], [], []
        for win in chunk:
            image, valid = read_window(win)
            masks.append(valid)
            img, ok = _prepare(np.asarray(image), np.asarray(valid, bool), side, scale)
            images.append(img)
            valids.append(ok)
        # one tile per batch (the CPU default): a view, not a copy
        batch, batch_valid = (images[0][None], valids[0][None]) if len(images) == 1 \
            else (np.stack(images), np.stack(valids))
        return batch, batch_valid, masks

    chunks = [tiles[start:start + batch_size] for start in range(0, len(tiles), batch_size)]
    # the next batch is read and prepared (GDAL's decode and OpenCV release the GIL) while
    # the network runs on this one: one batch ahead, in one thread, so reads stay in order
    # and memory holds at most two batches
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rams-cnn-read") as ahead:
        pending = [ahead.submit(load, chunk) for chunk in chunks[:1]]
        for i, chunk in enumerate(chunks):
            batch, batch_valid, masks = pending.pop().result()
            pending += [ahead.submit(load, nxt) for nxt in chunks[i + 1:i + 2]]
            dets = model.predict(batch, batch_valid, min_score=min_score)
            _collect(found, chunk, masks, dets, scale, weak_below, near, weak_radius_px)
            if on_progress is not None:
                on_progress(min((i + 1) * batch_size, len(tiles)), len(tiles))
    if not found:
        return []
    arr = np.asarray(found, np.float64)
    xs, ys = transform * (arr[:, 0], arr[:, 1])  # type: ignore[operator]
    xy = np.stack([np.asarray(xs), np.asarray(ys)], 1)
    wm, hm = arr[:, 2] * gsd_x, arr[:, 3] * gsd_y
    boxes = np.stack([xy[:, 0] - wm / 2, xy[:, 1] - hm / 2, xy[:, 0] + wm / 2, xy[:, 1] + hm / 2], 1)
    keep = merge_detections(xy, boxes, arr[:, 4], merge_radius_m)
    model_name = str(getattr(model, "meta", {}).get("name", ""))
    return [
        MinePoint(
            x_m=float(xy[i, 0]), y_m=float(xy[i, 1]), class_name=names[int(arr[i, 5])],
            confidence=round(float(arr[i, 4]), 4), detector="cnn", sensor=sensor,
            gsd_m=round(gsd, 5), box_w_m=round(float(wm[i]), 4), box_h_m=round(float(hm[i]), 4),
            extra={"model": model_name} if model_name else {},
        )
        for i in keep
    ]
