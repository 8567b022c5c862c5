"""Surface-mine point candidates, as produced by the detectors.

A :class:`MinePoint` is in the flight's projected CRS (metres); export converts to WGS84.
Detection and orchestration produce them, candidates fuse them, export writes them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rams.core.devices import device_category


@dataclass(frozen=True)
class MinePoint:
    """One detected surface mine (or anomaly-core point) in the flight CRS.

    Attributes:
        x_m: easting in the flight's projected CRS, metres.
        y_m: northing in the flight's projected CRS, metres.
        class_name: device model or class ("PFM-1", "TM-62", "landmine", ...).
        confidence: detector confidence in [0, 1].
        detector: "cnn" or "anomaly_core".
        sensor: sensor whose imagery the detection came from ("rgb", "thermal", ...).
        gsd_m: ground sample distance of that imagery, metres.
        box_w_m: box width on the ground, metres (0 when the detector gives no box).
        box_h_m: box height on the ground, metres.
        extra: further attributes carried to the export unchanged.
    """

    x_m: float
    y_m: float
    class_name: str
    confidence: float
    detector: str
    sensor: str
    gsd_m: float
    box_w_m: float = 0.0
    box_h_m: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def device_category(self) -> str:
        """IMSMA device category of :attr:`class_name`."""
        return device_category(self.class_name)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-serialisable)."""
        return asdict(self)
