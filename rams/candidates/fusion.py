"""Evidence fusion: CNN detections and anomaly peaks merged into candidate points with features.

A candidate point is one of three kinds:

- ``cnn``: a CNN detection with no anomaly peak within ``fusion_radius_m``;
- ``anomaly``: an anomaly peak (multispectral and/or thermal RX) with no CNN detection near;
- ``fused``: a CNN detection and an anomaly peak paired one to one (closest pairs first);
  the position is the CNN's (RGB at 1 to 3 cm locates better than RX at 5 to 10 cm).

Each point gets the features of :data:`BASE_FEATURES` (all floats, 0 where absent):

- ``has_cnn``, ``cnn_score``, ``cnn_ap``, ``cnn_av`` (device category of the CNN class),
  ``cnn_box_m`` (square root of the box area, metres);
- ``has_anomaly``, ``thermal``, ``spectral`` (which sensors' RX made the peak);
- ``rx_score``: highest -log10(Pfa) of ``anomaly.tif`` within ``_DISC_M`` of the point
  (read for every kind, so a CNN point on a weak anomaly still shows it);
- ``blob_log_area``: log(1 + area above the anomaly threshold in the disc / 0.01 m^2);
- ``blob_elongation``: 1 - minor/major axis of those pixels (0 round, 1 a line);
- ``cnn_support``: the highest CNN confidence (any class) within ``fusion_radius_m`` among
  the CNN's responses down to the detection stage's support floor
  (``detection.support_min_confidence``): how mine-like the RGB looks at an anomaly peak
  the CNN did not call a mine (0 where the CNN did not run or saw nothing);
- ``n_agree``: number of independent evidences (CNN, thermal, spectral), 1 to 3;
- ``clutter_log_density``: log(1 + candidate points per 100 m^2 within ``density_radius_m``,
  the point itself excluded): rocks, scrap and litter make many candidates, a minefield a
  few regular ones;
- ``density_contrast``: log((n + 1) / (e + 1)), ``n`` the other candidates within
  ``density_radius_m`` and ``e`` the count expected there at the flight's own rate
  (candidates over the surveyed area): a group stands out against the flight's own
  background, so the same count means less on ground covered in mine-sized clutter.

Both density features count only the surveyed part of each disc where the anomaly raster
says which part that is (:mod:`rams.candidates.coverage`): at the edge of a flight or beside
a hole in its orthomosaic a disc is partly empty, not sparse.

The anomaly raster is read in small windows around the points, never whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
from rasterio.windows import Window
from scipy.spatial import cKDTree

from rams.candidates.coverage import ValidCoverage
from rams.core.devices import device_category
from rams.core.gsd import gsd_from_affine
from rams.core.points import MinePoint
from rams.ingest.rasters import read_padded

KIND_CNN = "cnn"
KIND_ANOMALY = "anomaly"
KIND_FUSED = "fused"
KIND_EXPECTED = "expected_position"
#: Point kinds, in export order.
POINT_KINDS = (KIND_FUSED, KIND_CNN, KIND_ANOMALY, KIND_EXPECTED)

#: Features of a candidate before pattern search, in model order.
BASE_FEATURES: tuple[str, ...] = (
    "has_cnn",
    "cnn_score",
    "cnn_ap",
    "cnn_av",
    "cnn_box_m",
    "has_anomaly",
    "thermal",
    "spectral",
    "rx_score",
    "blob_log_area",
    "blob_elongation",
    "n_agree",
    "clutter_log_density",
    "cnn_support",
    "density_contrast",
)
#: The base features that come from the CNN alone: the only evidence the combiner's RGB-only
#: model weighs (RGB anomaly peaks are texture, not the thermal/spectral contrasts of
#: :data:`BASE_FEATURES`' anomaly features; see :meth:`PointCombiner.for_run`).
CNN_FEATURES: tuple[str, ...] = ("has_cnn", "cnn_score", "cnn_ap", "cnn_av", "cnn_box_m", "cnn_support")

#: Radius of the disc read around a point in ``anomaly.tif``, metres.
_DISC_M = 0.3
#: Scores are capped here (the chi2 tail saturates; beyond it a score says nothing more).
_MAX_RX = 15.0


@dataclass
class FusedPoint:
    """One candidate point with its evidence and features.

    Attributes:
        x_m: easting, flight CRS metres.
        y_m: northing, flight CRS metres.
        kind: ``cnn``, ``anomaly`` or ``fused``.
        cnn: the CNN detection, if any.
        peak: the anomaly peak, if any.
        features: name -> value (see the module docstring).
    """

    x_m: float
    y_m: float
    kind: str
    cnn: MinePoint | None = None
    peak: MinePoint | None = None
    features: dict[str, float] = field(default_factory=dict)

    @property
    def class_name(self) -> str:
        """The CNN class, or ``unknown`` for an anomaly alone."""
        return self.cnn.class_name if self.cnn is not None else "unknown"

    @property
    def evidence(self) -> tuple[str, ...]:
        """Evidence kinds (``cnn_detection``, ``spectral_anomaly``, ``thermal_anomaly``)."""
        out = []
        if self.cnn is not None:
            out.append("cnn_detection")
        if self.features.get("spectral", 0.0) > 0:
            out.append("spectral_anomaly")
        if self.features.get("thermal", 0.0) > 0:
            out.append("thermal_anomaly")
        return tuple(out)


def _peak_evidence(p: MinePoint) -> tuple[float, float]:
    """(thermal, spectral) flags of a peak, from ``extra["evidence"]`` or its sensor."""
    ev = p.extra.get("evidence")
    labels = {str(e) for e in ev} if isinstance(ev, list | tuple) else set()
    if not labels:
        s = p.sensor.lower()
        if "thermal" in s:
            labels.add("thermal_anomaly")
        if "multispectral" in s or s == "ms":
            labels.add("spectral_anomaly")
    return float("thermal_anomaly" in labels), float("spectral_anomaly" in labels)


def _peak_score(p: MinePoint) -> float:
    value = p.extra.get("score")
    if isinstance(value, int | float) and math.isfinite(float(value)):
        return float(value)
    return 0.0


def fuse_points(
    detections: list[MinePoint], peaks: list[MinePoint], radius_m: float
) -> list[FusedPoint]:
    """Pair CNN detections with anomaly peaks one to one, closest pairs first.

    Args:
        detections: CNN detections, flight CRS metres.
        peaks: anomaly peaks (``extra["score"]``, ``extra["evidence"]`` when present).
        radius_m: largest CNN-to-peak distance of a pair, metres.

    Returns:
        Fused points first, then lone CNN points, then lone anomaly points, each with the
        evidence features set (raster and density features are added later).
    """
    pairs: list[tuple[float, int, int]] = []
    if detections and peaks:
        d_xy = np.array([[p.x_m, p.y_m] for p in detections])
        p_xy = np.array([[p.x_m, p.y_m] for p in peaks])
        sparse = cKDTree(d_xy).sparse_distance_matrix(cKDTree(p_xy), radius_m, output_type="coo_matrix")
        pairs = sorted(zip(sparse.data.tolist(), sparse.row.tolist(), sparse.col.tolist(), strict=True))
    used_d: set[int] = set()
    used_p: set[int] = set()
    out: list[FusedPoint] = []
    for _, i, j in pairs:
        if i in used_d or j in used_p:
            continue
        used_d.add(i)
        used_p.add(j)
        d = detections[i]
        out.append(FusedPoint(d.x_m, d.y_m, KIND_FUSED, cnn=d, peak=peaks[j]))
    out += [FusedPoint(d.x_m, d.y_m, KIND_CNN, cnn=d) for i, d in enumerate(detections) if i not in used_d]
    out += [FusedPoint(p.x_m, p.y_m, KIND_ANOMALY, peak=p) for j, p in enumerate(peaks) if j not in used_p]
    for fp in out:
        fp.features.update(_evidence_features(fp))
    return out


def _evidence_features(fp: FusedPoint) -> dict[str, float]:
    f = dict.fromkeys(BASE_FEATURES, 0.0)
    if fp.cnn is not None:
        cat = device_category(fp.cnn.class_name)
        f["has_cnn"] = 1.0
        f["cnn_score"] = float(fp.cnn.confidence)
        f["cnn_ap"] = float(cat == "AP")
        f["cnn_av"] = float(cat == "AV")
        f["cnn_box_m"] = math.sqrt(max(fp.cnn.box_w_m * fp.cnn.box_h_m, 0.0))
    if fp.peak is not None:
        f["has_anomaly"] = 1.0
        f["thermal"], f["spectral"] = _peak_evidence(fp.peak)
        f["rx_score"] = min(_peak_score(fp.peak), _MAX_RX)
    f["n_agree"] = f["has_cnn"] + f["thermal"] + f["spectral"]
    return f


def add_raster_features(points: list[FusedPoint], anomaly_path: Path | None, threshold: float) -> None:
    """Set ``rx_score``, ``blob_log_area`` and ``blob_elongation`` from ``anomaly.tif``.

    Args:
        points: candidate points (modified in place).
        anomaly_path: the score raster (-log10 Pfa, NaN nodata), or None to keep the
            peak scores and leave the blob features at 0.
        threshold: score above which a pixel belongs to a blob.
    """
    if anomaly_path is None or not points:
        return
    with rasterio.open(anomaly_path) as src:
        inv = ~src.transform
        gsd_m = gsd_from_affine(src.transform)
        r_px = max(1, math.ceil(_DISC_M / gsd_m))
        yy, xx = np.mgrid[-r_px : r_px + 1, -r_px : r_px + 1]
        disc = (xx**2 + yy**2) * gsd_m**2 <= _DISC_M**2
        side = 2 * r_px + 1
        for fp in points:
            col, row = inv * (fp.x_m, fp.y_m)
            c0, r0 = math.floor(col) - r_px, math.floor(row) - r_px
            a = read_padded(src, 1, Window(c0, r0, side, side), fill=np.nan, dtype=np.float64)
            a = np.where(disc & np.isfinite(a), a, -np.inf)
            top = float(a.max())
            if math.isfinite(top):
                fp.features["rx_score"] = max(fp.features["rx_score"], min(top, _MAX_RX))
            above = a >= threshold
            n = int(above.sum())
            fp.features["blob_log_area"] = math.log1p(n * gsd_m**2 / 0.01)
            fp.features["blob_elongation"] = _elongation(yy[above], xx[above])


def _elongation(rows: np.ndarray, cols: np.ndarray) -> float:
    """1 - sqrt(minor/major eigenvalue) of the pixels' covariance (0 for < 3 pixels)."""
    if rows.size < 3:
        return 0.0
    cov = np.cov(np.stack([rows, cols]).astype(np.float64))
    ev = np.linalg.eigvalsh(cov + 1e-9 * np.eye(2))
    return float(1.0 - math.sqrt(max(ev[0], 0.0) / max(ev[1], 1e-12)))


