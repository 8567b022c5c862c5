"""Core: the types and tables every stage shares, below every stage that uses them.

- :mod:`~rams.core.devices`: device classes (IMSMA category, physical size) and class-name
  matching;
- :mod:`~rams.core.points`: :class:`~rams.core.points.MinePoint`, a candidate point as the
  detectors produce it;
- :mod:`~rams.core.gsd`: ground sample distance of a raster's affine transform;
- :mod:`~rams.core.sensors`: the three sensor kinds and their stacking order;
- :mod:`~rams.core.truth`: the truth file of a synthetic (or surveyed) flight folder.
- :mod:`~rams.core.flight_metrics`: a run scored against ground truth (typed results read by
  the CLI, the report and the benchmarks).
- :mod:`~rams.core.dedup`: radius de-duplication (the strongest of nearby points kept), for
  detections, anomaly peaks and the points of several flights.

Nothing here imports another ``rams`` package but the top-level helpers (``rams.crs``,
``rams.errors``, ...), so any stage may import it. ``tests/test_imports.py`` checks that
packages import only downward.
"""
