"""A flight seen through fewer sensors: a sibling folder whose manifest keeps some rasters.

The benchmarks and the combiner fit score the same synthetic flight as an RGB orthomosaic
alone (the commonest real survey) next to the full multispectral + thermal + RGB flight. The
subset folder holds links to the kept rasters and the truth (not copies), and its own
``flight.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def sensor_subset_flight(flight: Path, sensors: tuple[str, ...] = ("rgb",), suffix: str = "-rgbonly") -> Path:
    """``flight`` with only the rasters of ``sensors``, in ``flight`` + ``suffix`` (made once).

    Links are not resolved, so they follow a flight that is generated again in place.

    Raises:
        ValueError: the flight has no raster of those sensors.
    """
    alone = flight.with_name(flight.name + suffix)
    if (alone / "flight.yaml").is_file():
        return alone
    manifest = yaml.safe_load((flight / "flight.yaml").read_text(encoding="utf-8"))
    manifest["rasters"] = [r for r in manifest["rasters"] if r["sensor"] in sensors]
    if not manifest["rasters"]:
        raise ValueError(f"{flight}: no raster of {', '.join(sensors)}")
    alone.mkdir(exist_ok=True)
    for name in [r["path"] for r in manifest["rasters"]] + ["truth.geojson"]:
        link = alone / name
        if (flight / name).exists() and not link.exists():
            link.symlink_to((flight / name).absolute())
    (alone / "flight.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return alone
