"""Evaluation against ground truth: flights (points and SHAs) and labelled tiles.

- :mod:`~rams.evaluation.flight`: a run's outputs scored against a truth file.
- :mod:`~rams.evaluation.tiles`: the detector on labelled tile sets (the tile benchmark).
- :mod:`~rams.evaluation.roc`: pixel-level ROC AUC of a detector's scores.
- :mod:`~rams.evaluation.conditions`: how a tile set's file names group images, with the
  thermal set's convention in :mod:`~rams.evaluation.thermal_conditions`.
"""
