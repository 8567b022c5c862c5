"""``configs/default.yaml`` documents every option the pipeline reads, with the code's defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from rams.config import PipelineConfig, load_config

DEFAULT_YAML = Path(__file__).resolve().parents[1] / "configs" / "default.yaml"


def _sections() -> dict[str, type[BaseModel]]:
    out = {}
    for name, field in PipelineConfig.model_fields.items():
        assert field.default_factory is not None, name
        out[name] = type(field.default_factory())  # type: ignore[call-arg]
    return out


def test_every_option_is_in_the_default_file_and_no_other() -> None:
    written = yaml.safe_load(DEFAULT_YAML.read_text(encoding="utf-8"))
    sections = _sections()
    assert set(written) == set(sections)
    for name, model in sections.items():
        assert set(written[name] or {}) == set(model.model_fields), name


@pytest.mark.parametrize("section", sorted(PipelineConfig.model_fields))
def test_the_file_repeats_the_code_defaults(section: str) -> None:
    model = _sections()[section]
    assert getattr(load_config(), section).model_dump() == model().model_dump()


def test_every_option_has_a_comment() -> None:
    """Each option line, or the comment line above it, says what the option does."""
    lines = DEFAULT_YAML.read_text(encoding="utf-8").splitlines()
    undocumented = []
    for i, line in enumerate(lines):
        m = re.match(r"^  ([a-z_0-9]+):", line)
        if m is None:
            continue
        block_value = not line.split(":", 1)[1].strip()  # a mapping or list on the next lines
        commented = "#" in line or re.match(r"^  #", lines[i - 1]) is not None  # not a continuation
        if not commented and not block_value:
            undocumented.append(m.group(1))
    assert undocumented == []
