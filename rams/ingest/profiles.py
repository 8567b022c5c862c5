"""Sensor profiles: band names, units and DN scaling per camera, from ``configs/sensors/``."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from rams.config_paths import config_dir
from rams.core.sensors import SensorKind


class SensorProfile(BaseModel):
    """A camera's band layout and scaling.

    Attributes:
        name: profile id, the file name without ``.yaml``.
        sensor: which kind of sensor it is.
        bands: band names in file order.
        scale: reflectance (or temperature) = DN * scale + offset.
        offset: see ``scale``.
        units: thermal units of the raw values (thermal profiles only).
    """

    model_config = ConfigDict(extra="forbid")

    name: str
    sensor: SensorKind
    bands: list[str]
    scale: float = 1.0
    offset: float = 0.0
    units: Literal["celsius", "kelvin", "centikelvin"] | None = None


def profiles_dir() -> Path:
    """Folder of the bundled sensor profiles."""
    return config_dir() / "sensors"


@cache
def available_profiles() -> dict[str, SensorProfile]:
    """All bundled sensor profiles by name."""
    profiles: dict[str, SensorProfile] = {}
    for path in sorted(profiles_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        profile = SensorProfile.model_validate(data)
        profiles[profile.name] = profile
    return profiles


def get_profile(name: str) -> SensorProfile | None:
    """The profile called ``name``, or None if no such profile is bundled."""
    return available_profiles().get(name)
