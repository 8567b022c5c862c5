"""Training a :class:`~rams.detection.model.CenterNet` on labelled tiles.

Tiles are held in memory as uint8 arrays at the training input size. Each step draws a
batch, augments it the way overhead imagery allows (no "up" in a nadir view: flips and
90-degree rotations; brightness, contrast and gamma; scale 0.7 to 1.4 with random crop or
pad), and minimises the CenterNet loss with AdamW, a short warm-up and a cosine decay. An
exponential moving average (EMA) of the weights is what gets evaluated and saved. The
checkpoint with the best validation AP50 (ties: AP50-95) is kept, and the operating
threshold is the one of best F1 on validation.

With a time budget (``minutes``) the schedule follows whichever is further along, epochs or
wall time, so the decay completes inside the budget.
"""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from rams.detection.box_metrics import (
    ImagePrediction,
    ImageTruth,
    best_f1_threshold,
    evaluate_predictions,
)
from rams.detection.centernet import centernet_loss, collate_targets, draw_targets
from rams.detection.copy_paste import MineBank, degrade
from rams.detection.detector import Detector, autocast, normalise_images, save_detector
from rams.detection.hard_negatives import HardNegatives
from rams.detection.model import STRIDE, CenterNet, ModelConfig, model_config, parameter_count
from rams.detection.precision import resolve_precision
from rams.detection.yolo import load_image, read_split
from rams.errors import RamsInputError


@dataclass
class TileSet:
    """Labelled images in memory.

    Attributes:
        images: uint8 (H, W, C) arrays.
        boxes: per image (N, 4) float32 ``x0, y0, x1, y1`` pixels.
        classes: per image (N,) int64.
        names: per image a name (file name or tile key), for reports.
        weights: per image its relative chance of being drawn in a training step.
        paste_ground: per image whether copy-paste may put objects on it (real ground).
    """

    images: list[np.ndarray] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    classes: list[np.ndarray] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    paste_ground: list[bool] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    def add(self, image: np.ndarray, boxes: np.ndarray, classes: np.ndarray, name: str,
            weight: float = 1.0, paste_ground: bool = False) -> None:
        """Append one labelled image."""
        self.images.append(image)
        self.boxes.append(np.asarray(boxes, np.float32).reshape(-1, 4))
        self.classes.append(np.asarray(classes, np.int64).reshape(-1))
        self.names.append(name)
        self.weights.append(float(weight))
        self.paste_ground.append(bool(paste_ground))

    def extend(self, other: TileSet, *, share: float | None = None, paste_ground: bool = False) -> None:
        """Append every image of ``other``.

        Args:
            other: the images to add.
            share: total drawing weight of ``other``'s images together (None: 1 each).
            paste_ground: whether copy-paste may use them as ground.
        """
        each = 1.0 if share is None or not len(other) else share / len(other)
        for img, b, c, n in zip(other.images, other.boxes, other.classes, other.names, strict=True):
            self.add(img, b, c, n, each, paste_ground)

    def truths(self) -> list[ImageTruth]:
        """Ground truth as :mod:`rams.detection.box_metrics` scores it."""
        return [ImageTruth(b, c) for b, c in zip(self.boxes, self.classes, strict=True)]


def load_yolo_tiles(root: str | Path, split: str, channels: int, img_size: int) -> TileSet:
    """Read a YOLO split into memory, each image resized (stretched) to ``img_size``.

    Raises:
        RamsInputError: missing split, no images, bad label or image file.
    """
    tiles = TileSet()
    for s in read_split(root, split):
        img = load_image(s.image, channels)
        h, w = img.shape[:2]
        if (h, w) != (img_size, img_size):
            img = cv2.resize(img, (img_size, img_size), interpolation=cv2.INTER_AREA)
            img = img[:, :, None] if img.ndim == 2 else img
        b = s.boxes
        xyxy = np.stack([(b[:, 0] - b[:, 2] / 2), (b[:, 1] - b[:, 3] / 2),
                         (b[:, 0] + b[:, 2] / 2), (b[:, 1] + b[:, 3] / 2)], 1) * img_size
        tiles.add(img, np.clip(xyxy, 0, img_size), s.classes, s.image.name)
    return tiles


