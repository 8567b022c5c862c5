"""Synthetic flights: ms, thermal and RGB orthomosaics of a known minefield scene.

Used by the demo, the tests, CNN training and the benchmarks. Entry point:
:func:`generate_flight`. RGB is 0.5 cm per pixel by default, multispectral 5 cm, thermal
10 cm.

Scene families (:mod:`rams.synth.families`) change the ground and the clutter around the
same mines: ``steppe`` (the default, the original generator), ``sand-litter``,
``rocky-scrub``, ``ploughed``, ``meadow``, ``stubble``, ``orchard``, ``riverbank``, ``burnt``,
``sunflower``, ``gravel-plain``, ``savanna``, ``rubble``, ``winter-wheat``, ``front-line``, ``karst``, ``paddy``, ``pine-edge``, ``vineyard``, ``maize-stubble``, ``rail-embankment``, ``marsh-edge``, ``potato-harvest``, ``hill-pasture``, ``walnut-grove``, ``date-palm``, ``olive-grove``, ``cotton-field``, ``cassava-plot``, ``village-edge``, ``basalt-plateau``, ``salt-flat``, ``peat-moor``, ``lichen-tundra``, ``snowmelt-field``, ``coffee-slope``, ``qat-terrace``, ``forest-belt``, ``wadi`` and ``palmyra-sand``.

Protocol: :data:`HELD_OUT_FAMILIES` (``ploughed``, the benchmarks' default
:data:`HELD_OUT_FAMILY`, ``stubble``, ``orchard``, ``riverbank``, ``burnt``, ``sunflower``,
``gravel-plain``, ``savanna``, ``rubble``, ``winter-wheat``, ``front-line``, ``karst``, ``paddy``, ``pine-edge``, ``vineyard``, ``maize-stubble``, ``rail-embankment``, ``marsh-edge``, ``potato-harvest``, ``hill-pasture``, ``walnut-grove``, ``date-palm``, ``olive-grove``, ``cotton-field``, ``cassava-plot``, ``village-edge``, ``basalt-plateau``, ``salt-flat``, ``peat-moor``, ``lichen-tundra``, ``snowmelt-field``, ``coffee-slope``, ``qat-terrace``, ``forest-belt``, ``wadi`` and ``palmyra-sand``) are never used to train or tune any
model or threshold; they are only benchmarked, to measure how a detector does on ground it has
never seen. Training and tuning use :data:`TRAINING_FAMILIES`: the detectors only
:data:`DETECTOR_FAMILIES`, because :data:`COMBINER_FAMILY` is kept from them for the point
combiner. Seeds 0 to 9 are for tests, seeds 1000 and above for benchmarks.
"""

from rams.synth.families import (
    COMBINER_FAMILY,
    DETECTOR_FAMILIES,
    FAMILIES,
    HELD_OUT_FAMILIES,
    HELD_OUT_FAMILY,
    TRAINING_FAMILIES,
)
from rams.synth.flight import SynthFlight, generate_flight

__all__ = [
    "COMBINER_FAMILY",
    "DETECTOR_FAMILIES",
    "FAMILIES",
    "HELD_OUT_FAMILIES",
    "HELD_OUT_FAMILY",
    "TRAINING_FAMILIES",
    "SynthFlight",
    "generate_flight",
]
