"""What a detector's weights file says about the network: :class:`DetectorMetadata`.

A weights file stores its metadata as a dict of plain types (``torch.load(...,
weights_only=True)`` reads nothing else; see :mod:`rams.detection.detector` for the
keys). :class:`DetectorMetadata` is its typed form: :meth:`DetectorMetadata.from_dict`
reads any weights rams has written, and :meth:`DetectorMetadata.to_dict` gives back the
same dict, keys in the same order, keys it does not know included (``extra``), so that
reading and writing again never changes a file's metadata.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from rams.detection.model import ModelConfig


@dataclass(frozen=True)
class DetectorMetadata:
    """The metadata of a detector's weights.

    Attributes:
        class_names: one name per heatmap channel (e.g. ``["PFM-1", "PMN-2", "TM-62"]``).
        config: the network's architecture.
        normalisation: ``{"mode": "fixed", "mean": [...], "std": [...]}`` (per band, in the
            units of the input) or ``{"mode": "per_image"}``
            (:func:`rams.detection.detector.normalise_images`).
        channels: "rgb", "thermal" or a fused stack name.
        in_channels: input bands (as ``config.in_channels``).
        img_size: training input size, pixels (tile sets are resized to it); None: unrecorded.
        input_gsd_m: ground sample distance the model works at, metres (None: none).
        threshold: operating confidence threshold (None: not selected).
        max_input_gsd_m: coarsest input GSD it accepts, metres (None: no limit recorded).
        sources: the training sources (path, kind, GSD, counts, licence), for the model card.
        training: training facts (epochs, seconds, ``config``, ``precision_choice``, ...).
        metrics: validation metrics at selection (``{"valid": {...}}``).
        name: the model's name (the weights' file stem).
        tta: whether inference averages the centre heatmap over flips (None: unrecorded,
            i.e. no).
        inference_selection: how the inference settings were chosen (model card text).
        format: the weights format tag (``rams-centernet-1``).
        pretrained: where the trunk's starting weights came from (``weights``, ``sha256``,
            ``dataset``), for the model card; None: trained from random weights.
        extra: keys this class does not know, kept as they are.
    """

    class_names: list[str]
    config: ModelConfig
    normalisation: dict[str, Any]
    channels: str | None = None
    in_channels: int | None = None
    img_size: int | None = None
    input_gsd_m: float | None = None
    threshold: float | None = None
    max_input_gsd_m: float | None = None
    sources: list[dict[str, Any]] | None = None
    training: dict[str, Any] | None = None
    metrics: dict[str, Any] | None = None
    name: str | None = None
    tta: bool | None = None
    inference_selection: str | None = None
    format: str | None = None
    pretrained: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # keys of the dict this was read from, in its order (absent keys stay absent, keys
    # stored as None stay None)
    key_order: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def from_dict(cls, meta: Mapping[str, Any]) -> DetectorMetadata:
        """Read the metadata dict of a weights file.

        Raises:
            KeyError: ``class_names``, ``config`` or ``normalisation`` is missing.
            TypeError, ValueError: ``config`` is not a network architecture.
        """
        meta = copy.deepcopy(dict(meta))
        known = {k: meta[k] for k in _OPTIONAL if k in meta}
        return cls(
            class_names=[str(n) for n in meta["class_names"]],
            config=ModelConfig.from_dict(meta["config"]),
            normalisation=meta["normalisation"],
            extra={k: v for k, v in meta.items() if k not in _KNOWN},
            key_order=tuple(meta),
            **known,
        )

    def to_dict(self) -> dict[str, Any]:
        """The plain-types dict stored in the weights file (inverse of :meth:`from_dict`).

        The keys read, in their order, then fields set since (not None) and extras.
        """
        values: dict[str, Any] = {f: getattr(self, f) for f in _KNOWN}
        values["config"] = self.config.to_dict()
        values.update(self.extra)
        keys = [k for k in self.key_order if k in values]
        keys += [k for k in values if k not in keys and (values[k] is not None or k in _REQUIRED)]
        return copy.deepcopy({k: values[k] for k in keys})


_REQUIRED = ("class_names", "config", "normalisation")
_KNOWN = tuple(f.name for f in fields(DetectorMetadata) if f.name not in ("extra", "key_order"))
_OPTIONAL = tuple(k for k in _KNOWN if k not in _REQUIRED)
