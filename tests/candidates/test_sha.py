"""SHA polygons: blobs from the raster, grouping, polygon validity, attributes, determinism."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import shapely
from rasterio.transform import Affine
from shapely.geometry import Point

from rams.candidates.blobs import blobs_in_window, scan_anomaly_raster
from rams.candidates.clustering import cluster_labels
from rams.candidates.points import MinePoint
from rams.candidates.sha import build_candidates
from rams.config import CandidateConfig
from tests.conftest import E0, N0, UTM, write_raster

GSD = 0.05
DATE = dt.date(2026, 8, 14)


def cnn(x: float, y: float, cls: str = "PFM-1", conf: float = 0.9) -> MinePoint:
    return MinePoint(E0 + x, N0 - y, cls, conf, "cnn", "rgb", 0.02, 0.12, 0.06)


def peak(x: float, y: float, **extra: object) -> MinePoint:
    return MinePoint(E0 + x, N0 - y, "anomaly", 0.7, "anomaly_core", "thermal", GSD, extra=dict(extra))


def build(det: list[MinePoint], peaks: list[MinePoint], path: Path | None = None, **cfg: object):
    return build_candidates(
        path, det, peaks, crs=UTM, flight_id="F7", date=DATE,
        sensors=["rgb", "multispectral", "thermal"], config=CandidateConfig(**cfg),  # type: ignore[arg-type]
    )


def anomaly_raster(path: Path, size_px: int, targets_px: list[tuple[int, int]], seed: int = 0) -> Path:
    """Noise below threshold 6 with 2x2 blobs of score 9 at (row, col) targets."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 3, (size_px, size_px)).astype(np.float32)
    for r, c in targets_px:
        a[r : r + 2, c : c + 2] = 9.0
    a[:5, :] = np.nan  # nodata collar
    return write_raster(path, a, transform=Affine(GSD, 0, E0, 0, -GSD, N0), nodata=float("nan"))


# --- blobs -------------------------------------------------------------------------------


def test_blobs_threshold_min_size_and_nan() -> None:
    s = np.zeros((20, 20), np.float32)
    s[2:4, 2:4] = 7.0  # 4 px blob
    s[10, 10] = 8.0  # 1 px blob
    s[15, 15] = np.nan
    out = blobs_in_window(s, 6.0, min_pixels=2)
    assert len(out) == 1
    col, row, n, smax = out[0]
    assert (col, row, n, smax) == pytest.approx((3.0, 3.0, 4, 7.0))  # pixels 2-3: edges 2..4
    assert len(blobs_in_window(s, 6.0, min_pixels=1)) == 2
    assert blobs_in_window(np.full((5, 5), np.nan, np.float32), 6.0, 1) == []


def test_closing_bridges_one_pixel_gap() -> None:
    s = np.zeros((10, 10), np.float32)
    s[4, 3] = s[4, 5] = 9.0  # one target split by a noisy pixel
    assert len(blobs_in_window(s, 6.0, 1)) == 1


def test_window_scan_counts_border_blobs_once(tmp_path: Path) -> None:
    # Blobs straddling the 64 px window borders, and one deep inside a window.
    targets = [(63, 63), (63, 20), (10, 127), (100, 100)]
    path = anomaly_raster(tmp_path / "a.tif", 200, targets)
    small = scan_anomaly_raster(path, threshold=6.0, min_blob_m2=0.005, window_px=64, halo_px=8)
    whole = scan_anomaly_raster(path, threshold=6.0, min_blob_m2=0.005, window_px=4096)
    key = lambda b: (round(b.x_m, 6), round(b.y_m, 6))  # noqa: E731
    assert sorted(map(key, small.blobs)) == sorted(map(key, whole.blobs))
    assert len(whole.blobs) == 4
    assert whole.valid_area_m2 == pytest.approx(195 * 200 * GSD * GSD)
    # A 2x2 blob at (63, 63) has its centroid at pixel centre 64.0 → metres.
    xs = sorted((b.x_m - E0, N0 - b.y_m) for b in whole.blobs)
    assert any(abs(x - 64 * GSD) < 1e-9 and abs(y - 64 * GSD) < 1e-9 for x, y in xs)
    assert all(b.area_m2 == pytest.approx(4 * GSD * GSD) for b in whole.blobs)


def test_raster_is_read_window_by_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rasterio.io

    path = anomaly_raster(tmp_path / "a.tif", 300, [(150, 150)])
    real_read = rasterio.io.DatasetReader.read
    sizes: list[tuple[int, int]] = []

    def spy(self, *args, window=None, **kwargs):  # type: ignore[no-untyped-def]
        assert window is not None, "whole-raster read"
        sizes.append((int(window.height), int(window.width)))
        return real_read(self, *args, window=window, **kwargs)

    monkeypatch.setattr(rasterio.io.DatasetReader, "read", spy)
    scan = scan_anomaly_raster(path, threshold=6.0, min_blob_m2=0.0, window_px=100, halo_px=10)
    assert len(scan.blobs) == 1 and len(sizes) == 9
    assert max(h * w for h, w in sizes) <= 120 * 120


