"""Writing the survey layers: ``survey.gpkg`` (projected CRS) and four RFC 7946 GeoJSON files.

Layers ``sha``, ``points``, ``records_assessed`` and ``footprints``. The GeoJSON follows the
flight exports of :mod:`rams.export.vector` (WGS84 lon/lat, exterior rings counter-clockwise,
holes clockwise, 7 decimals, one feature per line, keys sorted, no ``crs`` member); the
GeoPackage keeps the working CRS and stores lists as comma-separated text. Every file is
written to a temporary name and renamed into place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from rams.atomic import atomic_path, write_text_atomic
from rams.crs import to_wgs84
from rams.export.vector import (
    COORD_DECIMALS,
    collection_text,
    feature_text,
    gpkg_crs_text,
    polygon_lonlat_coords,
    write_gpkg_layer,
)

LAYERS = ("sha", "points", "records_assessed", "footprints")
#: Leading fields of each GeoPackage layer (the rest follow in first-seen order).
BASE_FIELDS: dict[str, tuple[str, ...]] = {
    "sha": ("id", "class", "status", "priority", "confidence", "area_m2", "flight_ids", "record_ids"),
    "points": ("id", "class", "device_category", "confidence", "probability", "flight_ids", "record_ids"),
    "records_assessed": ("record_id", "verdict", "offset_east_m", "offset_north_m", "rotation_deg",
                         "imaged_fraction", "n_points_inside", "fit_rms_m"),
    "footprints": ("flight_id", "date", "area_m2"),
}


@dataclass
class Layer:
    """Features of one output layer in the working CRS."""

    name: str
    geometries: list[BaseGeometry] = field(default_factory=list)
    properties: list[dict[str, Any]] = field(default_factory=list)


def polygon_parts(geom: BaseGeometry) -> list[Polygon]:
    """The polygons of a (multi)polygon or collection; lines and points dropped."""
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    if isinstance(geom, MultiPolygon):
        return [g for g in geom.geoms if not g.is_empty]
    return [g for part in getattr(geom, "geoms", []) for g in polygon_parts(part)]


def geometry_lonlat(geom: BaseGeometry, crs: Any) -> dict[str, Any]:
    """A GeoJSON geometry (WGS84 lon/lat, RFC 7946 winding) for a point or (multi)polygon."""
    if isinstance(geom, Point):
        lon, lat = to_wgs84(crs).transform(geom.x, geom.y)
        return {"type": "Point", "coordinates": [round(float(lon), COORD_DECIMALS), round(float(lat), COORD_DECIMALS)]}
    polys = polygon_parts(geom)
    if len(polys) == 1:
        return {"type": "Polygon", "coordinates": polygon_lonlat_coords(polys[0], crs)}
    return {"type": "MultiPolygon", "coordinates": [polygon_lonlat_coords(p, crs) for p in polys]}


def layer_geojson_text(layer: Layer, crs: Any) -> str:
    """The RFC 7946 FeatureCollection text of one layer."""
    feats = [
        feature_text(geometry_lonlat(g, crs), p)
        for g, p in zip(layer.geometries, layer.properties, strict=True)
        if not g.is_empty
    ]
    return collection_text(feats)


def _gpkg_geometries(layer: Layer) -> tuple[list[BaseGeometry], str]:
    """Geometries oriented CCW and one declared type (Polygon unless a multipolygon occurs)."""
    if layer.name == "points":
        return list(layer.geometries), "Point"
    parts = [[orient(p, sign=1.0) for p in polygon_parts(g)] for g in layer.geometries]
    if all(len(p) == 1 for p in parts):
        return [p[0] for p in parts], "Polygon"
    return [MultiPolygon(p) for p in parts], "MultiPolygon"


def write_survey_outputs(out_dir: Path, layers: list[Layer], crs: Any) -> dict[str, Path]:
    """Write ``survey.gpkg`` and ``<layer>.geojson`` for each layer into ``out_dir``.

    Args:
        out_dir: output folder (created).
        layers: the four layers, each in the working CRS.
        crs: the working (projected) CRS.

    Returns:
        File name -> path of every file written.
    """
    # every GeoJSON text made before any file is written: a layer that cannot be written
    # leaves none of the others half-updated beside the old ones
    texts = {f"{layer.name}.geojson": layer_geojson_text(layer, crs) for layer in layers}
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, text in texts.items():
        write_text_atomic(out_dir / name, text)
        written[name] = out_dir / name
    crs_text = gpkg_crs_text(crs)
    gpkg = out_dir / "survey.gpkg"
    with atomic_path(gpkg, suffix=".part.gpkg") as tmp:
        for k, layer in enumerate(layers):
            keep = [i for i, g in enumerate(layer.geometries) if not g.is_empty]
            sub = Layer(layer.name, [layer.geometries[i] for i in keep], [layer.properties[i] for i in keep])
            geoms, geometry_type = _gpkg_geometries(sub)
            write_gpkg_layer(tmp, layer.name, [shapely.force_2d(g) for g in geoms], sub.properties,
                         BASE_FIELDS[layer.name], geometry_type, crs_text, append=k > 0)
    written[gpkg.name] = gpkg
    return written