@dataclass
class TrainConfig:
    """Training settings (all stored in the model card)."""

    img_size: int = 384
    epochs: int = 40
    minutes: float | None = None
    batch_size: int = 16
    lr: float = 2e-3
    weight_decay: float = 1e-4
    preset: str = "base"
    seed: int = 0
    threads: int = 2
    eval_every: int = 2
    scale_min: float = 0.7
    scale_max: float = 1.4
    ema_decay: float = 0.998
    #: "wall": ``minutes`` of wall time; "cpu": ``minutes`` on ``threads`` dedicated cores,
    #: measured as process CPU time / threads (fair on a machine shared with other jobs).
    budget_clock: str = "wall"
    #: hard wall-time cap, minutes (None: none), whatever the budget clock.
    max_wall_minutes: float | None = None
    #: weights file (.pt, checksum-verified) to start from instead of random weights.
    init_from: str | None = None
    #: probability that a training sample is a 2x2 mosaic of four images (0: never).
    mosaic: float = 0.0
    #: fraction of the schedule after which mosaics stop (the last epochs see whole images).
    mosaic_until: float = 0.85
    #: "bfloat16": forward pass under CPU autocast (about twice the network speed on CPUs
    #: with AVX512-BF16 or AMX); weights, optimiser state, EMA and loss stay float32.
    #: "auto": bfloat16 only where the CPU has it natively, else float32
    #: (:func:`rams.detection.precision.resolve_precision`; the choice is in the model card).
    precision: str = "auto"
    #: probability that an image marked as paste ground receives copy-pasted real objects.
    copy_paste: float = 0.0
    #: most objects pasted into one image.
    paste_max: int = 3
    #: probabilities of blur, JPEG re-compression and a cast shadow (see copy_paste.degrade).
    blur_p: float = 0.0
    jpeg_p: float = 0.0
    shadow_p: float = 0.0
    #: probability of an object-centred crop (see :func:`augment`).
    focus: float = 0.0
    #: hard-negative mining (see :mod:`rams.detection.hard_negatives`): every this many
    #: epochs (0: never) the EMA model is run over the training images and its confident
    #: false alarms become crop centres.
    hard_negative_every: int = 0
    #: probability that a crop of an image with hard points is centred on one of them.
    hard_negative_p: float = 0.5
    #: lowest confidence that counts as a hard false alarm.
    hard_negative_min_score: float = 0.15
    #: images with hard points are drawn (1 + this) times as often.
    hard_negative_boost: float = 1.0
    #: most images mined per round: every real (paste-ground) image, then a random sample.
    hard_negative_max_images: int = 1500
    #: operating threshold: best F1 on selection among thresholds with at most this many
    #: false alarms per selection image (None: best F1 alone).
    max_false_alarms_per_image: float | None = None


def augment(
    img: np.ndarray, boxes: np.ndarray, classes: np.ndarray, size: int, rng: np.random.Generator,
    scale_range: tuple[float, float] = (0.7, 1.4), focus: float = 0.0,
    hard_points: np.ndarray | None = None, hard_p: float = 0.0,
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


def _normalisation(channels: str, tiles: TileSet) -> dict[str, Any]:
    """Thermal: per-image standardisation; other sensors: fixed per-band mean/std (8-bit)."""
    if channels == "thermal":
        return {"mode": "per_image"}
    stack = np.concatenate([im.reshape(-1, im.shape[2])[::97] for im in tiles.images])
    return {
        "mode": "fixed",
        "mean": [round(float(v), 3) for v in stack.mean(0)],
        "std": [round(max(float(v), 1.0), 3) for v in stack.std(0)],
    }


class _EMA:
    """Exponential moving average of a model's parameters and buffers."""

    def __init__(self, model: CenterNet, decay: float) -> None:
        self.model = copy.deepcopy(model).eval()
        self.decay = decay
        self.updates = 0
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: CenterNet) -> None:
        self.updates += 1
        # Ramp the decay up so the average is not dominated by the random initial weights.
        d = self.decay * (1 - math.exp(-self.updates / 300))
        src = model.state_dict()
        for k, v in self.model.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(src[k].detach(), alpha=1 - d)
            else:
                v.copy_(src[k])


