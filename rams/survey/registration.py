"""Robust rigid registration of a recorded mine pattern onto detected mine points.

A record's mines (or the mines placed along its recorded rows) are moved by a rotation
``R(theta)`` about the record's centre ``c`` and a translation ``t``:

    found(p) = R(theta) (p - c) + c + t

so ``t`` is where the found pattern's centre lies relative to the recorded one (found minus
recorded, metres east and north) and ``theta`` the rotation, counter-clockwise positive.

RANSAC over rigid transforms: two recorded mines and two detections at the same distance
(within ``pair_length_tol_m``) fix a hypothesis, kept when its rotation and offset lie in
the search bounds. Hypotheses are scored with the MSAC score
``sum_i max(0, 1 - (d_i / r)^2)`` over the recorded mines, ``d_i`` the distance from a moved
mine to its nearest detection and ``r`` the inlier radius: a shift by one mine spacing
along a row keeps most inliers but loses the closeness, so the true alignment wins. The
best hypothesis is refined by least squares (2-D Kabsch) on its inliers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

#: Hypotheses scored per batch (bounds memory: batch x recorded mines distances).
SCORE_BATCH = 4096
#: Recorded pairs shorter than this fix the rotation too loosely to be drawn.
MIN_BASELINE_M = 2.0
REFINE_ITERATIONS = 4


@dataclass
class RigidFit:
    """A rigid move of a recorded pattern (see the module docstring).

    Attributes:
        centre_xy: the recorded centre ``c`` (metres, working CRS).
        rotation_rad: ``theta``, counter-clockwise positive.
        offset_xy_m: ``t``, found minus recorded (east, north), metres.
        n_inliers: recorded mines with a detection within the inlier radius once moved.
        rms_m: root-mean-square distance of those matches, metres.
        inlier_pairs: (k, 2) indices (recorded, detected) of the matches.
    """

    centre_xy: np.ndarray
    rotation_rad: float
    offset_xy_m: np.ndarray
    n_inliers: int
    rms_m: float
    inlier_pairs: np.ndarray

    @property
    def rotation_deg(self) -> float:
        """``theta`` in degrees."""
        return math.degrees(self.rotation_rad)

    def apply(self, xy: np.ndarray) -> np.ndarray:
        """Move (n, 2) recorded positions to where the fit found them."""
        return _move(np.asarray(xy, dtype=float), self.centre_xy, self.rotation_rad, self.offset_xy_m)


def _move(xy: np.ndarray, centre: np.ndarray, theta: float, t: np.ndarray) -> np.ndarray:
    c, s = math.cos(theta), math.sin(theta)
    d = xy - centre
    return np.asarray(np.column_stack([c * d[:, 0] - s * d[:, 1], s * d[:, 0] + c * d[:, 1]]) + centre + t)


def kabsch_2d(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray]:
    """Least-squares rotation and translation with ``dst ~ R(theta) src + t``.

    Args:
        src: (k, 2) points, k >= 2.
        dst: (k, 2) matched points.

    Returns:
        ``(theta, t)``: theta = atan2(sum(p x q), sum(p . q)) on centred points.
    """
    ps, qs = src.mean(axis=0), dst.mean(axis=0)
    p, q = src - ps, dst - qs
    dot = float(np.sum(p[:, 0] * q[:, 0] + p[:, 1] * q[:, 1]))
    cross = float(np.sum(p[:, 0] * q[:, 1] - p[:, 1] * q[:, 0]))
    theta = math.atan2(cross, dot)
    c, s = math.cos(theta), math.sin(theta)
    t = qs - np.array([c * ps[0] - s * ps[1], s * ps[0] + c * ps[1]])
    return theta, t


def _hypotheses(
    rec: np.ndarray, det: np.ndarray, n_pairs: int, tol_m: float, max_rot_rad: float,
    max_offset_m: float, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """(theta, tx, ty) hypotheses from matching pair lengths; ``rec`` is centred on c."""
    ri, rj = np.triu_indices(len(rec), k=1)
    rlen = np.hypot(*(rec[rj] - rec[ri]).T)
    keep = rlen >= MIN_BASELINE_M
    ri, rj, rlen = ri[keep], rj[keep], rlen[keep]
    if len(ri) > n_pairs:
        pick = rng.choice(len(ri), n_pairs, replace=False)
        ri, rj, rlen = ri[pick], rj[pick], rlen[pick]
    di, dj = np.triu_indices(len(det), k=1)
    dlen = np.hypot(*(det[dj] - det[di]).T)
    order = np.argsort(dlen)
    di, dj, dlen = di[order], dj[order], dlen[order]
    thetas, offsets = [], []
    for a, b, length in zip(ri.tolist(), rj.tolist(), rlen.tolist(), strict=True):
        lo, hi = np.searchsorted(dlen, [length - tol_m, length + tol_m])
        if hi <= lo:
            continue
        k = np.concatenate([di[lo:hi], dj[lo:hi]])  # both orientations of each detected pair
        m = np.concatenate([dj[lo:hi], di[lo:hi]])
        vr = rec[b] - rec[a]
        vd = det[m] - det[k]
        theta = np.arctan2(vd[:, 1], vd[:, 0]) - math.atan2(vr[1], vr[0])
        theta = (theta + np.pi) % (2 * np.pi) - np.pi
        c, s = np.cos(theta), np.sin(theta)
        t = det[k] - np.column_stack([c * rec[a, 0] - s * rec[a, 1], s * rec[a, 0] + c * rec[a, 1]])
        ok = (np.abs(theta) <= max_rot_rad) & (np.hypot(t[:, 0], t[:, 1]) <= max_offset_m)
        thetas.append(theta[ok])
        offsets.append(t[ok])
    if not thetas:
        return np.zeros(0), np.zeros((0, 2))
    return np.concatenate(thetas), np.vstack(offsets)


def _best_hypothesis(
    rec: np.ndarray, tree: cKDTree, thetas: np.ndarray, offsets: np.ndarray, r_m: float
) -> int:
    """Index of the hypothesis with the highest MSAC score."""
    best, best_score = -1, -1.0
    for s0 in range(0, len(thetas), SCORE_BATCH):
        th, tt = thetas[s0:s0 + SCORE_BATCH], offsets[s0:s0 + SCORE_BATCH]
        c, s = np.cos(th)[:, None], np.sin(th)[:, None]
        x = c * rec[None, :, 0] - s * rec[None, :, 1] + tt[:, 0:1]
        y = s * rec[None, :, 0] + c * rec[None, :, 1] + tt[:, 1:2]
        d, _ = tree.query(np.column_stack([x.ravel(), y.ravel()]), distance_upper_bound=r_m)
        score = np.clip(1.0 - (d.reshape(x.shape) / r_m) ** 2, 0.0, None).sum(axis=1)
        k = int(np.argmax(score))
        if score[k] > best_score:
            best, best_score = s0 + k, float(score[k])
    return best


def _matches(moved: np.ndarray, tree: cKDTree, r_m: float) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one (recorded, detected) matches within ``r_m``, closest first."""
    d, j = tree.query(moved, distance_upper_bound=r_m)
    pairs, used = [], set()
    for i in np.argsort(d).tolist():
        if np.isfinite(d[i]) and int(j[i]) not in used:
            used.add(int(j[i]))
            pairs.append((i, int(j[i]), float(d[i])))
    arr = np.array([(a, b) for a, b, _ in pairs], dtype=int).reshape(-1, 2)
    return arr, np.array([dd for *_, dd in pairs], dtype=float)


