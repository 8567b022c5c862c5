"""Augmentations for real ground: copy-paste of real mines, blur, JPEG, shadows.

With about a hundred real mines to learn from, each one is reused: :class:`MineBank` keeps a
crop around every labelled real mine (at the working GSD) and pastes it, rotated by any
angle and relit, onto other real images, empty ground above all. The object is blended in
through a feathered ellipse inscribed in its box (the labels are boxes, not masks), and its
new box is the axis-aligned box of that rotated ellipse: for semi-axes ``a = w / 2`` and
``b = h / 2`` rotated by ``t``, half-extents ``sqrt(a^2 cos^2 t + b^2 sin^2 t)`` and
``sqrt(a^2 sin^2 t + b^2 cos^2 t)``.

:func:`degrade` adds what real survey frames do to small objects and synthetic renders do
not: defocus and motion blur, JPEG compression, and cast shadows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

#: Margin kept around a mine's box in its crop, as a fraction of the box side.
CROP_MARGIN = 0.6


@dataclass
class MineBank:
    """Crops of real labelled objects for copy-paste.

    Attributes:
        crops: uint8 (h, w, C) crops, the object's box centred in each.
        sizes: (w, h) of each object's box, pixels.
        classes: class index of each object.
    """

    crops: list[np.ndarray] = field(default_factory=list)
    sizes: list[tuple[float, float]] = field(default_factory=list)
    classes: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.crops)

    def add_from(self, image: np.ndarray, boxes: np.ndarray, classes: np.ndarray) -> None:
        """Keep a crop of every box of class >= 0 in ``image`` that lies wholly inside it."""
        h, w = image.shape[:2]
        for (x0, y0, x1, y1), k in zip(boxes, classes, strict=True):
            bw, bh = x1 - x0, y1 - y0
            m = CROP_MARGIN * max(bw, bh)
            cx0, cy0 = math.floor(x0 - m), math.floor(y0 - m)
            cx1, cy1 = math.ceil(x1 + m), math.ceil(y1 + m)
            if k < 0 or bw < 2 or bh < 2 or cx0 < 0 or cy0 < 0 or cx1 > w or cy1 > h:
                continue
            crop = image[cy0:cy1, cx0:cx1]
            # Re-centre: the crop is symmetric about the box centre up to rounding.
            self.crops.append(np.ascontiguousarray(crop))
            self.sizes.append((float(bw), float(bh)))
            self.classes.append(int(k))

    def paste(
        self, image: np.ndarray, boxes: np.ndarray, classes: np.ndarray, rng: np.random.Generator,
        count: int, colour: float = 0.0, recolour: float = 0.0,
        palette: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Paste ``count`` random objects at free places of ``image``.

        Args:
            image: uint8 (H, W, C), not modified.
            boxes: (N, 4) existing boxes ``x0, y0, x1, y1`` (pasted objects keep clear of them).
            classes: (N,) their classes.
            rng: random generator.
            count: objects to paste (fewer when no free place is found).
            colour: strength of each object's own colour randomisation (see
                :attr:`rams.detection.train_config.TrainConfig.paste_colour`); 0 draws nothing.
            recolour: probability that an object of a 3-band image is repainted in the
                hue of a ``palette`` colour at 0.4-1.1 times its own lightness
                (:func:`repaint_object` on its own pixels, :func:`object_mask`; where the
                segmentation fails it keeps its colour); 0 draws nothing.
            palette: (K, 3) colours to take the hue from (default :data:`DEVICE_PALETTE`).

        Returns:
            ``(new image, boxes, classes)`` with the pasted objects appended.
        """
        out = image.copy()
        h, w, c = out.shape
        all_boxes = [np.asarray(boxes, np.float32).reshape(-1, 4)]
        all_classes = [np.asarray(classes, np.int64).reshape(-1)]
        placed = list(all_boxes[0])
        for _ in range(count):
            k = int(rng.integers(len(self)))
            crop, (bw, bh) = self.crops[k], self.sizes[k]
            angle = float(rng.uniform(0, 360))
            gain = float(rng.uniform(0.7, 1.25))
            patch = _rotate(crop, angle).astype(np.float32)
            patch = patch * gain * np.asarray(rng.uniform(0.93, 1.07, size=c), np.float32)
            if colour > 0.0 and c >= 3:
                grey = patch.mean(axis=2, keepdims=True)
                saturation = float(rng.uniform(max(0.0, 1.0 - colour), 1.0 + 0.2 * colour))
                balance = np.asarray(rng.uniform(1.0 - 0.15 * colour, 1.0 + 0.15 * colour, size=c), np.float32)
                patch = (grey + saturation * (patch - grey)) * balance
            ph, pw = patch.shape[:2]
            t = math.radians(angle)
            a, b = bw / 2, bh / 2
            if recolour > 0.0 and c == 3 and rng.random() < recolour:
                colours = DEVICE_PALETTE if palette is None else palette
                hue = colours[int(rng.integers(len(colours)))]
                # green or brown plastic is darker than the pale tan of most labelled PFM-1
                lightness = float(rng.uniform(0.4, 1.1))
                mask = object_mask(patch, circumscribed_ellipse(ph, pw, a, b, t))
                patch = repaint_object(patch, mask, hue, lightness)
            hx = math.sqrt((a * math.cos(t)) ** 2 + (b * math.sin(t)) ** 2)
            hy = math.sqrt((a * math.sin(t)) ** 2 + (b * math.cos(t)) ** 2)
            if pw >= w or ph >= h:
                continue
            for _attempt in range(10):
                x0, y0 = int(rng.integers(0, w - pw)), int(rng.integers(0, h - ph))
                cx, cy = x0 + pw / 2, y0 + ph / 2
                box = np.array([cx - hx, cy - hy, cx + hx, cy + hy], np.float32)
                if all(_gap(box, q) > 2.0 for q in placed):
                    break
            else:
                continue
            alpha = _ellipse_alpha(ph, pw, a, b, t)[:, :, None]
            region = out[y0:y0 + ph, x0:x0 + pw].astype(np.float32)
            blended = region * (1 - alpha) + patch * alpha
            out[y0:y0 + ph, x0:x0 + pw] = np.clip(blended, 0, 255).astype(np.uint8)
            placed.append(box)
            all_boxes.append(box[None])
            all_classes.append(np.array([self.classes[k]], np.int64))
        return out, np.concatenate(all_boxes), np.concatenate(all_classes)