def predict_tileset(
    detector: Detector, tiles: TileSet, *, min_score: float = 0.01, batch_size: int = 16
) -> list[ImagePrediction]:
    """Detections for every image of a :class:`TileSet` (at the model's GSD or size; images
    of one shape are batched together)."""
    dets = detector.predict_images(tiles.images, min_score=min_score, batch_size=batch_size)
    return [ImagePrediction(d.boxes, d.scores, d.classes) for d in dets]


def _as_detector(net: CenterNet, meta: dict[str, Any]) -> Detector:
    clone = CenterNet(net.config)
    clone.load_state_dict(net.state_dict())
    return Detector(clone, {**meta, "config": net.config.to_dict()})


def _mine_round(
    hard: HardNegatives, model: CenterNet, meta: dict[str, Any], train: TileSet,
    config: TrainConfig, rng: np.random.Generator,
) -> dict[str, float]:
    """One round of hard-negative mining: every real image, plus a random sample of the
    others, up to ``config.hard_negative_max_images``; returns counts for the history."""
    real = np.flatnonzero(np.asarray(train.paste_ground, bool))
    rest = np.setdiff1d(np.arange(len(train)), real)
    room = max(config.hard_negative_max_images - len(real), 0)
    extra = rng.choice(rest, size=min(room, len(rest)), replace=False) if len(rest) and room else rest[:0]
    t0 = time.perf_counter()
    stats = hard.mine(_as_detector(model, meta), train.images, train.boxes,
                      np.concatenate([real, extra]).astype(np.int64))
    return {"hard_images": stats["images"], "hard_false_alarms": stats["false_alarms"],
            "hard_images_with_fa": stats["images_with_false_alarms"],
            "hard_mining_s": round(time.perf_counter() - t0, 1)}


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


