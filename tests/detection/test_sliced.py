"""Sliced inference: tiling, nodata, and merging of duplicates across tile borders."""

from __future__ import annotations

from typing import Any, ClassVar

import cv2
import numpy as np
import pytest
from rasterio.transform import Affine
from rasterio.windows import Window

from rams.detection.centernet import Detections
from rams.detection.sliced import (
    cascade_windows,
    detect_sliced,
    merge_detections,
    network_scale,
    peak_tiles,
    raster_tile_px,
)
from rams.tiles.windows import full_scan_windows, tile_starts

GSD = 0.02
TRANSFORM = Affine(GSD, 0.0, 600_000.0, 0.0, -GSD, 4_400_000.0)
SIDE = 12  # object side, pixels (a 24 cm "mine" at 2 cm)


class BlobDetector:
    """A stand-in model: bright blobs are objects; a blob cut by the tile edge scores lower.

    It reproduces what makes border merging necessary: the same object seen whole in one
    tile and cut, with a shifted centre and a smaller box, in its neighbour.
    """

    class_names = ("PMN-2",)
    input_gsd_m = None
    meta: ClassVar[dict[str, Any]] = {"name": "blob"}

    def predict(self, images: np.ndarray, valid: np.ndarray, *, min_score: float | None = None) -> list[Detections]:
        out = []
        for img, ok in zip(images, valid, strict=True):
            mask = ((img[0] > 128) & ok).astype(np.uint8)
            n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
            boxes, scores = [], []
            for x, y, w, h, area in stats[1:n]:
                boxes.append([x, y, x + w, y + h])
                scores.append(min(area / SIDE**2, 1.0))
            out.append(Detections(np.asarray(boxes, np.float32).reshape(-1, 4),
                                  np.asarray(scores, np.float32), np.zeros(len(scores), np.int64)))
        return out


