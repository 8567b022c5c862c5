"""A trained detector: network, metadata, normalisation, and its weights file.

A weights file ``NAME.pt`` is a ``torch.save`` of ``{"state_dict": ..., "meta": ...}`` where
``meta`` holds plain types only (so ``torch.load(..., weights_only=True)`` reads it):

- ``config``: the :class:`~rams.detection.model.ModelConfig` as a dict;
- ``class_names``: one name per heatmap channel (e.g. ``["PFM-1", "PMN-2", "TM-62"]``);
- ``channels``: "rgb", "thermal" or a fused stack name; ``in_channels``;
- ``normalisation``: ``{"mode": "fixed", "mean": [...], "std": [...]}`` (per band, in the
  units of the input) or ``{"mode": "per_image"}`` (each image standardised over its valid
  pixels, which makes thermal models indifferent to degrees C versus 8-bit counts);
- ``input_gsd_m``: the ground sample distance the model was trained at (None if unknown);
- ``img_size``: the training input size, pixels (tile sets are resized to it);
- ``threshold``: the operating confidence threshold (chosen on the validation split).

Read it as a :class:`~rams.detection.metadata.DetectorMetadata` (:attr:`Detector.metadata`);
:attr:`Detector.meta` is its dict form.

Inference runs in float32, in bfloat16 under ``torch.autocast`` (about twice the throughput
on CPUs with AVX512-BF16 or AMX, emulated and slow elsewhere), or in int8 (post-training
quantisation, calibrated on real tiles; ``NAME.int8.json`` next to the weights). The default
``precision="auto"`` runs the fastest of those that are native and checked for accuracy on
this CPU (:mod:`rams.detection.inference_modes`); :attr:`Detector.inference_mode` says which
and why.

Next to it, ``NAME.pt.sha256`` records its SHA-256 (``sha256sum`` format); loading refuses a
file whose hash differs.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from rams.atomic import atomic_path, write_text_atomic
from rams.checksum import sha256_file
from rams.config_paths import models_dir
from rams.detection.card import verify_model_card
from rams.detection.centernet import Detections, decode
from rams.detection.inference_modes import (
    INFERENCE_PRECISIONS,
    InferenceMode,
    InputQuantisation,
    Int8Calibration,
    calibration_path,
    select_mode,
)
from rams.detection.metadata import DetectorMetadata
from rams.detection.model import CenterNet
from rams.detection.precision import PRECISIONS as PRECISIONS  # re-exported: training's choices
from rams.detection.precision import cpu_flags, resolve_precision
from rams.detection.train_config import UNSELECTED_THRESHOLD, TrainConfig
from rams.errors import RamsInputError

FORMAT = "rams-centernet-1"
#: Input sizes are padded up to a multiple of the network's largest stride.
PAD_MULTIPLE = 32
def autocast(precision: str) -> torch.autocast:
    """Context in which the network runs in ``precision`` on the CPU (a no-op for float32).

    ``"auto"`` is resolved for this CPU (:func:`rams.detection.precision.resolve_precision`).
    """
    if precision == "auto":
        precision = resolve_precision("auto", cpu_flags()).precision
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bfloat16")


def checksum_path(weights: str | Path) -> Path:
    """The sidecar that records the SHA-256 of ``weights`` (``NAME.pt.sha256``)."""
    weights = Path(weights)
    return weights.with_name(weights.name + ".sha256")


class Detector:
    """A network in inference mode plus what is needed to feed it.

    Args:
        net: the network (its batch norms are fused here; it is put in eval mode).
        meta: metadata, typed or as the weights file stores it (see the module docstring).
        precision: one of :data:`INFERENCE_PRECISIONS` ("auto": the fastest accurate mode
            on this CPU).
        calibration: int8 calibration of these weights (None: int8 is not available).
        calibration_note: why there is no calibration (recorded when int8 is left out).
        weights_sha256: the weights file's hash: with it, ``"auto"`` reuses this machine's
            cached probe verdict (see :mod:`rams.detection.inference_modes`).
        int8_engine: the quantisation engine int8 runs on (None: the calibration's for
            ``int8``, the fastest accurate one for ``auto``).
    """

    def __init__(
        self, net: CenterNet, meta: DetectorMetadata | dict[str, Any], precision: str = "float32", *,
        calibration: Int8Calibration | None = None, calibration_note: str | None = None,
        weights_sha256: str | None = None, int8_engine: str | None = None,
    ) -> None:
        if precision not in INFERENCE_PRECISIONS:
            raise ValueError(f"precision must be one of {INFERENCE_PRECISIONS}, not {precision!r}")
        self.net = net.eval().fuse().to(memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.metadata = meta if isinstance(meta, DetectorMetadata) else DetectorMetadata.from_dict(meta)
        #: SHA-256 of the weights file (None for a network not loaded from one).
        self.weights_sha256 = weights_sha256
        self.inference_mode: InferenceMode
        self.inference_mode, self._forward = select_mode(
            self.net, precision, in_channels=self.in_channels, calibration=calibration,
            calibration_note=calibration_note, weights_sha256=weights_sha256, engine=int8_engine,
        )
        #: (key, table) of :meth:`_quantised_counts`, made on first use.
        self._quantised_table: tuple[Any, tuple[InputQuantisation, np.ndarray, int] | None] | None = None

    @property
    def meta(self) -> dict[str, Any]:
        """The metadata as the weights file stores it (a copy: change :attr:`metadata`)."""
        return self.metadata.to_dict()

    @property
    def precision(self) -> str:
        """The mode the network runs in: "float32", "bfloat16" or "int8"."""
        return self.inference_mode.mode

    def run_network(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The network in the configured mode; outputs in float32."""
        return self._forward(x)

    @property
    def class_names(self) -> list[str]:
        """Class name of each heatmap channel."""
        return list(self.metadata.class_names)

    @property
    def in_channels(self) -> int:
        """Input bands the network expects."""
        return self.metadata.config.in_channels

    @property
    def threshold(self) -> float:
        """Operating confidence threshold."""
        threshold = self.metadata.threshold
        return UNSELECTED_THRESHOLD if threshold is None else float(threshold)

    @property
    def input_gsd_m(self) -> float | None:
        """Training ground sample distance, metres (None when unknown)."""
        gsd = self.metadata.input_gsd_m
        return None if gsd is None else float(gsd)

    def normalise(self, images: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """Normalise a batch for the network (see :func:`normalise_images`)."""
        return normalise_images(images, self.metadata.normalisation, valid)

    @torch.inference_mode()
    def predict(
        self, images: np.ndarray, valid: np.ndarray | None = None, *,
        min_score: float | None = None, top_k: int = 100,
    ) -> list[Detections]:
        """Detect objects in a batch of images at their own resolution.

        Args:
            images: (B, C, H, W) float32 in input units (or integer counts, e.g. uint8 RGB).
            valid: (B, H, W) bool or None.
            min_score: lowest confidence kept (default: the operating threshold).
            top_k: most detections per image.

        Returns:
            B :class:`Detections`, boxes in the images' pixels.
        """
        _b, _, h, w = images.shape
        x = self.network_batch(images, valid, quantised=True)
        score = self.threshold if min_score is None else min_score
        if self.tta:
            dets = decode(self._flip_average(x), top_k=top_k, min_score=score, probabilities=True)
        else:
            dets = decode(self.run_network(x), top_k=top_k, min_score=score)
        for d in dets:  # centres that fell in the padding are not in the image
            cx = (d.boxes[:, 0] + d.boxes[:, 2]) / 2
            cy = (d.boxes[:, 1] + d.boxes[:, 3]) / 2
            keep = (cx < w) & (cy < h)
            d.boxes, d.scores, d.classes = d.boxes[keep], d.scores[keep], d.classes[keep]
        return dets

    def network_input(self, images: np.ndarray, valid: np.ndarray | None = None) -> torch.Tensor:
        """The network's input for a batch.

        Normalised, zero-padded at the bottom and right to multiples of 32, channels-last.

        Args:
            images: (B, C, H, W) float32 in input units (or integer counts, e.g. uint8 RGB).
            valid: (B, H, W) bool or None.

        Returns:
            (B, C, H', W') float32, H' and W' the next multiples of 32.
        """
        if images.shape[1] != self.in_channels:
            raise ValueError(f"model expects {self.in_channels} bands, got {images.shape[1]}")
        fast = self._counts_input(images, valid, mirrors=False)
        if fast is not None:
            return fast
        h, w = images.shape[2:]
        x = torch.from_numpy(self.normalise(images, valid))
        ph, pw = -h % PAD_MULTIPLE, -w % PAD_MULTIPLE
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph))
        return x.contiguous(memory_format=torch.channels_last)

    def tile_input(self, image: np.ndarray, gsd_m: float | None = None) -> torch.Tensor:
        """The network's input for one uint8 (H, W, C) image as inference would make it.

        Resampled to the model's GSD (models with one; ``gsd_m`` required), else resized to
        the training size. Used to calibrate int8 on real tiles.

        Returns:
            (1, C, H', W') float32, channels-last.
        """
        if self.input_gsd_m is not None:
            if gsd_m is None:
                raise ValueError("this model works at a fixed GSD: give the image's gsd_m")
            image = resample_by(image, gsd_m / self.input_gsd_m)
        else:
            image = _resize(image, self.img_size)
        return self.network_input(image.transpose(2, 0, 1)[None].astype(np.float32))

    @property
    def img_size(self) -> int:
        """Training input size, pixels (tile-set images are resized to it)."""
        size = self.metadata.img_size
        return TrainConfig.img_size if size is None else int(size)

    @property
    def tta(self) -> bool:
        """Whether the centre heatmap is averaged over horizontal and vertical flips."""
        return bool(self.metadata.tta)

    @torch.inference_mode()
    def network_batch(
        self, images: np.ndarray, valid: np.ndarray | None = None, *, quantised: bool = False,
    ) -> torch.Tensor:
        """What the network runs on for a batch.

        :meth:`network_input`, followed by its left-right and its up-down mirror when the
        model averages flips (:attr:`tta`).

        Args:
            images: (B, C, H, W) float32 in input units (or integer counts, e.g. uint8 RGB).
            valid: (B, H, W) bool or None.
            quantised: where the network runs in int8 and the images are 8-bit counts under
                a fixed normalisation, the input already quantised as the network's first
                operation would quantise the float32 one (quint8, the same values bit for bit,
                a quarter of the bytes: :class:`~rams.detection.inference_modes.InputQuantisation`);
                elsewhere float32, as without.

        Returns:
            (B, C, H', W'), or (3 B, C, H', W') with :attr:`tta`: float32 (or quint8, see
            ``quantised``), channels-last.
        """
        if quantised and images.shape[1] == self.in_channels:
            fast = self._counts_input(images, valid, mirrors=self.tta, quantised=True)
            if fast is not None:
                return fast
        if not self.tta:
            return self.network_input(images, valid)
        fast = self._counts_input(images, valid, mirrors=True) if images.shape[1] == self.in_channels else None
        if fast is not None:
            return fast
        x = self.network_input(images, valid)  # raises on a wrong band count
        return torch.cat([x, x.flip(3), x.flip(2)]).contiguous(memory_format=torch.channels_last)

    @property
    def input_quantisation(self) -> InputQuantisation | None:
        """How the int8 network quantises its input (None in other modes).

        Set where the network also takes inputs quantised already (:meth:`network_batch`
        with ``quantised``).
        """
        return getattr(self._forward, "input_quantisation", None)

    def _quantised_counts(self, bands: int) -> tuple[InputQuantisation, np.ndarray, int] | None:
        """The int8 network's input quantisation, its table of the 8-bit counts, and its 0.0.

        None where the network does not take quantised inputs (not int8, or a graph without
        the split), or the table is not exact (:meth:`InputQuantisation.counts_table`).
        """
        params = self.input_quantisation
        if params is None:
            return None
        key = (params, bands)
        if self._quantised_table is None or self._quantised_table[0] != key:
            table = params.counts_table(counts_table(self.metadata.normalisation, bands))
            self._quantised_table = (key, None if table is None else (params, table, params.zero()))
        return self._quantised_table[1]

    def _counts_input(
        self, images: np.ndarray, valid: np.ndarray | None, *, mirrors: bool, quantised: bool = False,
    ) -> torch.Tensor | None:
        """:meth:`network_input` (``mirrors``: :meth:`network_batch`) of 8-bit counts, in one pass.

        Under a fixed normalisation, written straight into a padded channels-last buffer:
        the same values, bit for bit, as normalising band by band, padding, copying to
        channels-last and (with ``mirrors``) concatenating the flipped copies: one table
        look-up over the interleaved pixels and one flip each, instead of a pass per band
        and three copies of the whole batch (on a 896 px cascade window of the benchmark's
        RGB, 3.2 against 6.3 ms). With ``quantised`` (:meth:`network_batch`), and where the
        int8 network takes it, the same built in uint8 from the counts' quantised table and
        handed over as quint8. None where it does not apply (other data types, per-image
        normalisation, more than four bands): the general path serves.
        """
        norm = self.metadata.normalisation
        b, c, h, w = images.shape
        if images.dtype != np.uint8 or norm["mode"] != "fixed" or not 1 <= c <= 4:
            return None
        table: np.ndarray
        zero: float | int = 0.0
        quantisation = self._quantised_counts(c) if quantised else None
        if quantisation is not None:
            params, table, zero = quantisation
            table = table[None]  # 1 x 256 x C, uint8
        else:
            table = counts_table(norm, c)[None]  # 1 x 256 x C, float32
        hp, wp = h + -h % PAD_MULTIPLE, w + -w % PAD_MULTIPLE
        shape = ((3 if mirrors else 1) * b, hp, wp, c)
        qx = None
        if quantisation is not None:
            # written in place: the quantised tensor's bytes seen as uint8 (no copy afterwards)
            qx = torch._empty_affine_quantized(
                (shape[0], c, hp, wp), scale=params.scale, zero_point=params.zero_point, dtype=torch.quint8,
                memory_format=torch.channels_last)
            strides = (hp * wp * c, wp * c, c, 1)  # (N, H, W, C), C-contiguous: channels-last
            buf = torch.empty(0, dtype=torch.uint8).set_(qx.untyped_storage(), 0, shape, strides).numpy()
        else:
            buf = np.empty(shape, np.float32)
        masked = valid is not None and not valid.all()
        for i in range(b):
            out = buf[i]
            out[h:] = zero
            out[:h, w:] = zero
            pixels = cv2.merge(list(images[i])).reshape(h, w, c)  # (H, W, C), C contiguous
            if (h, w) == (hp, wp):
                cv2.LUT(pixels, table, dst=out.reshape(h, w, c))
            else:
                out[:h, :w] = cv2.LUT(pixels, table).reshape(h, w, c)
            if masked and quantisation is not None:
                np.copyto(out[:h, :w], zero, where=~valid[i][..., None])  # type: ignore[index]
            elif masked:
                np.multiply(out[:h, :w], valid[i][..., None], out=out[:h, :w])  # type: ignore[index]
            if mirrors:
                cv2.flip(out, 1, dst=buf[b + i])  # left-right: x.flip(3)
                cv2.flip(out, 0, dst=buf[2 * b + i])  # up-down: x.flip(2)
        return torch.from_numpy(buf).permute(0, 3, 1, 2) if qx is None else qx

    def _flip_average(self, both: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Centre probabilities averaged over flips (sizes and offsets of the plain pass).

        Flips are exact symmetries of a nadir view, so averaging their heatmaps removes
        some of the network's orientation-dependent noise. Padding is only at the bottom
        and right, so flipped maps are realigned on the padded grid. The image and its two
        mirrors (``both``, from :meth:`network_batch`) go through the network as one batch
        of three (one call instead of three; on the 0.25 km² benchmark's cascade windows,
        0.8 Mpx on average, the network took as long either way, 35.4 against 34.9 s, so
        this saves only the calls' overhead).

        Returns:
            (B, K, H, W) probabilities (not logits), log sizes and offsets.
        """
        b = both.shape[0] // 3
        logits, size, offset = self.run_network(both)
        prob = torch.sigmoid(logits)
        heat = (prob[:b] + prob[b:2 * b].flip(3) + prob[2 * b:].flip(2)) / 3
        return heat, size[:b], offset[:b]

    @property
    def max_input_gsd_m(self) -> float | None:
        """Coarsest input GSD the model supports, metres (None: no limit recorded).

        Inputs up to this are resampled to :attr:`input_gsd_m`; a coarser orthomosaic would
        have to be upsampled beyond what the model saw in training, and is refused.
        """
        gsd = self.metadata.max_input_gsd_m
        return None if gsd is None else float(gsd)

    def predict_at_gsd(
        self, images: list[np.ndarray], gsd_m: float, *, min_score: float | None = None,
        batch_size: int = 8,
    ) -> list[Detections]:
        """Detect objects in images of ground sample distance ``gsd_m``.

        Each image is resampled to the model's GSD (area averaging when shrinking), images
        of one resampled shape are batched, and boxes come back in the input's pixels.

        Args:
            images: uint8 (H, W, C) images.
            gsd_m: their GSD, metres.
            min_score: lowest confidence kept (default: the operating threshold).
            batch_size: images per forward pass.

        Raises:
            ValueError: the model has no recorded GSD.
        """
        if self.input_gsd_m is None:
            raise ValueError("this model records no input GSD; use predict_tile_images")
        factor = gsd_m / self.input_gsd_m
        resized = [resample_by(img, factor) for img in images]
        out = self.predict_images(resized, min_score=min_score, batch_size=batch_size)
        for img, small, det in zip(images, resized, out, strict=True):
            sy, sx = img.shape[0] / small.shape[0], img.shape[1] / small.shape[1]
            det.boxes = det.boxes * np.array([sx, sy, sx, sy], np.float32)
        return out

    def predict_images(
        self, images: list[np.ndarray], *, min_score: float | None = None, batch_size: int = 8,
    ) -> list[Detections]:
        """Detect objects in uint8 (H, W, C) images as they are (no resampling).

        Images of one shape share a batch. Boxes are in each image's pixels.
        """
        out: list[Detections | None] = [None] * len(images)
        by_shape: dict[tuple[int, ...], list[int]] = {}
        for i, im in enumerate(images):
            by_shape.setdefault(im.shape, []).append(i)
        for idx in by_shape.values():
            for start in range(0, len(idx), batch_size):
                chunk = idx[start:start + batch_size]
                batch = np.stack([images[i].transpose(2, 0, 1) for i in chunk]).astype(np.float32)
                for i, det in zip(chunk, self.predict(batch, min_score=min_score), strict=True):
                    out[i] = det
        return [d for d in out if d is not None]

    def predict_tile_images(
        self, images: list[np.ndarray], *, min_score: float | None = None, batch_size: int = 8
    ) -> list[Detections]:
        """Detect objects in tile-set images, resized to the training input size.

        Args:
            images: uint8 (H, W, C) images of any size.
            min_score: lowest confidence kept (default: the operating threshold).
            batch_size: images per forward pass.

        Returns:
            One :class:`Detections` per image, boxes in that image's pixels.
        """
        size = self.img_size
        out: list[Detections] = []
        for start in range(0, len(images), batch_size):
            chunk = images[start:start + batch_size]
            batch = np.stack([
                _resize(img, size).transpose(2, 0, 1) for img in chunk
            ]).astype(np.float32)
            for img, det in zip(chunk, self.predict(batch, min_score=min_score), strict=True):
                sy, sx = img.shape[0] / size, img.shape[1] / size
                det.boxes = det.boxes * np.array([sx, sy, sx, sy], np.float32)
                out.append(det)
        return out


def counts_table(normalisation: dict[str, Any], bands: int) -> np.ndarray:
    """Every 8-bit count normalised, per band: (256, bands) float32 ``(count - mean) / std``.

    For a fixed normalisation; the same float32 arithmetic as normalising the values themselves.
    """
    counts = np.arange(256, dtype=np.float32)
    mean = np.asarray(normalisation["mean"], np.float32)
    std = np.asarray(normalisation["std"], np.float32)
    return np.stack([(counts - mean[i]) / std[i] for i in range(bands)], -1)


def normalise_images(
    images: np.ndarray, normalisation: dict[str, Any], valid: np.ndarray | None = None
) -> np.ndarray:
    """Normalise a batch for the network; invalid pixels become 0 (the mean).

    Args:
        images: (B, C, H, W) float32 in input units (8-bit counts, degrees C, ...).
        normalisation: ``{"mode": "fixed", "mean": [...], "std": [...]}`` or
            ``{"mode": "per_image"}``.
        valid: (B, H, W) bool, or None when every pixel is valid.

    Returns:
        (B, C, H, W) float32.
    """
    if normalisation["mode"] == "fixed":
        mean = np.asarray(normalisation["mean"], np.float32)[None, :, None, None]
        std = np.asarray(normalisation["std"], np.float32)[None, :, None, None]
        x: np.ndarray
        if images.dtype == np.uint8 and images.ndim == 4:
            # 8-bit counts (RGB): a table of the 256 values per band, the same float32
            # arithmetic as below, one pass instead of two
            tables = counts_table(normalisation, images.shape[1])
            x = np.empty(images.shape, np.float32)
            for c in range(images.shape[1]):
                table = np.ascontiguousarray(tables[:, c])
                for b in range(images.shape[0]):
                    x[b, c] = cv2.LUT(np.ascontiguousarray(images[b, c]), table)
        else:
            # the same values as (float32(images) - mean) / std, in two passes (no copy first)
            x = np.subtract(images, mean, dtype=np.float32)
            x /= std
    else:
        x = images.astype(np.float32, copy=True)
        for i in range(x.shape[0]):
            m = None if valid is None else valid[i]
            for c in range(x.shape[1]):
                v = x[i, c] if m is None else x[i, c][m]
                if v.size == 0:
                    x[i, c] = 0
                    continue
                x[i, c] = (x[i, c] - v.mean()) / max(float(v.std()), 1e-3)
    if valid is not None and not valid.all():
        np.multiply(x, valid[:, None], out=x)
    return x


def _resize(img: np.ndarray, size: int) -> np.ndarray:
    """Resize (H, W, C) to (size, size, C) (stretching, like the tile sets' own export)."""
    if img.shape[0] == size and img.shape[1] == size:
        return img
    out = cv2.resize(img, (size, size), interpolation=cv2.INTER_AREA)
    return out[:, :, None] if out.ndim == 2 else out


def resample_by(img: np.ndarray, factor: float) -> np.ndarray:
    """Resize (H, W, C) by ``factor`` (area averaging when shrinking)."""
    if abs(factor - 1.0) < 1e-3:
        return img
    h, w = img.shape[:2]
    nh, nw = max(round(h * factor), 1), max(round(w * factor), 1)
    out = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR)
    return out[:, :, None] if out.ndim == 2 else out


def save_detector(path: str | Path, net: CenterNet, meta: DetectorMetadata | dict[str, Any]) -> str:
    """Write weights + metadata atomically and the SHA-256 sidecar; return the hash."""
    path = Path(path)
    if isinstance(meta, DetectorMetadata):
        meta = meta.to_dict()
    meta = {**meta, "format": FORMAT, "config": net.config.to_dict()}
    state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
    with atomic_path(path) as tmp:
        torch.save({"state_dict": state, "meta": meta}, tmp)
    digest = sha256_file(path)
    write_text_atomic(checksum_path(path), f"{digest}  {path.name}\n")
    return digest


def resolve_model_path(model: str | Path | None, sensor: str = "rgb") -> Path:
    """A weights path from a path, a name in ``models/``, or None (the sensor's default).

    Raises:
        RamsInputError: no such weights file.
    """
    if model is None:
        path = models_dir() / f"rams_{sensor}.pt"
    else:
        path = Path(model)
        if not path.is_file() and not path.is_absolute():
            for candidate in (models_dir() / path, models_dir() / f"{path}.pt"):
                if candidate.is_file():
                    path = candidate
                    break
    if not path.is_file():
        raise RamsInputError(path, "model weights file does not exist")
    return path


def verify_checksum(path: Path) -> str:
    """Check ``path`` against its ``.sha256`` sidecar; return the hash.

    Raises:
        RamsInputError: the sidecar is missing or unreadable, or the hash differs.
    """
    record = checksum_path(path)
    if not record.is_file():
        raise RamsInputError(path, f"no checksum record ({record.name}); refusing unverified weights")
    parts = record.read_text(encoding="utf-8").split()
    if not parts or len(parts[0]) != 64:
        raise RamsInputError(record, "checksum record is not a SHA-256 line")
    digest = sha256_file(path)
    if digest != parts[0].lower():
        raise RamsInputError(
            path, f"weights checksum mismatch (sha256 {digest[:12]}..., recorded "
            f"{parts[0][:12]}...): the file is corrupt or was replaced",
        )
    return digest


def load_detector(
    model: str | Path | None = None, *, sensor: str = "rgb", precision: str = "float32",
    int8_engine: str | None = None,
) -> Detector:
    """Load and verify a detector (and its int8 calibration file, if it has one).

    Args:
        model: weights path, a name in ``models/`` (with or without ``.pt``), or None for
            ``models/rams_{sensor}.pt``.
        sensor: sensor whose default model is used when ``model`` is None.
        precision: one of :data:`INFERENCE_PRECISIONS`; "auto" runs the fastest accurate
            mode on this CPU (see :mod:`rams.detection.inference_modes`).
        int8_engine: the quantisation engine int8 runs on (None: the calibration's for
            ``int8``, the fastest accurate one for ``auto``).

    Raises:
        RamsInputError: missing file, checksum mismatch (against the ``.sha256`` sidecar or
            the model card), or not a rams detector.
    """
    if precision not in INFERENCE_PRECISIONS:
        raise ValueError(f"precision must be one of {INFERENCE_PRECISIONS}, not {precision!r}")
    path = resolve_model_path(model, sensor)
    digest = verify_checksum(path)
    verify_model_card(path, digest)
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        if blob["meta"].get("format") != FORMAT:
            raise KeyError("format")
        meta = DetectorMetadata.from_dict(blob["meta"])
        net = CenterNet(meta.config)
        net.load_state_dict(blob["state_dict"])
    except (KeyError, TypeError, RuntimeError, ValueError, EOFError, pickle.UnpicklingError) as exc:
        # weights_only=True refuses arbitrary pickles with UnpicklingError: a user error too
        raise RamsInputError(path, f"not a rams detector weights file ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})") from None
    calibration, note = None, None
    if precision in ("auto", "int8"):
        calibration, note = _int8_calibration(path, digest)
    return Detector(net, meta, precision, calibration=calibration, calibration_note=note, weights_sha256=digest,
                    int8_engine=int8_engine)


def _int8_calibration(path: Path, digest: str) -> tuple[Int8Calibration | None, str | None]:
    """The weights' int8 calibration file, or None and why it is unusable."""
    cal_path = calibration_path(path)
    if not cal_path.is_file():
        return None, f"no int8 calibration file {cal_path.name}"
    try:
        calibration = Int8Calibration.load(cal_path)
    except ValueError as exc:
        return None, str(exc)
    if calibration.weights_sha256 != digest:
        return None, f"{cal_path.name} was made for other weights (sha256 {calibration.weights_sha256[:12]}...)"
    return calibration, None
