"""Copy-paste of real objects and the real-ground degradations."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import pytest

from rams.detection.copy_paste import (
    DEVICE_PALETTE,
    MineBank,
    circumscribed_ellipse,
    decoy_alpha,
    degrade,
    fragment_alpha,
    object_mask,
    paste_decoys,
    repaint,
    repaint_object,
)


def test_pasted_objects_lie_inside_their_boxes() -> None:
    rng = np.random.default_rng(0)
    src = np.full((64, 64, 3), 100, np.uint8)
    src[20:26, 20:32] = 250  # a 12 x 6 px bright object
    bank = MineBank()
    bank.add_from(src, np.array([[20, 20, 32, 26]], np.float32), np.array([0]))
    bank.add_from(src, np.array([[0, 0, 12, 6]], np.float32), np.array([0]))  # at the edge: skipped
    assert len(bank) == 1
    ground = np.full((128, 128, 3), 100, np.uint8)
    img, boxes, classes = bank.paste(ground, np.zeros((0, 4), np.float32), np.zeros(0, np.int64), rng, 3)
    assert len(boxes) == 3 and classes.tolist() == [0, 0, 0]
    bright = img.max(axis=2) > 175
    covered = np.zeros_like(bright)
    for x0, y0, x1, y1 in boxes:
        # the box of a rotated 12 x 6 object is between 6 and 12 px a side
        assert 6 - 0.5 <= x1 - x0 <= 12 + 0.5 and 6 - 0.5 <= y1 - y0 <= 12 + 0.5
        covered[max(int(y0) - 1, 0):int(y1) + 2, max(int(x0) - 1, 0):int(x1) + 2] = True
    assert bright.sum() > 60  # three objects' worth of bright pixels
    assert not (bright & ~covered).any()  # every bright pixel lies in (or 1 px by) a box
    assert (ground == 100).all()  # the input is not modified


def _one_object_bank(colour: tuple[int, int, int]) -> tuple[MineBank, np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """A bank of one 16 x 8 px object of ``colour`` on grey 100, a 160 px grey ground, no boxes."""
    src = np.full((64, 64, 3), 100, np.uint8)
    src[20:28, 20:36] = colour
    bank = MineBank()
    bank.add_from(src, np.array([[20, 20, 36, 28]], np.float32), np.array([0]))
    return bank, np.full((160, 160, 3), 100, np.uint8), (np.zeros((0, 4), np.float32), np.zeros(0, np.int64))


def test_paste_colour_greys_the_object_and_leaves_ground_and_places_alone() -> None:
    bank, ground, empty = _one_object_bank((220, 140, 60))  # a saturated orange object
    plain, b0, _ = bank.paste(ground, *empty, np.random.default_rng(3), 3)
    same, b1, _ = bank.paste(ground, *empty, np.random.default_rng(3), 3, colour=0.0)
    assert np.array_equal(plain, same) and np.array_equal(b0, b1)  # 0: the same draws as before
    spreads = []
    for seed in range(20):
        img, boxes, _ = bank.paste(ground, *empty, np.random.default_rng(seed), 1, colour=1.0)
        x0, y0, x1, y1 = boxes[0].astype(int)
        patch = img[y0 + 2:y1 - 1, x0 + 2:x1 - 1].reshape(-1, 3).astype(float)
        core = patch[np.abs(patch - 100).max(axis=1) > 20]  # object pixels, not ground
        spreads.append(float((core.max(axis=1) - core.min(axis=1)).mean()) if len(core) else 0.0)
        outside = np.ones(img.shape[:2], bool)
        outside[max(y0 - 4, 0):y1 + 5, max(x0 - 4, 0):x1 + 5] = False  # the feathered rim aside
        assert (img[outside] == 100).all()  # the ground keeps its colour
    # the object's own channel spread (its saturation) varies, down towards grey
    assert min(spreads) < 0.5 * max(spreads)


def test_repaint_moves_the_object_to_the_target_colour_and_keeps_its_shading() -> None:
    patch = np.full((20, 20, 3), 90.0, np.float32)
    patch[5:15, 5:15] = (220.0, 190.0, 160.0)  # a pale tan object
    patch[8:10, 8:10] = (250.0, 250.0, 250.0)  # its bright fuze
    alpha = np.zeros((20, 20), np.float32)
    alpha[5:15, 5:15] = 1.0
    target = np.array([56.0, 79.0, 36.0], np.float32)
    out = repaint(patch, alpha, target)
    assert np.allclose(out[5:15, 5:15].reshape(-1, 3).mean(axis=0), target, rtol=1e-4)
    # the fuze stays brighter than the body in every channel
    assert (out[8, 8] > out[12, 12]).all()
    # nothing inside: left alone
    assert np.array_equal(repaint(patch, np.zeros_like(alpha), target), patch)


def test_object_mask_keeps_the_object_to_the_box_corners_and_not_its_shadow_or_ground() -> None:
    rgb = np.full((40, 50, 3), 150, np.uint8)

    rgb[12:24, 13:37] = (220, 190, 160)          # a pale tan object filling its box
    rgb[24:27, 15:39] = (80, 80, 90)             # its bluish-grey shadow, below the box
    a, b, t = 12.0, 6.0, 0.0
    region = np.zeros((40, 50), np.float32)
    region[6:30, 8:42] = circumscribed_ellipse(24, 34, a, b, t)  # centred on the box
    m = object_mask(rgb, region)
    assert m.dtype == np.float32 and 0.0 <= m.min() and m.max() <= 1.0
    assert (m[12:24, 13:37] > 0.5).all()         # the whole object, corners included
    assert (m[25:27, 15:39] < 0.5).all()         # not the shadow
    assert (m[:8] == 0).all() and (m[:, :8] == 0).all()  # nor the ground away from it
    flat = np.full((40, 50, 3), 150, np.uint8)   # no contrast: a failed segmentation
    assert not object_mask(flat, region).any()
    speck = flat.copy()
    speck[18, 25] = (220, 190, 160)              # one pixel: too small to be the object
    assert not object_mask(speck, region).any()



def test_repaint_object_changes_hue_at_the_asked_lightness() -> None:
    rgb = np.full((20, 20, 3), 150.0, np.float32)
    rgb[5:15, 5:15] = (220.0, 190.0, 160.0)
    mask = np.zeros((20, 20), np.float32)
    mask[5:15, 5:15] = 1.0
    hue = np.array([56.0, 79.0, 36.0], np.float32)
    for lightness in (1.0, 0.5):
        out = repaint_object(rgb, mask, hue, lightness)
        obj = out[5:15, 5:15].reshape(-1, 3).mean(axis=0)
        assert abs(obj.mean() - lightness * 190.0) < 1.0          # the object's own brightness, scaled
        assert np.allclose(obj / obj.mean(), hue / hue.mean(), atol=1e-3)  # in the hue asked
        assert np.array_equal(out[:5], rgb[:5])                   # the ground untouched


def test_paste_recolour_paints_objects_in_palette_colours_and_zero_keeps_old_draws() -> None:
    bank, ground, empty = _one_object_bank((220, 190, 160))  # a pale tan object, like the real PFM-1
    plain, b0, _ = bank.paste(ground, *empty, np.random.default_rng(3), 3)
    same, b1, _ = bank.paste(ground, *empty, np.random.default_rng(3), 3, recolour=0.0)
    assert np.array_equal(plain, same) and np.array_equal(b0, b1)  # 0: the same draws as before
    palette = DEVICE_PALETTE / np.linalg.norm(DEVICE_PALETTE, axis=1, keepdims=True)
    hits = 0
    for seed in range(10):
        img, boxes, _ = bank.paste(ground, *empty, np.random.default_rng(seed), 1, recolour=1.0)
        x0, y0, x1, y1 = boxes[0]
        cx, cy = int((x0 + x1) / 2), int((y0 + y1) / 2)
        core = img[cy - 1:cy + 2, cx - 1:cx + 2].reshape(-1, 3).astype(np.float32).mean(axis=0)
        direction = core / np.linalg.norm(core)
        hits += int((palette @ direction).max() > 0.995)  # the hue of a palette colour
    assert hits == 10
    # the ground around a repainted object keeps its colour
    img, boxes, _ = bank.paste(ground, *empty, np.random.default_rng(0), 1, recolour=1.0)
    x0, y0, x1, y1 = boxes[0]
    outside = np.ones(img.shape[:2], bool)
    outside[max(int(y0) - 3, 0):int(y1) + 4, max(int(x0) - 3, 0):int(x1) + 4] = False
    assert (img[outside] == 100).all()


def test_paste_keeps_clear_of_existing_objects() -> None:
    rng = np.random.default_rng(1)
    src = np.full((40, 40, 3), 80, np.uint8)
    src[15:25, 15:25] = 200
    bank = MineBank()
    bank.add_from(src, np.array([[15, 15, 25, 25]], np.float32), np.array([1]))
    existing = np.array([[0, 0, 60, 60]], np.float32)
    _img, boxes, classes = bank.paste(np.full((64, 64, 3), 80, np.uint8), existing, np.array([2]), rng, 5)
    for b in boxes[1:]:
        assert b[0] > 60 or b[1] > 60  # nothing pasted onto the existing object
    assert classes[0] == 2 and set(classes[1:].tolist()) <= {1}


@pytest.mark.parametrize("which", ["blur_p", "jpeg_p", "shadow_p"])
def test_degrade_changes_the_image_and_keeps_shape(which: str) -> None:
    rng = np.random.default_rng(3)
    x = np.full((3, 48, 48), 120.0, np.float32)
    x[:, 20:28, 20:28] = 255.0
    x[:, ::7] = 40.0  # texture for blur and JPEG to act on
    probs = {"blur_p": 0.0, "jpeg_p": 0.0, "shadow_p": 0.0, which: 1.0}
    y = degrade(x, rng, **probs)
    assert y.shape == x.shape and y.dtype == np.float32
    if which == "shadow_p":
        # a shadow only darkens; a half-plane may miss a small image, so draw until one lands
        while np.abs(y - x).max() < 5:
            y = degrade(x, rng, **probs)
        assert (y <= x + 1e-3).all()
    assert np.abs(y - x).max() > 5


def test_focused_crops_keep_an_object_inside() -> None:
    from rams.detection.augment import augment

    rng = np.random.default_rng(2)
    img = np.full((600, 600, 3), 90, np.uint8)
    boxes = np.array([[500, 40, 524, 52]], np.float32)  # one small object near a corner
    hits = 0
    for _ in range(40):
        _x, b, _c = augment(img, boxes, np.array([0]), 128, rng, (1.0, 1.0), focus=1.0)
        hits += len(b)
        for x0, y0, x1, y1 in b:
            assert 0 <= x0 < x1 <= 128 and 0 <= y0 < y1 <= 128
            assert (x1 - x0) * (y1 - y0) == pytest.approx(24 * 12)  # whole, not clipped
    assert hits == 40
    unfocused = sum(len(augment(img, boxes, np.array([0]), 128, rng, (1.0, 1.0))[1]) for _ in range(40))
    assert unfocused < 15  # a random 128 px crop of 600 px rarely holds it


def test_colour_jitter_off_draws_nothing_and_on_varies_colour_not_geometry() -> None:
    from rams.detection.augment import colour_jitter

    rng = np.random.default_rng(3)
    img = np.zeros((3, 32, 32), np.float32)
    img[0], img[1], img[2] = 150.0, 110.0, 60.0  # brown soil
    img[:, 10:14, 10:20] = np.array([60.0, 120.0, 50.0])[:, None, None]  # a green object
    state = rng.bit_generator.state
    assert colour_jitter(img, rng, 0.0) is img
    assert rng.bit_generator.state == state  # strength 0: the batches of a seed are unchanged

    sats, outs = [], []
    for _ in range(200):
        out = colour_jitter(img, rng, 1.0)
        assert out.shape == img.shape and out.dtype == np.float32
        assert out.min() >= 0 and out.max() <= 255
        outs.append(out)
        sats.append(float(np.abs(out - out.mean(axis=0, keepdims=True)).mean()))
    base = float(np.abs(img - img.mean(axis=0, keepdims=True)).mean())
    # Saturation varies both ways, down to nearly grey (0.2x plus the white-balance spread).
    assert min(sats) < 0.45 * base and max(sats) > 1.2 * base
    # The object stays where it was: it still differs from the ground in every draw.
    for out in outs:
        assert np.abs(out[:, 12, 15] - out[:, 25, 25]).max() > 1.0
    # A grey image keeps its three channels equal up to the white balance, which differs.
    grey = np.full((3, 8, 8), 120.0, np.float32)
    g = colour_jitter(grey, np.random.default_rng(1), 1.0)
    assert np.ptp(g[:, 0, 0]) > 0 and np.allclose(g[0], g[0, 0, 0])


def test_decoys_paint_dark_blobs_on_free_ground_and_add_no_box() -> None:
    rng = np.random.default_rng(3)
    ground = np.full((160, 200, 3), (120, 140, 90), np.uint8)
    boxes = np.array([[90, 70, 110, 84]], np.float32)  # a labelled mine the decoys keep clear of
    out = paste_decoys(ground, boxes, [(20.0, 14.0)], rng, 3)
    assert out.shape == ground.shape and out.dtype == np.uint8
    assert np.array_equal(ground, np.full_like(ground, (120, 140, 90)))  # input untouched
    changed = np.any(out != ground, axis=2)
    assert not changed[68:87, 88:113].any()  # 2 px clear of the labelled box
    # three separate blobs (2 px apart), each of real size
    n, _, stats, _ = cv2.connectedComponentsWithStats(changed.astype(np.uint8))
    assert n - 1 == 3 and stats[1:, cv2.CC_STAT_AREA].min() > 0.2 * 14 * 14
    # painted pixels take a clutter hue: brownish or grey, never the ground's green cast
    painted = out[changed].astype(np.float32)
    assert (painted[:, 1] - painted[:, [0, 2]].max(axis=1)).mean() < 10.0
    # lumpy outlines, not boxes: the painted area is well below its bounding rectangles'
    for k in range(1, n):
        assert stats[k, cv2.CC_STAT_AREA] < 0.9 * stats[k, cv2.CC_STAT_WIDTH] * stats[k, cv2.CC_STAT_HEIGHT]


def test_decoys_never_cover_a_box_where_free_ground_is_scarce() -> None:
    ground = np.full((48, 60, 3), (120, 140, 90), np.uint8)
    boxes = np.array([[14, 10, 46, 38]], np.float32)  # most of the image is a labelled object
    for seed in range(30):
        out = paste_decoys(ground, boxes, [(10.0, 6.0)], np.random.default_rng(seed), 6)
        assert not np.any(out[8:41, 12:49] != ground[8:41, 12:49]), seed


def test_decoys_leave_other_images_alone() -> None:
    rng = np.random.default_rng(0)
    thermal = np.full((64, 64, 1), 100, np.uint8)
    assert np.array_equal(paste_decoys(thermal, np.zeros((0, 4)), [(8.0, 8.0)], rng, 3), thermal)
    rgb = np.full((64, 64, 3), 100, np.uint8)
    assert np.array_equal(paste_decoys(rgb, np.zeros((0, 4)), [], rng, 3), rgb)  # no size to draw from
    assert np.array_equal(paste_decoys(rgb, np.zeros((0, 4)), [(100.0, 100.0)], rng, 3), rgb)  # too large


def test_decoy_alpha_is_a_feathered_blob_inside_its_patch() -> None:
    for seed in range(20):
        a = decoy_alpha(24, 30, np.random.default_rng(seed))
        assert a.shape == (24, 30) and a.dtype == np.float32 and 0.0 <= a.min() and a.max() <= 1.0
        assert a[12, 15] > 0.5  # the blob covers its centre
        border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
        assert border.max() < 0.5  # no straight edge cut by the patch
        assert 0.0 < ((a > 0) & (a < 1)).mean()  # a soft rim


def _one_image_sample(rng: np.random.Generator, paste_ground: bool, **kw: Any) -> tuple[np.ndarray, np.ndarray]:
    """One training sample (C, 64, 64) and its boxes from a plain green 64 px image, with a one-mine bank."""
    from rams.detection import train as tr
    from rams.detection.hard_negatives import HardNegatives
    from rams.detection.train_config import TrainConfig

    img = np.full((64, 64, 3), (120, 140, 90), np.uint8)
    bank = MineBank()
    mine = np.pad(np.full((12, 18, 3), 200, np.uint8), ((40, 44), (40, 38), (0, 0)))
    bank.add_from(mine, np.array([[40, 40, 58, 52]], np.float32), np.array([0]))
    tiles = tr.TileSet()
    tiles.add(img, np.zeros((0, 4), np.float32), np.zeros(0, np.int64), "tile", paste_ground=paste_ground)
    norm = {"mode": "fixed", "mean": [0.0] * 3, "std": [1.0] * 3}
    cfg = TrainConfig(img_size=64, copy_paste=0.0, focus=0.0, mosaic=0.0, scale_min=1.0, scale_max=1.0, **kw)
    x, b, _ = tr._BatchBuilder(tiles, cfg, 1, norm, rng, HardNegatives(), bank).sample(0, use_mosaic=False)
    return x, b


def test_decoys_off_draw_nothing_and_on_add_unlabelled_blobs_to_training_samples() -> None:
    def sample(seed: int = 7, **kw: float) -> tuple[np.ndarray, np.ndarray, object]:
        rng = np.random.default_rng(seed)
        x, b = _one_image_sample(rng, paste_ground=True, **kw)
        return x, b, rng.bit_generator.state

    def off_ground(x: np.ndarray) -> int:  # pixels away from the (relit) ground's colour
        return int(np.any(np.abs(x - np.median(x, axis=(1, 2), keepdims=True)) > 2.0, axis=0).sum())

    plain, b0, state0 = sample()
    off, _, state1 = sample(paste_decoys=0.0)
    assert np.array_equal(plain, off) and state0 == state1  # 0: the same draws as before
    assert off_ground(plain) == 0
    on, b2, _ = sample(paste_decoys=1.0)
    again, _, _ = sample(paste_decoys=1.0)
    assert np.array_equal(on, again)  # seeded
    assert len(b0) == len(b2) == 0  # decoys are never labelled
    assert sum(off_ground(sample(seed, paste_decoys=1.0)[0]) > 0 for seed in range(8)) >= 6  # painted, in the crop


def test_fragment_alpha_is_a_hard_edged_shape_inside_its_patch() -> None:
    convex_seen = 0
    for seed in range(40):
        a = fragment_alpha(26, 26, np.random.default_rng(seed))
        assert a.shape == (26, 26) and a.dtype == np.float32 and 0.0 <= a.min() and a.max() <= 1.0
        assert a[13, 13] > 0.5  # centred on the patch
        border = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
        assert border.max() < 0.5  # the whole shape lies inside the patch
        # a hard edge: the partly covered pixels form a rim about a pixel wide along the outline
        rim = ((a > 0.05) & (a < 0.95)).sum()
        assert (a >= 0.95).sum() > 0
        m = (a > 0.5).astype(np.uint8)
        contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        assert rim <= 1.5 * sum(cv2.arcLength(c, True) for c in contours)
        # one piece, no holes (shards, capsules and ellipses are all convex)
        n, _ = cv2.connectedComponents(m)
        assert n == 2
        hull = cv2.convexHull(cv2.findNonZero(m))
        convex_seen += cv2.contourArea(hull) <= 1.25 * m.sum()
    assert convex_seen == 40


def test_any_style_decoys_take_hues_beyond_the_clutter_palette_and_stay_clear_of_boxes() -> None:
    ground = np.full((200, 240, 3), (120, 120, 120), np.uint8)  # grey: any cast is the decoy's own
    boxes = np.array([[110, 90, 130, 104]], np.float32)
    hues, brighter = set(), 0
    for seed in range(12):
        out = paste_decoys(ground, boxes, [(20.0, 14.0)], np.random.default_rng(seed), 4, style="any")
        changed = np.any(out != ground, axis=2)
        assert not changed[88:107, 108:133].any()  # 2 px clear of the labelled box
        n, lab = cv2.connectedComponents(changed.astype(np.uint8))
        for k in range(1, n):
            px = out[lab == k].astype(np.float32)
            core = px[np.abs(px - 120).max(axis=1) > 20]
            if len(core) < 10:
                continue
            brighter += core.mean() > 125
            hsv = cv2.cvtColor(core.mean(axis=0).clip(0, 255).astype(np.uint8)[None, None], cv2.COLOR_RGB2HSV)[0, 0]
            if hsv[1] > 60:
                hues.add(int(hsv[0]) // 30)  # six 60-degree sectors of hue
    assert len(hues) >= 5  # reds, yellows, greens, cyans, blues, magentas: not the palette's browns
    assert brighter >= 3  # some decoys are brighter than their ground (palette decoys never are)


def test_unknown_decoy_style_is_refused() -> None:
    ground = np.full((64, 64, 3), 100, np.uint8)
    with pytest.raises(ValueError, match="decoy style"):
        paste_decoys(ground, np.zeros((0, 4)), [(8.0, 8.0)], np.random.default_rng(0), 1, style="plaid")


def test_an_unknown_decoy_style_is_refused_before_training() -> None:
    from rams.detection.train_config import TrainConfig
    from rams.errors import RamsInputError
    from rams.training.run import check_config

    check_config(TrainConfig(decoy_style="any"))  # known styles pass
    with pytest.raises(RamsInputError, match="decoy_style"):
        check_config(TrainConfig(decoy_style="plaid"), "recipe.yaml")


def test_decoys_everywhere_paints_images_that_are_not_paste_ground() -> None:
    def sample(seed: int, decoys: float, everywhere: bool) -> np.ndarray:
        return _one_image_sample(np.random.default_rng(seed), paste_ground=False, paste_decoys=decoys,
                                 decoy_style="any", decoys_everywhere=everywhere)[0]

    changed = 0
    for seed in range(8):
        off = sample(seed, 0.0, False)
        # synthetic renders are not paste ground: by default no decoy and no extra draw
        assert np.array_equal(sample(seed, 1.0, False), off)
        changed += not np.array_equal(sample(seed, 1.0, True), off)
    assert changed >= 6


def test_amplitude_mix_off_draws_nothing_and_on_keeps_shapes_in_place() -> None:
    from rams.detection.augment import amplitude_mix

    rng = np.random.default_rng(5)
    smooth = np.full((3, 64, 64), 120.0, np.float32)  # plain turf
    smooth[:, 20:28, 30:44] = 230.0  # a pale object
    textured = np.random.default_rng(0).uniform(40, 200, (3, 64, 64)).astype(np.float32)  # dry grass
    batch = np.stack([smooth, textured])
    on = np.zeros((64, 64), bool)
    on[20:28, 30:44] = True  # the object's pixels
    state = rng.bit_generator.state
    assert amplitude_mix(batch, rng, 0.0) is batch
    assert rng.bit_generator.state == state  # p 0: the batches of a seed are unchanged

    changed = 0
    for _ in range(20):
        out = amplitude_mix(batch, rng, 1.0)
        assert out.shape == batch.shape and out.dtype == np.float32
        assert out.min() >= 0 and out.max() <= 255
        if np.abs(out[0] - smooth).mean() > 1.0:
            changed += 1
            # the object stays where it was: the phase is kept, so the brightest block of
            # the mixed image is still the object's
            assert out[0][:, on].mean() > out[0][:, ~on].mean() + 20
    assert changed >= 15  # p 1 mixes every image (a few draws of lam near 0 change little)


def test_grass_occlusion_off_draws_nothing_and_on_covers_at_most_half_of_each_object() -> None:
    from rams.detection.augment import grass_occlusion

    rng = np.random.default_rng(3)
    crop = np.full((3, 128, 128), 90.0, np.float32)  # dark bare ground
    crop[:, 40:52, 60:84] = 220.0  # a pale object, 24 x 12 px
    boxes = np.array([[60, 40, 84, 52]], np.float32)
    classes = np.array([0])
    on = np.zeros((128, 128), bool)
    on[40:52, 60:84] = True
    state = rng.bit_generator.state
    assert grass_occlusion(crop, boxes, classes, rng, 0.0) is crop
    assert rng.bit_generator.state == state  # p 0: the batches of a seed are unchanged

    on_object = elsewhere = 0
    for _ in range(40):
        out = grass_occlusion(crop, boxes, classes, rng, 1.0, max_cover=0.5)
        assert out.shape == crop.shape and out.dtype == np.float32
        assert out.min() >= 0 and out.max() <= 255
        change = np.abs(out - crop).max(axis=0)
        # Blades, not blobs: a blade's colour is 54-144 here, so a pixel under one at opacity
        # 0.1 or more moves by 17 or more; at most half the object's pixels do, whatever tufts
        # (the object's own or the random ones) land on it
        assert (change[on] > 17).mean() <= 0.5
        on_object += bool((change[on] > 17).any())
        elsewhere += bool((change[~on] > 17).sum() > 20)
    assert on_object >= 25  # each object gets a tuft 80 % of the time
    # and crops get tufts away from objects too, so blades are not a mine cue (a tuft near the
    # crop's edge or on the object may draw less than 20 px elsewhere)
    assert elsewhere >= 34


def test_grass_occlusion_draws_tufts_on_crops_without_objects_and_leaves_ignored_boxes_alone() -> None:
    from rams.detection.augment import grass_occlusion

    rng = np.random.default_rng(8)
    crop = np.full((3, 96, 96), 150.0, np.float32)
    crop[:, ::2] = 110.0  # striped ground, so a blade's colour differs from where it lies
    out = grass_occlusion(crop, np.zeros((0, 4), np.float32), np.zeros(0, int), rng, 1.0)
    assert (np.abs(out - crop).max(axis=0) > 1.0).sum() > 10
    # an ignored box (class -1) is not an object: one random tuft only, as on an empty crop
    counts = []
    for seed in range(30):
        r = np.random.default_rng(seed)
        a = grass_occlusion(crop, np.array([[10, 10, 40, 40]], np.float32), np.array([-1]), r, 1.0)
        counts.append(int((np.abs(a - crop).max(axis=0) > 1.0)[10:40, 10:40].mean() > 0.3))
    assert sum(counts) <= 3


def test_focus_factors_centre_crops_on_the_rarer_class_more_often() -> None:
    from rams.detection.augment import augment

    img = np.full((1200, 1200, 3), 90, np.uint8)
    # two objects far apart: class 0 top left, class 2 bottom right
    boxes = np.array([[100, 100, 124, 112], [1000, 1000, 1024, 1012]], np.float32)
    classes = np.array([0, 2])

    def share_of_class_2(factors: dict[int, float] | None) -> float:
        rng = np.random.default_rng(5)
        seen = [augment(img, boxes, classes, 128, rng, (1.0, 1.0), focus=1.0, focus_factors=factors)[2]
                for _ in range(200)]
        assert all(len(c) == 1 for c in seen)  # a 128 px crop holds one of them, whole
        return float(np.mean([c[0] == 2 for c in seen]))

    assert 0.35 < share_of_class_2(None) < 0.65
    assert share_of_class_2({0: 1.0, 2: 4.0}) > 0.7  # 4 to 1: about 0.8