def train_detector(
    train: TileSet, valid: TileSet | None, *, out: str | Path, channels: str,
    class_names: list[str], config: TrainConfig, meta_extra: dict[str, Any] | None = None,
    progress: bool = True, log: Callable[[str], None] | None = None, bank: MineBank | None = None,
) -> dict[str, Any]:
    """Train, select on ``valid``, and save weights + checksum.

    Args:
        train: training tiles (at ``config.img_size``).
        valid: validation tiles for selection and the operating threshold (None: keep the
            last weights, threshold 0.3).
        out: weights path (``.pt``); the ``.sha256`` sidecar is written next to it.
        channels: "thermal", "rgb" or a fused stack name.
        class_names: names of the classes.
        config: training settings.
        meta_extra: further metadata stored with the weights (e.g. ``input_gsd_m``).
        progress: show rich progress bars.
        log: where to write one-line status messages (default: print them when progress
            bars are off).
        bank: real objects for copy-paste onto images marked ``paste_ground`` (with
            probability ``config.copy_paste``), or None.

    Returns:
        A summary: selected epoch, validation metrics, threshold, training seconds, etc.
    """
    if len(train) == 0:
        raise ValueError("no training images")
    torch.manual_seed(config.seed)
    np.random.seed(config.seed)
    random.seed(config.seed)
    torch.set_num_threads(config.threads)
    precision = resolve_precision(config.precision)
    rng = np.random.default_rng(config.seed)
    in_ch = train.images[0].shape[2]
    net = CenterNet(model_config(config.preset, in_ch, len(class_names)))
    if config.init_from is not None:
        from rams.detection.detector import verify_checksum

        verify_checksum(Path(config.init_from))
        blob = torch.load(config.init_from, map_location="cpu", weights_only=True)
        start = ModelConfig.from_dict(blob["meta"]["config"])
        if (start.in_channels, start.num_classes) != (in_ch, len(class_names)):
            raise RamsInputError(config.init_from, (
                f"weights take {start.in_channels} band(s) and {start.num_classes} class(es); this "
                f"tile set has {in_ch} band(s) and {len(class_names)} class(es)"))
        net = CenterNet(start)
        net.load_state_dict(blob["state_dict"])
    net = net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    ema = _EMA(net, config.ema_decay)
    opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    meta: dict[str, Any] = {
        "class_names": list(class_names), "channels": channels, "in_channels": in_ch,
        "normalisation": _normalisation(channels, train), "img_size": config.img_size,
        "input_gsd_m": None, "threshold": 0.3, **(meta_extra or {}),
    }
    size = config.img_size
    out_hw = size // STRIDE
    steps_per_epoch = max(len(train) // config.batch_size, 1)
    weights = np.asarray(train.weights if len(train.weights) == len(train) else [1.0] * len(train))
    draw_p = None if np.allclose(weights, weights[0]) else weights / weights.sum()
    hard = HardNegatives(min_score=config.hard_negative_min_score)
    can_paste = bank is not None and len(bank) > 0 and config.copy_paste > 0
    degrade_on = max(config.blur_p, config.jpeg_p, config.shadow_p) > 0
    warmup = min(150, steps_per_epoch * 2)
    budget_s = None if config.minutes is None else config.minutes * 60.0
    best: dict[str, Any] = {"score": (-1.0, -1.0), "epoch": 0, "state": None, "metrics": None}
    history: list[dict[str, Any]] = []
    t_start = time.perf_counter()
    cpu_start = time.process_time()
    step = 0

    def budget_used() -> float:
        wall = time.perf_counter() - t_start
        used = 0.0
        if budget_s is not None:
            if config.budget_clock == "cpu":
                used = (time.process_time() - cpu_start) / max(config.threads, 1) / budget_s
            else:
                used = wall / budget_s
        if config.max_wall_minutes is not None:
            used = max(used, wall / (config.max_wall_minutes * 60.0))
        return used

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.fields[info]}"))
    with Progress(*columns, disable=not progress, transient=False) as bars:
        epochs_task = bars.add_task("epochs", total=config.epochs, info="")
        epoch = 0
        done = False
        while not done:
            epoch += 1
            net.train()
            order = (rng.permutation(len(train)) if draw_p is None
                     else rng.choice(len(train), size=len(train), p=draw_p))
            step_task = bars.add_task(f"epoch {epoch}", total=steps_per_epoch, info="")
            losses = []
            for i in range(steps_per_epoch):
                idx = order[i * config.batch_size:(i + 1) * config.batch_size]
                xs: list[np.ndarray] = []
                items: list[tuple[np.ndarray, ...]] = []
                progress_frac = (epoch - 1 + i / steps_per_epoch) / config.epochs
                progress_frac = max(progress_frac, budget_used())
                use_mosaic = config.mosaic > 0 and progress_frac < config.mosaic_until
                for j in idx:
                    if use_mosaic and rng.random() < config.mosaic:
                        picks = [int(j), *rng.integers(0, len(train), 3)]
                        img, bx, cl = mosaic([train.images[k] for k in picks],
                                             [train.boxes[k] for k in picks],
                                             [train.classes[k] for k in picks])
                        x, b, c = augment(img, bx, cl, size, rng,
                                          (config.scale_min / 2, config.scale_max))
                    else:
                        img, bx, cl = train.images[j], train.boxes[j], train.classes[j]
                        if can_paste and train.paste_ground[j] and rng.random() < config.copy_paste:
                            assert bank is not None
                            img, bx, cl = bank.paste(img, bx, cl, rng, int(rng.integers(1, config.paste_max + 1)))
                        x, b, c = augment(img, bx, cl, size, rng, (config.scale_min, config.scale_max),
                                          focus=config.focus, hard_points=hard.points.get(int(j)),
                                          hard_p=config.hard_negative_p)
                    if degrade_on:
                        x = degrade(x, rng, blur_p=config.blur_p, jpeg_p=config.jpeg_p,
                                    shadow_p=config.shadow_p)
                    xs.append(x)
                    items.append(draw_targets(b, c, len(class_names), out_hw, out_hw))
                batch = torch.from_numpy(normalise_images(np.stack(xs), meta["normalisation"]))
                batch = batch.contiguous(memory_format=torch.channels_last)
                targets = collate_targets(items)
                lr = config.lr * 0.5 * (1 + math.cos(math.pi * min(progress_frac, 1.0)))
                lr = max(lr, config.lr * 0.01)
                if step < warmup:
                    lr *= (step + 1) / warmup
                for g in opt.param_groups:
                    g["lr"] = lr
                with autocast(precision.precision):
                    outputs = net(batch)
                logits, log_size, offset = (o.float() for o in outputs)
                loss, _parts = centernet_loss((logits, log_size, offset), targets)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
                opt.step()
                ema.update(net)
                step += 1
                losses.append(float(loss.detach()))
                bars.update(step_task, advance=1, info=f"loss {np.mean(losses[-20:]):.3f} lr {lr:.2e}")
                if progress_frac >= 1.0:
                    done = True
                    break
            bars.remove_task(step_task)
            done = done or epoch >= config.epochs
            record: dict[str, Any] = {"epoch": epoch, "loss": round(float(np.mean(losses)), 4),
                                      "elapsed_s": round(time.perf_counter() - t_start, 1),
                                      "cpu_s": round(time.process_time() - cpu_start, 1)}
            if valid is not None and len(valid) and (epoch % config.eval_every == 0 or done):
                det = _as_detector(ema.model, meta)
                m = evaluate_predictions(predict_tileset(det, valid), valid.truths(), 0.3, len(class_names))
                score = (m["ap50"] or 0.0, m["ap50_95"] or 0.0)
                record.update(valid_ap50=score[0], valid_ap50_95=score[1])
                if score > best["score"]:
                    best = {"score": score, "epoch": epoch, "state": copy.deepcopy(ema.model.state_dict()),
                            "metrics": m}
            if config.hard_negative_every and not done and epoch % config.hard_negative_every == 0:
                record.update(_mine_round(hard, ema.model, meta, train, config, rng))
                draw_p = hard.draw_weights(weights, config.hard_negative_boost)
            history.append(record)
            info = ", ".join(f"{k} {v}" for k, v in record.items() if k != "epoch")
            bars.update(epochs_task, advance=1, info=info)
            if log is not None:
                log(f"epoch {epoch}: {info}")
            elif not progress:
                print(f"epoch {epoch}: {info}", flush=True)
    train_seconds = time.perf_counter() - t_start
    cpu_seconds = time.process_time() - cpu_start
    final = CenterNet(net.config)
    final.load_state_dict(best["state"] if best["state"] is not None else ema.model.state_dict())
    summary: dict[str, Any] = {
        "epochs_run": epoch, "selected_epoch": best["epoch"] or epoch,
        "train_seconds": round(train_seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
        "parameters": parameter_count(final),
        "config": asdict(config), "history": history, "n_train": len(train),
        "n_valid": 0 if valid is None else len(valid),
        "precision_choice": {"requested": precision.requested, "precision": precision.precision,
                             "reason": precision.reason},
    }
    if valid is not None and len(valid):
        det = _as_detector(final, meta)
        preds = predict_tileset(det, valid)
        thr, _ = best_f1_threshold(preds, valid.truths(),
                                   max_false_alarms_per_image=config.max_false_alarms_per_image)
        meta["threshold"] = thr
        vm = evaluate_predictions(preds, valid.truths(), thr, len(class_names))
        vm.pop("pr_curve")
        summary["valid"] = vm
    summary["threshold"] = meta["threshold"]
    meta["training"] = {k: summary[k] for k in ("epochs_run", "selected_epoch", "train_seconds",
                                                "cpu_seconds", "parameters", "n_train", "n_valid",
                                                "precision_choice")}
    meta["training"]["config"] = asdict(config)
    if "valid" in summary:
        meta["metrics"] = {"valid": {k: summary["valid"][k] for k in
                                     ("ap50", "ap50_95", "precision", "recall", "f1")}}
    meta["name"] = Path(out).stem
    meta["config"] = final.config.to_dict()
    summary["sha256"] = save_detector(out, final, meta)
    summary["meta"] = meta
    return summary
