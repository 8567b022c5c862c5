"""What the synthetic objects look like: sizes, colours, spectra and thermal behaviour.

Colours are display-referred RGB in [0, 1]; spectra are surface reflectance for the
MicaSense bands (blue, green, red, red edge, NIR). Values are plausible, not measured:
green plastic is dark with a low, flat NIR (unlike vegetation, whose red edge rises
steeply), olive paint is similar, soil rises slowly from blue to NIR.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectLook:
    """Appearance of one object class.

    Attributes:
        shape: ``"disk"``, ``"butterfly"``, ``"blob"`` (irregular rock), ``"bar"`` (debris)
            or ``"gauss"`` (thermal-only warm patch).
        half_length_m: half of the longest extent (radius for disks).
        half_width_m: half of the shortest extent.
        height_m: height above ground (casts the shadow).
        rgb: colour variants, each (r, g, b) in [0, 1].
        reflectance: spectra matching ``rgb`` variants, each 5 values (B, G, R, RE, NIR).
        device_category: ``"AP"``/``"AV"`` for mines, ``""`` for distractors.
        centre_rgb: colour of a central fuze/pressure plate, or None.
        centre_radius_m: radius of that centre.
    """

    shape: str
    half_length_m: float
    half_width_m: float
    height_m: float
    rgb: tuple[tuple[float, float, float], ...]
    reflectance: tuple[tuple[float, float, float, float, float], ...]
    device_category: str = ""
    centre_rgb: tuple[float, float, float] | None = None
    centre_radius_m: float = 0.0


_GREEN_PLASTIC = (0.05, 0.09, 0.07, 0.10, 0.14)
_BROWN_PLASTIC = (0.08, 0.11, 0.15, 0.18, 0.20)
_OLIVE_PAINT = (0.06, 0.10, 0.09, 0.12, 0.16)

MINES: dict[str, ObjectLook] = {
    # 12 x 6 cm butterfly, green or brown plastic, about 2 cm high.
    "PFM-1": ObjectLook(
        "butterfly", 0.060, 0.030, 0.02,
        rgb=((0.22, 0.31, 0.14), (0.36, 0.25, 0.15)),
        reflectance=(_GREEN_PLASTIC, _BROWN_PLASTIC),
        device_category="AP",
    ),
    # 12 cm round, dark green, black rubber pressure plate, 5 cm high.
    "PMN-2": ObjectLook(
        "disk", 0.060, 0.060, 0.05,
        rgb=((0.15, 0.20, 0.12),), reflectance=(_GREEN_PLASTIC,),
        device_category="AP", centre_rgb=(0.06, 0.06, 0.06), centre_radius_m=0.028,
    ),
    # 10 cm cylinder seen from above, olive, fuze on top; sits on a stake.
    "OZM-72": ObjectLook(
        "disk", 0.050, 0.050, 0.15,
        rgb=((0.30, 0.32, 0.20),), reflectance=(_OLIVE_PAINT,),
        device_category="AP", centre_rgb=(0.12, 0.12, 0.10), centre_radius_m=0.015,
    ),
    # 32 cm round anti-vehicle mine, olive or dark green, central fuze, 10 cm high.
    "TM-62": ObjectLook(
        "disk", 0.160, 0.160, 0.10,
        rgb=((0.34, 0.36, 0.21), (0.19, 0.25, 0.15)),
        reflectance=(_OLIVE_PAINT, _GREEN_PLASTIC),
        device_category="AV", centre_rgb=(0.10, 0.10, 0.09), centre_radius_m=0.04,
    ),
}

DISTRACTORS: dict[str, ObjectLook] = {
    # Grey limestone/basalt rocks, 0.2 to 0.8 m; half_length is the maximum radius.
    "rock": ObjectLook(
        "blob", 0.40, 0.10, 0.15,
        rgb=((0.60, 0.59, 0.56), (0.42, 0.41, 0.40)),
        reflectance=((0.22, 0.25, 0.28, 0.30, 0.32), (0.13, 0.15, 0.17, 0.18, 0.20)),
    ),
    # Shell fragments, cans, wire: bright and specular.
    "metal_debris": ObjectLook(
        "bar", 0.30, 0.08, 0.0,
        rgb=((0.80, 0.81, 0.83), (0.55, 0.36, 0.25)),
        reflectance=((0.45, 0.47, 0.48, 0.49, 0.50), (0.12, 0.16, 0.25, 0.30, 0.33)),
    ),
    # Sun-warmed or damp-free patch of soil, visible only in thermal.
    "warm_patch": ObjectLook("gauss", 0.50, 0.25, 0.0, rgb=(), reflectance=()),
}



def look(cls: str) -> ObjectLook:
    """The appearance of a mine or distractor class (KeyError for an unknown class)."""
    return MINES[cls] if cls in MINES else DISTRACTORS[cls]
