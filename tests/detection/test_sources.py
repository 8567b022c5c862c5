"""Training on several sources at one working GSD: GSD estimate, resampling, class mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from rams.detection.centernet import IGNORE_LEVEL, draw_targets
from rams.detection.detector import load_detector
from rams.detection.sources import (
    IGNORE_CLASS,
    SourceSpec,
    class_mapping,
    estimate_gsd_m,
    load_source,
)
from rams.detection.train_config import TrainConfig
from rams.errors import RamsInputError
from rams.training.run import train_from_sources

PROJECT = ["PFM-1", "PMN-2", "OZM-72", "TM-62"]


def write_gsd_set(root: Path, gsd_m: float, *, n: int = 6, size_px: int = 200, seed: int = 0) -> Path:
    """A YOLO set at ``gsd_m`` whose images hold bright 12 x 6 cm "PFM-1" bars and 30 cm
    dark "casings" (class names as a foreign data set spells them)."""
    rng = np.random.default_rng(seed)
    for split in ("train", "valid"):
        (root / split / "images").mkdir(parents=True)
        (root / split / "labels").mkdir(parents=True)
        for i in range(n):
            img = np.full((size_px, size_px, 3), 90, np.uint8)
            img += rng.integers(0, 10, img.shape, dtype=np.uint8)
            lines = []
            if i % 3:  # every third image is empty ground
                L, W = round(0.12 / gsd_m), round(0.06 / gsd_m)
                x, y = (int(v) for v in rng.integers(10, size_px - L - 10, 2))
                img[y:y + W, x:x + L] = 240
                lines.append(f"1 {(x + L / 2) / size_px} {(y + W / 2) / size_px} {L / size_px} {W / size_px}")
                c = round(0.30 / gsd_m)
                if c < size_px // 2:
                    img[-c - 2:-2, 2:2 + c] = 20
                    lines.append(f"0 {(2 + c / 2) / size_px} {(size_px - 2 - c / 2) / size_px} {c / size_px} {c / size_px}")
            cv2.imwrite(str(root / split / "images" / f"F{i % 2}_{i:03d}.png"), img)
            (root / split / "labels" / f"F{i % 2}_{i:03d}.txt").write_text("\n".join(lines) + "\n")
    (root / "data.yaml").write_text("names: ['ksf-casing', 'pfm-1']\n")
    return root


def test_estimate_gsd_from_object_sizes() -> None:
    # 12 cm PFM-1 boxes of 40 px (0.3 cm/px) and one TM-62 of 32 cm over 80 px (0.4 cm/px)
    assert estimate_gsd_m({"PFM-1": [40.0, 40.0, 40.0], "TM-62": [80.0]}) == pytest.approx(0.003)
    assert estimate_gsd_m({"pfm-1": [24.0]}) == pytest.approx(0.005)  # names match loosely
    assert estimate_gsd_m({"bottle": [30.0]}) is None


def test_class_mapping_names_ignore_and_errors(tmp_path: Path) -> None:
    assert class_mapping(["pfm-1", "ksf-casing"], PROJECT, {"ksf-casing": "ignore"}, tmp_path) == [0, IGNORE_CLASS]
    assert class_mapping(["mine"], PROJECT, {"mine": "TM-62"}, tmp_path) == [3]
    with pytest.raises(RamsInputError, match="'ksf-casing' is not mapped"):
        class_mapping(["pfm-1", "ksf-casing"], PROJECT, {}, tmp_path)
    with pytest.raises(RamsInputError, match="unknown class"):
        class_mapping(["pfm-1"], PROJECT, {"pfm-1": "PFM-9"}, tmp_path)


def test_sources_of_two_gsds_land_boxes_on_objects_at_working_gsd(tmp_path: Path) -> None:
    fine = write_gsd_set(tmp_path / "fine", 0.0025, seed=1)
    coarse = write_gsd_set(tmp_path / "coarse", 0.005, seed=2)
    working = 0.01
    for root, gsd in ((fine, 0.0025), (coarse, 0.005)):
        src = load_source(SourceSpec(root, classes={"ksf-casing": "ignore"}), PROJECT, working_gsd_m=working)
        assert src.gsd_estimated and src.gsd_m == pytest.approx(gsd, rel=0.03)
        assert src.counts["PFM-1"] == 4
        for img, boxes, classes in zip(src.train.images, src.train.boxes, src.train.classes, strict=True):
            assert img.shape[0] == round(200 * gsd / working)
            for (x0, y0, x1, y1), k in zip(boxes, classes, strict=True):
                if k != 0:
                    continue
                # a 12 x 6 cm object is 12 x 6 px at 1 cm whatever the source's GSD
                assert (x1 - x0, y1 - y0) == pytest.approx((12, 6), abs=0.6)
                inside = img[int(y0) + 1:int(y1) - 1, int(x0) + 1:int(x1) - 1].mean()
                assert inside > 200  # the box sits on the bright object
            assert set(classes.tolist()) <= {0, IGNORE_CLASS}


@pytest.mark.slow  # tens of seconds: CI runs it in its named slow subset (.ci/run)
def test_tiny_model_trains_on_two_gsd_sources(tmp_path: Path) -> None:
    fine = write_gsd_set(tmp_path / "fine", 0.0025, seed=1)
    coarse = write_gsd_set(tmp_path / "coarse", 0.005, seed=2)
    specs = [SourceSpec(fine, classes={"ksf-casing": "ignore"}, select_prefixes=("F1",)),
             SourceSpec(coarse, classes={"ksf-casing": "ignore"}, weight=2.0)]
    out = tmp_path / "tiny.pt"
    config = TrainConfig(img_size=64, epochs=2, batch_size=4, preset="small", eval_every=1,
                         copy_paste=0.5, blur_p=0.3, jpeg_p=0.3, shadow_p=0.3, amplitude_mix=0.5,
                         hard_negative_every=1, hard_negative_min_score=0.0, max_false_alarms_per_image=0.5)
    summary = train_from_sources(specs, out, working_gsd_m=0.01, class_names=PROJECT, config=config,
                                 progress=False)
    det = load_detector(out)
    assert det.input_gsd_m == 0.01 and det.max_input_gsd_m == pytest.approx(0.05)  # 5x by default
    assert summary["n_train"] == 6 + 3  # all of "coarse", the F0 images of "fine"
    assert summary["n_valid"] == 3
    mined = summary["history"][0]  # a mining round after epoch 1 (not after the last)
    assert mined["hard_images"] == 9 and mined["hard_false_alarms"] > 0
    assert "hard_images" not in summary["history"][-1]
    from rams.detection.precision import cpu_flags, native_bfloat16

    # precision auto by default, resolved for this CPU and recorded with the weights
    expected = "bfloat16" if native_bfloat16(cpu_flags()) else "float32"
    assert summary["precision_choice"]["requested"] == "auto"
    assert summary["precision_choice"]["precision"] == expected
    assert load_detector(out).meta["training"]["precision_choice"]["precision"] == expected
    sources = det.meta["sources"]
    assert [s["gsd_m"] for s in sources] == pytest.approx([0.0025, 0.005], rel=0.03)
    card = out.with_suffix(".md").read_text()
    assert "estimated from labelled object sizes" in card and "ksf-casing -> ignore" in card
    assert "Fourier amplitude mixing" in card


def test_ignored_boxes_cancel_the_negative_loss_only() -> None:
    boxes = np.array([[8, 8, 20, 20], [40, 40, 48, 48]], np.float32)
    heat, _idx, _size, _off, mask = draw_targets(boxes, np.array([IGNORE_CLASS, 0]), 2, 16, 16)
    assert mask.sum() == 1  # one real object
    assert heat[:, 2:5, 2:5].min() == pytest.approx(IGNORE_LEVEL)  # every channel ignored there
    assert heat[0, 11, 11] == 1.0 and (heat == 1.0).sum() == 1


@pytest.mark.parametrize("family", ["ploughed", "stubble", "orchard", "riverbank", "burnt", "sunflower", "gravel-plain", "savanna", "rubble", "winter-wheat", "front-line", "karst", "paddy", "pine-edge", "vineyard", "maize-stubble", "rail-embankment", "marsh-edge", "potato-harvest", "hill-pasture", "walnut-grove", "date-palm", "olive-grove", "cotton-field", "cassava-plot", "village-edge", "meadow"])
def test_synthetic_source_refuses_held_out_and_combiner_families(tmp_path: Path, family: str) -> None:
    """The held-out family is for benchmarks only; the combiner family must stay unseen by detectors."""
    from rams.detection.sources import generate_synth_flights

    spec = SourceSpec(tmp_path, kind="synth", seeds=(0,), families=("steppe", family), size_m=4.0)
    with pytest.raises(RamsInputError, match=family):
        generate_synth_flights(spec, 0.005)
    # Refused before anything is generated for it.
    assert not any(tmp_path.glob(f"{family}_*"))


def _two_synth_sources(tmp_path: Path, first: str, second: str) -> tuple[Any, Any]:
    """The two sources of a recipe of two 4 m steppe flights (seed 0) with extra keys each."""
    from rams.detection.sources import read_sources_file

    entry = "  - {{path: cache, kind: synth, families: [steppe], seeds: [0], size_m: 4{}}}\n"
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text("sources:\n" + entry.format(first) + entry.format(second), encoding="utf-8")
    a, b = read_sources_file(recipe)["sources"]
    return a, b


def test_recipe_ground_jitter_generates_its_own_flights(tmp_path: Path) -> None:
    """A jittered synthetic source is cached apart from the plain one and records the jitter."""
    import json

    from rams.detection.sources import generate_synth_flights

    plain, jittered = _two_synth_sources(tmp_path, "", ", ground_jitter: true")
    assert (plain.ground_jitter, jittered.ground_jitter) == (False, True)
    (p,), (j,) = generate_synth_flights(plain, 0.005), generate_synth_flights(jittered, 0.005)
    assert p != j and "jitter" in j.name and "jitter" not in p.name
    assert json.loads((j / "synth.json").read_text())["ground_jitter"] is True
    assert (p / "rgb.tif").read_bytes() != (j / "rgb.tif").read_bytes()


def test_recipe_clutter_jitter_is_parsed_and_cached_apart(tmp_path: Path) -> None:
    import json

    from rams.detection.sources import generate_synth_flights

    ground, both = _two_synth_sources(tmp_path, ", ground_jitter: true", ", ground_jitter: true, clutter_jitter: true")
    assert (ground.clutter_jitter, both.clutter_jitter) == (False, True)
    (g,), (b,) = generate_synth_flights(ground, 0.005), generate_synth_flights(both, 0.005)
    assert g != b and "cjitter" in b.name and "cjitter" not in g.name
    assert json.loads((b / "synth.json").read_text())["clutter_jitter"] is True


def test_recipe_layout_is_checked_parsed_and_cached_apart(tmp_path: Path) -> None:
    import json

    from rams.detection.sources import generate_synth_flights, read_sources_file

    plain, scatter = _two_synth_sources(tmp_path, "", ", layout: scatter")
    assert (plain.layout, scatter.layout) == (None, "scatter")
    (p,), (s,) = generate_synth_flights(plain, 0.005), generate_synth_flights(scatter, 0.005)
    assert p != s and s.name.startswith("steppe_scatter_") and "scatter" not in p.name
    assert json.loads((s / "synth.json").read_text())["layout"] == "scatter"
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {path: cache, kind: synth, layout: grid}\n", encoding="utf-8")
    with pytest.raises(RamsInputError, match="layout must be one of"):
        read_sources_file(bad)


def test_recipe_oddments_are_checked_parsed_and_cached_apart(tmp_path: Path) -> None:
    """A synthetic source may carry metal oddments (unlabelled negatives); an unknown kind is refused."""
    import json

    from rams.detection.sources import generate_synth_flights, read_sources_file
    from rams.synth.catalog import METAL_ODDMENTS

    plain, metal = _two_synth_sources(tmp_path, "", ", oddments: metal")
    assert (plain.oddments, metal.oddments) == (None, "metal")
    (p,), (m,) = generate_synth_flights(plain, 0.005), generate_synth_flights(metal, 0.005)
    assert p != m and m.name.startswith("steppe_oddmetal_") and "odd" not in p.name
    assert json.loads((m / "synth.json").read_text())["oddments"] == "metal"
    truth = json.loads((m / "truth.geojson").read_text())["features"]
    assert any(f["properties"].get("class") in METAL_ODDMENTS for f in truth)
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {path: cache, kind: synth, oddments: glass}\n", encoding="utf-8")
    with pytest.raises(RamsInputError, match="oddments must be one of"):
        read_sources_file(bad)


@pytest.mark.parametrize(("text", "match"), [
    ("sources:\n  - path: a\n    colour: red\n", r"source 1: unknown key\(s\) 'colour'"),
    ("sorces: []\nsources:\n  - path: a\n", r"unknown recipe key\(s\) 'sorces'"),
    ("sources:\n  - path: a\n    classes: PFM-1\n", r"source 1: classes must map"),
])
def test_recipe_keys_a_trainer_would_ignore_are_refused(tmp_path: Path, text: str, match: str) -> None:
    """A misspelt key would silently train another model than the recipe says."""
    from rams.detection.sources import read_sources_file

    recipe = tmp_path / "r.yaml"
    recipe.write_text(text)
    with pytest.raises(RamsInputError, match=match):
        read_sources_file(recipe)
