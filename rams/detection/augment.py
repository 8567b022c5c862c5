"""Training-time augmentation of overhead imagery.

Scale, crop or pad, flips, rotations, photometric jitter, and YOLO's 2x2 mosaic.
A nadir view has no "up", so any flip and any 90-degree rotation is a valid sample;
scale is drawn log-uniformly around the working GSD.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np


def augment(
    img: np.ndarray, boxes: np.ndarray, classes: np.ndarray, size: int, rng: np.random.Generator,
    scale_range: tuple[float, float] = (0.7, 1.4), focus: float = 0.0,
    hard_points: np.ndarray | None = None, hard_p: float = 0.0,
    focus_factors: dict[int, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random scale + crop/pad to ``size``, flips, 90-degree rotation, photometric jitter.

    Args:
        img: uint8 (H, W, C).
        boxes: (N, 4) ``x0, y0, x1, y1`` pixels.
        classes: (N,).
        size: output side, pixels.
        rng: random generator.
        scale_range: range of the (log-uniform) scale factor.
        focus: probability that the crop is placed around a random object (when the image
            holds one) instead of anywhere: small crops of large, mostly empty images then
            still show objects often.
        hard_points: (K, 2) ``x, y`` pixel centres of past false alarms on this image.
        hard_p: probability that the crop (when not object-centred) is placed around a
            random hard point.
        focus_factors: relative chance of each class's objects to be the centre of an
            object-centred crop (None: every object alike).

    Returns:
        ``(float32 (C, size, size) in the input's units, boxes, classes)``.
    """
    h, w, c = img.shape
    s = math.exp(rng.uniform(math.log(scale_range[0]), math.log(scale_range[1])))
    nh, nw = max(round(h * s), 1), max(round(w * s), 1)
    scaled = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR if s > 1 else cv2.INTER_AREA)
    scaled = scaled.reshape(nh, nw, c)
    b = boxes * np.array([nw / w, nh / h, nw / w, nh / h], np.float32)
    out = np.empty((size, size, c), np.uint8)
    out[:] = np.median(scaled.reshape(-1, c), axis=0).astype(np.uint8)
    # Offsets: crop when larger, pad when smaller (random placement either way).
    ox = int(rng.integers(0, nw - size + 1)) if nw > size else -int(rng.integers(0, size - nw + 1))
    oy = int(rng.integers(0, nh - size + 1)) if nh > size else -int(rng.integers(0, size - nh + 1))
    targets = np.flatnonzero(classes >= 0)
    if len(targets) and rng.random() < focus:
        # Object-centred crop: a random object lies wholly inside, anywhere in the crop.
        if focus_factors:
            p = np.array([focus_factors.get(int(classes[t]), 1.0) for t in targets])
            x0, y0, x1, y1 = b[int(rng.choice(targets, p=p / p.sum()))]
        else:
            x0, y0, x1, y1 = b[int(rng.choice(targets))]
        ox = int(rng.integers(min(math.floor(x1) - size, math.floor(x0)), math.floor(x0) + 1))
        oy = int(rng.integers(min(math.floor(y1) - size, math.floor(y0)), math.floor(y0) + 1))
    elif hard_points is not None and len(hard_points) and rng.random() < hard_p:
        # A past false alarm somewhere in the middle 70 % of the crop.
        px, py = hard_points[int(rng.integers(0, len(hard_points)))] * np.float32(s)
        ox = int(px) - int(rng.integers(int(0.15 * size), int(0.85 * size) + 1))
        oy = int(py) - int(rng.integers(int(0.15 * size), int(0.85 * size) + 1))
    sx0, sy0 = max(ox, 0), max(oy, 0)
    dx0, dy0 = max(-ox, 0), max(-oy, 0)
    cw, ch = min(nw - sx0, size - dx0), min(nh - sy0, size - dy0)
    out[dy0:dy0 + ch, dx0:dx0 + cw] = scaled[sy0:sy0 + ch, sx0:sx0 + cw]
    b = b - np.array([ox, oy, ox, oy], np.float32)
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    clipped = np.clip(b, 0, size)
    carea = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    keep = carea >= 0.45 * np.maximum(area, 1e-6)
    b, cls = clipped[keep], classes[keep]
    x = out.astype(np.float32)
    if rng.random() < 0.5:
        x = x[:, ::-1]
        b = np.stack([size - b[:, 2], b[:, 1], size - b[:, 0], b[:, 3]], 1)
    if rng.random() < 0.5:
        x = x[::-1]
        b = np.stack([b[:, 0], size - b[:, 3], b[:, 2], size - b[:, 1]], 1)
    for _ in range(int(rng.integers(0, 4))):
        # rot90 counter-clockwise: (x, y) -> (y, size - x)
        x = np.rot90(x)
        b = np.stack([b[:, 1], size - b[:, 2], b[:, 3], size - b[:, 0]], 1)
    x = np.ascontiguousarray(x.transpose(2, 0, 1))
    # Photometric jitter in 8-bit units: contrast about the mean, brightness, gamma, noise.
    mean = x.mean()
    x = (x - mean) * rng.uniform(0.7, 1.3) + mean + rng.uniform(-25, 25)
    if c > 1:
        x *= rng.uniform(0.92, 1.08, size=(c, 1, 1)).astype(np.float32)
    x = np.clip(x, 0, 255)
    x = 255.0 * (x / 255.0) ** rng.uniform(0.8, 1.25)
    if rng.random() < 0.3:
        x += rng.normal(0, rng.uniform(1, 6), size=x.shape).astype(np.float32)
    return x.astype(np.float32), b.astype(np.float32).reshape(-1, 4), cls


