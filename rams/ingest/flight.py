"""A flight: its manifest and its validated rasters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from rams.core.sensors import SENSORS
from rams.ingest.manifest import FlightManifest, load_manifest
from rams.ingest.rasters import SensorRaster, open_sensor_raster


@dataclass
class Flight:
    """A survey flight ready for gridding.

    Attributes:
        flight_id: the manifest's id (default: folder name).
        date: survey date, if given.
        folder: the flight folder.
        rasters: validated rasters by sensor kind ("multispectral", "thermal", "rgb").
    """

    flight_id: str
    date: dt.date | None
    folder: Path
    rasters: dict[str, SensorRaster]

    @property
    def sensors(self) -> list[str]:
        """Sensor kinds present, in a fixed order."""
        return [s for s in SENSORS if s in self.rasters]


def load_flight(flight_dir: str | Path, *, checksum: bool = True, allow_partial: bool = False) -> Flight:
    """Read the manifest of ``flight_dir`` and validate every raster it names.

    Args:
        flight_dir: the flight folder.
        checksum: compute each raster's SHA-256.
        allow_partial: accept truncated or damaged rasters (see :func:`open_sensor_raster`).

    Raises:
        ManifestError: bad or missing manifest.
        RasterError: a raster is missing, unreadable or inconsistent with the manifest.
    """
    manifest: FlightManifest
    manifest, folder = load_manifest(flight_dir)
    rasters: dict[str, SensorRaster] = {
        str(entry.sensor): open_sensor_raster(entry, folder, checksum=checksum, allow_partial=allow_partial) for entry in manifest.rasters
    }
    assert manifest.flight_id is not None
    return Flight(flight_id=manifest.flight_id, date=manifest.date, folder=folder, rasters=rasters)
