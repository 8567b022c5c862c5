"""Choices and output conventions shared by the commands.

Every command writes its summary or result (tables, ``--json``) on stdout and its progress
bars, status lines, log messages and warnings on stderr, so ``rams ... > summary.txt`` keeps
the summary and nothing else. ``--quiet`` removes the progress bars and status lines; warnings,
errors and the summary still print.

The choices are enums so that ``--help`` lists them and click refuses anything else with a
usage error (exit 2). They are spelled out here rather than imported from the library, which
would load torch for ``rams --help``; ``tests/cli`` checks they match the library's lists.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any

from rich.console import Console

#: Summaries and results.
stdout = Console()
#: Progress, status lines and warnings.
stderr = Console(stderr=True)

QUIET_HELP = "No progress bars or status lines on stderr (warnings, errors and the summary still print)."


class TrainPrecision(StrEnum):
    """Forward-pass precision of training (see :mod:`rams.detection.detector`)."""

    float32 = "float32"
    bfloat16 = "bfloat16"


class InferencePrecision(StrEnum):
    """Precision the detector runs in for inference."""

    float32 = "float32"
    bfloat16 = "bfloat16"


class Channels(StrEnum):
    """Input bands a detector is trained on."""

    thermal = "thermal"
    rgb = "rgb"


class Preset(StrEnum):
    """Detector architecture preset (:data:`rams.detection.model.PRESETS`)."""

    small = "small"
    base = "base"


class Split(StrEnum):
    """A split of a YOLO tile set."""

    train = "train"
    valid = "valid"
    test = "test"


class BudgetClock(StrEnum):
    """How a training time budget is measured."""

    wall = "wall"
    cpu = "cpu"


class Family(StrEnum):
    """Synthetic scene family (:data:`rams.synth.families.FAMILIES`)."""

    steppe = "steppe"
    sand_litter = "sand-litter"
    rocky_scrub = "rocky-scrub"
    ploughed = "ploughed"


class Wgs84Sensor(StrEnum):
    """A sensor ``rams synth`` can write in EPSG:4326 (:data:`rams.synth.flight.SENSOR_ALIASES`)."""

    ms = "ms"
    multispectral = "multispectral"
    thermal = "thermal"
    rgb = "rgb"


def print_json(data: Any) -> None:
    """Write ``data`` as indented JSON on stdout (plain text: no colour codes to strip)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
    sys.stdout.flush()
