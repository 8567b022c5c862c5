"""``rams synth``: generate a synthetic flight folder (thin layer over :mod:`rams.synth`)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import typer

from rams.cli.options import QUIET_HELP, stderr
from rams.errors import RamsInputError

# Spelled out rather than imported: importing rams.synth loads the scene generator and its
# scipy stack (0.6 s), which every other command would pay at start-up; tests/cli checks
# these match rams.synth.families.
#: Scene families of the generator (:data:`rams.synth.families.FAMILIES`).
FAMILIES = ("steppe", "sand-litter", "rocky-scrub", "ploughed", "meadow", "stubble", "orchard", "riverbank", "burnt", "sunflower",
            "gravel-plain", "savanna", "rubble", "winter-wheat", "front-line", "karst", "paddy", "pine-edge", "vineyard", "maize-stubble",
            "rail-embankment", "marsh-edge", "potato-harvest", "hill-pasture", "walnut-grove", "date-palm",
            "olive-grove", "cotton-field", "cassava-plot", "village-edge", "basalt-plateau", "salt-flat", "peat-moor",
            "lichen-tundra", "snowmelt-field", "coffee-slope", "qat-terrace", "forest-belt", "wadi",
            "palmyra-sand")
#: :data:`rams.synth.families.DEFAULT_FAMILY`.
DEFAULT_FAMILY = "steppe"
#: :data:`rams.synth.families.HELD_OUT_FAMILIES`.
HELD_OUT_FAMILIES = ("ploughed", "stubble", "orchard", "riverbank", "burnt", "sunflower", "gravel-plain", "savanna", "rubble",
                     "winter-wheat", "front-line", "karst", "paddy", "pine-edge", "vineyard", "maize-stubble",
                     "rail-embankment", "marsh-edge", "potato-harvest", "hill-pasture", "walnut-grove", "date-palm",
                     "olive-grove", "cotton-field", "cassava-plot", "village-edge", "basalt-plateau", "salt-flat", "peat-moor",
                     "lichen-tundra", "snowmelt-field", "coffee-slope", "qat-terrace", "forest-belt", "wadi",
            "palmyra-sand")


def _check_projected(epsg: int) -> None:
    """The scene is laid out in metres from a UTM-like origin: a projected CRS in metres."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:  # pyproj, not GDAL: GDAL prints its own error line before ours
        crs = CRS.from_epsg(epsg)
    except CRSError:
        raise RamsInputError(None, f"--crs-epsg: EPSG:{epsg} is not a known CRS") from None
    units = {a.unit_name.lower() for a in crs.axis_info}
    if not crs.is_projected or not units <= {"metre", "meter"}:
        raise RamsInputError(None, f"--crs-epsg: EPSG:{epsg} is not a projected CRS in metres "
                                   "(give a UTM zone, e.g. 32638)")


def register(app: typer.Typer) -> None:
    """Register the ``synth`` command on ``app``."""

    @app.command("synth")
    def synth(
        out_arg: Path | None = typer.Argument(
            None, metavar="OUT_DIR", help="Flight folder to write (same as -o; kept for older scripts).",
            show_default=False,
        ),
        out: Path | None = typer.Option(None, "--out", "-o", help="Flight folder to write (created if missing)."),
        size_m: float = typer.Option(200.0, "--size-m", help="Side of the surveyed square, metres."),
        seed: int = typer.Option(0, "--seed", help="Random seed (same seed and size: identical files)."),
        crs_epsg: int = typer.Option(32638, "--crs-epsg", help="UTM CRS of the scene."),
        easting_m: float = typer.Option(600000.0, "--easting-m", help="Easting of the south-west corner."),
        northing_m: float = typer.Option(4400000.0, "--northing-m", help="Northing of the south-west corner."),
        # free strings checked below (as RamsInputError, which tests/synth expect), choices in the help
        crs_wgs84_sensor: str | None = typer.Option(
            None, "--crs-wgs84-sensor", help="Write this sensor (ms, thermal or rgb) in EPSG:4326 instead of UTM."
        ),
        striped: bool = typer.Option(False, "--striped", help="Write striped (untiled) GeoTIFFs."),
        misregister: bool = typer.Option(
            True, "--misregister/--no-misregister", help="Shift ms and thermal by 1-1.5 of their pixels."
        ),
        family: str = typer.Option(
            DEFAULT_FAMILY, "--family",
            help=f"Scene family (ground and clutter): {', '.join(FAMILIES)}. "
                 f"{', '.join(HELD_OUT_FAMILIES)} are held out: benchmark only, never train or tune on them.",
        ),
        rgb_gsd_m: float = typer.Option(0.005, "--rgb-gsd-m", help="RGB ground sample distance, metres."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help=QUIET_HELP),
    ) -> None:
        """Generate ms.tif, thermal.tif, rgb.tif, flight.yaml and truth.geojson in OUT_DIR."""
        from rams.synth import generate_flight
        from rams.synth.flight import SENSOR_ALIASES

        if out is not None and out_arg is not None and out != out_arg:
            raise RamsInputError(None, f"two output folders given ({out_arg} and -o {out}); give one")
        out_dir = out if out is not None else out_arg
        if out_dir is None:
            raise RamsInputError(None, "no output folder: give -o/--out OUT_DIR")
        if crs_wgs84_sensor is not None and crs_wgs84_sensor not in SENSOR_ALIASES:
            raise RamsInputError(None, f"--crs-wgs84-sensor: unknown sensor {crs_wgs84_sensor!r} "
                                 f"(expected one of {', '.join(sorted(SENSOR_ALIASES))})")
        if family not in FAMILIES:
            raise RamsInputError(None, f"--family: unknown scene family {family!r} "
                                 f"(expected one of {', '.join(FAMILIES)})")
        if not size_m > 0:
            raise RamsInputError(None, f"--size-m must be positive, got {size_m}")
        if not rgb_gsd_m > 0:
            raise RamsInputError(None, f"--rgb-gsd-m must be positive, got {rgb_gsd_m}")
        _check_projected(crs_epsg)
        t0 = time.perf_counter()
        busy = (contextlib.nullcontext() if quiet else
                stderr.status(f"generating a {size_m:g} m synthetic flight (seed {seed}) in {out_dir}"))
        with busy:
            flight = generate_flight(
                out_dir, size_m, seed, crs_epsg=crs_epsg, origin_m=(easting_m, northing_m),
                wgs84_sensor=crs_wgs84_sensor, misregister=misregister, striped=striped,
                gsd_m={"rgb": rgb_gsd_m}, family=family,
            )
        typer.echo(
            f"{flight.flight_id}: {flight.n_minefields} minefields, {flight.n_mines} mines, "
            f"{flight.n_distractors} distractors, {size_m:g} m x {size_m:g} m -> {flight.out_dir} "
            f"({time.perf_counter() - t0:.1f} s)"
        )
