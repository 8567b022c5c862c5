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

from rams.detection.augment import amplitude_mix, augment, colour_jitter, grass_occlusion, mosaic
from rams.detection.box_metrics import (
    ImagePrediction,
    ImageTruth,
    best_f1_threshold,
    evaluate_predictions,
)
from rams.detection.centernet import centernet_loss, collate_targets, draw_targets
from rams.detection.copy_paste import MineBank, degrade, paste_decoys
from rams.detection.detector import Detector, autocast, normalise_images, save_detector
from rams.detection.hard_negatives import HardNegatives
from rams.detection.lite_trunk import NORMALISATION as LITE_NORMALISATION
from rams.detection.lite_trunk import load_imagenet, resolve_pretrained
from rams.detection.model import STRIDE, CenterNet, ModelConfig, model_config, parameter_count
from rams.detection.precision import resolve_precision
from rams.detection.train_config import UNSELECTED_THRESHOLD, TrainConfig
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

    def extend(self, other: TileSet, *, share: float | None = None, paste_ground: bool = False,
               class_balance: bool = False) -> None:
        """Append every image of ``other``.

        Args:
            other: the images to add.
            share: total drawing weight of ``other``'s images together (None: 1 each).
            paste_ground: whether copy-paste may use them as ground.
            class_balance: draw ``other``'s images with objects by their rarest class
                (:func:`class_balanced_weights`), their total weight unchanged.
        """
        each = 1.0 if share is None or not len(other) else share / len(other)
        weights = class_balanced_weights(other.classes) * each if class_balance else [each] * len(other)
        for img, b, c, n, w in zip(other.images, other.boxes, other.classes, other.names, weights, strict=True):
            self.add(img, b, c, n, float(w), paste_ground)

    def truths(self) -> list[ImageTruth]:
        """Ground truth as :mod:`rams.detection.box_metrics` scores it."""
        return [ImageTruth(b, c) for b, c in zip(self.boxes, self.classes, strict=True)]


def class_balance_factors(classes: Sequence[np.ndarray]) -> dict[int, float]:
    """Repeat factor of every class among images with objects: ``sqrt(f_max / f_c)``.

    ``f_c`` is the share of the images holding at least one object of class ``c`` (ignored
    boxes, class < 0, do not count) among the images holding any object; the commonest class
    gets 1, a class in a quarter as many images 2 (square-root sampling, as LVIS's repeat
    factors with the threshold at the commonest class).
    """
    present = [set(int(k) for k in c if k >= 0) for c in classes]
    counts: dict[int, int] = {}
    for kinds in present:
        for k in kinds:
            counts[k] = counts.get(k, 0) + 1
    if not counts:
        return {}
    most = max(counts.values())
    return {k: math.sqrt(most / n) for k, n in counts.items()}


def class_balanced_weights(classes: Sequence[np.ndarray]) -> np.ndarray:
    """Relative draw weights of images, by their rarest class.

    An image with objects gets the largest :func:`class_balance_factors` of its classes,
    rescaled so that the images with objects keep their total; images without objects keep 1.
    """
    factors = class_balance_factors(classes)
    w = np.ones(len(classes))
    holding = [i for i, c in enumerate(classes) if (c >= 0).any()]
    if not holding:
        return w
    raw = np.array([max(factors[int(k)] for k in classes[i] if k >= 0) for i in holding])
    w[holding] = raw * len(holding) / raw.sum()
    return w


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


def _normalisation(channels: str, tiles: TileSet, config: ModelConfig) -> dict[str, Any]:
    """How the network's inputs are normalised.

    Thermal: per-image standardisation; an EfficientNet-Lite0 trunk: 8-bit counts to [-1, 1]
    as in its pretraining; other sensors: fixed per-band mean/std (8-bit).
    """
    if channels == "thermal":
        return {"mode": "per_image"}
    if config.backbone == "efficientnet_lite0" and tiles.images[0].shape[2] == 3:
        return copy.deepcopy(LITE_NORMALISATION)
    stack = np.concatenate([im.reshape(-1, im.shape[2])[::97] for im in tiles.images])
    return {
        "mode": "fixed",
        "mean": [round(float(v), 3) for v in stack.mean(0)],
        "std": [round(max(float(v), 1.0), 3) for v in stack.std(0)],
    }