def test_per_window_cap(tmp_path: Path) -> None:
    targets = [(10 + 6 * i, 10 + 6 * j) for i in range(5) for j in range(5)]
    path = anomaly_raster(tmp_path / "a.tif", 64, targets)
    scan = scan_anomaly_raster(path, threshold=6.0, min_blob_m2=0.0, max_blobs_per_window=7)
    assert len(scan.blobs) == 7 and scan.n_dropped == 18


# --- grouping ----------------------------------------------------------------------------


def test_cluster_labels_single_linkage_chain() -> None:
    xy = np.array([[0, 0], [4, 0], [8, 0], [30, 0], [12.5, 0]])
    labels = cluster_labels(xy, 4.5)
    assert labels.tolist() == [0, 0, 0, 1, 0]
    assert cluster_labels(np.zeros((0, 2)), 1.0).tolist() == []


# --- polygons ----------------------------------------------------------------------------


def assert_valid_sha(poly: shapely.Polygon) -> None:
    assert poly.is_valid and not poly.is_empty
    assert len(poly.interiors) == 0
    assert poly.exterior.is_ccw
    coords = np.asarray(poly.exterior.coords)
    assert len(np.unique(coords[:-1], axis=0)) >= 3
    assert not np.any(np.all(coords[1:] == coords[:-1], axis=1)), "repeated consecutive vertex"


def test_min_cluster_size_and_lone_cnn(tmp_path: Path) -> None:
    field = [peak(10 + 2 * i, 10, score=9.0) for i in range(3)]  # a cluster of 3 anomalies
    lone_peak = [peak(80, 80, score=12.0)]
    lone_mine = [cnn(40, 60, "TM-62", 0.8)]
    cs = build(lone_mine, field + lone_peak, min_cluster_size=3, safety_margin_m=2.0)
    assert len(cs.polygons) == 2
    for sha in cs.polygons:
        assert_valid_sha(sha.geometry)
    av = cs.polygons[0]
    assert av.device_category == "AV" and av.priority == 1 and av.id == "F7-sha-001"
    assert av.evidence == ("cnn_detection",) and av.n_detections == 1
    field_sha = cs.polygons[1]
    assert field_sha.evidence == ("thermal_anomaly",) and field_sha.n_detections == 3
    assert field_sha.max_score == 9.0
    # The lone anomaly is exported as a point without a polygon.
    lone = [p for p in cs.points if p.point.x_m == E0 + 80]
    assert lone[0].sha_id is None
    assert {p.sha_id for p in cs.points if p.point.detector == "cnn"} == {"F7-sha-001"}


def test_lone_detection_confidence_threshold() -> None:
    dets = [cnn(10, 10, "PFM-1", 0.9), cnn(60, 60, "PFM-1", 0.35)]
    assert len(build(dets, []).polygons) == 2
    kept = build(dets, [], lone_detection_min_confidence=0.5)
    assert len(kept.polygons) == 1 and kept.polygons[0].confidence == pytest.approx(0.9)
    weak = [p for p in kept.points if p.point.confidence < 0.5]
    assert weak[0].sha_id is None


def test_margin_covers_members_and_area_in_metres() -> None:
    members = [peak(10 + 1.5 * i, 20 + (i % 2), score=8.0) for i in range(6)]
    cs = build([], members, safety_margin_m=3.0, simplify_m=0.25)
    (sha,) = cs.polygons
    for m in members:
        # Each member stays at least margin - simplify tolerance inside the boundary.
        d = sha.geometry.exterior.distance(Point(m.x_m, m.y_m))
        assert sha.geometry.contains(Point(m.x_m, m.y_m)) and d >= 3.0 - 0.25 - 1e-6
    assert sha.area_m2 == pytest.approx(sha.geometry.area, abs=0.01)
    # Roughly a 7.5 x 1 m chain grown by 3 m: between the hull area and hull + margin.
    assert 60.0 < sha.area_m2 < 100.0


def test_overlapping_clusters_merge_into_one_polygon() -> None:
    # Two clusters 8 m apart (> 5 m radius) whose 5 m buffers overlap.
    a = [peak(10 + i, 10) for i in range(3)]
    b = [peak(20 + i, 10) for i in range(3)]
    cs = build([], a + b, cluster_radius_m=5.0, safety_margin_m=5.0)
    assert len(cs.polygons) == 1 and cs.polygons[0].n_detections == 6


