"""The three sensor kinds of a survey flight, in the order the pipeline stacks them.

- ``multispectral``: reflectance bands (MicaSense-like: blue, green, red, red edge, NIR),
  typically 3 to 8 cm;
- ``thermal``: one band of temperature (degrees C after the profile's scaling), 5 to 15 cm;
- ``rgb``: three 8-bit bands, 0.5 to 3 cm (the CNN's sensor).

The fused cube stacks them in :data:`SENSORS` order; the common grid adopts the pixel
lattice of the first present in that order (most bands first: the most expensive to
resample). Each sensor's band layout and scaling come from its profile
(:mod:`rams.ingest.profiles`, ``configs/sensors/``).
"""

from __future__ import annotations

from typing import Literal

#: A sensor kind.
SensorKind = Literal["multispectral", "thermal", "rgb"]
#: Every sensor kind, in stacking order.
SENSORS: tuple[SensorKind, ...] = ("multispectral", "thermal", "rgb")