class _EMA:
    """Exponential moving average of a model's parameters and buffers."""

    def __init__(self, model: CenterNet, decay: float, frozen: frozenset[str] = frozenset()) -> None:
        self.model = copy.deepcopy(model).eval()
        self.decay = decay
        self.updates = 0
        #: state-dict keys of frozen modules: left as they are (an average of equal values
        #: would still move them by rounding)
        self.frozen = frozen
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model: CenterNet) -> None:
        self.updates += 1
        # Ramp the decay up so the average is not dominated by the random initial weights.
        d = self.decay * (1 - math.exp(-self.updates / 300))
        src = model.state_dict()
        for k, v in self.model.state_dict().items():
            if k in self.frozen:
                continue
            if v.dtype.is_floating_point:
                v.mul_(d).add_(src[k].detach(), alpha=1 - d)
            else:
                v.copy_(src[k])


def predict_tileset(
    detector: Detector, tiles: TileSet, *, min_score: float = 0.01, batch_size: int = 16
) -> list[ImagePrediction]:
    """Detections for every image of a :class:`TileSet`.

    At the model's GSD or size; images of one shape are batched together.
    """
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
    """One round of hard-negative mining; returns counts for the history.

    Mines every real image, plus a random sample of the others, up to
    ``config.hard_negative_max_images``.
    """
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


class _Schedule:
    """How far along the schedule is, and the learning rate there.

    The fraction done is the larger of the epochs' share and the time budget's share (wall
    time, or process CPU time over ``threads`` with ``budget_clock: cpu``; the hard wall caps
    count too: ``max_wall_minutes`` from the loop's start, ``max_total_wall_minutes`` from the
    command's, data loading included), so that the cosine decay completes inside a time budget. The learning rate
    is ``lr * (1 + cos(pi * f)) / 2`` at fraction ``f``, floored at 1 % of ``lr``, after a
    linear warm-up over the first ``warmup_steps`` steps.
    """

    def __init__(self, config: TrainConfig, steps_per_epoch: int, started: float | None = None) -> None:
        self.config = config
        self.steps_per_epoch = steps_per_epoch
        self.warmup_steps = min(150, steps_per_epoch * 2)
        self.budget_s = None if config.minutes is None else config.minutes * 60.0
        self.t_start = time.perf_counter()
        #: when the command started (``time.perf_counter``), for ``max_total_wall_minutes``
        self.started = self.t_start if started is None else started
        self.cpu_start = time.process_time()

    def wall_s(self) -> float:
        """Wall seconds since the start."""
        return time.perf_counter() - self.t_start

    def cpu_s(self) -> float:
        """Process CPU seconds since the start."""
        return time.process_time() - self.cpu_start

    def budget_used(self) -> float:
        """Share of the time budget (and of the wall cap) spent, 0 without either."""
        now = time.perf_counter()
        wall = now - self.t_start
        used = 0.0
        if self.budget_s is not None:
            if self.config.budget_clock == "cpu":
                used = self.cpu_s() / max(self.config.threads, 1) / self.budget_s
            else:
                used = wall / self.budget_s
        if self.config.max_wall_minutes is not None:
            used = max(used, wall / (self.config.max_wall_minutes * 60.0))
        if self.config.max_total_wall_minutes is not None:
            used = max(used, (now - self.started) / (self.config.max_total_wall_minutes * 60.0))
        return used

    def fraction(self, epoch: int, step_in_epoch: int) -> float:
        """Fraction of the schedule done at a step (1-based epoch); 1 or more ends training."""
        by_epochs = (epoch - 1 + step_in_epoch / self.steps_per_epoch) / self.config.epochs
        return max(by_epochs, self.budget_used())

    def record(self, epoch: int, losses: list[float]) -> dict[str, Any]:
        """The history entry of an epoch: mean loss, wall and CPU seconds so far."""
        return {"epoch": epoch, "loss": round(float(np.mean(losses)), 4),
                "elapsed_s": round(self.wall_s(), 1), "cpu_s": round(self.cpu_s(), 1)}

    def lr(self, fraction: float, step: int) -> float:
        """Learning rate at a schedule fraction and global step."""
        lr = self.config.lr * 0.5 * (1 + math.cos(math.pi * min(fraction, 1.0)))
        lr = max(lr, self.config.lr * 0.01)
        if step < self.warmup_steps:
            lr *= (step + 1) / self.warmup_steps
        return lr