def colour_jitter(x: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    """Photometric domain randomisation of a (C, H, W) float32 image in 8-bit units.

    A new site brings a new camera, white balance, sun and ground colour; the mild jitter of
    :func:`augment` leaves a model free to learn its training sites' colours. This draws, at
    ``strength`` 1: saturation 0.2-1.5x about the grey of the image (0.2: almost grey), a
    white balance of 0.75-1.25x per channel and a contrast of 0.7-1.3x about the mean. The
    ranges scale with ``strength``; 0 returns ``x`` unchanged and draws nothing from ``rng``
    (so a seed gives the same batches as without the option). Images of fewer than three
    channels get the gain and contrast only.
    """
    if strength <= 0:
        return x
    c = x.shape[0]
    if c >= 3:
        grey = x[:3].mean(axis=0, keepdims=True)
        sat = rng.uniform(max(0.0, 1.0 - 0.8 * strength), 1.0 + 0.5 * strength)
        x = grey + (x - grey) * np.float32(sat)
    x = x * rng.uniform(1.0 - 0.25 * strength, 1.0 + 0.25 * strength, size=(c, 1, 1)).astype(np.float32)
    mean = x.mean()
    x = (x - mean) * np.float32(rng.uniform(1.0 - 0.3 * strength, 1.0 + 0.3 * strength)) + mean
    out: np.ndarray = np.clip(x, 0, 255).astype(np.float32)
    return out


def amplitude_mix(xs: np.ndarray, rng: np.random.Generator, p: float) -> np.ndarray:
    """Swap part of each image's Fourier amplitude for another image's, keeping its phase.

    A new site differs from the training sites mostly in its ground's texture and colour
    (dense dry grass against smooth turf or sand), which live in the amplitude spectrum; the
    objects' shapes and positions live in the phase. With probability ``p`` per image, its
    amplitude becomes ``(1 - lam) A_x + lam A_y`` per channel (``lam`` uniform in [0, 1],
    ``y`` another image of the batch, real or synthetic) and its phase is kept (Xu et al.,
    "A Fourier-based framework for domain generalization", CVPR 2021), so the labelled
    boxes stay where they were. ``p`` 0 returns ``xs`` unchanged and draws nothing from
    ``rng`` (a seed gives the same batches as without the option).

    Args:
        xs: (B, C, H, W) float32 images in 8-bit units.
        rng: the batch builder's generator.
        p: probability that an image is mixed.

    Returns:
        The batch, clipped to [0, 255], float32.
    """
    b = xs.shape[0]
    if p <= 0 or b < 2:
        return xs
    out = xs.copy()
    spectra = np.fft.rfft2(xs.astype(np.float64))
    for i in range(b):
        if rng.random() >= p:
            continue
        j = int(rng.integers(0, b - 1))
        j += j >= i  # another image
        lam = rng.random()
        amp = (1 - lam) * np.abs(spectra[i]) + lam * np.abs(spectra[j])
        mixed = np.fft.irfft2(amp * np.exp(1j * np.angle(spectra[i])), s=xs.shape[2:])
        out[i] = np.clip(mixed, 0, 255)
    return out


def grass_occlusion(
    x: np.ndarray, boxes: np.ndarray, classes: np.ndarray, rng: np.random.Generator, p: float,
    max_cover: float = 0.5,
) -> np.ndarray:
    """Draw grass blades across a crop's objects, and as many tufts elsewhere.

    On a new site a mine is often half hidden in grass (dense dry grass on one real site
    left the detector at 0 of 30 PFM-1), while the real training mines mostly lie in the
    open. With probability ``p`` per crop this draws, over each labelled object (class >= 0)
    with probability 0.8, a tuft of 2-8 thin curved blades (1-2 px, 0.6-2x the box's
    diagonal, through a point of the box) in the colour of a ground pixel near it made 0.6-1.6
    times as bright, blended at 0.6-1 opacity; a blade that would bring any object's covered
    share over ``max_cover`` is not drawn, so the object stays findable. As many tufts (plus
    one) go to random points of the crop, so that blades are not evidence of a mine. ``p`` 0
    returns ``x`` unchanged and draws nothing from ``rng`` (a seed gives the same batches as
    without the option).

    Args:
        x: (C, S, S) float32 crop in 8-bit units (the output of :func:`augment`).
        boxes: (N, 4) ``x0, y0, x1, y1`` pixels in the crop.
        classes: (N,); objects with class < 0 (ignored) get no tuft of their own.
        rng: the batch builder's generator.
        p: probability that the crop gets blades at all.
        max_cover: largest fraction of a box's area the blades may cover.

    Returns:
        The crop with blades, float32, clipped to [0, 255]; labels are unchanged.
    """
    if p <= 0 or rng.random() >= p:
        return x
    c, h, w = x.shape
    out = x.copy()
    targets = [b for b, k in zip(np.asarray(boxes).reshape(-1, 4), np.asarray(classes), strict=True) if k >= 0]
    regions = [(slice(max(int(b[1]), 0), min(math.ceil(b[3]), h)),
                slice(max(int(b[0]), 0), min(math.ceil(b[2]), w))) for b in targets]
    regions = [r for r in regions if r[0].stop > r[0].start and r[1].stop > r[1].start]
    anchors: list[tuple[float, float, float]] = []
    for b in targets:
        if rng.random() < 0.8:
            x0, y0, x1, y1 = (float(v) for v in b)
            anchors.append((x0 + rng.random() * (x1 - x0), y0 + rng.random() * (y1 - y0),
                            math.hypot(x1 - x0, y1 - y0)))
    typical = float(np.median([a[2] for a in anchors])) if anchors else 0.15 * min(h, w)
    for _ in range(len(anchors) + 1):
        anchors.append((rng.random() * w, rng.random() * h, typical))
    covered = np.zeros((h, w), np.float32)  # the blades' opacity so far
    ts = np.linspace(0, 1, 9)[:, None]  # where a blade's curve is sampled
    for ax, ay, diag in anchors:
        # Ground colour: a pixel of the ring around the anchor (1-1.5 diagonals away).
        ang, rad = rng.uniform(0, 2 * math.pi), diag * rng.uniform(1.0, 1.5)
        gx = int(np.clip(ax + rad * math.cos(ang), 0, w - 1))
        gy = int(np.clip(ay + rad * math.sin(ang), 0, h - 1))
        base = x[:, gy, gx].astype(np.float32)
        for _ in range(int(rng.integers(2, 9))):
            length = diag * rng.uniform(0.6, 2.0)
            theta = rng.uniform(0, math.pi)
            t0 = rng.uniform(0.2, 0.8)  # where along the blade the anchor lies
            dx, dy = math.cos(theta), math.sin(theta)
            start = np.array([ax - t0 * length * dx, ay - t0 * length * dy])
            end = np.array([ax + (1 - t0) * length * dx, ay + (1 - t0) * length * dy])
            mid = (start + end) / 2 + rng.normal(0, 0.15 * length) * np.array([-dy, dx])
            pts = (((1 - ts) ** 2 * start + 2 * (1 - ts) * ts * mid + ts ** 2 * end) * 16).astype(np.int32)
            thickness = int(rng.integers(1, 3))
            # draw and blend within the blade's own box (a few pixels of margin for the
            # thickness and anti-aliasing), not over the whole crop
            lo = np.clip(pts.min(axis=0) // 16 - 4, 0, (w - 1, h - 1))
            hi = np.maximum(np.minimum(pts.max(axis=0) // 16 + 5, (w, h)), lo + 1)
            box = (slice(int(lo[1]), int(hi[1])), slice(int(lo[0]), int(hi[0])))
            mask = np.zeros((int(hi[1] - lo[1]), int(hi[0] - lo[0])), np.uint8)
            cv2.polylines(mask, [(pts - lo * 16).reshape(-1, 1, 2)], False, 255,
                          thickness=thickness, lineType=cv2.LINE_AA, shift=4)
            alpha = mask.astype(np.float32) / 255.0 * np.float32(rng.uniform(0.6, 1.0))
            colour = np.clip(base * np.float32(rng.uniform(0.6, 1.6))
                             * np.asarray(rng.uniform(0.9, 1.1, size=c), np.float32), 0, 255)
            before = covered[box].copy()
            np.maximum(before, alpha, out=covered[box])
            if any((covered[r] > 0.1).mean() > max_cover for r in regions):
                covered[box] = before  # this blade would hide too much of an object
                continue
            out[:, box[0], box[1]] = out[:, box[0], box[1]] * (1 - alpha) + colour[:, None, None] * alpha
    result: np.ndarray = np.clip(out, 0, 255).astype(np.float32)
    return result


def mosaic(
    images: Sequence[np.ndarray], boxes: Sequence[np.ndarray], classes: Sequence[np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Four images side by side on a 2x2 canvas (YOLO's mosaic), boxes moved with them.

    Images of different sizes are resized to the first one's size. The canvas then goes
    through :func:`augment` like any image (a scale about 0.5 shows all four quarters).

    Args:
        images: four uint8 (H, W, C) images.
        boxes: four (N, 4) ``x0, y0, x1, y1`` pixel arrays.
        classes: four (N,) class arrays.

    Returns:
        ``(uint8 (2H, 2W, C) canvas, boxes, classes)``.
    """
    h, w, c = images[0].shape
    canvas = np.empty((2 * h, 2 * w, c), np.uint8)
    all_boxes, all_classes = [], []
    for k, (img, b, cls) in enumerate(zip(images, boxes, classes, strict=True)):
        ih, iw = img.shape[:2]
        if (ih, iw) != (h, w):
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA).reshape(h, w, c)
            b = b * np.array([w / iw, h / ih, w / iw, h / ih], np.float32)
        oy, ox = (k // 2) * h, (k % 2) * w
        canvas[oy:oy + h, ox:ox + w] = img
        all_boxes.append(np.asarray(b, np.float32).reshape(-1, 4) + np.array([ox, oy, ox, oy], np.float32))
        all_classes.append(np.asarray(cls))
    return canvas, np.concatenate(all_boxes), np.concatenate(all_classes)


__all__ = ["amplitude_mix", "augment", "colour_jitter", "grass_occlusion", "mosaic"]