#: Colours mines are made in, 8-bit RGB: the synthetic catalogue's green and brown plastic,
#: olive paint and dark green (:data:`rams.synth.catalog.MINES`), plus sand. The real
#: labelled PFM-1 are nearly all pale tan; in the field they are mostly green or brown, so
#: pasted real mines are repainted in these hues to teach the shape, not the paint. Only
#: the hue is taken (:func:`repaint_object`): the catalogue's values are reflectances, far
#: darker than the real tiles' exposure, so the lightness is drawn relative to the object.
DEVICE_PALETTE = np.array([
    (56, 79, 36),     # green plastic (PFM-1)
    (92, 64, 38),     # brown plastic (PFM-1)
    (87, 92, 54),     # olive paint (TM-62)
    (38, 51, 31),     # dark green (PMN-2)
    (77, 82, 51),     # olive (OZM-72)
    (176, 150, 110),  # sand
], np.float32)


#: Colours of ground clutter a mine detector must not take for a mine, 8-bit RGB: cow dung
#: (fresh and dry), clods, dark and pale stones, dead leaves. Decoys take a hue from here.
CLUTTER_PALETTE = np.array([
    (62, 48, 32),     # fresh dung
    (104, 88, 64),    # dry dung
    (92, 70, 46),     # clod
    (48, 44, 40),     # dark stone
    (132, 128, 118),  # pale stone
    (110, 86, 44),    # dead leaves
], np.float32)


