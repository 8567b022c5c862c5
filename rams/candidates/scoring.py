"""Scoring candidate points: evidence model, row search among seeds, pattern model.

Shared by the pipeline (:func:`rams.candidates.sha.build_candidates`) and the combiner fit
(:mod:`rams.training.combiner`), so that both see the same features.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rams.candidates.combiner import PointCombiner
from rams.candidates.fusion import BASE_FEATURES, FusedPoint, feature_matrix
from rams.candidates.patterns import (
    PATTERN_FEATURES,
    Row,
    RowParams,
    find_rows,
    group_rows,
    pattern_features,
)
from rams.config import CandidateConfig


def row_params(config: CandidateConfig) -> RowParams:
    """Row-search tolerances from the candidates configuration."""
    return RowParams(
        min_spacing_m=config.row_min_spacing_m,
        max_spacing_m=config.row_max_spacing_m,
        tol_across_m=config.row_tol_across_m,
        tol_along_m=config.row_tol_along_m,
        max_missing=config.row_max_missing,
        min_row_members=config.row_min_members,
        max_angle_deg=config.pattern_max_angle_deg,
        max_row_gap_m=config.pattern_max_row_gap_m,
    )


@dataclass
class PatternSearch:
    """Rows found among the seeds and the pattern features of every point.

    Attributes:
        seed_index: (S,) indices of the seed points.
        rows: rows over the seeds (member indices refer to ``seed_index``).
        row_pattern: pattern label of each row.
        x_pattern: (N, len(PATTERN_FEATURES)) features of every point.
    """

    seed_index: np.ndarray
    rows: list[Row]
    row_pattern: list[int]
    x_pattern: np.ndarray

    def row_of_point(self) -> dict[int, int]:
        """Point index -> row index for row members."""
        return {int(self.seed_index[m]): r for r, row in enumerate(self.rows) for m in row.members}


def search_patterns(points: list[FusedPoint], evidence_p: np.ndarray, config: CandidateConfig) -> PatternSearch:
    """Find rows among the points whose evidence probability reaches ``seed_probability``.

    Args:
        points: candidate points.
        evidence_p: (N,) evidence-model probability of each.
        config: candidates configuration.

    Returns:
        The rows and every point's pattern features.
    """
    xy = np.array([[p.x_m, p.y_m] for p in points], np.float64).reshape(-1, 2)
    seed_index = np.flatnonzero(np.asarray(evidence_p) >= config.seed_probability)
    params = row_params(config)
    rows = find_rows(xy[seed_index], params)
    labels = group_rows(rows, xy[seed_index], params)
    x_pattern = pattern_features(
        xy, seed_index, rows, np.asarray(evidence_p, np.float64),
        tol_m=config.row_tol_across_m, neighbour_radius_m=config.density_radius_m,
    )
    return PatternSearch(seed_index, rows, labels, x_pattern)


#: How a point's probability was made (:attr:`Scored.scored_by`): by the run's combiner ...
SCORED_COMBINER = "combiner"
#: ... by its RGB-only model (a CNN detection where no multispectral or thermal raster
#: covers the ground: CNN evidence alone, which that model was fitted on; with
#: ``candidates.cnn_only_scoring: rgb_only``, any CNN detection with no anomaly peak) ...
SCORED_RGB_ONLY = "rgb_only"
#: ... or the base rate of its calibration flights (a point outside the combiner's domain,
#: which no model of it was fitted on: see :meth:`PointCombiner.outside_domain`; with
#: ``cnn_only_scoring: base_rate``, the default).
SCORED_BASE_RATE = "base_rate"


@dataclass
class Scored:
    """Probabilities of the candidate points and the patterns behind them.

    Attributes:
        evidence_p: (N,) evidence-model probability (uncalibrated; picks the seeds).
        probability: (N,) calibrated probability that the point is a mine.
        patterns: rows, their pattern labels and the pattern features.
        scored_by: (N,) how each probability was made (``SCORED_*``).
    """

    evidence_p: np.ndarray
    probability: np.ndarray
    patterns: PatternSearch
    scored_by: np.ndarray


def score_candidates(
    points: list[FusedPoint], combiner: PointCombiner, config: CandidateConfig, uncovered: np.ndarray | None = None
) -> Scored:
    """Evidence probability, pattern search, then the calibrated probability of each point.

    The combiner's feature lists must match :data:`BASE_FEATURES` and ``evidence_logit`` +
    :data:`PATTERN_FEATURES` (a combiner fitted by another version is refused).

    A CNN detection with no anomaly peak where ``uncovered`` (N,) says the anomaly raster has
    no score (the multispectral and thermal rasters do not both cover it) is scored by the
    combiner's RGB-only model (its evidence is the CNN's alone, what that model was fitted on),
    whatever the with-CNN model's domain. A point outside the combiner's domain
    (:meth:`PointCombiner.outside_domain`: a CNN detection with no anomaly peak beside it, when
    every fit point had one) gets no extrapolated probability: uncovered, the RGB-only model
    as above;
    elsewhere (or where coverage is unknown, ``uncovered`` None) the anomaly core scored the
    ground and found nothing, which no model was fitted on: with ``config.cnn_only_scoring``
    ``base_rate`` it gets the base rate of the calibration flights, kept below the area and
    mine-layer probabilities (low layer; it seeds no row); with ``rgb_only`` the RGB-only
    model scores it too, as it would on an RGB orthomosaic flown alone (the CNN's evidence
    alone; the silence of the other sensors is not weighed: a small plastic mine often has no
    thermal or spectral contrast).

    Raises:
        ValueError: the combiner was fitted on other features.
    """
    if combiner.evidence.features != BASE_FEATURES or combiner.pattern.features != ("evidence_logit", *PATTERN_FEATURES):
        raise ValueError(
            "the point combiner was fitted on other features than this version computes; "
            "refit it (python benchmarks/fit_combiner.py)"
        )
    x_base = feature_matrix(points, BASE_FEATURES)
    evidence_p = combiner.evidence_probability(x_base)
    outside = combiner.outside_domain(x_base)
    rgb_model = combiner.rgb_only
    # where the anomaly raster has no score the other sensors did not look: the CNN's evidence
    # alone, whatever the with-CNN model's domain (a combiner fitted on CNN detections without a
    # peak has none, but those lay on ground the anomaly core scored)
    unscored = np.zeros(len(points), bool) if uncovered is None else np.asarray(uncovered, bool)
    beyond = (outside | (x_base[:, BASE_FEATURES.index("has_anomaly")] == 0)) & unscored
    if rgb_model is None:
        by_rgb = np.zeros(len(points), bool)
    elif config.cnn_only_scoring == "rgb_only":
        by_rgb = outside | beyond
    else:
        by_rgb = beyond
    held = outside & ~by_rgb
    # below every layer threshold whatever the fit's base rate: such a point never anchors an area
    base_rate = min(combiner.base_rate(), np.nextafter(min(config.area_probability, config.mine_probability), 0.0))
    if rgb_model is not None and by_rgb.any():
        evidence_p[by_rgb] = rgb_model.evidence_probability(x_base[by_rgb])
    evidence_p[held] = np.minimum(evidence_p[held], base_rate)
    patterns = search_patterns(points, evidence_p, config)
    probability = combiner.probability(x_base, patterns.x_pattern)
    if rgb_model is not None and by_rgb.any():
        probability[by_rgb] = rgb_model.probability(x_base[by_rgb], patterns.x_pattern[by_rgb])
    probability[held] = base_rate
    scored_by = np.full(len(points), SCORED_COMBINER, dtype=object)
    scored_by[by_rgb] = SCORED_RGB_ONLY
    scored_by[held] = SCORED_BASE_RATE
    for fp, row in zip(points, patterns.x_pattern, strict=True):
        fp.features.update(zip(PATTERN_FEATURES, row.tolist(), strict=True))
    return Scored(evidence_p, probability, patterns, scored_by)
