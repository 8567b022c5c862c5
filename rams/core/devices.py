"""Device classes: IMSMA category and physical size of each known device model.

One table, read by the synthetic generator (how big a mine is drawn), the training tiles
(how big a mine's box is), the GSD estimate of a labelled set (pixels per metre from boxes
of known size) and the candidates (the device category a point or SHA carries).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceClass:
    """One device model.

    Attributes:
        category: IMSMA device category: ``"AP"``, ``"AV"``, ``"UXO"`` or ``"unknown"``.
        length_m: longest extent on the ground, metres (None when rams does not use it).
        width_m: shortest extent on the ground, metres (None when unknown).
    """

    category: str
    length_m: float | None = None
    width_m: float | None = None


#: Every device class rams names, in this order. Only mines of a fixed design have a size:
#: debris and casings (whole, broken or half buried) do not.
DEVICES: dict[str, DeviceClass] = {
    "PFM-1": DeviceClass("AP", 0.12, 0.06),  # butterfly, 12 x 6 cm
    "PMN-2": DeviceClass("AP", 0.12, 0.12),  # 12 cm round
    "PMN": DeviceClass("AP"),
    "OZM-72": DeviceClass("AP", 0.10, 0.10),  # 10 cm cylinder seen from above
    "POMZ-2": DeviceClass("AP"),
    "TM-62": DeviceClass("AV", 0.32, 0.32),  # 32 cm round anti-vehicle mine
    "TM-57": DeviceClass("AV"),
    "UXO": DeviceClass("UXO"),
    "landmine": DeviceClass("unknown"),
    "mine": DeviceClass("unknown"),
}

#: Device category (IMSMA) for each known device model.
DEVICE_CATEGORY: dict[str, str] = {name: d.category for name, d in DEVICES.items()}

#: Box side on the ground for each device model of known size, metres (the longest extent:
#: a PFM-1 butterfly is 12 x 6 cm but lies at any angle).
MINE_SIZE_M: dict[str, float] = {
    name: d.length_m for name, d in DEVICES.items() if d.length_m is not None
}

#: Box side for a mine class of unknown size, metres (the size of the small AP mines).
DEFAULT_SIZE_M = 0.12


def device_category(class_name: str) -> str:
    """IMSMA device category (AP, AV, UXO, unknown) for a device model or class name."""
    return DEVICE_CATEGORY.get(class_name, "unknown")


def normalise_class_name(name: str) -> str:
    """A class name reduced to lower-case letters and digits.

    Names equal up to case and punctuation match (``"PFM-1"``, ``"pfm1"``, ``"Pfm_1"``).
    """
    return "".join(ch for ch in name.lower() if ch.isalnum())


def physical_size_m(name: str) -> float | None:
    """Longest ground extent of a named device class, metres (None when unknown).

    Names match up to case and punctuation. Only mines count: their sizes are fixed by
    their design, while debris and casings (whole, broken or half buried) are not.
    """
    for key, value in MINE_SIZE_M.items():
        if normalise_class_name(key) == normalise_class_name(name):
            return value
    return None
