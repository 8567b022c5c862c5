"""A flight plan: the validated flight, its grid, its readers and its tiles.

A plan is picklable so that tile tasks can be shipped to Dask workers.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from rams.config import PipelineConfig
from rams.grid.reader import GridReader
from rams.grid.target import TargetGrid, build_target_grid
from rams.ingest.flight import Flight, load_flight
from rams.tiles.windows import Tile, iter_tiles

#: Anomaly bands per sensor used when none of the configured sensors is in the flight.
FALLBACK_ANOMALY_BANDS: dict[str, list[str]] = {
    "multispectral": [],
    "thermal": ["thermal_contrast_deg_c"],
    "rgb": ["rgb_red", "rgb_green", "rgb_blue"],
}


@dataclass
class FlightPlan:
    """Everything a tile task needs.

    Attributes:
        flight: the validated flight.
        grid: the common grid.
        config: the pipeline configuration.
        readers: one grid reader per sensor, onto :attr:`grid`.
        tiles: the tiles of :attr:`grid`, row-major.
    """

    flight: Flight
    grid: TargetGrid
    config: PipelineConfig
    readers: dict[str, GridReader]
    tiles: list[Tile]

    def _anomaly_band_map(self) -> dict[str, list[str]]:
        configured = {s: self.config.anomaly.bands[s] for s in self.flight.sensors if self.config.anomaly.bands.get(s)}
        # a flight without any configured sensor (e.g. RGB only) still gets an anomaly layer
        return configured or {s: FALLBACK_ANOMALY_BANDS[s] for s in self.flight.sensors}

    @property
    def anomaly_sensors(self) -> list[str]:
        """Sensors of this flight that the anomaly core uses."""
        return list(self._anomaly_band_map())

    @property
    def anomaly_bands(self) -> list[str]:
        """Fused band names fed to the anomaly core, in cube order."""
        return [b for bands in self._anomaly_band_map().values() for b in bands]

    def fingerprint(self) -> str:
        """Hash of inputs, grid and the configuration that shape per-tile results.

        Used to name the work folder, so a resumed run never mixes tiles of another config.
        """
        payload = {
            "inputs": {s: r.checksum or str(r.path) for s, r in self.flight.rasters.items()},
            "grid": [str(self.grid.crs), list(self.grid.transform)[:6], self.grid.width, self.grid.height],
            "tiles": self.config.tiles.model_dump(),
            "fusion": self.config.fusion.model_dump(),
            "anomaly": self.config.anomaly.model_dump(),
        }
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def close(self) -> None:
        """Close every reader's open datasets."""
        for reader in self.readers.values():
            reader.close()


def build_plan(flight_dir: str | Path, config: PipelineConfig, *, checksum: bool = True) -> FlightPlan:
    """Validate a flight and lay out its grid and tiles.

    Raises:
        RamsInputError: any problem with the manifest or the rasters.
    """
    flight = load_flight(flight_dir, checksum=checksum)
    grid = build_target_grid(flight, extent=config.grid.extent, gsd_m=config.grid.gsd_m)
    readers = {s: GridReader(flight.rasters[s], grid) for s in flight.sensors}
    halo = max(config.tiles.halo_px, config.anomaly.outer_px // 2 + 1)
    tiles = list(iter_tiles(grid.width, grid.height, config.tiles.tile_px, halo))
    return FlightPlan(flight=flight, grid=grid, config=config, readers=readers, tiles=tiles)