def decoy_alpha(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """(h, w) float32 opacity of an irregular blob: a decoy's footprint.

    Two to four overlapping ellipses of random size and turn around the centre: the lumpy
    outline of dung, a clod or a stone (no test checks that it never looks like a PFM-1's two
    wings). Smoothed noise varies the opacity inside it (a patchy, partly see-through cover;
    the outline itself moves by under a pixel) and its edge is feathered over about a pixel.
    """
    field_ = np.zeros((h, w), np.float32)
    for _ in range(int(rng.integers(2, 5))):
        # semi-axes and shift keep every ellipse inside the patch (no straight, cut edges)
        a = float(rng.uniform(0.18, 0.32)) * min(w, h)
        b = float(rng.uniform(0.18, 0.32)) * min(w, h)
        dx, dy = rng.uniform(-0.1, 0.1, 2) * (w, h)
        e = _ellipse_alpha(h, w, a, b, float(rng.uniform(0, math.pi)))
        m = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], np.float32)  # shift the ellipse off the centre
        field_ = np.maximum(field_, cv2.warpAffine(e, m, (w, h), borderValue=0.0))
    noise = np.asarray(cv2.GaussianBlur(rng.normal(0.0, 1.0, (h, w)).astype(np.float32), (0, 0),
                                        max(1.0, min(h, w) / 8)), np.float32)
    noise /= max(float(np.abs(noise).max()), 1e-6)
    # the noise modulates the opacity where the ellipses are and adds nothing outside them
    return np.asarray(np.clip((field_ * (1.0 + 0.5 * noise) - 0.5) * 3.0 + 0.5, 0.0, 1.0), np.float32)


#: Decoy styles of :func:`paste_decoys`.
DECOY_STYLES = ("clutter", "any")


def fragment_alpha(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """(h, w) float32 opacity of a hard-edged fragment: a decoy of :func:`paste_decoys`' ``any`` style.

    One of three outlines, drawn 4x supersampled and area-averaged (edges about a pixel
    wide): a convex polygon of 4 to 7 corners round an elongated core (a shard of tile,
    brick, wood or plastic; 1 to 4 times as long as wide), a capsule (a can, a bottle, a
    stick) or an ellipse (a lid, a stone). Any turn; it spans 0.45-0.95 of the patch.
    """
    k = 4
    hs, ws = h * k, w * k
    canvas = np.zeros((hs, ws), np.uint8)
    side = min(h, w) * k
    length = float(rng.uniform(0.45, 0.95)) * side / 2
    width = length / float(rng.uniform(1.0, 4.0))
    t = float(rng.uniform(0, math.pi))
    ct, st = math.cos(t), math.sin(t)
    cx, cy = ws / 2, hs / 2
    shape = int(rng.integers(3))
    if shape == 0:  # shard: corners on the rim of the elongated ellipse
        n = int(rng.integers(4, 8))
        # evenly spread corners, each turned by up to a third of a step: the centre stays inside
        angles = (np.arange(n) + rng.uniform(-0.33, 0.33, n)) * (2 * math.pi / n)
        u, v = length * np.cos(angles), width * np.sin(angles)
        pts = np.stack([cx + u * ct - v * st, cy + u * st + v * ct], axis=1)
        cv2.fillConvexPoly(canvas, np.round(pts).astype(np.int32), 255)
    elif shape == 1:  # capsule: a thick segment with round ends
        r = max(1, round(width))
        d = max(0.0, length - r)
        p0 = (round(cx - d * ct), round(cy - d * st))
        p1 = (round(cx + d * ct), round(cy + d * st))
        cv2.line(canvas, p0, p1, 255, thickness=2 * r, lineType=cv2.LINE_8)
        cv2.circle(canvas, p0, r, 255, -1)
        cv2.circle(canvas, p1, r, 255, -1)
    else:  # ellipse
        cv2.ellipse(canvas, (round(cx), round(cy)), (max(1, round(length)), max(1, round(width))),
                    math.degrees(t), 0, 360, 255, -1)
    return np.asarray(cv2.resize(canvas.astype(np.float32) / 255.0, (w, h), interpolation=cv2.INTER_AREA),
                      np.float32)


def _any_colour(rng: np.random.Generator) -> np.ndarray:
    """An 8-bit RGB colour of any hue, saturation 0.05-0.85 (its level is set by the caller)."""
    hue = float(rng.uniform(0, 180))  # OpenCV's 8-bit hue scale
    sat = float(rng.uniform(0.05, 0.85)) * 255
    hsv = np.array([[[hue, sat, 200.0]]], np.float32)
    return np.asarray(cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)[0, 0], np.float32)


