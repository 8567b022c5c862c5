"""Quicklook PNG and the self-contained HTML report."""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image
from rasterio.transform import Affine

from rams.candidates.model import CandidateSet
from rams.core.flight_metrics import (
    CalibrationScores,
    ClassScores,
    ExpectedPositionScores,
    FlightMetrics,
    PointScores,
    PolygonScores,
    ReliabilityBin,
)
from rams.export.quicklook import MAX_PX, write_quicklook
from rams.export.report import write_report
from tests.export.conftest import E0, N0, UTM

CandidateFactory = Callable[..., CandidateSet]


def _flight_metrics() -> FlightMetrics:
    """A hand-built evaluation: 9 of 11 mines found, one false alarm."""
    layer = PointScores(9, 1, 2, 0.9, 0.8182, 0.8571,
                        per_class={"PFM-1": ClassScores(11, 10, 0.9, 0.8182, 0.8571)})
    kind = PointScores(0, 0, 11, 1.0, 0.0, 0.0)
    return FlightMetrics(
        run="run", truth="truth.geojson", tolerance_m=0.5, metric_crs="EPSG:32638", matching="one to one",
        n_truth_mines=11, n_points=10, n_candidates=12, points=layer,
        points_by_kind={"fused": kind, "cnn": layer, "anomaly": kind},
        expected_positions=ExpectedPositionScores(0, 0, 11, 1.0, 0.0, 0.0, 2, 0), candidates_by_kind={},
        calibration=CalibrationScores(12, 9, 0.04, (ReliabilityBin(0.9, 1.0, 12, 0.93, 0.75),)),
        false_mine_points_per_1000m2=0.1,
        polygons=PolygonScores(1, 1, 0, 1, 0.75, 400.0, 10_000.0, "run.json", 300.0, 0.04, 1.3333, 0.5),
    )


def test_quicklook_png_with_rgb_backdrop(tmp_path: Path, candidates: CandidateFactory) -> None:
    cs = candidates()
    rng = np.random.default_rng(0)
    backdrop = rng.uniform(0, 1, (200, 300, 3)).astype(np.float32)
    transform = Affine(1.0, 0, E0 - 50, 0, -1.0, N0 + 200)
    path = write_quicklook(tmp_path / "q.png", backdrop=backdrop, backdrop_transform=transform,
                           crs=UTM, candidates=cs)
    with Image.open(path) as img:
        assert img.format == "PNG"
        assert max(img.size) <= MAX_PX + 10 and min(img.size) > 200
        assert img.mode == "RGB"  # opaque figure, written without its constant alpha
        arr = np.asarray(img.convert("RGB"))
    # The priority-1 outline colour (#d7191c) is drawn.
    assert np.any(np.all(np.abs(arr.astype(int) - (0xD7, 0x19, 0x1C)) < 8, axis=-1))


def test_quicklook_without_backdrop_and_empty(tmp_path: Path, candidates: CandidateFactory) -> None:
    write_quicklook(tmp_path / "a.png", backdrop=np.zeros((10, 10)), backdrop_transform=None,
                    crs=UTM, candidates=candidates())
    write_quicklook(tmp_path / "b.png", backdrop=None, backdrop_transform=None, crs=UTM,
                    candidates=CandidateSet(flight_id="E", date=None))
    for name in ("a.png", "b.png"):
        with Image.open(tmp_path / name) as img:
            assert img.format == "PNG"
    assert not list(tmp_path.glob(".*part*")), "temporary files left behind"


def test_report_is_self_contained(tmp_path: Path, candidates: CandidateFactory) -> None:
    cs = candidates()
    png = write_quicklook(tmp_path / "q.png", backdrop=None, backdrop_transform=None, crs=UTM, candidates=cs)
    metrics = _flight_metrics()
    path = write_report(tmp_path / "report.html", flight_id="KB-<42>", date=dt.date(2026, 8, 14),
                        candidates=cs, quicklook_png=png, metrics=metrics,
                        run_info={"rams_version": "0.1.0", "seconds": {"total": 1.5}})
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "KB-&lt;42&gt;" in text and "KB-<42>" not in text  # escaped
    # No external resources: only the inline data: image.
    assert not re.search(r'(src|href)="(?!data:)', text)
    m = re.search(r'src="data:image/png;base64,([^"]+)"', text)
    assert m and base64.b64decode(m.group(1)) == png.read_bytes()
    # SHA table rows in priority order.
    ids = re.findall(r"<td>(KB-0042-sha-\d{3})</td>", text)
    assert ids == [p.id for p in sorted(cs.polygons, key=lambda p: p.priority)]
    assert "mine_coverage" in text and "precision" in text and "2026-08-14" in text
    assert "<td>mine layer</td><td class='num'>9</td><td class='num'>1</td><td class='num'>2</td>" in text
    assert "<dt>mine_coverage</dt><dd>0.750</dd>" in text and "ECE 0.04" in text
    # The point kinds and layers are explained to the planner.
    for term in ("<b>fused</b>", "<b>cnn</b>", "<b>anomaly</b>", "<b>expected_position</b>",
                 "candidates_low.geojson", "point\nhazards"):
        assert term in text, term
    assert f"<dd>{len(cs.mine_points)}</dd>" in text and f"<dd>{len(cs.expected)}</dd>" in text


def test_report_without_metrics_or_image(tmp_path: Path) -> None:
    path = write_report(tmp_path / "r.html", flight_id="F", date=None,
                        candidates=CandidateSet(flight_id="F", date=None), quicklook_png=None,
                        metrics=None, run_info={})
    text = path.read_text()
    assert "No suspected hazardous area" in text and "Evaluation" not in text
