"""Fixtures for detector tests: tiny YOLO tile sets written by seeded code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def yolo_set(make_yolo_set: Callable[..., Path]) -> Path:
    """A tiny YOLO set (8 train, 4 valid, 4 test images of 64 px; see ``make_yolo_set``)."""
    return make_yolo_set("tiles")
