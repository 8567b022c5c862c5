"""CNN surface-mine detector: model, training, weights, sliced inference over flights.

Modules, in data-flow order:

- :mod:`~rams.detection.yolo`: YOLO-format tile sets (Roboflow/Ultralytics layout);
- :mod:`~rams.detection.flight_tiles`: training tiles cut from flights with truth;
- :mod:`~rams.detection.model`: the CenterNet-style network;
- :mod:`~rams.detection.centernet`: targets, loss and decoding;
- :mod:`~rams.detection.box_metrics`: COCO matching, AP and the best-F1 threshold;
- :mod:`~rams.detection.train`: the training loop (whole training runs, with their
  evaluation and model card, are :mod:`rams.training`);
- :mod:`~rams.detection.detector`: weights files, checksums, normalisation, inference;
- :mod:`~rams.detection.card`: model cards;
- :mod:`~rams.detection.sliced`: tiled inference over an orthomosaic, cascade windows.
"""

from rams.detection.detector import Detector, load_detector
from rams.detection.sliced import cascade_windows, detect_sliced

__all__ = ["Detector", "cascade_windows", "detect_sliced", "load_detector"]