def add_support_features(points: list[FusedPoint], support: list[MinePoint], radius_m: float) -> None:
    """Set ``cnn_support``: the highest CNN confidence in ``support`` within ``radius_m``.

    A point's own CNN detection counts, so ``cnn_support >= cnn_score`` always.
    """
    for fp in points:
        fp.features["cnn_support"] = fp.features.get("cnn_score", 0.0)
    if not points or not support:
        return
    s_xy = np.array([[s.x_m, s.y_m] for s in support])
    score = np.array([s.confidence for s in support], np.float64)
    tree = cKDTree(s_xy)
    xy = np.array([[p.x_m, p.y_m] for p in points])
    for fp, near in zip(points, tree.query_ball_point(xy, radius_m), strict=True):
        if near:
            fp.features["cnn_support"] = max(fp.features["cnn_support"], float(score[near].max()))


def add_density_features(
    points: list[FusedPoint], radius_m: float, surveyed_area_m2: float | None = None,
    coverage: ValidCoverage | None = None,
) -> None:
    """Set ``clutter_log_density`` and ``density_contrast``.

    ``clutter_log_density``: log(1 + other candidates per 100 m^2 of surveyed ground within
    ``radius_m``).
    ``density_contrast``: log((n + 1) / (e + 1)), ``n`` the other candidates within
    ``radius_m`` and ``e`` the number expected there at the flight's own rate (the other
    candidates over ``surveyed_area_m2``): a cluster on ground where candidates are rare
    stands out, the same count on ground full of clutter does not. 0 when the surveyed area
    is not known.

    Both count only the surveyed part of each disc when ``coverage`` says where that is: at
    the edge of the orthomosaic or beside a hole in it, half a disc holding n candidates is
    as dense as a whole disc holding 2n (without ``coverage`` every disc counts whole, and a
    point near the edge reads as lying on sparse ground). Candidates on unsurveyed ground
    (a CNN point beyond the multispectral and thermal rasters) are then not counted either,
    in the discs or in the flight's rate.
    """
    if not points:
        return
    xy = np.array([[p.x_m, p.y_m] for p in points])
    if coverage is None:
        share, counted = np.ones(len(points)), np.ones(len(points), bool)
    else:
        share = coverage.disc_share(xy, radius_m)
        # numerator and denominator over the same ground: a neighbour where the anomaly
        # raster has no score (a CNN point on RGB beyond the multispectral and thermal
        # rasters) lies outside the disc area counted
        counted = coverage.share_at(xy) >= 0.5
    near = cKDTree(xy).query_ball_point(xy, radius_m)
    counts = np.array([int(counted[n].sum()) - int(counted[i]) for i, n in enumerate(near)])
    # a point stands on surveyed ground, so its disc is never wholly unsurveyed
    disc_m2 = math.pi * radius_m**2 * np.clip(share, _MIN_DISC_SHARE, 1.0)
    per_100m2 = counts / disc_m2 * 100.0
    n_counted = int(counted.sum())
    rate = max(n_counted - 1, 0) / surveyed_area_m2 if surveyed_area_m2 else None
    for fp, d, n, area in zip(points, per_100m2, counts, disc_m2, strict=True):
        fp.features["clutter_log_density"] = math.log1p(float(d))
        fp.features["density_contrast"] = 0.0 if rate is None else math.log((n + 1.0) / (rate * area + 1.0))


#: Least surveyed share of a density disc (a point at a corner of the survey has about a
#: quarter; below that the coverage grid's cells are too coarse to say).
_MIN_DISC_SHARE = 0.2


def feature_matrix(points: list[FusedPoint], names: tuple[str, ...]) -> np.ndarray:
    """(N, F) float64 matrix of the named features (missing ones are 0)."""
    return np.array([[p.features.get(n, 0.0) for n in names] for p in points], dtype=np.float64).reshape(
        len(points), len(names)
    )