def _scene(width: int, height: int, centres: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    img = np.full((3, height, width), 60.0, np.float32)
    for c, r in centres:
        img[:, r - SIDE // 2:r + SIDE // 2, c - SIDE // 2:c + SIDE // 2] = 220.0
    return img, np.ones((height, width), bool)


def _reader(img: np.ndarray, valid: np.ndarray, log: list[Window] | None = None) -> Any:
    def read(window: Window) -> tuple[np.ndarray, np.ndarray]:
        if log is not None:
            log.append(window)
        r0, c0 = int(window.row_off), int(window.col_off)
        r1, c1 = r0 + int(window.height), c0 + int(window.width)
        return img[:, r0:r1, c0:c1].copy(), valid[r0:r1, c0:c1].copy()
    return read


def test_tile_starts_cover_the_axis() -> None:
    assert tile_starts(100, 512, 64) == [0]
    assert tile_starts(1000, 512, 64) == [0, 448, 488]
    assert tile_starts(960, 512, 64) == [0, 448]
    with pytest.raises(ValueError):
        tile_starts(1000, 64, 64)


def test_objects_on_tile_borders_are_reported_once() -> None:
    # Tiles of 512 px with 64 px overlap start at 0, 448, 896: plant objects across the
    # edges 448 and 512 (both axes), on a corner, inside an overlap, and well inside a tile.
    centres = [(512, 200), (448, 700), (200, 512), (700, 448), (512, 512), (450, 450),
               (480, 960), (960, 300), (100, 100), (1300, 1000)]
    img, valid = _scene(1400, 1100, centres)
    reads: list[Window] = []
    calls: list[tuple[int, int]] = []
    points = detect_sliced(_reader(img, valid, reads), 1400, 1100, TRANSFORM, BlobDetector(),
                           tile_px=512, overlap_px=64, batch_size=3, merge_radius_m=0.15,
                           on_progress=lambda done, total: calls.append((done, total)))
    assert len(reads) == len(full_scan_windows(1400, 1100, 512, 64)) == 9
    assert calls == [(3, 9), (6, 9), (9, 9)]  # one progress call per batch of 3 tiles
    assert len(points) == len(centres)
    got = np.array([[p.x_m, p.y_m] for p in points])
    for c, r in centres:
        x, y = TRANSFORM * (c, r)
        d = np.hypot(got[:, 0] - x, got[:, 1] - y)
        assert d.min() < 0.01, (c, r)
    p = points[0]
    assert p.detector == "cnn" and p.class_name == "PMN-2" and p.gsd_m == pytest.approx(GSD)
    assert p.box_w_m == pytest.approx(SIDE * GSD) and p.confidence == 1.0
    assert p.sensor == "rgb" and p.extra == {"model": "blob"}


def test_nodata_centres_are_dropped() -> None:
    centres = [(100, 100), (300, 100), (300, 300)]
    img, valid = _scene(400, 400, centres)
    valid[:, 200:] = False  # collar: the right half is nodata
    img[:, ~valid] = 0.0
    img[:, 96:104, 200:260] = 250.0  # bright junk in the collar must not count either
    points = detect_sliced(_reader(img, valid), 400, 400, TRANSFORM, BlobDetector(),
                           tile_px=256, overlap_px=32)
    assert len(points) == 1
    assert (points[0].x_m, points[0].y_m) == pytest.approx(TRANSFORM * (100, 100), abs=0.01)


def test_cascade_windows_merge_and_clip() -> None:
    # 100 px squares (padded to 128 px): the first two overlap and merge into one 110 x 105
    # window (padded to 128 px: less than two); the third is 300 px away and stays apart (a
    # 350 px window would pad to 384 px); the last is clipped at the raster's corner. Each
    # window then grows about its centre, within the raster, to the 128 px its batch is
    # padded to anyway (ground instead of zeros around the candidates)
    pts = [TRANSFORM * (100, 100), TRANSFORM * (110, 105), TRANSFORM * (400, 100),
           TRANSFORM * (900, 900), TRANSFORM * (5, 995)]
    wins = cascade_windows(pts, TRANSFORM, 1000, 1000, window_m=2.0)
    boxes = sorted((w.col_off, w.row_off, w.width, w.height) for w in wins)
    assert boxes == [(0, 872, 128, 128), (41, 39, 128, 128), (336, 36, 128, 128), (836, 836, 128, 128)]
    assert cascade_windows([], TRANSFORM, 1000, 1000) == []
    # a raster smaller than the padded side: the window is the whole raster, no more
    (small,) = cascade_windows([TRANSFORM * (40, 30)], TRANSFORM, 90, 70, window_m=2.0)
    assert (small.col_off, small.row_off, small.width, small.height) == (0, 0, 90, 70)


def test_cascade_windows_cover_every_square_and_read_less_than_bounding_windows() -> None:
    # a scattered field: an L of candidates 1-2 m apart plus random ones. Every candidate's
    # square lies inside one window, no merged window exceeds max_px, and the padded pixels
    # are at most those of the squares alone (merging only where it saves)
    rng = np.random.default_rng(3)
    arm = np.arange(0, 1800, 75)
    cand = np.concatenate([np.stack([arm + 100, np.full_like(arm, 100)], 1),
                           np.stack([np.full_like(arm, 100), arm + 100], 1),
                           rng.uniform(0, 2000, (40, 2))])
    pts = [TRANSFORM * (float(c), float(r)) for c, r in cand]
    wins = cascade_windows(pts, TRANSFORM, 2000, 2000, window_m=3.0, max_px=512, pad_px=128)
    half = 75  # 3 m at 2 cm
    for c, r in cand:
        c0, r0 = max(np.floor(c - half), 0), max(np.floor(r - half), 0)
        c1, r1 = min(np.ceil(c + half), 2000), min(np.ceil(r + half), 2000)
        assert any(w.col_off <= c0 and w.row_off <= r0 and w.col_off + w.width >= c1
                   and w.row_off + w.height >= r1 for w in wins)
    assert all(w.width <= 512 and w.height <= 512 for w in wins)

    def padded(w: int, h: int) -> int:
        return int(-(-max(w, h) // 128) * 128) ** 2

    alone = sum(padded(150, 150) for _ in cand)  # an upper bound: clipped squares are smaller
    assert sum(padded(int(w.width), int(w.height)) for w in wins) <= alone
    # the L alone: its bounding window would be 1950 x 1950 px (before the overlaps and the
    # padding of its tiles); the windows, grown to their padding, read a fraction of it
    ell = [p for p, (c, r) in zip(pts, cand, strict=True) if c == 100 or r == 100]
    ell_wins = cascade_windows(ell, TRANSFORM, 2000, 2000, window_m=3.0, max_px=512, pad_px=128)
    assert sum(int(w.width) * int(w.height) for w in ell_wins) < 0.45 * 1950 * 1950


def test_cascade_mode_reads_only_windows() -> None:
    centres = [(512, 200), (1200, 900)]
    img, valid = _scene(1400, 1100, centres)
    reads: list[Window] = []
    wins = cascade_windows([TRANSFORM * (512, 200)], TRANSFORM, 1400, 1100, window_m=3.0)
    points = detect_sliced(_reader(img, valid, reads), 1400, 1100, TRANSFORM, BlobDetector(),
                           tile_px=512, overlap_px=64, windows=wins)
    assert len(points) == 1 and len(reads) == 1
    assert reads[0].width == 256  # the 150 px square, grown to its 256 px padding


class ContextDetector(BlobDetector):
    """Scores a blob lower the more bright ground its tile holds: a response that depends on
    the context the network is shown, as a real CNN's does."""

    def predict(self, images: np.ndarray, valid: np.ndarray, *, min_score: float | None = None) -> list[Detections]:
        out = []
        for det, img in zip(super().predict(images, valid, min_score=min_score), images, strict=True):
            share = float((img[0] > 128).mean())
            out.append(Detections(det.boxes, (det.scores * (1.0 - 20.0 * share)).astype(np.float32), det.classes))
        return out


def test_peak_tiles_are_the_full_scans_tiles_near_the_points() -> None:
    """peak_tiles picks exactly the full scan's tiles within the radius of a point (brute force)."""
    width, height, tile, overlap = 2300, 1700, 512, 64
    rng = np.random.default_rng(3)
    px = rng.uniform(0, [width, height], (12, 2))
    radius_px = 20.0
    got = peak_tiles([TRANSFORM * tuple(p) for p in px], TRANSFORM, width, height, tile_px=tile,
                     overlap_px=overlap, radius_m=radius_px * GSD)
    want = []
    for t in full_scan_windows(width, height, tile, overlap):
        dx = np.maximum(np.maximum(t.col_off - px[:, 0], px[:, 0] - (t.col_off + t.width)), 0)
        dy = np.maximum(np.maximum(t.row_off - px[:, 1], px[:, 1] - (t.row_off + t.height)), 0)
        if np.any(np.hypot(dx, dy) <= radius_px + 1e-6):
            want.append(t)
    assert got == want and 0 < len(got) < len(full_scan_windows(width, height, tile, overlap))
    assert peak_tiles([], TRANSFORM, width, height, tile_px=tile, overlap_px=overlap, radius_m=1.0) == []


def test_cascade_on_peak_tiles_gives_the_full_scans_responses_at_the_peaks() -> None:
    """The same tiles, the same context: the responses at the peaks are the full scan's, where
    squares centred on the peaks show the detector another context and score otherwise."""
    centres = [(300, 300), (1500, 1000), (1530, 1010), (900, 150)]
    img, valid = _scene(2000, 1400, centres)
    img[:, 1100:1300, 200:700] = 220.0  # bright ground: the context a tile may or may not hold
    peaks = [TRANSFORM * c for c in centres[:3]]
    full = detect_sliced(_reader(img, valid), 2000, 1400, TRANSFORM, ContextDetector(), tile_px=512,
                         overlap_px=64, min_score=0.01)
    reads: list[Window] = []
    tiles = peak_tiles(peaks, TRANSFORM, 2000, 1400, tile_px=512, overlap_px=64, radius_m=0.5)
    cascade = detect_sliced(_reader(img, valid, reads), 2000, 1400, TRANSFORM, ContextDetector(),
                            tile_px=512, overlap_px=64, windows=tiles, min_score=0.01)
    squares = detect_sliced(_reader(img, valid), 2000, 1400, TRANSFORM, ContextDetector(), tile_px=512,
                            overlap_px=64, windows=cascade_windows(peaks, TRANSFORM, 2000, 1400, window_m=1.0),
                            min_score=0.01)

    def at_peaks(points: list[Any]) -> list[tuple[float, float, float]]:
        return sorted((round(p.x_m, 3), round(p.y_m, 3), p.confidence) for p in points
                      if min(np.hypot(p.x_m - x, p.y_m - y) for x, y in peaks) <= 0.5)

    assert len(at_peaks(full)) == 3 and at_peaks(cascade) == at_peaks(full)
    assert len(reads) < len(full_scan_windows(2000, 1400, 512, 64))
    assert [c for _, _, c in at_peaks(squares)] != [c for _, _, c in at_peaks(full)]


class PhaseDetector(BlobDetector):
    """Scores a blob by where it starts relative to a 16 px grid of its tile: a network whose
    output aliases with its stride, as the shipped one's does (stop 60)."""

    def predict(self, images: np.ndarray, valid: np.ndarray, *, min_score: float | None = None) -> list[Detections]:
        out = []
        for det in super().predict(images, valid, min_score=min_score):
            phase = (det.boxes[:, 0] % 16) / 15.0
            out.append(Detections(det.boxes, (det.scores * (0.4 + 0.5 * phase)).astype(np.float32), det.classes))
        return out


def test_aligned_squares_keep_each_objects_place_on_the_full_scans_grid() -> None:
    """Squares starting on multiples of 32 px cover their peaks and give a phase-dependent
    detector the full scan's scores; squares centred on the peaks do not."""
    centres = [(301, 333), (1010, 517), (1533, 1045), (707, 1190)]
    img, valid = _scene(2000, 1400, centres)
    peaks = [TRANSFORM * c for c in centres]
    full = detect_sliced(_reader(img, valid), 2000, 1400, TRANSFORM, PhaseDetector(), tile_px=512,
                         overlap_px=64, min_score=0.01)

    def scores(align: int) -> list[float]:
        wins = cascade_windows(peaks, TRANSFORM, 2000, 1400, window_m=3.0, max_px=512, align_px=align)
        if align > 1:
            assert all(w.col_off % align == 0 and w.row_off % align == 0 for w in wins)
        for c, r in centres:  # every square is still covered
            assert any(w.col_off <= c - 75 and c + 75 <= w.col_off + w.width
                       and w.row_off <= r - 75 and r + 75 <= w.row_off + w.height for w in wins)
        found = detect_sliced(_reader(img, valid), 2000, 1400, TRANSFORM, PhaseDetector(), tile_px=512,
                              overlap_px=64, windows=wins, min_score=0.01)
        return sorted(round(p.confidence, 4) for p in found)

    want = sorted(round(p.confidence, 4) for p in full)
    assert len(want) == 4 and scores(32) == want and scores(1) != want


def test_merge_detections_radius_and_nms() -> None:
    xy = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 0.0], [1.3, 0.0]])
    boxes = np.concatenate([xy - 0.06, xy + 0.06], 1)
    boxes[3] = [0.9, -0.5, 1.9, 0.5]  # big box overlapping the third with IoU < 0.5
    keep = merge_detections(xy, boxes, np.array([0.5, 0.9, 0.7, 0.6]), radius=0.15)
    assert keep.tolist() == [1, 2, 3]


def test_merge_detections_boxes_overlapping_beyond_the_radius_are_one() -> None:
    # centres 0.4 apart (radius 0.15), boxes 2 x 2 overlapping with IoU 1.6 * 2 / (8 - 3.2) = 2/3
    xy = np.array([[0.0, 0.0], [0.4, 0.0], [5.0, 0.0]])
    boxes = np.concatenate([xy - 1.0, xy + 1.0], 1)
    assert merge_detections(xy, boxes, np.array([0.6, 0.8, 0.7]), radius=0.15).tolist() == [1, 2]
    assert merge_detections(xy, boxes, np.array([0.6, 0.8, 0.7]), radius=0.15, iou=0.7).tolist() == [1, 2, 0]
    assert merge_detections(np.zeros((0, 2)), np.zeros((0, 4)), np.zeros(0), radius=0.15).tolist() == []


class ShapeRecorder(BlobDetector):
    """BlobDetector that records the batch shapes it is given."""

    def __init__(self) -> None:
        self.shapes: list[tuple[int, ...]] = []

    def predict(self, images: np.ndarray, valid: np.ndarray, *, min_score: float | None = None) -> list[Detections]:
        self.shapes.append(images.shape)
        return super().predict(images, valid, min_score=min_score)


def test_cascade_batches_are_padded_to_their_largest_window_not_a_tile() -> None:
    centres = [(300, 200), (900, 700), (1250, 1000)]
    img, valid = _scene(1400, 1100, centres)
    pts = [TRANSFORM * c for c in centres]
    wins = cascade_windows(pts, TRANSFORM, 1400, 1100, window_m=3.0)
    model = ShapeRecorder()
    cascade = detect_sliced(_reader(img, valid), 1400, 1100, TRANSFORM, model,
                            tile_px=1024, overlap_px=64, windows=wins, batch_size=2)
    # 150 px windows, padded to the next multiple of the padding step, not to 1024
    assert model.shapes and all(max(s[2], s[3]) == 256 for s in model.shapes)
    full = detect_sliced(_reader(img, valid), 1400, 1100, TRANSFORM, BlobDetector(),
                         tile_px=1024, overlap_px=64)
    key = sorted((round(p.x_m, 3), round(p.y_m, 3)) for p in cascade)
    assert key == sorted((round(p.x_m, 3), round(p.y_m, 3)) for p in full)
    assert len(key) == 3


class UpsampledShapeRecorder(ShapeRecorder):
    """A 0.5 cm model: a 2 cm raster reaches it upsampled 4x."""

    input_gsd_m = 0.005


@pytest.mark.parametrize("windows", [False, True])
def test_upsampled_rasters_keep_network_sized_tiles(windows: bool) -> None:
    # a 2 cm raster for a 0.5 cm model: without care a 1024 px raster tile becomes a 4096 px
    # network input (16x the activations); tiles and batch padding are the network's instead
    centres = [(300, 200), (900, 700)]
    img, valid = _scene(1400, 1100, centres)
    # windows sized as the detection stage sizes them: network tiles and padding in raster px
    max_px, pad_px = raster_tile_px(1024, network_scale(GSD, UpsampledShapeRecorder.input_gsd_m))
    wins = cascade_windows([TRANSFORM * c for c in centres], TRANSFORM, 1400, 1100, window_m=3.0,
                           max_px=max_px, pad_px=pad_px) if windows else None
    model = UpsampledShapeRecorder()
    found = detect_sliced(_reader(img, valid), 1400, 1100, TRANSFORM, model, tile_px=1024, overlap_px=64,
                          windows=wins)
    assert model.shapes and max(max(s[2], s[3]) for s in model.shapes) <= 1024
    if windows:  # 150 px windows = 600 network px, padded to the next 128 network px
        assert all(max(s[2], s[3]) == 640 for s in model.shapes)
    # the blob model sees 4x larger blobs; each object is still found once, where it is
    xy = sorted((round(p.x_m, 2), round(p.y_m, 2)) for p in found)
    assert xy == sorted((round((TRANSFORM * c)[0], 2), round((TRANSFORM * c)[1], 2)) for c in centres)


def test_model_input_reader_gives_rgb_models_8_bit_counts() -> None:
    from rams.detection.sliced import model_input_reader

    data = np.full((2, 2, 3), 0.5, np.float32)
    valid = np.ones((2, 2), bool)

    def read(window: Window) -> tuple[np.ndarray, np.ndarray]:
        return data, valid

    counts, ok = model_input_reader(read, "rgb")(Window(0, 0, 2, 2))
    assert counts.dtype == np.float32 and np.allclose(counts, 127.5) and ok is valid
    # Thermal is in degrees C already: unchanged.
    assert model_input_reader(read, "thermal") is read


def test_weak_detections_are_kept_only_near_the_given_places() -> None:
    """Below ``weak_below`` a detection survives only within the radius of a given point."""
    img, valid = _scene(600, 400, [(100, 100)])  # a whole blob: score 1.0
    half = SIDE // 4
    for c, r in ((300, 100), (500, 300)):  # two small blobs: score 0.25
        img[:, r - half:r + half, c - half:c + half] = 220.0
    read = _reader(img, valid)
    every = detect_sliced(read, 600, 400, TRANSFORM, BlobDetector(), tile_px=512, overlap_px=64)
    assert sorted(round(p.confidence, 2) for p in every) == [0.25, 0.25, 1.0]
    kept = detect_sliced(read, 600, 400, TRANSFORM, BlobDetector(), tile_px=512, overlap_px=64,
                         weak_below=0.5, weak_near_px=np.array([[303.0, 98.0]]), weak_radius_px=10.0)
    got = sorted((round(p.confidence, 2), round(p.x_m, 2)) for p in kept)
    assert [c for c, _ in got] == [0.25, 1.0]
    assert got[0][1] == pytest.approx((TRANSFORM * (300, 100))[0], abs=0.02)  # the one near the place
    none_near = detect_sliced(read, 600, 400, TRANSFORM, BlobDetector(), tile_px=512, overlap_px=64,
                              weak_below=0.5, weak_near_px=np.zeros((0, 2)), weak_radius_px=10.0)
    assert [round(p.confidence, 2) for p in none_near] == [1.0]


@pytest.mark.parametrize("scale", [1.0, 1.3, 0.6])
def test_prepare_keeps_8_bit_counts_unless_it_resamples_them(scale: float) -> None:
    from rams.detection.sliced import _prepare

    rng = np.random.default_rng(2)
    counts = rng.integers(0, 256, (3, 90, 70)).astype(np.uint8)
    valid = rng.random((90, 70)) > 0.1
    img, ok = _prepare(counts, valid, 100, scale)
    ref, ref_ok = _prepare(counts.astype(np.float32), valid, 100, scale)
    # resampling works on floats (uint8 would round every interpolated value); a pad does not
    assert img.dtype == (np.uint8 if scale == 1.0 else np.float32)
    assert np.array_equal(img.astype(np.float32), ref) and np.array_equal(ok, ref_ok)


def test_windows_are_read_one_batch_ahead_in_order_and_read_errors_reach_the_caller() -> None:
    centres = [(100, 100), (700, 100), (100, 700), (700, 700)]
    img, valid = _scene(800, 800, centres)
    events: list[tuple[str, int]] = []
    read = _reader(img, valid)

    def logged_read(window: Window) -> tuple[np.ndarray, np.ndarray]:
        events.append(("read", int(window.row_off) * 10_000 + int(window.col_off)))
        return read(window)

    class Logged(BlobDetector):
        def predict(self, images: np.ndarray, valid: np.ndarray, *, min_score: float | None = None) -> list[Detections]:
            events.append(("predict", len(events)))
            return super().predict(images, valid, min_score=min_score)

    points = detect_sliced(logged_read, 800, 800, TRANSFORM, Logged(), tile_px=400, overlap_px=32)
    assert len(points) == 4  # the same objects as without the read-ahead
    reads = [k for kind, k in events if kind == "read"]
    assert reads == sorted(reads) and len(set(reads)) == len(reads) > 4  # raster order, each tile once
    for i, (kind, _) in enumerate(events):
        if kind == "predict":  # at most one batch read ahead of the network
            n_reads, n_predicts = (sum(1 for k, _ in events[:i] if k == kind_) for kind_ in ("read", "predict"))
            assert n_reads <= n_predicts + 2

    def broken(window: Window) -> tuple[np.ndarray, np.ndarray]:
        if window.row_off > 0:
            raise OSError("block 3 of rgb.tif could not be decoded")
        return read(window)

    with pytest.raises(OSError, match="could not be decoded"):
        detect_sliced(broken, 800, 800, TRANSFORM, BlobDetector(), tile_px=400, overlap_px=32)
