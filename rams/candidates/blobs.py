"""Anomaly blobs: the anomaly score raster thresholded, cleaned and reduced to points.

The raster (``anomaly.tif``, float32, -log10 of the per-pixel false-alarm probability,
NaN = nodata) is read window by window, never whole. Each window is read with a halo so
that a blob cut by a window edge is still seen whole from the window that owns its
centroid; a blob is reported only by the window whose *core* holds its centroid, so blobs
are neither duplicated nor lost at window borders (blobs wider than the halo, which no
mine makes at survey GSDs, are the exception).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import rasterio

from rams.candidates.coverage import CoverageBuilder, ValidCoverage
from rams.errors import RasterError
from rams.tiles.windows import iter_tiles


@dataclass(frozen=True)
class AnomalyBlob:
    """One connected region of the thresholded anomaly score.

    Attributes:
        x_m: easting of the score-weighted centroid, flight CRS metres.
        y_m: northing of the score-weighted centroid, flight CRS metres.
        area_m2: blob area on the ground, square metres.
        max_score: highest -log10(Pfa) in the blob.
    """

    x_m: float
    y_m: float
    area_m2: float
    max_score: float

    @property
    def radius_m(self) -> float:
        """Radius of the disc with the blob's area, metres."""
        return math.sqrt(self.area_m2 / math.pi)


@dataclass(frozen=True)
class BlobScan:
    """Result of scanning an anomaly raster.

    Attributes:
        blobs: blobs above the threshold, strongest first within each window.
        valid_area_m2: ground area of pixels with a score (not nodata), square metres.
        n_dropped: blobs discarded by the per-window cap.
        coverage: where the raster has a score, on a coarse grid (None: not measured).
    """

    blobs: list[AnomalyBlob]
    valid_area_m2: float
    n_dropped: int
    coverage: ValidCoverage | None = None


def close_3x3(mask: np.ndarray) -> np.ndarray:
    """``ndimage.binary_closing(mask, 3x3 square)``, the same pixels, with OpenCV.

    A dilation then an erosion by the 3x3 square, counting everything outside the array as
    0 (scipy's ``border_value=0``), so a blob on the edge loses its edge pixels as there.
    About 25x faster than scipy's on a 2176 px window (2.9 against 73 ms).
    """
    kernel = np.ones((3, 3), np.uint8)
    dilated = cv2.dilate(np.ascontiguousarray(mask).view(np.uint8), kernel,
                         borderType=cv2.BORDER_CONSTANT, borderValue=0)
    return cv2.erode(dilated, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0).view(bool)


def blobs_in_window(
    score: np.ndarray,
    threshold: float,
    min_pixels: int,
    core: tuple[slice, slice] | None = None,
) -> list[tuple[float, float, int, float]]:
    """Blobs of one score window, in pixel coordinates of the window.

    Pixels with ``score >= threshold`` are closed with a 3x3 square (bridging one-pixel
    gaps of a mine signature split by noise), labelled with 8-connectivity, and blobs with
    fewer than ``min_pixels`` above-threshold pixels are dropped.

    Args:
        score: (H, W) float array of -log10(Pfa); NaN is nodata.
        threshold: score threshold.
        min_pixels: minimum above-threshold pixels per blob.
        core: slices of the window this call owns; a blob is kept only if its centroid
            lies inside it (None: the whole array).

    Returns:
        (col, row, n_pixels, max_score) per blob, with (col, row) the score-weighted
        centroid in fractional pixel coordinates (pixel centres at +0.5), strongest first.
    """
    valid = np.isfinite(score)
    above = valid & (score >= threshold)
    if not above.any():
        return []
    closed = close_3x3(above) & valid
    n_labels, labels = cv2.connectedComponents(closed.view(np.uint8), connectivity=8)
    n = n_labels - 1  # label 0 is the background
    if n == 0:
        return []
    # Statistics over the labelled pixels only (few): bincount instead of ndimage's
    # whole-window measurement passes, which dominate the cost on a mostly quiet raster.
    rr, cc = np.nonzero(labels)
    lab = labels[rr, cc] - 1
    is_above = above[rr, cc]
    w = np.where(is_above, score[rr, cc], 0.0).astype(np.float64)
    n_above = np.bincount(lab, weights=is_above, minlength=n)
    w_sum = np.maximum(np.bincount(lab, weights=w, minlength=n), 1e-12)
    row_c = np.bincount(lab, weights=w * rr, minlength=n) / w_sum
    col_c = np.bincount(lab, weights=w * cc, minlength=n) / w_sum
    max_score = np.full(n, -np.inf)
    np.maximum.at(max_score, lab, np.where(is_above, w, -np.inf))
    out: list[tuple[float, float, int, float]] = []
    for k in range(n):
        if n_above[k] < min_pixels:
            continue
        col, row = float(col_c[k]) + 0.5, float(row_c[k]) + 0.5
        if core is not None:
            # The pixel holding the centroid (rounded so that the same blob seen from two
            # windows lands in the same pixel) decides which window owns the blob.
            pr, pc = math.floor(round(row, 6)), math.floor(round(col, 6))
            if not (core[0].start <= pr < core[0].stop and core[1].start <= pc < core[1].stop):
                continue
        out.append((col, row, int(n_above[k]), float(max_score[k])))
    # Strongest first; ties broken by position so the order is deterministic.
    out.sort(key=lambda b: (-b[3], b[1], b[0]))
    return out


