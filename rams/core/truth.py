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

A foreign truth file (mine positions from another tool) may carry no ``kind`` at all:
every unmarked point is then a mine (:func:`truth_kind`). :func:`read_truth` parses a file
into :class:`Truth` for every reader.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rams.crs import on_the_globe
from rams.errors import RamsInputError

#: File name of the truth inside a flight folder; a generator writes it last, so a folder
#: holding it is complete.
TRUTH_FILE_NAME = "truth.geojson"

KIND_MINE = "mine"
KIND_DISTRACTOR = "distractor"
KIND_MINEFIELD = "minefield"

#: Raster file of each sensor inside a synthetic flight folder.
FLIGHT_RASTER_FILES: dict[str, str] = {"ms": "ms.tif", "thermal": "thermal.tif", "rgb": "rgb.tif"}


def truth_kind(properties: Mapping[str, Any]) -> str:
    """The kind of a truth feature: its ``kind``, or :data:`KIND_MINE` when it has none.

    A plain GeoJSON of mine positions from another tool carries no kind at all, so an
    unmarked point is a mine.
    """
    kind = properties.get("kind", KIND_MINE)
    return kind if isinstance(kind, str) else KIND_MINE


@dataclass(frozen=True)
class TruthObject:
    """A point of the truth file (WGS84).

    Attributes:
        lon: longitude, degrees.
        lat: latitude, degrees.
        kind: :data:`KIND_MINE` or :data:`KIND_DISTRACTOR` (see :func:`truth_kind`).
        class_name: device or distractor class (``mine`` when the file gives none).
        minefield_id: the minefield it lies in, or None (scattered).
    """

    lon: float
    lat: float
    kind: str
    class_name: str
    minefield_id: str | None


@dataclass(frozen=True)
class TruthMinefield:
    """A minefield polygon of the truth file.

    Attributes:
        id: minefield id (the ``minefield_id`` of its mines).
        layout: how it was laid (``scatter``, ``rows-ap``, ...), or None.
        geometry: its GeoJSON geometry, WGS84.
    """

    id: str
    layout: str | None
    geometry: dict[str, Any]


@dataclass(frozen=True)
class Truth:
    """The parsed truth file: its points and its minefields (WGS84)."""

    objects: tuple[TruthObject, ...]
    minefields: tuple[TruthMinefield, ...]

    @property
    def mines(self) -> tuple[TruthObject, ...]:
        """The points that are mines."""
        return tuple(o for o in self.objects if o.kind == KIND_MINE)

    @property
    def distractors(self) -> tuple[TruthObject, ...]:
        """The look-alikes (not mines)."""
        return tuple(o for o in self.objects if o.kind == KIND_DISTRACTOR)


def parse_truth(doc: Mapping[str, Any]) -> Truth:
    """A parsed truth FeatureCollection (see the module docstring).

    Points of any kind other than mine and distractor, and features that are neither points
    nor minefield polygons, are left out.

    Raises:
        ValueError: ``doc`` is not a FeatureCollection or a feature is malformed.
    """
    features = doc.get("features")
    if not isinstance(features, list):
        raise ValueError("not a GeoJSON FeatureCollection (no 'features' list)")
    objects: list[TruthObject] = []
    fields: list[TruthMinefield] = []
    for i, f in enumerate(features):
        geom = (f or {}).get("geometry") or {}
        props = (f or {}).get("properties") or {}
        kind = truth_kind(props)
        try:
            if geom.get("type") == "Point" and kind in (KIND_MINE, KIND_DISTRACTOR):
                lon, lat = (float(v) for v in geom["coordinates"][:2])
                if not on_the_globe([lon, lat]):
                    raise ValueError(f"({lon:g}, {lat:g}) is not a WGS84 longitude and latitude")
                field = props.get("minefield_id")
                objects.append(TruthObject(lon, lat, kind, str(props.get("class", "mine")),
                                           None if field is None else str(field)))
            elif kind == KIND_MINEFIELD and geom.get("type") in ("Polygon", "MultiPolygon"):
                layout = props.get("layout")
                fields.append(TruthMinefield(str(props.get("id", f"field-{i}")),
                                             None if layout is None else str(layout), dict(geom)))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"feature {i}: malformed {geom.get('type')} ({exc})") from None
    return Truth(tuple(objects), tuple(fields))


def read_truth(path: str | Path) -> Truth:
    """Read and parse a truth file.

    Raises:
        RamsInputError: the file is unreadable, not JSON, or not a truth FeatureCollection
            (the message names the file).
    """
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        return parse_truth(doc)
    except (OSError, ValueError, AttributeError) as exc:
        raise RamsInputError(path, f"not a readable truth GeoJSON FeatureCollection ({exc})") from None
