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
from rams.export.quicklook import MAX_PX, write_quicklook
from rams.export.report import write_report
from tests.export.conftest import E0, N0, UTM

CandidateFactory = Callable[..., CandidateSet]


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
    metrics = {"mine_coverage": 1.0, "points": {"all": {"precision": 0.9, "recall": 0.8, "f1": 0.847}}}
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
