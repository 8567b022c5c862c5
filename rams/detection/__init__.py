"""CNN surface-mine detector: model, training, weights, sliced inference over flights.

Modules, in data-flow order:

- :mod:`~rams.detection.yolo`: YOLO-format tile sets (Roboflow/Ultralytics layout);
- :mod:`~rams.detection.flight_tiles`: training tiles cut from flights with truth;
- :mod:`~rams.detection.model`: the CenterNet-style network;
- :mod:`~rams.detection.centernet`: targets, loss and decoding;
- :mod:`~rams.detection.box_metrics`: COCO matching, AP and the best-F1 threshold;
- :mod:`~rams.detection.tile_metrics`: box and tile-benchmark metrics as typed results;
- :mod:`~rams.detection.train_config`: training settings and their defaults (light: no torch);
- :mod:`~rams.detection.augment`: training-time augmentation and mosaics;
- :mod:`~rams.detection.train`: the training loop (whole training runs, with their
  evaluation and model card, are :mod:`rams.training`);
- :mod:`~rams.detection.detector`: weights files, checksums, normalisation, inference;
- :mod:`~rams.detection.card`: model cards;
- :mod:`~rams.detection.sliced`: tiled inference over an orthomosaic, cascade windows.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rams.detection.detector import Detector, load_detector
    from rams.detection.sliced import cascade_windows, detect_sliced

# Loaded on first use, so that importing a light module of this package (train_config, for
# the CLI's help texts) does not import torch.
_LAZY = {"Detector": "detector", "load_detector": "detector", "cascade_windows": "sliced",
         "detect_sliced": "sliced"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"rams.detection.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'rams.detection' has no attribute {name!r}")


__all__ = ["Detector", "cascade_windows", "detect_sliced", "load_detector"]
