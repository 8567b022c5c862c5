"""Where the bundled configuration lives (``configs/`` at the repository root)."""

from __future__ import annotations

import os
from pathlib import Path


def config_dir() -> Path:
    """The folder holding ``default.yaml`` and ``sensors/`` (override with ``RAMS_CONFIG_DIR``)."""
    env = os.environ.get("RAMS_CONFIG_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "configs"


def models_dir() -> Path:
    """The folder holding shipped model weights and cards (override with ``RAMS_MODELS_DIR``)."""
    env = os.environ.get("RAMS_MODELS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "models"
