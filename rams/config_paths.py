"""Where the bundled configuration and models live.

In a checkout (or an editable install) they are the top-level ``configs/`` and ``models/``
folders, the source of truth. A wheel carries a copy of them as package data under
``rams/_bundled/`` (written by ``setup.py`` at build time), used when present. Environment
variables override both.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled_or_checkout(name: str) -> Path:
    bundled = _PACKAGE / "_bundled" / name
    return bundled if bundled.is_dir() else _PACKAGE.parent / name


def config_dir() -> Path:
    """The folder holding ``default.yaml`` and ``sensors/`` (override with ``RAMS_CONFIG_DIR``)."""
    env = os.environ.get("RAMS_CONFIG_DIR")
    return Path(env) if env else _bundled_or_checkout("configs")


def models_dir() -> Path:
    """The folder holding shipped model weights and cards (override with ``RAMS_MODELS_DIR``)."""
    env = os.environ.get("RAMS_MODELS_DIR")
    return Path(env) if env else _bundled_or_checkout("models")