def paste_decoys(
    image: np.ndarray, boxes: np.ndarray, sizes: list[tuple[float, float]], rng: np.random.Generator,
    count: int, palette: np.ndarray | None = None, style: str = "clutter",
) -> np.ndarray:
    """Paint ``count`` unlabelled decoys (dung, clods, stones) at free places of ``image``.

    Each decoy is a :func:`decoy_alpha` blob of about 0.4-2 times the length of a labelled
    object drawn from ``sizes`` (its square patch is 0.9-2.5 object lengths; the blob spans
    0.45-0.85 of it), in the hue of a ``palette`` colour (default
    :data:`CLUTTER_PALETTE`) at 0.35-1.1 times the brightness of the ground it lands on, with
    a mottled surface; it keeps 2 px clear of every box. No box is added: they are negatives,
    the mine-sized clutter that is not a mine. A 3-band image only; others come back as they are.

    Style ``any`` (not tied to any ground's clutter): half the decoys are such blobs and half
    hard-edged fragments (:func:`fragment_alpha`: shards, capsules, ellipses), each of any
    hue (:func:`_any_colour`, never a palette) at 0.35-1.8 times the ground's brightness,
    half of them with a soft shadow offset by up to 2 px (they stand on the ground). A
    detector must then tell a mine by its shape: a mine-sized object of a colour it never
    saw is not evidence.

    Args:
        image: uint8 (H, W, 3), not modified.
        boxes: (N, 4) boxes ``x0, y0, x1, y1`` the decoys keep clear of.
        sizes: (w, h) of labelled objects, pixels, to draw the decoys' sizes from.
        rng: random generator.
        count: decoys to paint (fewer when no free place is found).
        palette: (K, 3) colours to take the hue from.
        style: ``clutter`` (blobs in the palette's hues) or ``any`` (see above).

    Returns:
        The new image.
    """
    out = image.copy()
    if out.ndim != 3 or out.shape[2] != 3 or not sizes:
        return out
    h, w = out.shape[:2]
    if style not in DECOY_STYLES:
        raise ValueError(f"decoy style {style!r}; expected one of {', '.join(DECOY_STYLES)}")
    colours = CLUTTER_PALETTE if palette is None else palette
    placed = list(np.asarray(boxes, np.float32).reshape(-1, 4))
    for _ in range(count):
        bw, bh = sizes[int(rng.integers(len(sizes)))]
        # a square patch of 0.9-2.5 object lengths; its blob spans 0.45-0.85 of the side
        pw = ph = max(6, round(max(bw, bh) * float(rng.uniform(0.6, 1.6)) / 0.65))
        if pw >= w or ph >= h:
            continue
        for _attempt in range(10):
            x0, y0 = int(rng.integers(0, w - pw)), int(rng.integers(0, h - ph))
            box = np.array([x0, y0, x0 + pw, y0 + ph], np.float32)
            if all(_gap(box, q) > 2.0 for q in placed):
                break
        else:
            continue
        region = out[y0:y0 + ph, x0:x0 + pw].astype(np.float32)
        if style == "any":
            alpha = decoy_alpha(ph, pw, rng) if rng.random() < 0.5 else fragment_alpha(ph, pw, rng)
            hue = _any_colour(rng)
            level = float(region.mean()) * float(rng.uniform(0.35, 1.8))
            if rng.random() < 0.5:  # a soft shadow on one side, under the object
                dx, dy = (int(v) for v in rng.integers(-2, 3, 2))
                m = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]], np.float32)
                shade = cv2.GaussianBlur(cv2.warpAffine(alpha, m, (pw, ph), borderValue=0.0), (0, 0), 0.8)
                region = region * (1.0 - 0.45 * shade[:, :, None])
        else:
            alpha = decoy_alpha(ph, pw, rng)
            hue = colours[int(rng.integers(len(colours)))]
            level = float(region.mean()) * float(rng.uniform(0.35, 1.1))
        target = hue * (level / max(float(hue.mean()), 1e-6))
        mottle = cv2.GaussianBlur(rng.normal(0.0, 1.0, (ph, pw)).astype(np.float32), (0, 0), 1.0)
        paint = target[None, None, :] * (1.0 + 0.12 * mottle[:, :, None])
        a = alpha[:, :, None]
        out[y0:y0 + ph, x0:x0 + pw] = np.clip(region * (1 - a) + paint * a, 0, 255).astype(np.uint8)
        placed.append(box)
    return out


#: An object mask covering less than this share of its search region is taken for a failed
#: segmentation (a shadow, a speck) and the object is not repainted.
MIN_OBJECT_SHARE = 0.12


