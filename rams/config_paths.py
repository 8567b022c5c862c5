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


#: Environment variable naming the user's rams cache folder (see :func:`cache_dir`).
CACHE_DIR_ENV = "RAMS_CACHE_DIR"


def cache_dir() -> Path | None:
    """The user's rams cache folder; None where there is no home to put it in.

    ``$RAMS_CACHE_DIR``, else ``$XDG_CACHE_HOME/rams``, else ``~/.cache/rams``. It holds
    what a run can rebuild (inference-probe verdicts, built int8 networks, input
    checksums): deleting it costs time, never results.
    """
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "rams"
    try:
        return Path.home() / ".cache" / "rams"
    except RuntimeError:  # no HOME and no passwd entry
        return None


def models_dir() -> Path:
    """The folder holding shipped model weights and cards (override with ``RAMS_MODELS_DIR``)."""
    env = os.environ.get("RAMS_MODELS_DIR")
    return Path(env) if env else _bundled_or_checkout("models")
