"""Former home of :class:`MinePoint`, now in :mod:`rams.core.points`.

Detection produces it and must not import candidates. Kept as a re-export for the modules
that still import it from here.
"""

from __future__ import annotations

from rams.core.devices import DEVICE_CATEGORY, device_category
from rams.core.points import MinePoint

__all__ = ["DEVICE_CATEGORY", "MinePoint", "device_category"]
