"""Training runs: fit a model from labelled data, score it on held-out data, write its card.

A training run sits above both the stage whose model it fits and the evaluation that
scores it, so neither of those imports the other:

- :mod:`~rams.training.run`: the CNN detector from a YOLO tile set, a folder of flights
  with truth, or a recipe of several sources at one working GSD
  (:func:`~rams.training.run.train_from_folder`, :func:`~rams.training.run.train_from_sources`,
  :func:`~rams.training.run.train_from_recipe`). The training loop itself is
  :func:`rams.detection.train.train_detector`; the tile benchmark that scores withheld sets
  is :func:`rams.evaluation.tiles.evaluate_tiles`.
- :mod:`~rams.training.combiner`: the point combiner of the candidate stage
  (:mod:`rams.candidates.combiner`) from ``rams process`` runs on flights with truth, each
  point labelled by the flight benchmark's matching
  (:func:`rams.evaluation.flight.match_points`); driven by ``benchmarks/fit_combiner.py``.
"""
