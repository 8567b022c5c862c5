"""What the synthetic objects look like: sizes, colours, spectra and thermal behaviour.

Colours are display-referred RGB in [0, 1]; spectra are surface reflectance for the
MicaSense bands (blue, green, red, red edge, NIR). Values are plausible, not measured:
green plastic is dark with a low, flat NIR (unlike vegetation, whose red edge rises
steeply), olive paint is similar, soil rises slowly from blue to NIR. Litter is bright:
clear PET and paper reflect 0.5 to 0.8 nearly flat, coloured plastics peak in their own
band and stay fairly bright in the NIR; aluminium is flat and bright.

A distractor's temperature offset over its background is drawn per object as
``sign * uniform(lo, hi)`` degC (:class:`ThermalDraw`), morning and evening apart: thin
plastic and paper follow the air (warmer in the morning sun, cooler after sunset, as mines
do), metal looks cold at any hour (low emissivity), stones and rocks store heat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rams.core.devices import DEVICES


@dataclass(frozen=True)
class ThermalDraw:
    """A distractor's temperature offset over its background: ``sign * uniform(lo, hi)`` degC."""

    lo: float
    hi: float
    sign: float = 1.0


_NO_DT = ThermalDraw(0.0, 0.0)


@dataclass(frozen=True)
class ObjectLook:
    """Appearance of one object class.

    Attributes:
        shape: ``"disk"``, ``"butterfly"``, ``"blob"`` (irregular rock), ``"bar"`` (debris,
            paper), ``"capsule"`` (a bottle or can on its side), ``"boot"`` (a sole and a
            heel) or ``"gauss"`` (thermal-only warm patch).
        half_length_m: half of the longest extent (radius for disks).
        half_width_m: half of the shortest extent.
        height_m: height above ground (casts the shadow).
        rgb: colour variants, each (r, g, b) in [0, 1].
        reflectance: spectra matching ``rgb`` variants, each 5 values (B, G, R, RE, NIR).
        device_category: ``"AP"``/``"AV"`` for mines, ``""`` for distractors.
        centre_rgb: colour of a central fuze/pressure plate, or None.
        centre_radius_m: radius of that centre.
        scale_range: distractors: the size factor is drawn uniformly in this range.
        dt_morning: distractors: temperature offset when mines are warmer than soil.
        dt_evening: distractors: temperature offset when mines are cooler than soil.
        relief: +1 for an object standing on the ground (its sunlit side is brighter), -1
            for a depression (its far side, facing the sun, is brighter).
        multiply: True when ``rgb`` and ``reflectance`` are factors on the ground under
            the object (a print darkens whatever soil it is pressed into), False when they
            replace it.
        glint_variants: colour variants that glint (specular metal), pixel by pixel.
        any_colour: the colour (and spectrum) is drawn per object, of any hue
            (:func:`rams.synth.render.distractor_colour`); ``rgb``/``reflectance`` hold
            one placeholder variant.
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
    scale_range: tuple[float, float] = (1.0, 1.0)
    dt_morning: ThermalDraw = _NO_DT
    dt_evening: ThermalDraw = _NO_DT
    relief: float = 1.0
    multiply: bool = False
    glint_variants: tuple[int, ...] = ()
    any_colour: bool = False


_GREEN_PLASTIC = (0.05, 0.09, 0.07, 0.10, 0.14)
_BROWN_PLASTIC = (0.08, 0.11, 0.15, 0.18, 0.20)
_OLIVE_PAINT = (0.06, 0.10, 0.09, 0.12, 0.16)


def _mine(cls: str, shape: str, height_m: float, **look: Any) -> ObjectLook:
    """A mine's look with its size and category from :data:`rams.core.devices.DEVICES`."""
    device = DEVICES[cls]
    assert device.length_m is not None and device.width_m is not None
    return ObjectLook(shape, device.length_m / 2, device.width_m / 2, height_m,
                      device_category=device.category, **look)


MINES: dict[str, ObjectLook] = {
    # 12 x 6 cm butterfly, green or brown plastic, about 2 cm high.
    "PFM-1": _mine(
        "PFM-1", "butterfly", 0.02,
        rgb=((0.22, 0.31, 0.14), (0.36, 0.25, 0.15)),
        reflectance=(_GREEN_PLASTIC, _BROWN_PLASTIC),
    ),
    # 12 cm round, dark green, black rubber pressure plate, 5 cm high.
    "PMN-2": _mine(
        "PMN-2", "disk", 0.05,
        rgb=((0.15, 0.20, 0.12),), reflectance=(_GREEN_PLASTIC,),
        centre_rgb=(0.06, 0.06, 0.06), centre_radius_m=0.028,
    ),
    # 10 cm cylinder seen from above, olive, fuze on top; sits on a stake.
    "OZM-72": _mine(
        "OZM-72", "disk", 0.15,
        rgb=((0.30, 0.32, 0.20),), reflectance=(_OLIVE_PAINT,),
        centre_rgb=(0.12, 0.12, 0.10), centre_radius_m=0.015,
    ),
    # 32 cm round anti-vehicle mine, olive or dark green, central fuze, 10 cm high.
    "TM-62": _mine(
        "TM-62", "disk", 0.10,
        rgb=((0.34, 0.36, 0.21), (0.19, 0.25, 0.15)),
        reflectance=(_OLIVE_PAINT, _GREEN_PLASTIC),
        centre_rgb=(0.10, 0.10, 0.09), centre_radius_m=0.04,
    ),
}

