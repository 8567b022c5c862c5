"""Detector metadata (rams.detection.metadata): typed, and the weights' dict form kept as it is."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from rams.config_paths import models_dir
from rams.detection.metadata import DetectorMetadata
from rams.detection.model import ModelConfig, model_config

META = {"class_names": ["PFM-1"], "channels": "rgb", "in_channels": 3, "img_size": 64,
        "normalisation": {"mode": "per_image"}, "input_gsd_m": None, "threshold": 0.4,
        "config": model_config("small", 3, 1).to_dict()}


@pytest.mark.parametrize("name", ["rams_rgb", "rams_thermal"])
def test_shipped_weights_metadata_reads_and_writes_back_unchanged(name: str) -> None:
    path: Path = models_dir() / f"{name}.pt"
    meta = torch.load(path, map_location="cpu", weights_only=True)["meta"]
    typed = DetectorMetadata.from_dict(meta)
    assert typed.name == name and typed.format == "rams-centernet-1"
    assert typed.config == ModelConfig.from_dict(meta["config"]) and typed.threshold == meta["threshold"]
    assert typed.class_names == meta["class_names"] and typed.extra == {}
    back = typed.to_dict()
    assert back == meta and list(back) == list(meta)  # same keys, same order, same values


def test_thermal_and_rgb_fields() -> None:
    thermal = DetectorMetadata.from_dict(torch.load(models_dir() / "rams_thermal.pt", weights_only=True)["meta"])
    assert thermal.tta is True and thermal.input_gsd_m is None and thermal.normalisation == {"mode": "per_image"}
    assert thermal.config.in_channels == 1 and thermal.img_size == 384
    rgb = DetectorMetadata.from_dict(torch.load(models_dir() / "rams_rgb.pt", weights_only=True)["meta"])
    assert rgb.tta is True and rgb.threshold == 0.40  # flip averaging (rule T); ZT's threshold (rule ZT, 2026-12-06)
    assert rgb.config.backbone == "efficientnet_lite0"  # the pretrained trunk (rule ZT)
    assert rgb.input_gsd_m == 0.005 and rgb.max_input_gsd_m == 0.025
    assert rgb.sources is not None and rgb.sources[0]["path"] == "pfm1-drone-rgb"


def test_absent_keys_stay_absent_none_stays_none_and_extras_are_kept() -> None:
    meta = {**META, "calibrated_on": "lane 3"}
    typed = DetectorMetadata.from_dict(meta)
    assert typed.extra == {"calibrated_on": "lane 3"}
    back = typed.to_dict()
    assert back == meta and list(back) == list(meta)
    assert "tta" not in back and back["input_gsd_m"] is None
    # a field set later is appended; the dict read is not changed by it
    flipped = replace(typed, tta=True).to_dict()
    assert flipped == {**meta, "tta": True} and list(flipped)[-1] == "tta" and "tta" not in meta


def test_to_dict_is_a_copy() -> None:
    typed = DetectorMetadata.from_dict(META)
    typed.to_dict()["normalisation"]["mode"] = "fixed"
    assert typed.normalisation == {"mode": "per_image"} and META["normalisation"] == {"mode": "per_image"}


def test_missing_required_key_is_refused() -> None:
    with pytest.raises(KeyError, match="class_names"):
        DetectorMetadata.from_dict({k: v for k, v in META.items() if k != "class_names"})
