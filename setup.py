"""Build hook: copy the top-level ``configs/`` and ``models/`` into the wheel as package data.

The top-level folders stay the source of truth (edited, reviewed and used in place by a
checkout or an editable install); a wheel gets a copy under ``rams/_bundled/`` so that
``pip install .`` works from anywhere. :mod:`rams.config_paths` picks the one that exists.
All other metadata is in ``pyproject.toml``.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: (folder, glob patterns) copied into rams/_bundled/<folder>/; training recipes stay out
#: (they point at datasets beside a checkout).
BUNDLED = (
    ("configs", ("default.yaml", "sensors/*.yaml")),
    ("models", ("*.pt", "*.pt.sha256", "*.md", "*.json")),
)


class BuildPyWithData(build_py):
    """``build_py`` that also copies the bundled configuration and models."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the top-level folders directly
        for folder, patterns in BUNDLED:
            for pattern in patterns:
                for src in sorted((ROOT / folder).glob(pattern)):
                    dst = Path(self.build_lib) / "rams" / "_bundled" / src.relative_to(ROOT)
                    self.mkpath(str(dst.parent))
                    self.copy_file(str(src), str(dst))


setup(cmdclass={"build_py": BuildPyWithData})
