"""The shared tables and helpers of rams.core, checked against hand-written values."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from rasterio.transform import Affine

from rams.core.devices import (
    DEVICE_CATEGORY,
    MINE_SIZE_M,
    device_category,
    normalise_class_name,
    physical_size_m,
)
from rams.core.gsd import gsd_from_affine
from rams.core.points import MinePoint
from rams.synth.catalog import MINES


def test_size_table_order_and_values() -> None:
    # The order is the default class list of a trained detector: it must not move.
    assert list(MINE_SIZE_M.items()) == [("PFM-1", 0.12), ("PMN-2", 0.12), ("OZM-72", 0.10), ("TM-62", 0.32)]
    assert DEVICE_CATEGORY["TM-62"] == "AV" and device_category("no-such-device") == "unknown"


def test_synthetic_mines_are_drawn_at_the_table_size() -> None:
    for name, look in MINES.items():
        assert 2 * look.half_length_m == pytest.approx(MINE_SIZE_M[name])
        assert look.device_category == DEVICE_CATEGORY[name]
    assert (MINES["PFM-1"].half_length_m, MINES["PFM-1"].half_width_m) == (0.06, 0.03)


def test_class_names_match_up_to_case_and_punctuation() -> None:
    assert normalise_class_name("PFM-1") == normalise_class_name("pfm_1") == "pfm1"
    assert physical_size_m("tm62") == 0.32
    assert physical_size_m("ksf-casing") is None


def test_gsd_from_affine() -> None:
    assert gsd_from_affine(Affine(0.005, 0, 500000, 0, -0.005, 4e6)) == pytest.approx(0.005)
    # a grid of 2 cm pixels rotated by 30 degrees keeps its pixel size
    c, s = math.cos(math.radians(30)), math.sin(math.radians(30))
    assert gsd_from_affine(Affine(0.02 * c, -0.02 * s, 0, 0.02 * s, 0.02 * c, 0)) == pytest.approx(0.02)


def test_mine_point_category() -> None:
    p = MinePoint(1.0, 2.0, "PFM-1", 0.9, "cnn", "rgb", 0.005)
    assert p.device_category == "AP"
    assert p.to_dict()["x_m"] == 1.0


def test_truth_file_parsed_once_for_every_reader(tmp_path: Path) -> None:
    """Synth truth: mines, distractors and fields; a foreign file's unmarked points are mines."""
    from rams.core.truth import KIND_DISTRACTOR, parse_truth, read_truth
    from rams.errors import RamsInputError

    field = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1e-4], [1e-4, 1e-4], [1e-4, 0], [0, 0]]]}
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1e-5, 2e-5]},
         "properties": {"kind": "mine", "class": "PMN-2", "minefield_id": "F1"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [3e-5, 4e-5]},
         "properties": {"kind": "distractor", "class": "rock", "minefield_id": None}},
        {"type": "Feature", "geometry": field,
         "properties": {"kind": "minefield", "id": "F1", "layout": "rows-ap"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [5e-5, 6e-5]},
         "properties": {"kind": "track"}},  # neither: left out
    ]}
    truth = parse_truth(doc)
    assert [(m.class_name, m.minefield_id, m.lon) for m in truth.mines] == [("PMN-2", "F1", 1e-5)]
    assert [d.class_name for d in truth.distractors] == ["rock"] and truth.distractors[0].kind == KIND_DISTRACTOR
    assert [(f.id, f.layout) for f in truth.minefields] == [("F1", "rows-ap")]
    foreign = parse_truth({"features": [{"geometry": {"type": "Point", "coordinates": [7.0, 8.0]}, "properties": {}}]})
    assert [(m.lon, m.lat, m.class_name) for m in foreign.mines] == [(7.0, 8.0, "mine")]
    bad = tmp_path / "truth.geojson"
    bad.write_text('{"features": [{"geometry": {"type": "Point", "coordinates": ["x"]}, "properties": {}}]}')
    with pytest.raises(RamsInputError, match=r"truth\.geojson.*feature 0"):
        read_truth(bad)
    bad.write_text('{"features": [{"geometry": {"type": "Point", "coordinates": [7.0, 95.0]}, "properties": {}}]}')
    with pytest.raises(RamsInputError, match=r"truth\.geojson.*feature 0.*not a WGS84 longitude and latitude"):
        read_truth(bad)
    bad.write_text("not json")
    with pytest.raises(RamsInputError, match=r"truth\.geojson"):
        read_truth(bad)