def test_raster_path_with_peaks_and_detections(tmp_path: Path) -> None:
    # Six 2x2 anomalies 1 m apart (20 px) in a row, plus an isolated one.
    targets = [(100, 40 + 20 * i) for i in range(6)] + [(350, 350)]
    path = anomaly_raster(tmp_path / "a.tif", 400, targets)
    peaks = [peak(41 * GSD, 101 * GSD, evidence=["spectral_anomaly"], score=9.0)]
    det = [cnn(61 * GSD, 101 * GSD, "PMN-2", 0.95)]
    cs = build(det, peaks, path=path, safety_margin_m=1.0)
    assert cs.n_blobs == 7
    assert cs.surveyed_area_m2 == pytest.approx(395 * 400 * GSD * GSD)
    (sha,) = cs.polygons
    assert sha.device_category == "AP"
    assert sha.evidence == ("cnn_detection", "spectral_anomaly")
    assert sha.n_detections == 7  # 6 blobs + 1 detection (the peak duplicates a blob)
    assert 0.95 < sha.confidence <= 1.0
    assert {p.sha_id for p in cs.points} == {sha.id}


def test_raster_blobs_without_peaks_take_evidence_from_flight_sensors(tmp_path: Path) -> None:
    path = anomaly_raster(tmp_path / "a.tif", 200, [(100, 40 + 20 * i) for i in range(4)])
    cs = build([], [], path=path, safety_margin_m=1.0)
    (sha,) = cs.polygons
    assert sha.evidence == ("spectral_anomaly", "thermal_anomaly")
    assert sha.sensors == ("multispectral", "thermal")
    assert sha.device_category == "unknown"
    assert 0.0 < sha.confidence < 0.9  # anomalies alone stay indirect evidence


def test_priority_mines_first_then_confidence() -> None:
    strong_anomalies = [peak(100 + i, 100, score=30.0) for i in range(6)]
    weak_mine = [cnn(10, 10, "PFM-1", 0.4)]
    uxo = [cnn(10, 150, "UXO", 0.99)]
    cs = build(weak_mine + uxo, strong_anomalies, safety_margin_m=2.0)
    cats = [p.device_category for p in cs.polygons]
    assert cats == ["AP", "UXO", "unknown"]
    assert [p.priority for p in cs.polygons] == [1, 2, 3]
    assert [p.id for p in cs.polygons] == ["F7-sha-001", "F7-sha-002", "F7-sha-003"]


def test_geographic_crs_is_refused() -> None:
    with pytest.raises(ValueError, match="projected"):
        build_candidates(None, [], [], crs="EPSG:4326", flight_id="F", date=None, sensors=[],
                         config=CandidateConfig())


def test_empty_input_gives_empty_set() -> None:
    cs = build([], [])
    assert cs.polygons == [] and cs.points == [] and cs.flagged_area_m2 == 0.0


@pytest.mark.parametrize("seed", range(25))
def test_random_clusters_give_valid_disjoint_polygons(seed: int) -> None:
    rng = np.random.default_rng(seed)
    pts: list[MinePoint] = []
    for _ in range(rng.integers(1, 8)):
        cx, cy = rng.uniform(0, 150, 2)
        n = int(rng.integers(1, 30))
        spread = rng.uniform(0.1, 8.0)
        for x, y in rng.normal((cx, cy), spread, (n, 2)):
            pts.append(peak(float(x), float(y), score=float(rng.uniform(6, 20))))
    det = [cnn(*rng.uniform(0, 150, 2)) for _ in range(rng.integers(0, 4))]
    cfg = dict(
        cluster_radius_m=float(rng.uniform(0.5, 6)), min_cluster_size=int(rng.integers(1, 5)),
        safety_margin_m=float(rng.choice([0.0, 0.3, 2.0, 5.0])), simplify_m=float(rng.uniform(0, 1.5)),
    )
    cs = build(det, pts, **cfg)
    for sha in cs.polygons:
        assert_valid_sha(sha.geometry)
        assert 0.0 <= sha.confidence <= 1.0
    geoms = [s.geometry for s in cs.polygons]
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            assert geoms[i].intersection(geoms[j]).area < 1e-6
    # Every CNN detection is inside a polygon (a mine seen counts alone).
    assert all(p.sha_id is not None for p in cs.points if p.point.detector == "cnn")


def test_deterministic_and_independent_of_input_order() -> None:
    rng = np.random.default_rng(3)
    pts = [peak(float(x), float(y), score=9.0) for x, y in rng.uniform(0, 60, (80, 2))]
    det = [cnn(float(x), float(y)) for x, y in rng.uniform(0, 60, (5, 2))]
    a = build(det, pts, min_cluster_size=2, safety_margin_m=1.0)
    perm = rng.permutation(len(pts))
    b = build(det[::-1], [pts[i] for i in perm], min_cluster_size=2, safety_margin_m=1.0)
    assert [s.properties() for s in a.polygons] == [s.properties() for s in b.polygons]
    assert all(sa.geometry.equals(sb.geometry) for sa, sb in zip(a.polygons, b.polygons, strict=True))
    assert [(p.id, p.x_m, p.y_m, p.sha_id) for p in a.points] == [(p.id, p.x_m, p.y_m, p.sha_id) for p in b.points]
