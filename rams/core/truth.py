"""The truth file of a flight folder: where the mines (and the look-alikes) really are.

``truth.geojson`` is an RFC 7946 FeatureCollection in WGS84 lon/lat, written by
``rams synth`` next to its rasters (``ms.tif``, ``thermal.tif``, ``rgb.tif``) and read by
the flight benchmark, the detector's training tiles and the survey scenarios. Features:

- Points with ``properties.kind`` :data:`KIND_MINE` or :data:`KIND_DISTRACTOR`,
  ``class`` (a device class of :mod:`rams.core.devices`, or a distractor class), ``id``
  and ``minefield_id`` (None for a scattered object); mines also carry
  ``device_category`` and ``buried``.
- Polygons with ``kind`` :data:`KIND_MINEFIELD`, ``id``, ``layout``,
  ``device_category`` and ``mine_count``.

A foreign truth file (mine positions from another tool) may carry no ``kind`` at all: the
flight benchmark then takes every point for a mine.
"""

from __future__ import annotations

#: File name of the truth inside a flight folder; a generator writes it last, so a folder
#: holding it is complete.
TRUTH_FILE_NAME = "truth.geojson"

KIND_MINE = "mine"
KIND_DISTRACTOR = "distractor"
KIND_MINEFIELD = "minefield"

#: Raster file of each sensor inside a synthetic flight folder.
FLIGHT_RASTER_FILES: dict[str, str] = {"ms": "ms.tif", "thermal": "thermal.tif", "rgb": "rgb.tif"}