class _BatchBuilder:
    """Training batches: draws, mosaics, copy-paste, augmentation, degradation, targets.

    Every random choice comes from the one generator ``rng``, in a fixed order, so that a
    seed gives the same batches.
    """

    def __init__(self, train: TileSet, config: TrainConfig, n_classes: int, normalisation: dict[str, Any],
                 rng: np.random.Generator, hard: HardNegatives, bank: MineBank | None) -> None:
        self.train, self.config, self.n_classes = train, config, n_classes
        self.normalisation, self.rng, self.hard, self.bank = normalisation, rng, hard, bank
        self.out_hw = config.img_size // STRIDE
        self.can_paste = bank is not None and len(bank) > 0 and config.copy_paste > 0
        self.degrade_on = max(config.blur_p, config.jpeg_p, config.shadow_p) > 0
        self.focus_factors = class_balance_factors(train.classes) if config.class_balance else None

    def sample(self, j: int, use_mosaic: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One augmented training sample drawn around image ``j``: (C, S, S) float32, boxes, classes."""
        train, config, rng, size = self.train, self.config, self.rng, self.config.img_size
        if use_mosaic and rng.random() < config.mosaic:
            picks = [int(j), *rng.integers(0, len(train), 3)]
            img, bx, cl = mosaic([train.images[k] for k in picks], [train.boxes[k] for k in picks],
                                 [train.classes[k] for k in picks])
            x, b, c = augment(img, bx, cl, size, rng, (config.scale_min / 2, config.scale_max))
        else:
            img, bx, cl = train.images[j], train.boxes[j], train.classes[j]
            if self.can_paste and train.paste_ground[j] and rng.random() < config.copy_paste:
                assert self.bank is not None
                img, bx, cl = self.bank.paste(img, bx, cl, rng, int(rng.integers(1, config.paste_max + 1)),
                                              colour=config.paste_colour,
                                              recolour=config.paste_recolour)
            if (self.bank is not None and config.paste_decoys > 0
                    and (train.paste_ground[j] or config.decoys_everywhere)
                    and img.ndim == 3 and img.shape[2] == 3 and rng.random() < config.paste_decoys):
                img = paste_decoys(img, bx, self.bank.sizes, rng, int(rng.integers(1, config.paste_max + 1)),
                                   style=config.decoy_style)
            x, b, c = augment(img, bx, cl, size, rng, (config.scale_min, config.scale_max),
                              focus=config.focus, hard_points=self.hard.points.get(int(j)),
                              hard_p=config.hard_negative_p, focus_factors=self.focus_factors)
        x = grass_occlusion(x, b, c, rng, config.grass_occlusion)
        x = colour_jitter(x, rng, config.colour_jitter)
        if self.degrade_on:
            x = degrade(x, rng, blur_p=config.blur_p, jpeg_p=config.jpeg_p, shadow_p=config.shadow_p)
        return x, b, c

    def batch(self, idx: np.ndarray, use_mosaic: bool) -> tuple[torch.Tensor, Any]:
        """Normalised (B, C, S, S) channels-last input and CenterNet targets for images ``idx``."""
        xs: list[np.ndarray] = []
        items: list[tuple[np.ndarray, ...]] = []
        for j in idx:
            x, b, c = self.sample(int(j), use_mosaic)
            xs.append(x)
            items.append(draw_targets(b, c, self.n_classes, self.out_hw, self.out_hw))
        batch = torch.from_numpy(normalise_images(amplitude_mix(np.stack(xs), self.rng, self.config.amplitude_mix),
                                                  self.normalisation))
        return batch.contiguous(memory_format=torch.channels_last), collate_targets(items)


def _initial_network(
    config: TrainConfig, in_ch: int, n_classes: int,
) -> tuple[CenterNet, dict[str, Any] | None]:
    """The network training starts from, and where its ImageNet weights came from (or None).

    A new network of ``config.preset`` (its trunk from ``config.pretrained`` when given), or
    the weights of ``config.init_from``.

    Raises:
        RamsInputError: the starting weights take other bands or classes; pretrained weights
            for a network that has no EfficientNet-Lite0 trunk or not 3 bands; frozen blocks
            in a network without that trunk.
    """
    net = CenterNet(model_config(config.preset, in_ch, n_classes))
    pretrained = None
    if config.pretrained is not None and config.init_from is None:
        path = resolve_pretrained(config.pretrained)
        if net.trunk is None or in_ch != 3:
            raise RamsInputError(path, (
                f"ImageNet weights need preset lite0 and 3 bands, not preset {config.preset!r} "
                f"with {in_ch} band(s)"))
        pretrained = {"weights": path.name, "sha256": load_imagenet(net.trunk, path), "dataset": "ImageNet-1k"}
    if config.init_from is not None:
        from rams.detection.detector import verify_checksum

        verify_checksum(Path(config.init_from))
        blob = torch.load(config.init_from, map_location="cpu", weights_only=True)
        start = ModelConfig.from_dict(blob["meta"]["config"])
        if (start.in_channels, start.num_classes) != (in_ch, n_classes):
            raise RamsInputError(config.init_from, (
                f"weights take {start.in_channels} band(s) and {start.num_classes} class(es); this "
                f"tile set has {in_ch} band(s) and {n_classes} class(es)"))
        net = CenterNet(start)
        net.load_state_dict(blob["state_dict"])
        pretrained = blob["meta"].get("pretrained")  # the card keeps the trunk's origin
    if config.frozen_blocks > 0 and net.trunk is None:
        raise RamsInputError(config.init_from, "frozen_blocks needs a network with an EfficientNet-Lite0 trunk")
    return net.to(memory_format=torch.channels_last), pretrained  # type: ignore[call-overload]


def _frozen_modules(net: CenterNet, config: TrainConfig) -> list[torch.nn.Module]:
    """The trunk's stem and first ``config.frozen_blocks`` blocks (none without a trunk)."""
    if net.trunk is None or config.frozen_blocks <= 0:
        return []
    return [net.trunk.stem, *list(net.trunk.blocks)[:config.frozen_blocks]]


def _frozen_keys(net: CenterNet, config: TrainConfig) -> frozenset[str]:
    """State-dict keys (parameters and buffers) of :func:`_frozen_modules`."""
    frozen = {id(m) for m in _frozen_modules(net, config)}
    prefixes = [f"{name}." for name, m in net.named_modules() if id(m) in frozen]
    return frozenset(k for k in net.state_dict() if any(k.startswith(p) for p in prefixes))


def _train_mode(net: CenterNet, frozen: list[torch.nn.Module]) -> None:
    """Training mode, but frozen modules in eval mode (their batch norms keep their statistics)."""
    net.train()
    for module in frozen:
        module.eval()


def _optimiser(net: CenterNet, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW over the trainable parameters.

    Frozen modules' parameters stop requiring gradients; a trunk's others are in their own
    group at ``backbone_lr_scale`` of the rate.
    """
    for module in _frozen_modules(net, config):
        module.requires_grad_(False)
    trunk = [] if net.trunk is None else [p for p in net.trunk.parameters() if p.requires_grad]
    ids = {id(p) for p in trunk}
    rest = [p for p in net.parameters() if id(p) not in ids and p.requires_grad]
    groups = [{"params": rest, "lr_scale": 1.0}]
    if trunk:
        groups.append({"params": trunk, "lr_scale": config.backbone_lr_scale})
    return torch.optim.AdamW(groups, lr=config.lr, weight_decay=config.weight_decay)


def _optimiser_step(
    net: CenterNet, opt: torch.optim.Optimizer, ema: _EMA, batch: torch.Tensor, targets: Any,
    lr: float, precision: str,
) -> float:
    """One AdamW step at ``lr``, then the EMA update; returns the loss.

    The forward pass runs under autocast in ``precision``; loss and gradients are in float32
    and the gradient norm is clipped at 10.
    """
    for g in opt.param_groups:
        g["lr"] = lr * g.get("lr_scale", 1.0)
    with autocast(precision):
        outputs = net(batch)
    logits, log_size, offset = (o.float() for o in outputs)
    loss, _parts = centernet_loss((logits, log_size, offset), targets)
    opt.zero_grad(set_to_none=True)
    loss.backward()  # type: ignore[no-untyped-call]
    torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
    opt.step()
    ema.update(net)
    return float(loss.detach())


def _train_epoch(
    net: CenterNet, opt: torch.optim.Optimizer, ema: _EMA, batches: _BatchBuilder, schedule: _Schedule,
    order: np.ndarray, epoch: int, step: int, precision: str, tick: Callable[[str], None],
) -> tuple[list[float], int, bool]:
    """One epoch's optimiser steps over the images in ``order``.

    ``epoch`` is 1-based, ``step`` the global step before it; ``tick`` reports each step.

    Returns:
        ``(losses, step after the epoch, whether the schedule is complete)``.
    """
    config = schedule.config
    losses: list[float] = []
    for i in range(schedule.steps_per_epoch):
        fraction = schedule.fraction(epoch, i)
        use_mosaic = config.mosaic > 0 and fraction < config.mosaic_until
        batch, targets = batches.batch(order[i * config.batch_size:(i + 1) * config.batch_size], use_mosaic)
        lr = schedule.lr(fraction, step)
        losses.append(_optimiser_step(net, opt, ema, batch, targets, lr, precision))
        step += 1
        tick(f"loss {np.mean(losses[-20:]):.3f} lr {lr:.2e}")
        if fraction >= 1.0:
            return losses, step, True
    return losses, step, False


@dataclass
class _Selection:
    """The best EMA weights so far by validation (AP50, then AP50-95)."""

    score: tuple[float, float] = (-1.0, -1.0)
    epoch: int = 0
    state: dict[str, torch.Tensor] | None = None

    def offer(self, ema_model: CenterNet, meta: dict[str, Any], valid: TileSet, n_classes: int,
              epoch: int) -> tuple[float, float]:
        """Score the EMA weights on ``valid``; keep them when they beat the best so far.

        Returns:
            ``(AP50, AP50-95)`` of these weights (None counted as 0).
        """
        det = _as_detector(ema_model, meta)
        m = evaluate_predictions(predict_tileset(det, valid), valid.truths(), UNSELECTED_THRESHOLD, n_classes)
        score = (m.ap50 or 0.0, m.ap50_95 or 0.0)
        if score > self.score:
            self.score, self.epoch, self.state = score, epoch, copy.deepcopy(ema_model.state_dict())
        return score


def _operating_threshold(
    final: CenterNet, meta: dict[str, Any], valid: TileSet, config: TrainConfig, n_classes: int,
) -> tuple[float, dict[str, Any]]:
    """The threshold of best F1 on ``valid`` and the validation metrics there.

    The threshold stays within the false-alarm budget; the metrics leave out the PR curve.
    """
    preds = predict_tileset(_as_detector(final, meta), valid)
    thr, _ = best_f1_threshold(preds, valid.truths(), max_false_alarms_per_image=config.max_false_alarms_per_image)
    return thr, evaluate_predictions(preds, valid.truths(), thr, n_classes).without_curve().to_dict()


def _weights_metadata(meta: dict[str, Any], summary: dict[str, Any], config: TrainConfig,
                      final: CenterNet, out: str | Path) -> dict[str, Any]:
    """Complete the metadata saved with the weights.

    Adds training facts, validation metrics, name and architecture.
    """
    meta["training"] = {k: summary[k] for k in ("epochs_run", "selected_epoch", "train_seconds",
                                                "cpu_seconds", "parameters", "n_train", "n_valid",
                                                "precision_choice")}
    meta["training"]["config"] = asdict(config)
    if "valid" in summary:
        meta["metrics"] = {"valid": {k: summary["valid"][k] for k in
                                     ("ap50", "ap50_95", "precision", "recall", "f1")}}
    meta["name"] = Path(out).stem
    meta["config"] = final.config.to_dict()
    return meta


def _progress_bars(progress: bool) -> Any:
    """Rich progress bars for epochs and steps (disabled when ``progress`` is False)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TextColumn("{task.fields[info]}"))
    return Progress(*columns, disable=not progress, transient=False)


def _log_line(line: str, log: Callable[[str], None] | None, progress: bool) -> None:
    """A status line to ``log``, else to stdout when there are no progress bars."""
    if log is not None:
        log(line)
    elif not progress:
        print(line, flush=True)


def train_detector(
    train: TileSet, valid: TileSet | None, *, out: str | Path, channels: str,
    class_names: list[str], config: TrainConfig, meta_extra: dict[str, Any] | None = None,
    progress: bool = True, log: Callable[[str], None] | None = None, bank: MineBank | None = None,
    started: float | None = None,
) -> dict[str, Any]:
    """Train, select on ``valid``, and save weights + checksum.

    Each epoch (:func:`_train_epoch`) draws images by weight, builds batches
    (:class:`_BatchBuilder`) and steps on the :class:`_Schedule`; then the EMA weights are
    scored (:class:`_Selection`) and false alarms mined (:func:`_mine_round`) when due. The
    selected weights get a threshold (:func:`_operating_threshold`) and metadata.

    Args:
        train: training tiles (at ``config.img_size``).
        valid: validation tiles for selection and the operating threshold (None: keep the
            last weights, threshold :data:`UNSELECTED_THRESHOLD`).
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
        started: ``time.perf_counter()`` when the command began loading its data, the origin
            of ``config.max_total_wall_minutes`` (None: now).

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
    n_classes = len(class_names)
    net, pretrained = _initial_network(config, in_ch, n_classes)
    opt = _optimiser(net, config)
    ema = _EMA(net, config.ema_decay, _frozen_keys(net, config))
    meta: dict[str, Any] = {
        "class_names": list(class_names), "channels": channels, "in_channels": in_ch,
        "normalisation": _normalisation(channels, train, net.config), "img_size": config.img_size,
        "input_gsd_m": None, "threshold": UNSELECTED_THRESHOLD, **(meta_extra or {}),
    }
    if pretrained is not None:
        meta["pretrained"] = pretrained
    steps_per_epoch = max(len(train) // config.batch_size, 1)
    weights = np.asarray(train.weights if len(train.weights) == len(train) else [1.0] * len(train))
    draw_p = None if np.allclose(weights, weights[0]) else weights / weights.sum()
    hard = HardNegatives(min_score=config.hard_negative_min_score)
    batches = _BatchBuilder(train, config, n_classes, meta["normalisation"], rng, hard, bank)
    selection = _Selection()
    history: list[dict[str, Any]] = []
    schedule = _Schedule(config, steps_per_epoch, started)
    step = 0

    with _progress_bars(progress) as bars:
        epochs_task = bars.add_task("epochs", total=config.epochs, info="")
        epoch, done = 0, False
        while not done:
            epoch += 1
            _train_mode(net, _frozen_modules(net, config))
            order = (rng.permutation(len(train)) if draw_p is None
                     else rng.choice(len(train), size=len(train), p=draw_p))
            step_task = bars.add_task(f"epoch {epoch}", total=steps_per_epoch, info="")
            losses, step, done = _train_epoch(
                net, opt, ema, batches, schedule, order, epoch, step, precision.precision,
                lambda info: bars.update(step_task, advance=1, info=info))  # noqa: B023
            bars.remove_task(step_task)
            done = done or epoch >= config.epochs
            record = schedule.record(epoch, losses)
            if valid is not None and len(valid) and (epoch % config.eval_every == 0 or done):
                ap50, ap50_95 = selection.offer(ema.model, meta, valid, n_classes, epoch)
                record.update(valid_ap50=ap50, valid_ap50_95=ap50_95)
            if config.hard_negative_every and not done and epoch % config.hard_negative_every == 0:
                record.update(_mine_round(hard, ema.model, meta, train, config, rng))
                draw_p = hard.draw_weights(weights, config.hard_negative_boost)
            history.append(record)
            info = ", ".join(f"{k} {v}" for k, v in record.items() if k != "epoch")
            bars.update(epochs_task, advance=1, info=info)
            _log_line(f"epoch {epoch}: {info}", log, progress)
    train_seconds, cpu_seconds = schedule.wall_s(), schedule.cpu_s()
    final = CenterNet(net.config)
    final.load_state_dict(selection.state if selection.state is not None else ema.model.state_dict())
    summary: dict[str, Any] = {
        "epochs_run": epoch, "selected_epoch": selection.epoch or epoch,
        "train_seconds": round(train_seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
        "parameters": parameter_count(final), "config": asdict(config), "history": history,
        "n_train": len(train), "n_valid": 0 if valid is None else len(valid),
        "precision_choice": precision.to_dict(),
    }
    if valid is not None and len(valid):
        meta["threshold"], summary["valid"] = _operating_threshold(final, meta, valid, config, n_classes)
    summary["threshold"] = meta["threshold"]
    _weights_metadata(meta, summary, config, final, out)
    summary["sha256"] = save_detector(out, final, meta)
    summary["meta"] = meta
    return summary
