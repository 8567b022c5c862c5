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


def test_the_removed_blob_rate_key_says_where_it_went(tmp_path: Path) -> None:
    """One anomaly threshold: ``candidates.false_alarm_rate`` became ``anomaly.threshold_log10_pfa``."""
    from rams.errors import RamsInputError

    cfg = tmp_path / "old.yaml"
    cfg.write_text("candidates:\n  false_alarm_rate: 1.0e-6\n", encoding="utf-8")
    with pytest.raises(RamsInputError, match=r"old\.yaml.*anomaly\.threshold_log10_pfa"):
        load_config(cfg)
    assert "false_alarm_rate" not in DEFAULT_YAML.read_text(encoding="utf-8")


def test_blob_pixels_use_the_anomaly_threshold(tmp_path: Path) -> None:
    """The candidate stage's blob threshold is the anomaly stage's threshold_log10_pfa."""
    import numpy as np
    from rasterio.transform import Affine

    from rams.candidates.sha import build_candidates
    from tests.conftest import E0, N0, UTM, write_raster

    score = np.zeros((200, 200), np.float32)
    score[50:56, 50:56] = 7.0  # a 0.3 m blob at 7 = -log10(1e-7)
    path = tmp_path / "anomaly.tif"
    write_raster(path, score[None], crs=UTM, transform=Affine(0.05, 0, E0, 0, -0.05, N0), nodata=np.nan)
    counts = {}
    for threshold in (6.0, 8.0):
        cs = build_candidates(path, [], [], crs=UTM, flight_id="F", date=None, sensors=[],
                              config=load_config().candidates, anomaly_threshold=threshold)
        counts[threshold] = cs.n_blobs
    assert counts == {6.0: 1, 8.0: 0}


def test_the_no_extent_config_turns_the_sha_extent_off_and_nothing_else() -> None:
    """``configs/candidates_no_extent.yaml`` (documented in the README) loads and changes only the extent keys."""
    from rams.config import load_config

    base = load_config().candidates
    off = load_config(DEFAULT_YAML.parent / "candidates_no_extent.yaml").candidates
    assert (base.attach_m, base.extent_probability, base.spacing_margin_max_m) == (3.0, 0.05, 5.0)
    assert (off.attach_m, off.extent_probability, off.spacing_margin_max_m) == (0.0, None, 0.0)
    changed = {k for k in type(base).model_fields if getattr(base, k) != getattr(off, k)}
    assert changed == {"attach_m", "extent_probability", "spacing_margin_max_m"}


@pytest.mark.parametrize(("text", "match"), [
    ("anomaly:\n  inner_px: 7\n  outer_px: 5\n", r"bad\.yaml: invalid config: anomaly: .*outer window \(5\) must be larger"),
    ("anomaly:\n  inner_px: 30\n", r"bad\.yaml: invalid config: anomaly: .*inner window must be a positive odd integer"),
    ("note: 2026-13-45\n", r"bad\.yaml: config holds a value YAML cannot read"),
])
def test_a_config_the_pipeline_cannot_run_is_refused_when_read(tmp_path: Path, text: str, match: str) -> None:
    """Caught when the config is read (one line naming it), not by a tile task half way through a run."""
    from rams.errors import RamsInputError

    cfg = tmp_path / "bad.yaml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(RamsInputError, match=match):
        load_config(cfg)


def test_a_binary_config_is_refused_by_name(tmp_path: Path) -> None:
    from rams.errors import RamsInputError

    cfg = tmp_path / "bad.yaml"
    cfg.write_bytes(bytes(range(256)))
    with pytest.raises(RamsInputError, match=r"bad\.yaml: config is not UTF-8 text"):
        load_config(cfg)
