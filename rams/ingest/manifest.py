"""The flight manifest, ``flight.yaml``: which rasters make up a flight and how to read them.

Example::

    flight_id: demo-001            # optional; default: the folder's name
    date: 2026-08-14               # optional, ISO date
    rasters:
      - path: ms.tif               # relative to the flight folder
        sensor: multispectral      # multispectral | thermal | rgb
        profile: micasense-rededge-mx
        bands: [blue, green, red, rededge, nir]
        scale: 0.0001
      - path: thermal.tif
        sensor: thermal
        units: celsius             # celsius | kelvin | centikelvin
      - path: rgb.tif
        sensor: rgb
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rams.core.sensors import SensorKind
from rams.errors import ManifestError, RamsInputError
from rams.ingest.profiles import get_profile
from rams.yamlio import read_yaml

MANIFEST_NAME = "flight.yaml"

ThermalUnits = Literal["celsius", "kelvin", "centikelvin"]

#: Default band names when neither the manifest nor a profile gives them.
DEFAULT_BANDS: dict[str, list[str]] = {"thermal": ["lwir"], "rgb": ["red", "green", "blue"]}


class RasterEntry(BaseModel):
    """One orthomosaic of the flight, as written in the manifest."""

    model_config = ConfigDict(extra="forbid")

    path: str
    sensor: SensorKind
    profile: str | None = None
    bands: list[str] | None = None
    scale: float | None = None
    offset: float | None = None
    units: ThermalUnits | None = None

    @field_validator("path")
    @classmethod
    def _path_not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("path is empty")
        return value

    @model_validator(mode="after")
    def _resolve_profile(self) -> RasterEntry:
        if self.profile is not None:
            profile = get_profile(self.profile)
            if profile is None:
                raise ValueError(f"unknown sensor profile '{self.profile}'")
            if profile.sensor != self.sensor:
                raise ValueError(
                    f"profile '{self.profile}' is for a {profile.sensor} sensor, not {self.sensor}"
                )
            if self.bands is None:
                self.bands = list(profile.bands)
            elif len(self.bands) != len(profile.bands):
                raise ValueError(
                    f"bands {self.bands} contradict profile '{self.profile}' "
                    f"({len(profile.bands)} bands: {profile.bands})"
                )
            if self.scale is None:
                self.scale = profile.scale
            if self.offset is None:
                self.offset = profile.offset
            if self.units is None and profile.units is not None:
                self.units = profile.units
        if self.bands is None:
            if self.sensor == "multispectral":
                raise ValueError("a multispectral raster needs 'bands' (or a 'profile' that gives them)")
            self.bands = list(DEFAULT_BANDS[self.sensor])
        if self.sensor == "thermal" and self.units is None:
            self.units = "celsius"
        if self.units is not None and self.sensor != "thermal":
            raise ValueError("'units' applies to thermal rasters only")
        return self


class FlightManifest(BaseModel):
    """A validated ``flight.yaml``."""

    model_config = ConfigDict(extra="forbid")

    flight_id: str | None = None
    date: dt.date | None = None
    rasters: list[RasterEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_raster_per_sensor(self) -> FlightManifest:
        seen: set[str] = set()
        for entry in self.rasters:
            if entry.sensor in seen:
                raise ValueError(f"more than one {entry.sensor} raster (one per sensor is supported)")
            seen.add(entry.sensor)
        return self


def _describe(err: ValidationError) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    msg = str(first["msg"]).removeprefix("Value error, ")
    return f"invalid manifest: {where}: {msg}" if where else f"invalid manifest: {msg}"


def load_manifest(flight_dir: str | Path) -> tuple[FlightManifest, Path]:
    """Read and validate ``flight_dir/flight.yaml``.

    Args:
        flight_dir: the flight folder (or the manifest file itself).

    Returns:
        The manifest, with ``flight_id`` defaulted to the folder name, and the folder.

    Raises:
        ManifestError: the manifest is missing, not YAML, or does not follow the schema.
    """
    flight_dir = Path(flight_dir)
    manifest_path = flight_dir if flight_dir.is_file() else flight_dir / MANIFEST_NAME
    flight_dir = manifest_path.parent
    if not flight_dir.exists():
        raise ManifestError(flight_dir, "flight folder does not exist")
    if not manifest_path.is_file():
        raise ManifestError(manifest_path, "flight manifest not found")
    try:
        data = read_yaml(manifest_path, "flight manifest")
    except RamsInputError as exc:
        raise ManifestError(manifest_path, exc.problem) from None
    if not isinstance(data, dict):
        raise ManifestError(manifest_path, "invalid manifest: expected a mapping with 'rasters'")
    try:
        manifest = FlightManifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(manifest_path, _describe(exc)) from exc
    if manifest.flight_id is None:
        manifest.flight_id = flight_dir.resolve().name
    return manifest, flight_dir
