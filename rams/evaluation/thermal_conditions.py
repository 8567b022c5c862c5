"""The real thermal tile set's file-name convention: burial depth (``thermal-depth``).

``../shared/datasets/landmines-thermal-yolo`` (Roboflow ``xamurani/landmines_detection``)
names each frame after its lane zone, the burial depth of the mine and the range, e.g.
``1104_Zone_4_Surface_Mine_0cm_depth__0-7m_...jpg`` or ``1139_Zone_6__free_zone__6-7m...``.
Registered with :mod:`rams.evaluation.conditions`; the set is recognised from the
Roboflow fields of its ``data.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rams.evaluation.conditions import UNKNOWN, ConditionScheme

_DEPTH = re.compile(r"(?<![0-9])(\d+)_?cm_depth", re.IGNORECASE)

#: The Roboflow export the convention belongs to (``roboflow:`` in its data.yaml).
ROBOFLOW_WORKSPACE, ROBOFLOW_PROJECT = "xamurani", "landmines_detection"


def burial_depth_condition(name: str) -> str:
    """Condition a thermal tile's file name records (burial depth).

    Returns:
        "0 cm (surface)", "1 cm", "5 cm", "10 cm" (any ``N cm``), "no mine (free zone)",
        or "unknown".
    """
    m = _DEPTH.search(name)
    if m:
        depth = int(m.group(1))
        return "0 cm (surface)" if depth == 0 else f"{depth} cm"
    low = name.lower()
    if "surface" in low:
        return "0 cm (surface)"
    if "free_zone" in low:
        return "no mine (free zone)"
    return UNKNOWN


def is_thermal_set(data_yaml: Mapping[str, Any]) -> bool:
    """Whether a ``data.yaml`` is the thermal set's Roboflow export."""
    rf = data_yaml.get("roboflow")
    return (isinstance(rf, dict) and rf.get("workspace") == ROBOFLOW_WORKSPACE
            and rf.get("project") == ROBOFLOW_PROJECT)


THERMAL_DEPTH = ConditionScheme(
    "thermal-depth", burial_depth_condition,
    "burial depth from '<N>cm_depth', 'Surface' and 'free_zone' in the file names (real thermal set)",
    recognises=is_thermal_set,
)