def register_pattern(
    recorded_xy: np.ndarray,
    detected_xy: np.ndarray,
    centre_xy: np.ndarray,
    *,
    inlier_radius_m: float,
    max_rotation_deg: float,
    max_offset_m: float,
    n_pairs: int = 400,
    pair_length_tol_m: float = 0.5,
    seed: int = 0,
) -> RigidFit | None:
    """Find the rigid move that best lays the recorded mines on the detections.

    Args:
        recorded_xy: (n, 2) recorded mine positions, metres.
        detected_xy: (m, 2) detected mine positions near the record, metres.
        centre_xy: the record's centre ``c`` (the rotation is about it).
        inlier_radius_m: a moved mine this close to a detection is matched.
        max_rotation_deg: largest rotation searched.
        max_offset_m: largest offset searched.
        n_pairs: recorded pairs drawn.
        pair_length_tol_m: pair-length tolerance.
        seed: random seed of the draws.

    Returns:
        The best fit (``n_inliers`` may be small: the caller decides if it is a find), or
        None when there are fewer than two recorded mines or detections.
    """
    if len(recorded_xy) < 2 or len(detected_xy) < 2:
        return None
    centre = np.asarray(centre_xy, dtype=float)
    rec = np.asarray(recorded_xy, dtype=float) - centre
    det = np.asarray(detected_xy, dtype=float) - centre
    rng = np.random.default_rng(seed)
    thetas, offsets = _hypotheses(rec, det, n_pairs, pair_length_tol_m,
                                  math.radians(max_rotation_deg), max_offset_m, rng)
    if not len(thetas):
        return None
    tree = cKDTree(det)
    k = _best_hypothesis(rec, tree, thetas, offsets, inlier_radius_m)
    theta, t = float(thetas[k]), offsets[k]
    zero = np.zeros(2)
    pairs, dist = _matches(_move(rec, zero, theta, t), tree, inlier_radius_m)
    for _ in range(REFINE_ITERATIONS):
        if len(pairs) < 2:
            break
        theta, t = kabsch_2d(rec[pairs[:, 0]], det[pairs[:, 1]])
        pairs, dist = _matches(_move(rec, zero, theta, t), tree, inlier_radius_m)
    rms = float(np.sqrt(np.mean(dist**2))) if len(dist) else float("nan")
    return RigidFit(centre, theta, np.asarray(t, dtype=float), len(pairs), rms, pairs)
