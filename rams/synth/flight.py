"""Generating a whole synthetic flight folder: :func:`generate_flight`.

A flight folder holds ``ms.tif``, ``thermal.tif``, ``rgb.tif``, ``flight.yaml``,
``truth.geojson`` and ``synth.json`` (generator metadata: grids, misregistration shifts,
scene parameters, scene family). The same ``(size_m, seed, family)`` and options give
byte-identical files. Every file is written atomically and ``truth.geojson`` last, so a
folder that holds it is complete.

RGB is written at 0.5 cm by default (the mine CNN's working GSD: a PFM-1 is 24 px long),
multispectral at 5 cm and thermal at 10 cm.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from rasterio.crs import CRS

from rams import __version__
from rams.core.truth import FLIGHT_RASTER_FILES, TRUTH_FILE_NAME
from rams.synth.families import DEFAULT_FAMILY, family_spec
from rams.synth.grids import SensorGrid, make_grid
from rams.synth.layout import check_layout
from rams.synth.render import NODATA, render_ms, render_rgb, render_thermal
from rams.synth.scene import Scene, build_scene
from rams.synth.writer import truth_geojson, write_json, write_manifest, write_raster

#: Sensor keys, their nominal GSD (metres) and file names.
SENSORS = ("ms", "thermal", "rgb")
DEFAULT_GSD_M = {"ms": 0.05, "thermal": 0.10, "rgb": 0.005}
FILE_NAMES = FLIGHT_RASTER_FILES
#: Accepted spellings of the sensor names (``--crs-wgs84-sensor``).
SENSOR_ALIASES = {"ms": "ms", "multispectral": "ms", "thermal": "thermal", "rgb": "rgb"}


@dataclass
class SynthFlight:
    """What :func:`generate_flight` wrote.

    Attributes:
        out_dir: the flight folder.
        ms_path: multispectral GeoTIFF.
        thermal_path: thermal GeoTIFF.
        rgb_path: RGB(A) GeoTIFF.
        manifest_path: ``flight.yaml``.
        truth_path: ``truth.geojson``.
        meta_path: ``synth.json``.
        flight_id: the manifest's flight id (``synth-s{seed}`` on the steppe,
            ``synth-{family}-s{seed}`` otherwise).
        family: the scene family.
        n_minefields: minefield polygons in the truth.
        n_mines: mine points in the truth.
        n_distractors: distractor points in the truth.
        shifts_m: per sensor, the (dx, dy) misregistration in metres: the sensor shows an
            object at its true position plus this shift.
        grids: per sensor, its grid (CRS, transform, size, footprint).
    """

    out_dir: Path
    ms_path: Path
    thermal_path: Path
    rgb_path: Path
    manifest_path: Path
    truth_path: Path
    meta_path: Path
    flight_id: str
    family: str
    n_minefields: int
    n_mines: int
    n_distractors: int
    shifts_m: dict[str, tuple[float, float]] = field(default_factory=dict)
    grids: dict[str, SensorGrid] = field(default_factory=dict, repr=False)


def make_grids(
    size_m: float,
    seed: int,
    *,
    crs_epsg: int = 32638,
    origin_m: tuple[float, float] = (600000.0, 4400000.0),
    gsd_m: dict[str, float] | None = None,
    wgs84_sensor: str | None = None,
    misregister: bool = True,
) -> dict[str, SensorGrid]:
    """Draw the three sensor grids of a flight (see :func:`generate_flight`)."""
    gsd = {**DEFAULT_GSD_M, **(gsd_m or {})}
    geo = SENSOR_ALIASES[wgs84_sensor] if wgs84_sensor else None
    rng = np.random.default_rng([seed, 0x96D5, round(size_m * 1000)])
    utm = CRS.from_epsg(crs_epsg)
    grids = {}
    for name in SENSORS:
        shift_px = float(rng.uniform(1.0, 1.5)) if name != "rgb" else 0.0
        grids[name] = make_grid(
            name, gsd[name], size_m, rng, utm_crs=utm, origin_m=origin_m,
            geographic=(name == geo), shift_px=shift_px if misregister else 0.0, seed=seed,
        )
    return grids


def _metadata(scene: Scene, grids: dict[str, SensorGrid], crs_epsg: int, origin_m: tuple[float, float]) -> dict[str, Any]:
    sensors = {}
    for name, g in grids.items():
        fp = g.footprint
        sensors[name] = {
            "file": FILE_NAMES[name],
            "crs": g.crs.to_string(),
            "gsd_m": g.gsd_m,
            "transform": list(g.transform)[:6],
            "width": g.width,
            "height": g.height,
            "shift_m": list(g.shift_m),
            "footprint": {"cx_m": fp.cx_m, "cy_m": fp.cy_m, "half_w_m": fp.half_w_m,
                          "half_h_m": fp.half_h_m, "angle_deg": math.degrees(fp.angle_rad), "jag_m": fp.jag_m},
        }
    return {
        "generator": f"rams.synth {__version__}",
        "seed": scene.seed,
        "size_m": scene.size_m,
        "family": scene.family,
        "ground_jitter": scene.ground_jitter,
        "clutter_jitter": scene.clutter_jitter,
        "oddments": scene.oddments,
        "layout": scene.layout,
        "crs": f"EPSG:{crs_epsg}",
        "origin_m": list(origin_m),
        "area_bounds_utm": [origin_m[0], origin_m[1], origin_m[0] + scene.size_m, origin_m[1] + scene.size_m],
        "shift_convention": "content of a sensor appears at true position + shift_m (dx east, dy north)",
        "sensors": sensors,
        "scene": {
            "time_of_day": "morning" if scene.morning else "evening",
            "mine_thermal_contrast": "warmer" if scene.morning else "cooler",
            "base_deg_c": scene.base_deg_c,
            "veg_bias": scene.veg_bias,
            "sun_azimuth_deg": math.degrees(scene.sun_azimuth_rad),
            "n_minefields": len(scene.minefields),
            "n_mines": len(scene.mines),
            "n_distractors": len(scene.distractors),
            "distractor_counts": dict(sorted(Counter(o.cls for o in scene.distractors).items())),
            "furrows": None if scene.furrows is None else {
                "pitch_m": scene.furrows.pitch_m,
                "across_deg": math.degrees(scene.furrows.across_rad),
                "phase_rad": scene.furrows.phase_rad,
            },
        },
    }


def generate_flight(
    out_dir: str | Path,
    size_m: float = 200.0,
    seed: int = 0,
    *,
    crs_epsg: int = 32638,
    origin_m: tuple[float, float] = (600000.0, 4400000.0),
    gsd_m: dict[str, float] | None = None,
    wgs84_sensor: str | None = None,
    misregister: bool = True,
    striped: bool = False,
    date: str = "2026-08-14",
    block_px: int = 1024,
    family: str = DEFAULT_FAMILY,
    ground_jitter: bool = False,
    clutter_jitter: bool = False,
    layout: str | None = None,
    oddments: bool | str = False,
) -> SynthFlight:
    """Generate a synthetic flight folder.

    The surveyed square is ``[E0, E0 + size_m] x [N0, N0 + size_m]`` in ``EPSG:crs_epsg``
    with ``(E0, N0) = origin_m``. Memory is bounded by one render window whatever
    ``size_m``.

    Args:
        out_dir: folder to write (created if missing; existing files are replaced).
        size_m: side of the surveyed square (metres).
        seed: random seed; the same seed, size and options give byte-identical files.
        crs_epsg: the projected (UTM) CRS of the scene.
        origin_m: easting and northing of the square's south-west corner.
        gsd_m: GSD overrides per sensor key (``ms``, ``thermal``, ``rgb``), metres.
        wgs84_sensor: write this sensor (``ms``/``multispectral``, ``thermal`` or ``rgb``)
            in EPSG:4326 instead of UTM.
        misregister: displace the ms and thermal content by 1 to 1.5 of their pixels.
        striped: write striped (untiled) GeoTIFFs instead of 512 x 512 tiles.
        date: survey date written to the manifest (ISO).
        block_px: render window size in pixels.
        family: scene family (:data:`rams.synth.families.FAMILIES`): the ground and the
            clutter; the mines are the same in every family for one seed and size.
        ground_jitter: redraw the family's ground colours and texture for this flight
            (:func:`rams.synth.families.jittered_family`; training data).
        clutter_jitter: camouflage the family's clutter in the soil colour for this flight
            (:func:`rams.synth.families.clutter_jittered_family`; training data).
        layout: lay every minefield out this way (:data:`rams.synth.layout.LAYOUTS`;
            training data, e.g. ``"scatter"``: PFM-1 scatter fields only).
        oddments: add mine-sized oddments to the clutter (``True`` or ``"any"``: of any
            colour and spectrum; ``"metal"``: small steel chips and plates;
            :func:`rams.synth.families.with_oddments`; training data).

    Returns:
        The paths and counts written.

    Raises:
        ValueError: for a non-positive size, an unknown sensor name, a bad block size or an
            unknown minefield layout.
        RamsInputError: for an unknown family (the message lists the families).
    """
    family_spec(family)
    if not size_m > 0:
        raise ValueError(f"size_m must be positive, got {size_m}")
    if wgs84_sensor is not None and wgs84_sensor not in SENSOR_ALIASES:
        raise ValueError(f"unknown sensor {wgs84_sensor!r}; expected one of {sorted(SENSOR_ALIASES)}")
    if block_px < 16:
        raise ValueError(f"block_px must be at least 16, got {block_px}")
    check_layout(layout)  # before the folder is made
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    scene = build_scene(size_m, seed, family, ground_jitter=ground_jitter, clutter_jitter=clutter_jitter,
                        layout=layout, oddments=oddments)
    grids = make_grids(size_m, seed, crs_epsg=crs_epsg, origin_m=origin_m, gsd_m=gsd_m,
                       wgs84_sensor=wgs84_sensor, misregister=misregister)
    paths = {name: out / FILE_NAMES[name] for name in SENSORS}
    write_raster(paths["ms"], grids["ms"], partial(render_ms, scene, grids["ms"]), count=5,
                 dtype="uint16", nodata=NODATA["ms"], striped=striped, block_px=block_px)
    write_raster(paths["thermal"], grids["thermal"], partial(render_thermal, scene, grids["thermal"]),
                 count=1, dtype="float32", nodata=NODATA["thermal"], striped=striped, block_px=block_px)
    write_raster(paths["rgb"], grids["rgb"], partial(render_rgb, scene, grids["rgb"]), count=4,
                 dtype="uint8", nodata=None, striped=striped, block_px=block_px, rgba=True)
    flight_id = f"synth-s{seed}" if family == DEFAULT_FAMILY else f"synth-{family}-s{seed}"
    crs = CRS.from_epsg(crs_epsg)
    write_json(out / "synth.json", _metadata(scene, grids, crs_epsg, origin_m))
    write_manifest(out / "flight.yaml", flight_id, date)
    # Last: callers that cache generated flights take a folder with truth.geojson as complete.
    write_json(out / TRUTH_FILE_NAME, truth_geojson(scene, crs, origin_m))
    return SynthFlight(
        out_dir=out,
        ms_path=paths["ms"],
        thermal_path=paths["thermal"],
        rgb_path=paths["rgb"],
        manifest_path=out / "flight.yaml",
        truth_path=out / TRUTH_FILE_NAME,
        meta_path=out / "synth.json",
        flight_id=flight_id,
        family=family,
        n_minefields=len(scene.minefields),
        n_mines=len(scene.mines),
        n_distractors=len(scene.distractors),
        shifts_m={name: g.shift_m for name, g in grids.items()},
        grids=grids,
    )