DISTRACTORS: dict[str, ObjectLook] = {
    # Grey limestone/basalt rocks, 0.2 to 0.8 m; half_length is the maximum radius.
    "rock": ObjectLook(
        "blob", 0.40, 0.10, 0.15,
        rgb=((0.60, 0.59, 0.56), (0.42, 0.41, 0.40)),
        reflectance=((0.22, 0.25, 0.28, 0.30, 0.32), (0.13, 0.15, 0.17, 0.18, 0.20)),
        scale_range=(0.3, 1.0), dt_morning=ThermalDraw(1.0, 2.5), dt_evening=ThermalDraw(0.5, 1.5),
    ),
    # Shell fragments, cans, wire: bright and specular.
    "metal_debris": ObjectLook(
        "bar", 0.30, 0.08, 0.0,
        rgb=((0.80, 0.81, 0.83), (0.55, 0.36, 0.25)),
        reflectance=((0.45, 0.47, 0.48, 0.49, 0.50), (0.12, 0.16, 0.25, 0.30, 0.33)),
        scale_range=(0.5, 1.0), dt_morning=ThermalDraw(1.0, 2.0, -1.0), dt_evening=ThermalDraw(1.0, 2.0, -1.0),
        glint_variants=(0,),
    ),
    # Sun-warmed or damp-free patch of soil, visible only in thermal.
    "warm_patch": ObjectLook(
        "gauss", 0.50, 0.25, 0.0, rgb=(), reflectance=(),
        scale_range=(0.5, 1.0), dt_morning=ThermalDraw(0.8, 2.0), dt_evening=ThermalDraw(0.8, 2.0),
    ),
    # Stones of mine size, 8 to 30 cm across (rocky ground, ploughed fields): grey, light
    # limestone or dark basalt, with a low dome that casts a short shadow.
    "stone": ObjectLook(
        "blob", 0.15, 0.05, 0.06,
        rgb=((0.66, 0.64, 0.60), (0.45, 0.44, 0.42), (0.34, 0.33, 0.32)),
        reflectance=((0.25, 0.28, 0.31, 0.33, 0.35), (0.14, 0.16, 0.18, 0.19, 0.21),
                     (0.09, 0.10, 0.11, 0.12, 0.13)),
        scale_range=(0.27, 1.0), dt_morning=ThermalDraw(0.8, 2.0), dt_evening=ThermalDraw(0.3, 1.2),
    ),
    # Clods of ploughed loam, 6 to 24 cm: dark like the soil they came from, drying on top.
    "clod": ObjectLook(
        "blob", 0.12, 0.05, 0.07,
        rgb=((0.36, 0.28, 0.20), (0.29, 0.22, 0.16)),
        reflectance=((0.05, 0.07, 0.10, 0.13, 0.16), (0.04, 0.06, 0.08, 0.10, 0.13)),
        scale_range=(0.25, 1.0), dt_morning=ThermalDraw(0.4, 1.5), dt_evening=ThermalDraw(0.3, 1.0, -1.0),
    ),
    # Cow pats of a grazed meadow, 19 to 32 cm across: flat, dark olive-brown, round and
    # irregular; fresh ones warmer than the sward. A meadow-only class that no detector
    # family has, so the combiner family shows mine-like clutter the CNN never saw.
    "dung": ObjectLook(
        "blob", 0.16, 0.10, 0.03,
        rgb=((0.27, 0.24, 0.15), (0.36, 0.31, 0.20)),
        reflectance=((0.04, 0.06, 0.07, 0.12, 0.18), (0.06, 0.08, 0.10, 0.16, 0.22)),
        scale_range=(0.6, 1.0), dt_morning=ThermalDraw(0.8, 2.5), dt_evening=ThermalDraw(0.3, 1.5),
    ),
    # Broken brick and roof tile from ruined farm buildings, 8 to 24 cm: orange-red to
    # dark red fired clay, flat, with sharp edges; sun-warmed like stone. A class of the
    # held-out ``stubble`` family only: no model is trained or tuned on it.
    "brick": ObjectLook(
        "bar", 0.12, 0.05, 0.04,
        rgb=((0.62, 0.32, 0.22), (0.70, 0.44, 0.31), (0.48, 0.26, 0.19)),
        reflectance=((0.08, 0.10, 0.24, 0.30, 0.34), (0.11, 0.14, 0.29, 0.34, 0.37),
                     (0.06, 0.08, 0.18, 0.24, 0.28)),
        scale_range=(0.35, 1.0), dt_morning=ThermalDraw(0.8, 2.2), dt_evening=ThermalDraw(0.3, 1.2),
    ),
    # Fallen fruit of an orchard, 6 to 9 cm: green, red or yellow apples, round, with the
    # high NIR of living tissue; full of water, so cooler than the soil in the morning sun
    # and warmer after sunset. A class of the held-out ``orchard`` family only.
    "fruit": ObjectLook(
        "disk", 0.045, 0.045, 0.07,
        rgb=((0.45, 0.60, 0.20), (0.62, 0.16, 0.12), (0.80, 0.70, 0.25)),
        reflectance=((0.05, 0.15, 0.08, 0.35, 0.55), (0.04, 0.05, 0.25, 0.40, 0.55),
                     (0.06, 0.25, 0.30, 0.45, 0.55)),
        scale_range=(0.65, 1.0), dt_morning=ThermalDraw(0.5, 1.5, -1.0), dt_evening=ThermalDraw(0.3, 1.2),
    ),
    # Pruned branches, 25 to 60 cm long and 2 to 4 cm thick: brown or grey bark, dry wood.
    # A class of the held-out ``orchard`` family only.
    "branch": ObjectLook(
        "bar", 0.30, 0.018, 0.03,
        rgb=((0.36, 0.27, 0.18), (0.50, 0.47, 0.42)),
        reflectance=((0.06, 0.08, 0.12, 0.20, 0.28), (0.10, 0.12, 0.15, 0.22, 0.30)),
        scale_range=(0.4, 1.0), dt_morning=ThermalDraw(0.3, 1.2), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Water-worn pebbles of a river's gravel bar, 5 to 12 cm: rounded, grey, ochre, reddish or
    # white quartz, dry and pale on top; stone, so warm in the morning sun. Mine-sized and of
    # many colours, like a PFM-1 or a PMN-2 seen from above. A class of the held-out
    # ``riverbank`` family only.
    "pebble": ObjectLook(
        "blob", 0.04, 0.028, 0.03,
        rgb=((0.58, 0.57, 0.54), (0.62, 0.50, 0.33), (0.52, 0.36, 0.30), (0.85, 0.84, 0.80),
             (0.36, 0.36, 0.35)),
        reflectance=((0.20, 0.22, 0.24, 0.26, 0.28), (0.12, 0.18, 0.26, 0.30, 0.33),
                     (0.09, 0.12, 0.22, 0.27, 0.30), (0.55, 0.58, 0.60, 0.61, 0.62),
                     (0.10, 0.11, 0.12, 0.13, 0.14)),
        scale_range=(0.6, 1.5), dt_morning=ThermalDraw(0.6, 2.0), dt_evening=ThermalDraw(0.3, 1.2),
    ),
    # Driftwood, 30 to 90 cm long and 3 to 8 cm thick: bleached grey or dark and wet. A
    # class of the held-out ``riverbank`` family only.
    "driftwood": ObjectLook(
        "bar", 0.45, 0.04, 0.05,
        rgb=((0.66, 0.63, 0.58), (0.33, 0.28, 0.22)),
        reflectance=((0.24, 0.27, 0.30, 0.36, 0.42), (0.06, 0.08, 0.10, 0.16, 0.22)),
        scale_range=(0.65, 1.0), dt_morning=ThermalDraw(0.2, 1.0), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Charred wood and clumps of burnt grass root after a grass fire, 6 to 20 cm: black to dark
    # grey, irregular, with the flat low spectrum of carbon; dark, so warmer than the ground in
    # the morning sun. A class of the held-out ``burnt`` family only.
    "charcoal": ObjectLook(
        "blob", 0.07, 0.04, 0.04,
        rgb=((0.08, 0.08, 0.08), (0.16, 0.15, 0.14), (0.24, 0.21, 0.18)),
        reflectance=((0.03, 0.03, 0.03, 0.035, 0.04), (0.05, 0.05, 0.055, 0.06, 0.07),
                     (0.07, 0.07, 0.08, 0.09, 0.11)),
        scale_range=(0.45, 1.4), dt_morning=ThermalDraw(0.8, 2.5), dt_evening=ThermalDraw(0.2, 1.0),
    ),
    # Drifts of white ash where a tussock or a branch burnt out, 15 to 40 cm, flat; pale grey,
    # bright in every band; as warm as the ground. A class of the held-out ``burnt`` family only.
    "ash": ObjectLook(
        "blob", 0.14, 0.09, 0.0,
        rgb=((0.80, 0.79, 0.76), (0.64, 0.63, 0.61)),
        reflectance=((0.45, 0.47, 0.49, 0.50, 0.51), (0.32, 0.33, 0.35, 0.36, 0.37)),
        scale_range=(0.55, 1.4), dt_morning=ThermalDraw(0.0, 0.5), dt_evening=ThermalDraw(0.0, 0.4, -1.0),
    ),
    # Sunflower heads dropped by the combine, 12 to 30 cm: a round dry disc, dark brown to
    # black seeds in the middle and a pale, frayed rim of bracts; a round mine-sized (and
    # TM-62-sized) disc; dry, so warmer than the soil in the sun. A class of the held-out
    # ``sunflower`` family only.
    "seedhead": ObjectLook(
        "disk", 0.11, 0.11, 0.04,
        rgb=((0.55, 0.47, 0.33), (0.46, 0.40, 0.30), (0.62, 0.55, 0.40)),
        reflectance=((0.10, 0.13, 0.18, 0.24, 0.30), (0.08, 0.10, 0.14, 0.20, 0.26),
                     (0.12, 0.16, 0.22, 0.28, 0.33)),
        centre_rgb=(0.17, 0.13, 0.10), centre_radius_m=0.075,
        scale_range=(0.55, 1.35), dt_morning=ThermalDraw(0.4, 1.6), dt_evening=ThermalDraw(0.2, 1.0, -1.0),
    ),
    # Broken sunflower stalks, 30 to 90 cm long and 2 to 4 cm thick: pale grey-brown, hollow
    # and dry. A class of the held-out ``sunflower`` family only.
    "stalk": ObjectLook(
        "bar", 0.30, 0.016, 0.03,
        rgb=((0.66, 0.60, 0.48), (0.52, 0.47, 0.38)),
        reflectance=((0.14, 0.19, 0.25, 0.31, 0.36), (0.10, 0.14, 0.19, 0.25, 0.30)),
        scale_range=(0.5, 1.5), dt_morning=ThermalDraw(0.3, 1.2), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Desert-varnished cobbles of a gravel plain (reg), 12 to 26 cm: dark brown to black on top
    # (manganese varnish), some reddish; rounded, so a low dome with a short shadow; dark, so
    # warm in the morning sun. Mine-sized and round like a PMN-2 or a TM-62 seen from above.
    # A class of the held-out ``gravel-plain`` family only.
    "cobble": ObjectLook(
        "blob", 0.10, 0.06, 0.05,
        rgb=((0.22, 0.17, 0.13), (0.32, 0.22, 0.15), (0.15, 0.13, 0.12)),
        reflectance=((0.05, 0.06, 0.08, 0.10, 0.12), (0.07, 0.09, 0.14, 0.18, 0.21),
                     (0.04, 0.045, 0.05, 0.055, 0.06)),
        scale_range=(0.6, 1.3), dt_morning=ThermalDraw(1.0, 2.8), dt_evening=ThermalDraw(0.4, 1.4),
    ),
    # Spent brass cartridge cases and tarnished fuze caps left by fighting, 4 to 8 cm long:
    # yellow brass (glints) or tarnished olive; metal, so cooler than the ground in the sun.
    # A class of the held-out ``gravel-plain`` family only.
    "cartridge": ObjectLook(
        "capsule", 0.028, 0.008, 0.012,
        rgb=((0.80, 0.66, 0.30), (0.42, 0.40, 0.26)),
        reflectance=((0.18, 0.30, 0.45, 0.52, 0.56), (0.08, 0.11, 0.12, 0.16, 0.20)),
        scale_range=(0.7, 1.4), dt_morning=ThermalDraw(0.5, 1.5, -1.0), dt_evening=ThermalDraw(0.3, 1.0, -1.0),
        glint_variants=(0,),
    ),
    # Termite mounds of a savanna, 30 cm to 1.2 m across: hard red laterite earth, a low dome
    # that casts a shadow, sun-baked so warm in the morning. A class of the held-out
    # ``savanna`` family only.
    "termite_mound": ObjectLook(
        "blob", 0.45, 0.20, 0.35,
        rgb=((0.66, 0.40, 0.27), (0.56, 0.33, 0.22)),
        reflectance=((0.10, 0.14, 0.28, 0.34, 0.38), (0.08, 0.11, 0.22, 0.28, 0.32)),
        scale_range=(0.35, 1.3), dt_morning=ThermalDraw(1.0, 3.0), dt_evening=ThermalDraw(0.5, 1.5),
    ),
    # Tussocks of dry savanna grass, 15 to 45 cm: pale straw with a darker base, round from
    # above; dry, so about as warm as the bare soil. A class of the held-out ``savanna`` family only.
    "tussock": ObjectLook(
        "blob", 0.15, 0.11, 0.20,
        rgb=((0.76, 0.68, 0.46), (0.62, 0.55, 0.36), (0.52, 0.50, 0.30)),
        reflectance=((0.14, 0.19, 0.25, 0.31, 0.36), (0.11, 0.15, 0.20, 0.27, 0.33),
                     (0.08, 0.12, 0.14, 0.26, 0.34)),
        scale_range=(0.5, 1.5), dt_morning=ThermalDraw(0.0, 0.8, -1.0), dt_evening=ThermalDraw(0.0, 0.6),
    ),
    # Rusty reinforcing bars from blown-up concrete, 20 to 80 cm long, 0.6-2.6 cm thick, some with
    # a lump of concrete still on them: dark rust brown; steel, so cooler than the ground in
    # the sun. A class of the held-out ``rubble`` family only.
    "rebar": ObjectLook(
        "bar", 0.25, 0.008, 0.015,
        rgb=((0.36, 0.22, 0.14), (0.28, 0.20, 0.16)),
        reflectance=((0.05, 0.06, 0.10, 0.14, 0.17), (0.05, 0.06, 0.08, 0.11, 0.13)),
        scale_range=(0.4, 1.6), dt_morning=ThermalDraw(0.5, 1.5, -1.0), dt_evening=ThermalDraw(0.3, 1.0, -1.0),
    ),
    # Shards of bottle and window glass, 5 to 10 cm: bottle green, brown or clear, flat, and
    # glinting in the sun; PFM-1 sized and PFM-1 coloured. A class of the held-out ``rubble``
    # family only.
    "glass": ObjectLook(
        "blob", 0.035, 0.02, 0.005,
        rgb=((0.24, 0.42, 0.22), (0.42, 0.26, 0.12), (0.78, 0.82, 0.80)),
        reflectance=((0.05, 0.12, 0.07, 0.10, 0.12), (0.06, 0.08, 0.12, 0.16, 0.18),
                     (0.30, 0.32, 0.33, 0.34, 0.35)),
        scale_range=(0.7, 1.4), dt_morning=ThermalDraw(0.0, 0.8, -1.0), dt_evening=ThermalDraw(0.0, 0.6),
        glint_variants=(0, 1, 2),
    ),
    # Chunks of broken concrete and plaster, 25 to 45 cm: pale to mid grey, some with a white
    # plaster face; irregular, standing a few cm proud; massive, so warm in the morning sun.
    # A class of the held-out ``rubble`` family only.
    "concrete": ObjectLook(
        "blob", 0.22, 0.12, 0.10,
        rgb=((0.66, 0.65, 0.62), (0.52, 0.52, 0.50), (0.86, 0.85, 0.82)),
        reflectance=((0.24, 0.27, 0.29, 0.31, 0.32), (0.17, 0.19, 0.21, 0.22, 0.23),
                     (0.40, 0.43, 0.45, 0.46, 0.47)),
        scale_range=(0.55, 1.0), dt_morning=ThermalDraw(1.0, 2.6), dt_evening=ThermalDraw(0.4, 1.4),
    ),
    # Shell craters in a field, 1 to 3 m across: a shallow bowl of churned dark earth with
    # clods thrown around it; damp and loose, so cooler than the field in the sun. A class
    # of the held-out ``winter-wheat`` family only.
    "crater": ObjectLook(
        "blob", 1.0, 0.8, 0.25,
        rgb=((0.24, 0.20, 0.16), (0.31, 0.26, 0.20)),
        reflectance=((0.04, 0.05, 0.07, 0.09, 0.11), (0.05, 0.07, 0.09, 0.11, 0.14)),
        scale_range=(0.5, 1.5), dt_morning=ThermalDraw(0.5, 2.0, -1.0), dt_evening=ThermalDraw(0.2, 0.8),
        relief=-1.0,
    ),
    # Shell and rocket fragments, 3 to 12 cm: jagged steel, dark grey or rust brown, some
    # freshly torn and glinting; PFM-1 sized; steel, so cooler than the soil in the sun. A
    # class of the held-out ``winter-wheat`` family only.
    "fragment": ObjectLook(
        "bar", 0.04, 0.02, 0.01,
        rgb=((0.30, 0.30, 0.31), (0.42, 0.27, 0.18), (0.70, 0.71, 0.72)),
        reflectance=((0.07, 0.08, 0.09, 0.10, 0.11), (0.06, 0.08, 0.14, 0.18, 0.21),
                     (0.38, 0.40, 0.41, 0.42, 0.43)),
        scale_range=(0.75, 1.5), dt_morning=ThermalDraw(0.3, 1.2, -1.0), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
        glint_variants=(2,),
    ),
    # Torn sheet steel from destroyed vehicles and ammunition boxes, 10 to 25 cm: olive drab
    # paint, rust, or bright torn metal that glints; flat; steel, so cooler than the soil in
    # the sun. A class of the held-out ``front-line`` family only.
    "steel_scrap": ObjectLook(
        "bar", 0.085, 0.05, 0.01,
        rgb=((0.33, 0.34, 0.22), (0.45, 0.28, 0.17), (0.68, 0.69, 0.70)),
        reflectance=((0.06, 0.09, 0.08, 0.14, 0.20), (0.05, 0.08, 0.15, 0.19, 0.22),
                     (0.36, 0.38, 0.39, 0.40, 0.41)),
        scale_range=(0.6, 1.5), dt_morning=ThermalDraw(0.3, 1.2, -1.0), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
        glint_variants=(2,),
    ),
    # Cut barbed and field-telephone wire, 30 to 80 cm lengths: thin, dark grey or rust,
    # lying loose in the grass. A class of the held-out ``front-line`` family only.
    "wire": ObjectLook(
        "bar", 0.25, 0.006, 0.01,
        rgb=((0.26, 0.26, 0.27), (0.38, 0.24, 0.16)),
        reflectance=((0.06, 0.07, 0.08, 0.09, 0.10), (0.05, 0.07, 0.12, 0.15, 0.18)),
        scale_range=(0.6, 1.6), dt_morning=ThermalDraw(0.1, 0.5, -1.0), dt_evening=ThermalDraw(0.1, 0.4, -1.0),
    ),
    # Karst limestone, 6 to 30 cm: angular, weathered pale grey to near white, some with
    # dark lichen; limestone stores the sun's heat, so warmer than the red soil in the morning
    # and a little warmer after sunset. A class of the held-out ``karst`` family only.
    "limestone": ObjectLook(
        "blob", 0.15, 0.07, 0.07,
        rgb=((0.78, 0.77, 0.73), (0.64, 0.63, 0.60), (0.50, 0.50, 0.48)),
        reflectance=((0.38, 0.42, 0.45, 0.47, 0.49), (0.27, 0.30, 0.33, 0.35, 0.37),
                     (0.18, 0.20, 0.22, 0.24, 0.26)),
        scale_range=(0.4, 1.0), dt_morning=ThermalDraw(1.0, 2.5), dt_evening=ThermalDraw(0.3, 1.0),
    ),
    # Flattened food tins and tin lids left at old positions and herders' camps, 6 to 12 cm:
    # bright tinplate that glints, faded olive or red paint, or rust; thin metal, so cooler than
    # the ground by day and by night. A class of the held-out ``karst`` family only.
    "crushed_tin": ObjectLook(
        "bar", 0.05, 0.035, 0.008,
        rgb=((0.74, 0.74, 0.72), (0.36, 0.38, 0.24), (0.58, 0.22, 0.16), (0.46, 0.30, 0.20)),
        reflectance=((0.42, 0.44, 0.45, 0.46, 0.47), (0.06, 0.10, 0.09, 0.14, 0.20),
                     (0.07, 0.06, 0.30, 0.38, 0.42), (0.06, 0.09, 0.16, 0.20, 0.23)),
        scale_range=(0.6, 1.2), dt_morning=ThermalDraw(0.5, 1.5, -1.0), dt_evening=ThermalDraw(0.3, 1.0, -1.0),
        glint_variants=(0,),
    ),
    # Empty apple-snail shells left on a drained paddy, 4 to 8 cm: a rounded whorl, cream,
    # pale brown or dark olive-brown with bands; thin shell, so it follows the air: a little
    # warmer than the damp clay in the sun, cooler after sunset. A class of the held-out
    # ``paddy`` family only.
    "snail_shell": ObjectLook(
        "blob", 0.03, 0.025, 0.03,
        rgb=((0.80, 0.74, 0.60), (0.56, 0.44, 0.30), (0.34, 0.30, 0.20)),
        reflectance=((0.35, 0.40, 0.45, 0.48, 0.50), (0.14, 0.18, 0.24, 0.28, 0.31),
                     (0.06, 0.08, 0.10, 0.14, 0.18)),
        scale_range=(0.7, 1.35), dt_morning=ThermalDraw(0.4, 1.5), dt_evening=ThermalDraw(0.3, 1.0, -1.0),
    ),
    # Bundles of threshed rice straw left on the field, 25 to 60 cm: pale golden, loose,
    # a low mound that casts a shadow; dry, so warm in the sun. A class of the held-out
    # ``paddy`` family only.
    "straw_bundle": ObjectLook(
        "blob", 0.30, 0.14, 0.12,
        rgb=((0.78, 0.68, 0.42), (0.66, 0.58, 0.38)),
        reflectance=((0.20, 0.28, 0.36, 0.42, 0.46), (0.16, 0.22, 0.29, 0.35, 0.39)),
        scale_range=(0.8, 2.0), dt_morning=ThermalDraw(1.5, 3.5), dt_evening=ThermalDraw(0.5, 1.5, -1.0),
    ),
    # Pine cones under the edge of a pine wood, 5 to 12 cm: an ovoid of woody scales, brown to
    # grey-brown, a few closed and darker; light and dry, so a little warmer than the shaded
    # litter in the sun, cooler after sunset. PFM-1 sized, not metal. A class of the held-out
    # ``pine-edge`` family only.
    "pine_cone": ObjectLook(
        "blob", 0.04, 0.025, 0.04,
        rgb=((0.50, 0.36, 0.22), (0.40, 0.32, 0.24), (0.30, 0.22, 0.15)),
        reflectance=((0.07, 0.10, 0.15, 0.22, 0.30), (0.07, 0.09, 0.12, 0.18, 0.26),
                     (0.04, 0.06, 0.08, 0.13, 0.20)),
        scale_range=(0.6, 1.5), dt_morning=ThermalDraw(0.4, 1.5), dt_evening=ThermalDraw(0.3, 1.0, -1.0),
    ),
    # Fallen dead pine branches, 40 to 120 cm: grey-brown bark, thin, lying across the litter;
    # dry wood, so warm in the sun. A class of the held-out ``pine-edge`` family only.
    "deadwood": ObjectLook(
        "bar", 0.40, 0.025, 0.04,
        rgb=((0.42, 0.36, 0.30), (0.56, 0.52, 0.46)),
        reflectance=((0.08, 0.10, 0.13, 0.19, 0.26), (0.16, 0.19, 0.22, 0.27, 0.32)),
        scale_range=(0.5, 1.5), dt_morning=ThermalDraw(0.5, 1.5), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Plastic vine clips and cut tie ends dropped along vine rows, 3 to 7 cm: bright or dark
    # green, or black; smooth plastic, so a little cooler than the hot stony soil in the sun and
    # near it after sunset. PFM-1 sized and, in green, PFM-1 coloured; not metal. A class of the
    # held-out ``vineyard`` family only.
    "vine_clip": ObjectLook(
        "capsule", 0.025, 0.010, 0.012,
        rgb=((0.22, 0.52, 0.20), (0.16, 0.30, 0.14), (0.08, 0.08, 0.09)),
        reflectance=((0.05, 0.16, 0.07, 0.20, 0.30), (0.04, 0.09, 0.05, 0.12, 0.20),
                     (0.04, 0.04, 0.04, 0.05, 0.06)),
        scale_range=(0.6, 1.4), dt_morning=ThermalDraw(0.5, 2.0, -1.0), dt_evening=ThermalDraw(0.0, 0.8),
    ),
    # Pruned vine canes left between the rows, 30 to 90 cm: thin, brown to grey-brown, dry, warm
    # in the sun. A class of the held-out ``vineyard`` family only.
    "pruned_cane": ObjectLook(
        "bar", 0.30, 0.008, 0.015,
        rgb=((0.45, 0.33, 0.22), (0.52, 0.46, 0.38)),
        reflectance=((0.07, 0.09, 0.13, 0.20, 0.28), (0.12, 0.15, 0.18, 0.24, 0.30)),
        scale_range=(0.5, 1.5), dt_morning=ThermalDraw(0.5, 1.5), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Maize cobs left on a harvested maize field, 10 to 20 cm: a cylinder of yellow-orange
    # kernels, or a bare cob (red-brown or pale), or blackened by rot; dry, so warm in the sun,
    # cooler after sunset. PFM-1 long and a little narrower; not metal. A class of the held-out
    # ``maize-stubble`` family only.
    "maize_cob": ObjectLook(
        "capsule", 0.075, 0.022, 0.045,
        rgb=((0.86, 0.66, 0.20), (0.62, 0.34, 0.22), (0.80, 0.74, 0.58), (0.28, 0.24, 0.19)),
        reflectance=((0.08, 0.22, 0.38, 0.48, 0.55), (0.07, 0.11, 0.22, 0.33, 0.42),
                     (0.22, 0.30, 0.38, 0.44, 0.50), (0.05, 0.06, 0.08, 0.12, 0.16)),
        scale_range=(0.7, 1.3), dt_morning=ThermalDraw(0.5, 2.0), dt_evening=ThermalDraw(0.3, 1.0, -1.0),
    ),
    # Cut maize stalks and husks lying between the stubble rows, 30 to 100 cm: pale straw to
    # grey-buff, thin, dry; warm in the sun. A class of the held-out ``maize-stubble`` family only.
    "maize_stalk": ObjectLook(
        "bar", 0.35, 0.013, 0.025,
        rgb=((0.80, 0.72, 0.52), (0.62, 0.58, 0.50)),
        reflectance=((0.18, 0.24, 0.32, 0.40, 0.46), (0.14, 0.18, 0.22, 0.28, 0.34)),
        scale_range=(0.45, 1.4), dt_morning=ThermalDraw(0.5, 1.5), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Steel rail clips and spikes shed along a disused railway, 10 to 18 cm: a bent bar of
    # rusty brown steel, some black with grease or bright where worn (glints); metal, so cooler
    # than the ballast in the sun and after sunset. PFM-1 long, narrower. A class of the
    # held-out ``rail-embankment`` family only.
    "rail_clip": ObjectLook(
        "bar", 0.07, 0.014, 0.02,
        rgb=((0.46, 0.28, 0.18), (0.16, 0.15, 0.14), (0.70, 0.70, 0.70)),
        reflectance=((0.05, 0.07, 0.14, 0.19, 0.23), (0.04, 0.04, 0.05, 0.05, 0.06),
                     (0.40, 0.41, 0.42, 0.43, 0.44)),
        scale_range=(0.7, 1.3), dt_morning=ThermalDraw(0.5, 2.0, -1.0), dt_evening=ThermalDraw(0.3, 1.0, -1.0),
        glint_variants=(2,),
    ),
    # Chunks of old creosoted sleepers, 20 to 60 cm: dark brown to black wood, split and
    # weathered grey on top; warm in the sun. A class of the held-out ``rail-embankment`` family only.
    "sleeper_chunk": ObjectLook(
        "bar", 0.20, 0.07, 0.08,
        rgb=((0.22, 0.17, 0.13), (0.42, 0.40, 0.37)),
        reflectance=((0.03, 0.04, 0.05, 0.08, 0.11), (0.10, 0.12, 0.14, 0.17, 0.21)),
        scale_range=(0.5, 1.5), dt_morning=ThermalDraw(1.0, 2.5), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Spent shotgun shells left by duck hunters, 6 to 7 cm long and 2 cm across: a plastic
    # tube, red, green, blue or black, some faded pale by the sun (the brass head is too
    # small to draw at 0.5 cm); thin plastic, a little warmer than the damp clay in the sun.
    # PFM-1 sized and, in green, close to its colour. A class of the held-out ``marsh-edge``
    # family only.
    "shotgun_shell": ObjectLook(
        "capsule", 0.034, 0.0105, 0.021,
        rgb=((0.62, 0.13, 0.10), (0.15, 0.36, 0.17), (0.15, 0.22, 0.52), (0.08, 0.08, 0.09),
             (0.78, 0.52, 0.46)),
        reflectance=((0.05, 0.05, 0.38, 0.48, 0.52), (0.05, 0.12, 0.06, 0.16, 0.26),
                     (0.28, 0.12, 0.06, 0.09, 0.18), (0.04, 0.04, 0.04, 0.05, 0.06),
                     (0.30, 0.26, 0.48, 0.52, 0.55)),
        scale_range=(0.85, 1.15), dt_morning=ThermalDraw(0.2, 1.2), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Broken dry reed stems blown out of the marsh, 30 to 150 cm: thin, pale buff to grey;
    # dry, warm in the sun. A class of the held-out ``marsh-edge`` family only.
    "reed_stem": ObjectLook(
        "bar", 0.40, 0.007, 0.014,
        rgb=((0.76, 0.68, 0.50), (0.58, 0.54, 0.46)),
        reflectance=((0.20, 0.26, 0.32, 0.38, 0.42), (0.14, 0.17, 0.20, 0.24, 0.28)),
        scale_range=(0.4, 1.9), dt_morning=ThermalDraw(0.5, 1.5), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Potatoes left on the ridges after a harvest, 5 to 10 cm: smooth ovals, pale tan, yellow-
    # brown or red-skinned, some green where the sun reached them; damp, a little cooler than the
    # dry ridge tops in the sun. PFM-1 sized and, in tan, close to the labelled ones' colour. A
    # class of the held-out ``potato-harvest`` family only.
    "potato": ObjectLook(
        "blob", 0.038, 0.027, 0.04,
        rgb=((0.76, 0.64, 0.46), (0.58, 0.44, 0.28), (0.62, 0.30, 0.26), (0.52, 0.56, 0.34)),
        reflectance=((0.18, 0.24, 0.32, 0.40, 0.46), (0.10, 0.14, 0.20, 0.28, 0.34),
                     (0.08, 0.08, 0.22, 0.34, 0.40), (0.06, 0.14, 0.10, 0.30, 0.40)),
        scale_range=(0.65, 1.3), dt_morning=ThermalDraw(0.3, 1.2, -1.0), dt_evening=ThermalDraw(0.2, 0.8),
    ),
    # Dry potato haulm (stems) left after the harvest, 20 to 60 cm: tangled, dark brown to
    # black; dry, warm in the sun. A class of the held-out ``potato-harvest`` family only.
    "haulm": ObjectLook(
        "bar", 0.20, 0.02, 0.03,
        rgb=((0.24, 0.19, 0.14), (0.36, 0.30, 0.22)),
        reflectance=((0.04, 0.05, 0.07, 0.10, 0.13), (0.07, 0.09, 0.12, 0.16, 0.20)),
        scale_range=(0.5, 1.5), dt_morning=ThermalDraw(0.5, 1.5), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Dung on a grazed pasture: cow and camel pats, 15 to 35 cm irregular flat discs, dark olive-
    # brown when fresh, dry ones pale grey-brown and crusted; fresh ones warm, dry ones at the
    # soil's temperature or a little cooler. A class of the held-out ``hill-pasture`` family only.
    "dung_pat": ObjectLook(
        "blob", 0.12, 0.09, 0.02,
        rgb=((0.26, 0.23, 0.14), (0.36, 0.31, 0.20), (0.56, 0.52, 0.44)),
        reflectance=((0.04, 0.05, 0.06, 0.09, 0.13), (0.06, 0.08, 0.10, 0.14, 0.19),
                     (0.12, 0.14, 0.17, 0.21, 0.25)),
        scale_range=(0.6, 1.5), dt_morning=ThermalDraw(0.5, 2.0), dt_evening=ThermalDraw(0.3, 1.5),
    ),
    # Tufts of shed sheep and goat wool caught on the grass, 4 to 12 cm: irregular, off-white,
    # cream, grey-brown or black; light and dry, at the grass's temperature. PFM-1 sized. A class
    # of the held-out ``hill-pasture`` family only.
    "wool_tuft": ObjectLook(
        "blob", 0.035, 0.022, 0.02,
        rgb=((0.86, 0.84, 0.78), (0.78, 0.72, 0.58), (0.50, 0.44, 0.36), (0.14, 0.13, 0.12)),
        reflectance=((0.50, 0.54, 0.58, 0.62, 0.64), (0.34, 0.40, 0.48, 0.54, 0.58),
                     (0.14, 0.17, 0.21, 0.26, 0.30), (0.04, 0.04, 0.05, 0.07, 0.09)),
        scale_range=(0.6, 1.4), dt_morning=ThermalDraw(0.0, 0.6, -1.0), dt_evening=ThermalDraw(0.0, 0.6),
    ),
    # Fallen walnut and poplar leaves in autumn, 6 to 14 cm: flat ovals, yellow, ochre, brown
    # or still green; thin, at the air's temperature, a little cooler than the soil in the sun.
    # PFM-1 sized and, green or brown, PFM-1 coloured. A class of the held-out ``walnut-grove``
    # family only.
    "fallen_leaf": ObjectLook(
        "blob", 0.048, 0.024, 0.004,
        rgb=((0.78, 0.66, 0.22), (0.62, 0.44, 0.18), (0.42, 0.30, 0.18), (0.34, 0.42, 0.16)),
        reflectance=((0.08, 0.20, 0.24, 0.38, 0.46), (0.06, 0.12, 0.18, 0.30, 0.40),
                     (0.05, 0.07, 0.10, 0.20, 0.30), (0.04, 0.10, 0.06, 0.30, 0.44)),
        scale_range=(0.7, 1.4), dt_morning=ThermalDraw(0.3, 1.2, -1.0), dt_evening=ThermalDraw(0.0, 0.5),
    ),
    # Walnut husks split from the nuts, 4 to 6 cm: rounded, dark green going black as they rot;
    # moist, a little cooler than the soil in the sun. A class of the held-out ``walnut-grove``
    # family only.
    "walnut_husk": ObjectLook(
        "blob", 0.025, 0.021, 0.035,
        rgb=((0.20, 0.26, 0.12), (0.10, 0.10, 0.08), (0.30, 0.28, 0.16)),
        reflectance=((0.03, 0.07, 0.05, 0.20, 0.30), (0.03, 0.03, 0.03, 0.05, 0.07),
                     (0.05, 0.08, 0.09, 0.16, 0.22)),
        scale_range=(0.8, 1.2), dt_morning=ThermalDraw(0.3, 1.0, -1.0), dt_evening=ThermalDraw(0.0, 0.5),
    ),
    # Fruit strands of date palms cut or fallen after the harvest, 10 to 25 cm: thin, straw-
    # yellow to orange, browning as they dry; dry, warm in the sun. PFM-1 long and, orange or
    # brown, PFM-1 coloured. A class of the held-out ``date-palm`` family only.
    "date_strand": ObjectLook(
        "bar", 0.080, 0.012, 0.015,
        rgb=((0.82, 0.62, 0.26), (0.76, 0.44, 0.16), (0.52, 0.38, 0.22)),
        reflectance=((0.08, 0.20, 0.34, 0.42, 0.48), (0.06, 0.12, 0.30, 0.38, 0.44),
                     (0.06, 0.09, 0.14, 0.22, 0.30)),
        scale_range=(0.6, 1.5), dt_morning=ThermalDraw(0.5, 2.0), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Fallen dates, 3 to 5 cm ovals: red-brown to near black, a few still yellow; sticky, at the
    # soil's temperature. A class of the held-out ``date-palm`` family only.
    "date_fruit": ObjectLook(
        "blob", 0.020, 0.012, 0.015,
        rgb=((0.40, 0.18, 0.10), (0.18, 0.10, 0.08), (0.80, 0.62, 0.20)),
        reflectance=((0.04, 0.05, 0.12, 0.20, 0.30), (0.03, 0.03, 0.05, 0.08, 0.12),
                     (0.08, 0.22, 0.34, 0.44, 0.50)),
        scale_range=(0.8, 1.3), dt_morning=ThermalDraw(0.0, 0.6), dt_evening=ThermalDraw(0.0, 0.5),
    ),
    # Olive prunings left between the trees, 12 to 30 cm: thin shoots with narrow grey-green,
    # silvery or, dried, brown leaves; at the air's temperature, a little cooler than the soil
    # in the sun. A class of the held-out ``olive-grove`` family only.
    "olive_twig": ObjectLook(
        "bar", 0.120, 0.030, 0.030,
        rgb=((0.46, 0.50, 0.38), (0.60, 0.62, 0.54), (0.50, 0.42, 0.30)),
        reflectance=((0.05, 0.09, 0.07, 0.25, 0.36), (0.08, 0.12, 0.11, 0.28, 0.38),
                     (0.09, 0.12, 0.16, 0.24, 0.30)),
        scale_range=(0.5, 1.3), dt_morning=ThermalDraw(0.2, 1.0, -1.0), dt_evening=ThermalDraw(0.1, 0.6),
    ),
    # Shards of terracotta roof tiles and pots from the terrace walls, 5 to 15 cm: flat, orange-
    # red, pale or weathered dark; ceramic, warm in the sun. PFM-1 sized and, weathered, PFM-1
    # coloured. A class of the held-out ``olive-grove`` family only.
    "tile_shard": ObjectLook(
        "blob", 0.050, 0.035, 0.010,
        rgb=((0.72, 0.40, 0.26), (0.80, 0.58, 0.44), (0.52, 0.32, 0.22)),
        reflectance=((0.09, 0.12, 0.28, 0.36, 0.40), (0.16, 0.22, 0.36, 0.42, 0.45),
                     (0.07, 0.09, 0.17, 0.23, 0.27)),
        scale_range=(0.6, 1.4), dt_morning=ThermalDraw(0.8, 2.0), dt_evening=ThermalDraw(0.3, 1.0),
    ),
    # Cotton bolls dropped or left open after the picking, 4 to 8 cm: fluffy white to cream
    # tufts, some grey with dust, on a dry brown bract; light, at the air's temperature. PFM-1
    # sized; not metal. A class of the held-out ``cotton-field`` family only.
    "cotton_boll": ObjectLook(
        "blob", 0.030, 0.022, 0.03,
        rgb=((0.92, 0.91, 0.87), (0.84, 0.80, 0.70), (0.66, 0.63, 0.58)),
        reflectance=((0.55, 0.60, 0.63, 0.66, 0.68), (0.40, 0.46, 0.52, 0.57, 0.60),
                     (0.26, 0.29, 0.32, 0.36, 0.39)),
        scale_range=(0.6, 1.4), dt_morning=ThermalDraw(0.2, 1.0, -1.0), dt_evening=ThermalDraw(0.0, 0.5),
    ),
    # Dry cotton stalks pulled after the harvest, 25 to 60 cm: woody, branched, grey-brown to
    # dark brown; dry, warm in the sun. A class of the held-out ``cotton-field`` family only.
    "cotton_stalk": ObjectLook(
        "bar", 0.300, 0.012, 0.03,
        rgb=((0.46, 0.38, 0.30), (0.34, 0.28, 0.22), (0.56, 0.50, 0.44)),
        reflectance=((0.08, 0.10, 0.14, 0.22, 0.28), (0.06, 0.08, 0.10, 0.17, 0.23),
                     (0.11, 0.13, 0.17, 0.24, 0.29)),
        scale_range=(0.4, 1.0), dt_morning=ThermalDraw(0.4, 1.5), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Cassava stem cuttings left on the ground after the planting or the harvest, 15 to 30 cm
    # long and 2 to 3 cm thick: woody, knobbly with leaf scars, grey-brown, tan or green-brown;
    # dry, warm in the sun. A class of the held-out ``cassava-plot`` family only.
    "cassava_stem": ObjectLook(
        "bar", 0.110, 0.013, 0.025,
        rgb=((0.55, 0.47, 0.38), (0.66, 0.58, 0.46), (0.44, 0.44, 0.30)),
        reflectance=((0.08, 0.11, 0.15, 0.23, 0.29), (0.11, 0.14, 0.19, 0.27, 0.32),
                     (0.06, 0.10, 0.11, 0.24, 0.31)),
        scale_range=(0.7, 1.4), dt_morning=ThermalDraw(0.5, 1.5), dt_evening=ThermalDraw(0.2, 0.8, -1.0),
    ),
    # Broken cassava roots left by the harvest, 6 to 14 cm pieces: dark brown bark, or the white
    # to cream flesh where broken or peeled; moist, a little cooler than the soil. PFM-1 sized
    # and, with the bark on, PFM-1 coloured. A class of the held-out ``cassava-plot`` family only.
    "cassava_root": ObjectLook(
        "capsule", 0.050, 0.020, 0.035,
        rgb=((0.42, 0.29, 0.19), (0.86, 0.82, 0.70), (0.33, 0.24, 0.16)),
        reflectance=((0.05, 0.07, 0.11, 0.17, 0.22), (0.42, 0.46, 0.48, 0.52, 0.55),
                     (0.04, 0.05, 0.08, 0.13, 0.18)),
        scale_range=(0.6, 1.4), dt_morning=ThermalDraw(0.3, 1.5, -1.0), dt_evening=ThermalDraw(0.2, 1.0, -1.0),
    ),
    # Shreds of plastic carrier bag caught on the ground at a village's edge, 8 to 30 cm: thin
    # and flat, crumpled, white, black, sky blue or pink; light, warming fast in the sun and
    # cooling fast after it. PFM-1 sized when torn small. A class of the held-out
    # ``village-edge`` family only.
    "plastic_bag": ObjectLook(
        "blob", 0.075, 0.045, 0.008,
        rgb=((0.88, 0.88, 0.86), (0.10, 0.10, 0.11), (0.40, 0.62, 0.84), (0.86, 0.52, 0.62)),
        reflectance=((0.60, 0.66, 0.70, 0.72, 0.74), (0.04, 0.04, 0.04, 0.05, 0.06),
                     (0.45, 0.40, 0.20, 0.40, 0.55), (0.35, 0.30, 0.55, 0.65, 0.70)),
        scale_range=(0.5, 2.0), dt_morning=ThermalDraw(1.0, 3.0), dt_evening=ThermalDraw(0.5, 1.5, -1.0),
    ),
    # Snack and tea wrappers, 6 to 14 cm: metallised foil inside (glints), printed red, yellow
    # or green outside; flat. A class of the held-out ``village-edge`` family only.
    "foil_wrapper": ObjectLook(
        "bar", 0.050, 0.025, 0.003,
        rgb=((0.80, 0.80, 0.82), (0.80, 0.18, 0.14), (0.90, 0.76, 0.16), (0.22, 0.56, 0.26)),
        reflectance=((0.55, 0.56, 0.57, 0.58, 0.58), (0.08, 0.08, 0.50, 0.58, 0.62),
                     (0.10, 0.45, 0.60, 0.64, 0.66), (0.06, 0.30, 0.10, 0.40, 0.50)),
        scale_range=(0.6, 1.4), dt_morning=ThermalDraw(0.5, 2.0), dt_evening=ThermalDraw(0.5, 1.5, -1.0),
        glint_variants=(0,),
    ),
    # A 0.5 l PET bottle on its side (20 x 6.5 cm): clear, blue or green.
    "plastic_bottle": ObjectLook(
        "capsule", 0.100, 0.033, 0.065,
        rgb=((0.86, 0.89, 0.90), (0.27, 0.47, 0.78), (0.24, 0.56, 0.32)),
        reflectance=((0.55, 0.58, 0.59, 0.60, 0.58), (0.42, 0.26, 0.10, 0.30, 0.45),
                     (0.10, 0.30, 0.12, 0.35, 0.45)),
        scale_range=(0.8, 1.2), dt_morning=ThermalDraw(1.5, 3.5), dt_evening=ThermalDraw(1.0, 2.0, -1.0),
    ),
    # A drinks can on its side (12 x 6.6 cm): bare aluminium (glints) or red paint.
    "can": ObjectLook(
        "capsule", 0.060, 0.033, 0.066,
        rgb=((0.78, 0.79, 0.81), (0.72, 0.14, 0.12)),
        reflectance=((0.50, 0.52, 0.53, 0.54, 0.55), (0.08, 0.07, 0.45, 0.55, 0.60)),
        scale_range=(0.9, 1.1), dt_morning=ThermalDraw(1.0, 2.0, -1.0), dt_evening=ThermalDraw(1.0, 2.0, -1.0),
        glint_variants=(0,),
    ),
    # Paper and card, 10 to 24 cm sheets lying flat: white or newsprint grey.
    "paper": ObjectLook(
        "bar", 0.12, 0.085, 0.0,
        rgb=((0.92, 0.92, 0.89), (0.74, 0.74, 0.71)),
        reflectance=((0.70, 0.76, 0.79, 0.80, 0.80), (0.45, 0.50, 0.52, 0.53, 0.54)),
        scale_range=(0.45, 1.0), dt_morning=ThermalDraw(0.4, 1.5), dt_evening=ThermalDraw(0.5, 1.5, -1.0),
    ),
    # A boot print pressed into loose soil (28 x 10 cm): darker by a factor (shaded, damper
    # soil), lit on the side facing the sun; slightly cooler.
    "boot_print": ObjectLook(
        "boot", 0.14, 0.05, 0.0,
        rgb=((0.74, 0.73, 0.72), (0.84, 0.83, 0.82)),
        reflectance=((0.78, 0.78, 0.79, 0.80, 0.80), (0.87, 0.87, 0.88, 0.88, 0.89)),
        scale_range=(0.9, 1.1), dt_morning=ThermalDraw(0.1, 0.4, -1.0), dt_evening=ThermalDraw(0.0, 0.2),
        relief=-1.0, multiply=True,
    ),
    # Fallen palmyra palm fruit, 10 to 18 cm: round, glossy purple-black when fresh, dull
    # brown-black as it dries and the fibrous pulp shows; heavy and moist, cooler than the
    # sand in the sun. A class of the held-out ``palmyra-sand`` family only.
    "palm_fruit": ObjectLook(
        "disk", 0.070, 0.070, 0.10,
        rgb=((0.12, 0.08, 0.10), (0.24, 0.16, 0.10), (0.38, 0.26, 0.14)),
        reflectance=((0.03, 0.03, 0.04, 0.08, 0.14), (0.04, 0.05, 0.07, 0.12, 0.20),
                     (0.05, 0.08, 0.12, 0.20, 0.28)),
        scale_range=(0.7, 1.3), dt_morning=ThermalDraw(0.5, 2.0, -1.0), dt_evening=ThermalDraw(0.2, 1.0),
    ),
    # Palmyra seeds left when the pulp has rotted or been eaten, 7 to 12 cm: oval, yellow-brown
    # and shaggy with fibre, greying with age; dry, at the sand's temperature. PFM-1 sized and,
    # weathered brown, PFM-1 coloured. A class of the held-out ``palmyra-sand`` family only.
    "palm_seed": ObjectLook(
        "blob", 0.048, 0.034, 0.04,
        rgb=((0.62, 0.48, 0.28), (0.46, 0.34, 0.20), (0.58, 0.55, 0.48)),
        reflectance=((0.08, 0.14, 0.24, 0.32, 0.40), (0.06, 0.09, 0.15, 0.22, 0.30),
                     (0.14, 0.17, 0.20, 0.26, 0.32)),
        scale_range=(0.7, 1.3), dt_morning=ThermalDraw(0.0, 0.8), dt_evening=ThermalDraw(0.0, 0.6),
    ),
    # Coconut husk halves and shreds, 12 to 25 cm: fibrous, mid to dark brown, grey when old,
    # the cut side pale; light and dry, warming in the sun. A class of the held-out
    # ``palmyra-sand`` family only.
    "coconut_husk": ObjectLook(
        "blob", 0.090, 0.055, 0.06,
        rgb=((0.44, 0.30, 0.18), (0.30, 0.22, 0.15), (0.56, 0.52, 0.46)),
        reflectance=((0.06, 0.09, 0.15, 0.22, 0.30), (0.04, 0.06, 0.09, 0.15, 0.22),
                     (0.14, 0.16, 0.19, 0.24, 0.30)),
        scale_range=(0.6, 1.4), dt_morning=ThermalDraw(0.5, 2.0), dt_evening=ThermalDraw(0.3, 1.2, -1.0),
    ),
}

# Oddments: mine-sized objects of any colour and material, warm or cool by class (shards of tile,
# wood or plastic, lumps, tubes and caps), drawn per object (``any_colour``). They belong to
# no family: :func:`rams.synth.families.with_oddments` adds them to a training family's
# flights so that a model fitted there meets mine-sized clutter the detectors never saw in
# colours no family's clutter has, instead of learning that every mine-sized thing the
# CNN fires on is a mine. Never drawn in a held-out family.
_ODD = ((0.5, 0.5, 0.5),)
_ODD_REFL = ((0.2, 0.2, 0.2, 0.2, 0.2),)
DISTRACTORS.update({
    "oddment_shard": ObjectLook(
        "bar", 0.10, 0.04, 0.03, rgb=_ODD, reflectance=_ODD_REFL, any_colour=True,
        scale_range=(0.5, 1.3), dt_morning=ThermalDraw(0.3, 2.5), dt_evening=ThermalDraw(0.2, 1.2),
    ),
    "oddment_lump": ObjectLook(
        "blob", 0.10, 0.05, 0.05, rgb=_ODD, reflectance=_ODD_REFL, any_colour=True,
        scale_range=(0.5, 1.3), dt_morning=ThermalDraw(0.3, 2.0), dt_evening=ThermalDraw(0.3, 1.0, -1.0),
    ),
    "oddment_tube": ObjectLook(
        "capsule", 0.08, 0.03, 0.05, rgb=_ODD, reflectance=_ODD_REFL, any_colour=True,
        scale_range=(0.6, 1.4), dt_morning=ThermalDraw(1.0, 3.0), dt_evening=ThermalDraw(0.5, 1.5, -1.0),
    ),
})
#: The oddment classes (see above): the distractors whose colour is drawn per object.
ODDMENTS = tuple(cls for cls, lk in DISTRACTORS.items() if lk.any_colour)

# Metal oddments: the small steel of former battlefields (shell and bomblet fragments, torn
# sheet), PFM-1 sized and a little larger, drawn by ``with_oddments(spec, "metal")``
# into a training family's flights. Like the oddments above they belong to no family and are
# never drawn in a held-out family; they show the point combiner that a weak CNN response with
# both anomaly bits on something mine-sized is often metal (experiment V,
# ``benchmarks/results/rule_V_metal_oddments.md``, not adopted), and the RGB CNN that such
# metal is not a mine (a synthetic training source's ``oddments: metal``; experiment W,
# ``benchmarks/results/rule_W_metal_negatives.md``). Bare steel (dark grey, rust, or torn bright
# metal that glints) has little thermal mass and a low emissivity, so it reads cooler than the
# soil by day and by night; painted sheet heats in the sun.
_STEEL_RGB = ((0.28, 0.28, 0.30), (0.44, 0.29, 0.19), (0.72, 0.72, 0.74))
_STEEL_REFL = ((0.07, 0.08, 0.09, 0.10, 0.11), (0.06, 0.09, 0.15, 0.19, 0.22), (0.40, 0.41, 0.42, 0.43, 0.44))
DISTRACTORS.update({
    "oddment_chip": ObjectLook(
        "bar", 0.045, 0.025, 0.01, rgb=_STEEL_RGB, reflectance=_STEEL_REFL,
        scale_range=(0.6, 1.6), dt_morning=ThermalDraw(0.2, 1.5, -1.0), dt_evening=ThermalDraw(0.2, 1.0, -1.0),
        glint_variants=(2,),
    ),
    "oddment_plate": ObjectLook(
        "bar", 0.08, 0.05, 0.01,
        rgb=((0.36, 0.37, 0.26), (0.30, 0.32, 0.33), (0.50, 0.42, 0.30), *_STEEL_RGB[1:]),
        reflectance=((0.07, 0.10, 0.09, 0.15, 0.21), (0.08, 0.09, 0.09, 0.10, 0.11), (0.12, 0.15, 0.18, 0.20, 0.22),
                     *_STEEL_REFL[1:]),
        scale_range=(0.5, 1.25), dt_morning=ThermalDraw(0.3, 2.0), dt_evening=ThermalDraw(0.3, 1.2, -1.0),
        glint_variants=(4,),
    ),
})
#: The metal oddment classes (see above).
METAL_ODDMENTS = ("oddment_chip", "oddment_plate")
#: Oddment kinds of :func:`rams.synth.families.with_oddments`: its classes by name.
ODDMENT_KINDS: dict[str, tuple[str, ...]] = {"any": ODDMENTS, "metal": METAL_ODDMENTS}

#: Distractor classes of the original (steppe) generator; later ones belong to other families.
STEPPE_DISTRACTORS = ("rock", "metal_debris", "warm_patch")


def look(cls: str) -> ObjectLook:
    """The appearance of a mine or distractor class (KeyError for an unknown class)."""
    return MINES[cls] if cls in MINES else DISTRACTORS[cls]
