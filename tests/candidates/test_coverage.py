"""Surveyed coverage: which part of each density disc was scored, and the density features near edges."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine, from_origin

from rams.candidates.blobs import scan_anomaly_raster
from rams.candidates.coverage import CoverageBuilder
from rams.candidates.fusion import FusedPoint, add_density_features

GSD = 0.1
E0, N0 = 500_000.0, 4_400_000.0


def _raster(path: Path, size: int, nodata_cols: int = 0, nodata_rows: int = 0) -> Path:
    """A ``size`` x ``size`` score raster of GSD 0.1 m whose west ``nodata_cols`` columns and
    north ``nodata_rows`` rows are NaN."""
    data = np.zeros((size, size), np.float32)
    data[:, :nodata_cols] = np.nan
    data[:nodata_rows, :] = np.nan
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1, dtype="float32",
                       crs="EPSG:32638", transform=from_origin(E0, N0, GSD, GSD), nodata=np.nan) as dst:
        dst.write(data, 1)
    return path


def test_coverage_says_which_share_of_a_disc_was_surveyed(tmp_path: Path) -> None:
    # 40 m x 40 m; the west 10 m have no score (outside the survey).
    path = _raster(tmp_path / "a.tif", 400, 100)
    small = scan_anomaly_raster(path, threshold=6.0, min_blob_m2=0.0, window_px=64, halo_px=4)
    whole = scan_anomaly_raster(path, threshold=6.0, min_blob_m2=0.0, window_px=4096)
    assert small.coverage is not None and whole.coverage is not None
    np.testing.assert_allclose(small.coverage.share, whole.coverage.share)  # window size does not matter
    cov = whole.coverage
    x = lambda m: E0 + m  # noqa: E731
    y = lambda m: N0 - m  # noqa: E731
    xy = np.array([
        [x(25), y(20)],    # inside, 15 m from the nodata edge
        [x(10), y(20)],    # on the edge of the surveyed part: half the disc
        [x(10), y(0)],     # at the corner of the surveyed part and the raster: a quarter
        [x(40), y(40)],    # at the raster's south-east corner: a quarter
        [x(3), y(20)],     # in the nodata strip, more than 5 m from the survey: none
        [x(13), y(20)],    # 3 m inside the edge
    ])
    share = cov.disc_share(xy, 5.0)
    assert share[0] == pytest.approx(1.0)
    assert share[1] == pytest.approx(0.5, abs=0.05)
    assert share[2] == pytest.approx(0.25, abs=0.05)
    assert share[3] == pytest.approx(0.25, abs=0.05)
    assert share[4] == 0.0
    # the disc's part beyond a chord 3 m from its centre: 1 - (segment / disc)
    segment = 25.0 * math.acos(3.0 / 5.0) - 3.0 * math.sqrt(25.0 - 9.0)
    assert share[5] == pytest.approx(1.0 - segment / (math.pi * 25.0), abs=0.04)


def test_coverage_is_north_up(tmp_path: Path) -> None:
    """The north 10 m have no score: south of that edge is surveyed, north of it is not."""
    cov = scan_anomaly_raster(_raster(tmp_path / "n.tif", 400, nodata_rows=100), threshold=6.0,
                              min_blob_m2=0.0, window_px=128, halo_px=4).coverage
    assert cov is not None
    x = E0 + 20.0
    share = cov.disc_share(np.array([[x, N0 - 10.0], [x, N0 - 12.0], [x, N0 - 8.0]]), 5.0)
    assert share[0] == pytest.approx(0.5, abs=0.05)
    assert share[1] > 0.7 and share[2] < 0.3  # 2 m south of the edge mostly surveyed, 2 m north mostly not
    assert cov.share_at(np.array([[x, N0 - 15.0], [x, N0 - 5.0]])).tolist() == [1.0, 0.0]
    with pytest.raises(ValueError, match="north-up"):
        CoverageBuilder(Affine(0.1, 0, E0, 0, 0.1, N0), 10, 10)  # south-up


def test_candidates_on_unsurveyed_ground_are_not_counted() -> None:
    """CNN points beyond the multispectral/thermal rasters neither add to a disc nor to the rate."""
    builder = CoverageBuilder(from_origin(0.0, 60.0, 0.5, 0.5), 120, 120)
    valid = np.ones((120, 120), bool)
    valid[:, 100:] = False  # the east 10 m: RGB only
    builder.add(valid, 0, 0)
    coverage = builder.result()
    inside = [FusedPoint(45.0, 30.0, "anomaly"), FusedPoint(20.0, 20.0, "anomaly")]
    margin = [FusedPoint(51.0 + 0.2 * k, 30.0, "cnn") for k in range(10)]  # within 5 m of the first
    points = inside + margin
    add_density_features(points, 5.0, 50.0 * 60.0, coverage)
    # the first point's disc holds none of the counted candidates; the rate is (2 - 1) / 3000 m2
    assert points[0].features["clutter_log_density"] == 0.0
    area = math.pi * 25.0 * float(coverage.disc_share(np.array([[45.0, 30.0]]), 5.0)[0])
    assert points[0].features["density_contrast"] == pytest.approx(math.log(1.0 / (area / 3000.0 + 1.0)))


def test_coverage_cells_grow_on_a_large_raster() -> None:
    # 200 km x 200 km at 0.5 m would be 1.6e11 cells at the finest size: capped instead.
    builder = CoverageBuilder(from_origin(0.0, 0.0, 0.5, 0.5), 400_000, 400_000)
    assert builder.cell_m >= 100.0
    assert builder.result().share.size <= 4_000_000


def test_density_near_the_edge_counts_only_the_surveyed_half_disc() -> None:
    """On uniform clutter a point at the survey's edge is as dense as one inside it."""
    # the survey is the square 0..60 m; a coverage grid of it (cells of 0.5 m, all surveyed)
    builder = CoverageBuilder(from_origin(0.0, 60.0, 0.5, 0.5), 120, 120)
    builder.add(np.ones((120, 120), bool), 0, 0)
    coverage = builder.result()

    def contrast_by_place(with_coverage: bool) -> tuple[float, float]:
        edge, inner = [], []
        for seed in range(3):  # 3 flights of 3,000 uniform points (neighbouring counts are correlated)
            xy = np.random.default_rng(seed).uniform(0.0, 60.0, (3000, 2))
            points = [FusedPoint(float(px), float(py), "anomaly") for px, py in xy]
            add_density_features(points, 5.0, 60.0 * 60.0, coverage if with_coverage else None)
            for p in points:
                to_edge = min(p.x_m, p.y_m, 60 - p.x_m, 60 - p.y_m)
                (edge if to_edge < 1.0 else inner if to_edge > 6.0 else []).append(p.features["density_contrast"])
        return float(np.mean(edge)), float(np.mean(inner))

    edge, inner = contrast_by_place(False)
    assert edge < inner - 0.4  # the whole-disc count reads the edge as sparse ground (about log 2)
    edge, inner = contrast_by_place(True)
    assert abs(edge - inner) < 0.06
    assert abs(inner) < 0.05  # uniform clutter is at the flight's own rate
