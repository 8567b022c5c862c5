"""Sliced (tiled) inference over a raster that is read window by window.

The raster is covered by fixed-size tiles of ``tile_px`` with ``overlap_px`` of overlap
(:func:`rams.tiles.windows.slice_window`), so an object narrower than the overlap is whole
in at least one tile. Detections whose centre lies on invalid
(nodata) pixels are dropped, and duplicates from overlapping tiles are merged: greedily by
confidence, a detection suppresses every other whose centre is within ``merge_radius_m`` or
whose box overlaps it with IoU >= 0.5 (class-agnostic: one object, one point).

In cascade mode only given windows are read: the full scan's tiles near anomaly-core
candidates (:func:`peak_tiles`), or squares around them (:func:`cascade_windows`); a window
larger than a tile is tiled the same way.
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
from scipy.spatial import cKDTree

from rams.core.dedup import greedy_radius_groups
from rams.core.gsd import gsd_from_affine
from rams.core.points import MinePoint
from rams.detection.box_metrics import box_iou
from rams.tiles.windows import slice_window

ReadWindow = Callable[[Window], tuple[np.ndarray, np.ndarray]]

#: Network pixels to which cascade squares align their starts (:func:`cascade_windows`): the
#: shipped RGB network's scores repeat with an object's shift by 16 px and move within it;
#: 32 is a multiple of that period and divides the full scan's tile step (960 px).
ALIGN_PX = 32
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


def network_scale(gsd_m: float, model_gsd_m: float | None) -> float:
    """How many network pixels one raster pixel becomes.

    1.0 unless the raster's GSD and the model's differ by more than :data:`GSD_TOLERANCE`.
    """
    if model_gsd_m and abs(gsd_m / model_gsd_m - 1.0) > GSD_TOLERANCE:
        return gsd_m / model_gsd_m
    return 1.0


def raster_tile_px(tile_px: int, scale: float) -> tuple[int, int]:
    """A network tile and its batch padding step, in raster pixels.

    For a raster ``scale`` times coarser than the model, sizes are the network's (see
    :func:`detect_sliced`).
    """
    if scale > 1.0:
        return max(int(tile_px / scale), 1), max(round(_PAD_STEP_PX / scale), 1)
    return tile_px, _PAD_STEP_PX


def scan_tile_px(tile_px: int, overlap_px: int, scale: float) -> tuple[int, int, int]:
    """A full scan's tile, its overlap and the batch padding step, in raster pixels.

    For a raster ``scale`` times coarser than the model, the configured sizes are the
    network's (see :func:`detect_sliced`).
    """
    tile, pad = raster_tile_px(tile_px, scale)
    if scale > 1.0:
        overlap_px = min(math.ceil(overlap_px / scale), tile - 1)
    return tile, overlap_px, pad


def peak_tiles(
    points: list[tuple[float, float]], transform: affine.Affine, width: int, height: int, *,
    tile_px: int, overlap_px: int, radius_m: float,
) -> list[Window]:
    """The tiles of the full scan that reach within ``radius_m`` of a candidate point.

    Cascade mode with these windows reads exactly what a full scan reads wherever a
    candidate is, in the same tiles, so the CNN's responses within ``radius_m`` of every
    candidate (the evidence of its fused point) are the full scan's; only tiles far from
    every candidate are skipped. Squares around each peak (:func:`cascade_windows`) are
    cheaper, but the network's scores alias with its stride grid: centred on the peaks, 6
    pieces of clutter of the seen ``lichen-tundra`` family that the full scan scored
    0.32-0.38 scored 0.45-0.67 (rule ZX); aligned to the full scan's grid they did as the
    full scan there, but not blind on ``coffee-slope`` (rule ZZA, stop 60).

    Args:
        points: candidate ``(x, y)`` in the raster's CRS (map metres).
        transform: the raster's affine (north-up).
        width: raster columns.
        height: raster rows.
        tile_px: the full scan's tile side, raster pixels (:func:`scan_tile_px`).
        overlap_px: its overlap, raster pixels.
        radius_m: how far from a candidate the responses must be the full scan's, metres.

    Returns:
        Tiles in raster pixels, row-major order (those of :func:`slice_window` over the
        raster that qualify).
    """
    if not points:
        return []
    tiles = list(slice_window(Window(0, 0, width, height), tile_px, overlap_px))
    xy = np.asarray(points, np.float64).reshape(-1, 2)
    cols, rows = (~transform) * (xy[:, 0], xy[:, 1])
    px = np.stack([np.asarray(cols, np.float64), np.asarray(rows, np.float64)], 1)
    r = radius_m / gsd_from_affine(transform)
    rect = np.array([[t.col_off, t.row_off, t.col_off + t.width, t.row_off + t.height] for t in tiles], np.float64)
    centres = (rect[:, :2] + rect[:, 2:]) / 2
    reach = float(np.hypot(rect[:, 2] - rect[:, 0], rect[:, 3] - rect[:, 1]).max()) / 2 + r
    near = cKDTree(px).query_ball_point(centres, reach)
    keep = []
    for i, idx in enumerate(near):
        if idx:
            p = px[idx]
            # distance from each point to the tile's rectangle
            dx = np.maximum(np.maximum(rect[i, 0] - p[:, 0], p[:, 0] - rect[i, 2]), 0.0)
            dy = np.maximum(np.maximum(rect[i, 1] - p[:, 1], p[:, 1] - rect[i, 3]), 0.0)
            if np.any(np.hypot(dx, dy) <= r):
                keep.append(tiles[i])
    return keep


def padded_side(longest: Any, pad_px: int, cap: int | None = None) -> Any:
    """The side a batch is padded to: ``longest`` rounded up to ``pad_px``, at most ``cap``.

    Works on ints and on numpy arrays alike.
    """
    side = -(-longest // pad_px) * pad_px
    return side if cap is None else np.minimum(side, cap)


def cascade_windows(
    points: list[tuple[float, float]], transform: affine.Affine, width: int, height: int, *,
    window_m: float = 3.0, max_px: int = 1024, pad_px: int = _PAD_STEP_PX, align_px: int = 1,
) -> list[Window]:
    """Windows around candidate points, merged where merging costs the network no pixels.

    Each point gets a square of ``window_m`` on the ground, clipped to the raster. Two
    windows become their bounding window when it fits one network tile (``max_px``) and its
    padded area (a square side rounded up to ``pad_px``, as :func:`detect_sliced` pads a
    batch) is at most the sum of theirs: overlapping squares merge, while the ground between
    candidates a few metres apart is not read. (Merging every touching square into the
    bounding window of its connected component read 2.1x the pixels on the 0.25 km²
    benchmark flight: 740 against 350 Mpx.) Windows may overlap; the merge of detections
    removes the duplicates, as between overlapping tiles.

    Args:
        points: candidate ``(x, y)`` in the raster's CRS (map metres).
        transform: the raster's affine (north-up).
        width: raster columns.
        height: raster rows.
        window_m: side of the square around each point, metres.
        max_px: largest merged window side, raster pixels (a network tile; larger squares
            are kept and tiled).
        pad_px: the batch padding step, raster pixels.
        align_px: every window starts on a multiple of this many raster pixels (a window
            that would not cover its squares then grows). The network's score of an object
            moves with the object's position modulo 16 px (its stride grid; stop 60: by up
            to 0.17 on one piece of clutter); squares centred on the peaks put every object at
            one such position, where this network happened to score clutter higher than the
            full scan does (rule ZX). Aligned to the full scan's tile origins (multiples of
            32), each object keeps the position it has in the full scan (:data:`ALIGN_PX`).

    Returns:
        Windows in raster pixels, row-major order.
    """
    if not points:
        return []
    gsd = gsd_from_affine(transform)
    half = max(math.ceil(window_m / gsd / 2), 1)
    inv = ~transform
    xy = np.asarray(points, np.float64).reshape(-1, 2)
    cols, rows = inv * (xy[:, 0], xy[:, 1])
    # Round off float noise of the inverse transform before floor/ceil.
    cols, rows = np.round(np.asarray(cols), 6), np.round(np.asarray(rows), 6)
    rects = np.stack([
        np.clip(np.floor(cols - half), 0, width), np.clip(np.floor(rows - half), 0, height),
        np.clip(np.ceil(cols + half), 0, width), np.clip(np.ceil(rows + half), 0, height),
    ], 1).astype(np.int64)
    rects = rects[(rects[:, 2] > rects[:, 0]) & (rects[:, 3] > rects[:, 1])]
    rects = np.unique(rects, axis=0)
    rects = _grow_to_padding(_merge_rects(rects, max_px, pad_px), max_px, pad_px, width, height, align_px)
    windows = [Window(int(c0), int(r0), int(c1 - c0), int(r1 - r0)) for c0, r0, c1, r1 in rects]
    windows.sort(key=lambda w: (w.row_off, w.col_off))
    return windows


def _grow_to_padding(
    rects: np.ndarray, max_px: int, pad_px: int, width: int, height: int, align_px: int = 1,
) -> np.ndarray:
    """Grow each window to the square its batch is padded to anyway.

    About its centre and within the raster: the network reads ground there instead of
    zeros, at no cost in network pixels. Each start is then moved down to a multiple of
    ``align_px``, and the window grows where it would no longer cover its rectangle.
    """
    w, h = rects[:, 2] - rects[:, 0], rects[:, 3] - rects[:, 1]
    side = padded_side(np.maximum(w, h), pad_px, max(max_px, 1))
    out = rects.copy()
    for lo, hi, size, limit in ((0, 2, w, width), (1, 3, h, height)):
        target = np.maximum(np.minimum(side, limit), size)
        start = np.clip(rects[:, lo] - (target - size) // 2, 0, limit - target)
        end = start + target
        if align_px > 1:
            start = start - start % align_px
            end = np.minimum(np.maximum(end, rects[:, hi]), limit)
        out[:, lo], out[:, hi] = start, end
    return out


def _merge_rects(rects: np.ndarray, max_px: int, pad_px: int) -> np.ndarray:
    """Greedy merge of ``(c0, r0, c1, r1)`` rectangles (see :func:`cascade_windows`).

    Each rectangle in turn absorbs the partner that saves the most padded pixels, until no
    merge saves any. Partners are looked for among the rectangles whose first column lies
    within ``max_px`` of it (a merged window is at most ``max_px`` wide), so the cost grows
    with the candidates per strip of ground, not with their square.
    """

    def padded(w: np.ndarray, h: np.ndarray) -> np.ndarray:
        return np.asarray(padded_side(np.maximum(w, h), pad_px) ** 2, np.int64)

    rects = rects[np.argsort(rects[:, 0], kind="stable")]
    # a rectangle only grows, so its first column as it came is a bound on where it can be
    first_col = rects[:, 0].copy()
    alive = np.ones(len(rects), bool)
    cost = padded(rects[:, 2] - rects[:, 0], rects[:, 3] - rects[:, 1])
    for i in range(len(rects)):
        while alive[i]:
            a = rects[i]
            lo = int(np.searchsorted(first_col, a[2] - max_px, "left"))
            hi = int(np.searchsorted(first_col, a[0] + max_px, "right"))
            near = rects[lo:hi]
            c0, r0 = np.minimum(near[:, 0], a[0]), np.minimum(near[:, 1], a[1])
            c1, r1 = np.maximum(near[:, 2], a[2]), np.maximum(near[:, 3], a[3])
            w, h = c1 - c0, r1 - r0
            merged = padded(w, h)
            saving = cost[i] + cost[lo:hi] - merged
            ok = alive[lo:hi] & (w <= max_px) & (h <= max_px) & (saving >= 0)
            if lo <= i < hi:
                ok[i - lo] = False
            if not ok.any():
                break
            k = int(np.argmax(np.where(ok, saving, -1)))
            rects[i] = (c0[k], r0[k], c1[k], r1[k])
            cost[i] = merged[k]
            alive[lo + k] = False
    return rects[alive]


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
    scale = network_scale(gsd, model_gsd)
    # upsampled (a 2 cm orthomosaic for a 0.5 cm model): sizes are the network's, so a
    # tile, its overlap on the ground and the batch padding stay what they are at the
    # model's GSD (a 1024 px raster tile would be a 4096 px network input, 16x the memory)
    tile_px, overlap_px, pad_step = scan_tile_px(tile_px, overlap_px, scale)
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
        side = int(padded_side(longest, pad_step, tile_px))
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
