"""``benchmarks/losses_by_device.py``: where each true mine of a kept run is lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rams.crs import WGS84, transformer
from tests.conftest import load_benchmark

CRS = "EPSG:32638"
E0, N0 = 500000.0, 4400000.0


def _lonlat(x: float, y: float) -> list[float]:
    lon, lat = transformer(CRS, WGS84).transform(E0 + x, N0 + y)
    return [lon, lat]


def _fc(features: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _point(x: float, y: float, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": _lonlat(x, y)}, "properties": props}


def test_each_mine_is_counted_where_it_is_lost(tmp_path: Path) -> None:
    bench = load_benchmark("losses_by_device")
    keep = tmp_path / "keep"
    flight, out = keep / "flight-a", keep / "out-flight-a"
    flight.mkdir(parents=True)
    out.mkdir()
    (flight / "truth.geojson").write_text(_fc([
        _point(0, 0, kind="mine", **{"class": "PFM-1"}),  # a CNN detection in the mine layer
        _point(10, 0, kind="mine", **{"class": "PFM-1"}),  # an anomaly peak with weak CNN support
        _point(20, 0, kind="mine", **{"class": "PFM-1"}),  # nothing within 0.5 m
        _point(30, 0, kind="mine", **{"class": "TM-62"}),  # an anomaly peak at the area bar
        _point(40, 0, kind="distractor", **{"class": "stone"}),
    ]))
    (out / "run.json").write_text(json.dumps({"grid": {"crs": CRS}}))
    (out / "detections.geojson").write_text(_fc([_point(0.1, 0, kind="fused", probability=0.9, f_cnn_support=0.8)]))
    (out / "candidates_low.geojson").write_text(_fc([
        _point(10.2, 0, kind="anomaly", probability=0.1, f_cnn_support=0.1),
        _point(20.8, 0, kind="anomaly", probability=0.3, f_cnn_support=0.5),  # 0.8 m away: no match
        _point(30, 0.3, kind="anomaly", probability=0.25, f_cnn_support=0.35),
        _point(40, 0, kind="cnn", probability=0.4, f_cnn_support=0.6),  # on the stone
    ]))
    result = tmp_path / "losses.json"
    assert bench.main([f"sand={keep}", "--json", str(result)]) == 0
    doc = json.loads(result.read_text())
    assert doc["by_family"]["sand"] == {
        "PFM-1": {"n": 3, "candidate": 2, "cnn_kind": 1, "support>=0.3": 1, "p>=0.2": 1, "mine_layer": 1},
        "TM-62": {"n": 1, "candidate": 1, "cnn_kind": 0, "support>=0.3": 1, "p>=0.2": 1, "mine_layer": 0},
    }
    assert doc["total"] == doc["by_family"]["sand"]
    assert bench.main([f"sand={tmp_path / 'missing'}"]) == 2