def object_mask(rgb: np.ndarray, region: np.ndarray) -> np.ndarray:
    """(h, w) float32 opacity of a labelled object's own pixels, told from its ground.

    Labels are boxes, not masks. ``region`` is where the object may lie: the caller passes
    the ellipse that circumscribes the box (its semi-axes sqrt(2) times the inscribed
    ellipse's), so wing tips in the box corners are inside it. The ground's chroma (Lab a*,
    b*: a cast shadow changes mostly lightness) is the median of a ring of pixels just
    outside the region; inside it, pixels whose chroma is farther from it than Otsu's
    threshold on those distances are the object (closed by a 3x3 step, the largest
    connected part kept), grown by one pixel and feathered so that no rim of the old colour
    is left. Returns all zeros when the segmentation fails: no ground around the region, no
    contrast, or a part smaller than :data:`MIN_OBJECT_SHARE` of the region (the object is
    then left as it is rather than a shadow painted).

    Args:
        rgb: (h, w, 3) image in 8-bit units (any dtype), RGB order.
        region: (h, w), > 0 where the object may be.
    """
    inside = region > 0
    none = np.zeros(inside.shape, np.float32)
    ring = (cv2.dilate(inside.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0) & ~inside
    if not ring.any() or not inside.any():
        return none
    lab = cv2.cvtColor(np.clip(rgb, 0, 255).astype(np.uint8), cv2.COLOR_RGB2LAB)[:, :, 1:].astype(np.float32)
    dist = np.linalg.norm(lab - np.median(lab[ring], axis=0), axis=2)
    top = float(dist[inside].max())
    if top <= 1e-6:
        return none
    d8 = np.clip(dist / top * 255, 0, 255).astype(np.uint8)
    level, _ = cv2.threshold(d8[inside].reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    obj = ((d8 > level) & inside).astype(np.uint8)
    obj = cv2.morphologyEx(obj, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) & inside.astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(obj, connectivity=8)
    if n <= 1:
        return none
    keep = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if stats[keep, cv2.CC_STAT_AREA] < MIN_OBJECT_SHARE * inside.sum():
        return none
    grown = cv2.dilate((labels == keep).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(np.float32)
    soft = np.clip(cv2.GaussianBlur(grown, (0, 0), 0.7) * 1.5, 0.0, 1.0)
    soft[soft < 0.02] = 0.0  # the blur's far tail
    return np.asarray(soft, np.float32)


def circumscribed_ellipse(h: int, w: int, a: float, b: float, t: float) -> np.ndarray:
    """(h, w) float32, 1 inside the ellipse through the corners of an ``2a x 2b`` box.

    Its semi-axes are ``sqrt(2) a`` and ``sqrt(2) b``, centred in the image and turned by
    ``t`` radians as :func:`_ellipse_alpha` turns, so it holds the whole box.
    """
    return (_ellipse_alpha(h, w, math.sqrt(2) * a, math.sqrt(2) * b, t) > 0.5).astype(np.float32)


def repaint_object(rgb: np.ndarray, mask: np.ndarray, hue: np.ndarray, lightness: float) -> np.ndarray:
    """Repaint the object under ``mask`` in the hue of ``hue`` at ``lightness`` times its own.

    The target colour is ``hue`` scaled so that its mean equals the object's mean times
    ``lightness`` (1: the same brightness, a change of colour only), applied by
    :func:`repaint`'s channel gains and blended by ``mask``. ``rgb`` is (h, w, 3) float32.
    """
    # the object itself: the mask's full part less the pixel it was grown by (that ring and
    # the feathered rim mix in ground, which would pull the colour measured towards it)
    core = cv2.erode((mask >= 0.999).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    if not core.any():
        core = mask > 0.5
        if not core.any():
            return rgb
    own = float(rgb[core].mean())
    target = np.asarray(hue, np.float32) * (own * lightness / max(float(np.mean(hue)), 1e-6))
    m = mask[:, :, None]
    return np.asarray(rgb * (1 - m) + repaint(rgb, core.astype(np.float32), target) * m, np.float32)


def repaint(patch: np.ndarray, alpha: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Scale each channel of ``patch`` so that the object's mean colour becomes ``target``.

    The object is where ``alpha`` (same height and width) exceeds 0.5; its shading and
    texture keep their relative contrast. Channel gains are limited to 0.05-4 so that a
    channel near zero is not blown up. The ground around the object is scaled too, but only
    the object is blended in by the caller.

    Args:
        patch: float32 (h, w, C) patch in 8-bit units.
        alpha: (h, w) opacity of the object.
        target: (C,) colour in 8-bit units.

    Returns:
        The repainted float32 patch.
    """
    inside = alpha > 0.5
    if not inside.any():
        return patch
    mean = patch[inside].mean(axis=0)
    gain = np.clip(np.asarray(target, np.float32) / np.maximum(mean, 1.0), 0.05, 4.0)
    return np.asarray(patch * gain.astype(np.float32), np.float32)


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """Distance between two boxes (negative when they overlap)."""
    dx = max(b[0] - a[2], a[0] - b[2])
    dy = max(b[1] - a[3], a[1] - b[3])
    return float(max(dx, dy))


def _rotate(crop: np.ndarray, angle_deg: float) -> np.ndarray:
    """Rotate about the centre, same size, borders reflected (they are blended away)."""
    h, w = crop.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle_deg, 1.0)
    out = cv2.warpAffine(crop, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return out.reshape(crop.shape)


def _ellipse_alpha(h: int, w: int, a: float, b: float, t: float) -> np.ndarray:
    """(h, w) float32 opacity: 1 inside the rotated ellipse, fading over ~1.5 px outside.

    ``t`` is the rotation in radians, counter-clockwise as :func:`cv2.getRotationMatrix2D`
    turns the image (y axis down, so the ellipse turns by ``-t`` in image coordinates).
    """
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    x, y = xx + 0.5 - w / 2, yy + 0.5 - h / 2
    ct, st = math.cos(t), math.sin(t)
    u, v = x * ct - y * st, x * st + y * ct
    r = np.sqrt((u / max(a, 1.0)) ** 2 + (v / max(b, 1.0)) ** 2)
    edge = 1.5 / max(min(a, b), 1.0)
    return np.asarray(np.clip((1.0 + edge - r) / edge, 0.0, 1.0), dtype=np.float32)


def degrade(x: np.ndarray, rng: np.random.Generator, *, blur_p: float, jpeg_p: float,
            shadow_p: float) -> np.ndarray:
    """Blur, JPEG and shadow augmentations of a float32 (C, H, W) image in 8-bit units."""
    c, h, w = x.shape
    img = np.ascontiguousarray(x.transpose(1, 2, 0))
    if rng.random() < blur_p:
        if rng.random() < 0.5:
            s = float(rng.uniform(0.4, 1.2))
            img = cv2.GaussianBlur(img, (0, 0), s).reshape(h, w, c)
        else:  # motion blur along a random direction, 2-4 px long
            n = int(rng.integers(2, 5))
            line = np.zeros((n, n), np.float32)
            line[n // 2, :] = 1.0 / n
            turn = cv2.getRotationMatrix2D(((n - 1) / 2, (n - 1) / 2), float(rng.uniform(0, 180)), 1.0)
            kernel = np.asarray(cv2.warpAffine(line, turn, (n, n)), np.float32)
            kernel /= max(float(kernel.sum()), 1e-6)
            img = cv2.filter2D(img, -1, kernel).reshape(h, w, c)
    if rng.random() < shadow_p:
        # A soft-edged shadow: a random half-plane or blob darkened by 25-55 %.
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        ang = rng.uniform(0, 2 * math.pi)
        d = (xx - rng.uniform(0, w)) * math.cos(ang) + (yy - rng.uniform(0, h)) * math.sin(ang)
        soft = np.clip(d / rng.uniform(2.0, 12.0), -1, 1) * 0.5 + 0.5
        img = (img * (1 - rng.uniform(0.25, 0.55) * soft)[:, :, None]).astype(np.float32)
    if rng.random() < jpeg_p and c in (1, 3):
        q = int(rng.integers(35, 90))
        u8 = np.clip(img, 0, 255).astype(np.uint8)
        ok, enc = cv2.imencode(".jpg", u8, [cv2.IMWRITE_JPEG_QUALITY, q])
        dec = cv2.imdecode(enc, cv2.IMREAD_GRAYSCALE if c == 1 else cv2.IMREAD_COLOR) if ok else None
        if dec is not None:
            img = dec.reshape(h, w, c).astype(np.float32)
    return np.ascontiguousarray(img.reshape(h, w, c).transpose(2, 0, 1)).astype(np.float32)
