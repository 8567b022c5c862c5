"""Conditions of a tile set: how its file names sort images into groups for the benchmark.

Some tile sets record the acquisition conditions of each image in its file name (the real
thermal set records the burial depth: ``..._Mine_5cm_depth_...``); the tile benchmark
(:func:`rams.evaluation.tiles.evaluate_tiles`) breaks its metrics down by them. How a name
is read is a property of the data set, not of the library, so each convention is a
:class:`ConditionScheme` registered here by name, and the tile set chooses one:

1. by name (``rams benchmark tiles --conditions NAME``, or ``conditions=`` in the API);
2. else by a ``conditions: NAME`` key in the set's ``data.yaml`` (the set's own marker);
3. else the first registered scheme whose ``recognises`` accepts the set's ``data.yaml``
   (the thermal set is recognised from its Roboflow export fields, as shipped);
4. else ``none``: every image in one group, ``"unknown"``.

A new convention is a function ``file name -> condition label`` wrapped in a
:class:`ConditionScheme` and passed to :func:`register_conditions`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rams.errors import RamsInputError
from rams.yamlio import read_yaml

#: A condition parser: an image's file name -> its condition label.
ConditionParser = Callable[[str], str]

#: The label of an image whose name records no condition.
UNKNOWN = "unknown"

#: ``data.yaml`` key by which a tile set names its scheme.
MARKER_KEY = "conditions"


@dataclass(frozen=True)
class ConditionScheme:
    """A data set's convention for the conditions in its file names.

    Attributes:
        name: registry name (``--conditions NAME``, ``conditions: NAME`` in data.yaml).
        parse: file name -> condition label (:data:`UNKNOWN` where the name says nothing).
        description: one line for help texts.
        recognises: ``data.yaml`` contents -> whether this is a set that follows the
            convention without saying so (None: chosen only by name).
    """

    name: str
    parse: ConditionParser
    description: str
    recognises: Callable[[Mapping[str, Any]], bool] | None = None


def _no_conditions(_name: str) -> str:
    return UNKNOWN


NONE = ConditionScheme("none", _no_conditions, "no conditions in the file names: one group, 'unknown'")

_SCHEMES: dict[str, ConditionScheme] = {NONE.name: NONE}
_BUILTINS_LOADED = False


def _load_builtins() -> None:
    """Register the schemes shipped with rams (imported on first use, not at import time)."""
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        _BUILTINS_LOADED = True
        from rams.evaluation.thermal_conditions import THERMAL_DEPTH

        _SCHEMES.setdefault(THERMAL_DEPTH.name, THERMAL_DEPTH)


def register_conditions(scheme: ConditionScheme) -> None:
    """Add (or replace) a scheme under ``scheme.name``."""
    _load_builtins()
    _SCHEMES[scheme.name] = scheme


def condition_schemes() -> dict[str, ConditionScheme]:
    """The registered schemes by name (``none`` first)."""
    _load_builtins()
    return dict(_SCHEMES)


def condition_scheme(name: str) -> ConditionScheme:
    """The scheme registered as ``name``.

    Raises:
        RamsInputError: no scheme of that name.
    """
    schemes = condition_schemes()
    if name not in schemes:
        raise RamsInputError(None, f"unknown conditions scheme {name!r} (known: {', '.join(schemes)})")
    return schemes[name]


def _data_yaml(root: Path) -> Mapping[str, Any]:
    path = root / "data.yaml"
    if not path.is_file():
        return {}
    data = read_yaml(path, "data set description")
    return data if isinstance(data, dict) else {}


def conditions_for_set(root: str | Path, name: str | None = None) -> ConditionScheme:
    """The scheme of a tile set (see the module docstring for the order of choice).

    Args:
        root: the YOLO tile set folder.
        name: a scheme chosen by the caller, or None to let the set decide.

    Raises:
        RamsInputError: ``name`` or the set's ``conditions:`` marker names no scheme.
    """
    if name is not None:
        return condition_scheme(name)
    data = _data_yaml(Path(root))
    marker = data.get(MARKER_KEY)
    if marker is not None:
        return condition_scheme(str(marker))
    for scheme in condition_schemes().values():
        if scheme.recognises is not None and scheme.recognises(data):
            return scheme
    return NONE