def scan_anomaly_raster(
    path: Path,
    *,
    threshold: float,
    min_blob_m2: float,
    window_px: int = 2048,
    halo_px: int = 64,
    max_blobs_per_window: int = 2000,
) -> BlobScan:
    """Threshold an anomaly score raster window by window and reduce it to blobs.

    Args:
        path: single-band float GeoTIFF of -log10(Pfa) on a north-up projected grid.
        threshold: score threshold (-log10 of the false-alarm rate).
        min_blob_m2: minimum blob area, square metres (at least one pixel is required).
        window_px: core window size, pixels.
        halo_px: extra pixels read around each window so edge blobs are seen whole.
        max_blobs_per_window: keep only the strongest this many blobs per window, which
            bounds memory and the clustering cost on a cluttered flight.

    Returns:
        The blobs (flight CRS metres), the valid (scored) ground area and where it lies
        (:class:`~rams.candidates.coverage.ValidCoverage`).

    Raises:
        RasterError: the file cannot be opened, has no CRS, or is not north-up.
    """
    try:
        src = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise RasterError(path, f"cannot open anomaly raster ({exc})") from exc
    with src:
        if src.crs is None:
            raise RasterError(path, "anomaly raster has no CRS")
        t = src.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
            raise RasterError(path, "anomaly raster is rotated or flipped; expected a north-up grid")
        pixel_area_m2 = abs(t.a * t.e)
        min_pixels = max(1, math.ceil(min_blob_m2 / pixel_area_m2 - 1e-9))
        nodata = src.nodata
        blobs: list[AnomalyBlob] = []
        n_valid = 0
        n_dropped = 0
        coverage = CoverageBuilder(t, src.width, src.height)
        for tile in iter_tiles(src.width, src.height, window_px, halo_px):
            score = src.read(1, window=tile.read).astype(np.float32, copy=False)
            if nodata is not None and not math.isnan(nodata):
                score = np.where(score == nodata, np.float32(np.nan), score)
            core = tile.core_in_read
            valid = np.isfinite(score[core])
            n_valid += int(valid.sum())
            coverage.add(valid, tile.core.row_off, tile.core.col_off)
            found = blobs_in_window(score, threshold, min_pixels, core)
            if len(found) > max_blobs_per_window:
                n_dropped += len(found) - max_blobs_per_window
                found = found[:max_blobs_per_window]
            for col, row, n_px, smax in found:
                x, y = t * (tile.read.col_off + col, tile.read.row_off + row)
                blobs.append(AnomalyBlob(float(x), float(y), n_px * pixel_area_m2, smax))
    return BlobScan(
        blobs=blobs, valid_area_m2=n_valid * pixel_area_m2, n_dropped=n_dropped, coverage=coverage.result()
    )
