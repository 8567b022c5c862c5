"""Fixtures for the export tests: a candidate set with SHAs, both point layers and a row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import pytest

from rams.candidates.combiner import PointCombiner
from rams.candidates.model import CandidateSet
from rams.candidates.sha import build_candidates
from rams.config import CandidateConfig
from rams.core.points import MinePoint

UTM = "EPSG:32638"
E0, N0 = 500_000.0, 4_400_000.0  # on zone 38's central meridian (45° E)


@pytest.fixture
def candidates(hand_set_combiner: PointCombiner) -> Callable[..., CandidateSet]:
    """``candidates(seed=0)``: a cluster of thermal peaks around (20, 20) m, a lone peak, a
    row of PMN-2 at 2 m with one gap (one expected position), a PFM-1 and a TM-62, built
    with the hand-set combiner."""

    def make(seed: int = 0) -> CandidateSet:
        rng = np.random.default_rng(seed)
        peaks = [
            MinePoint(
                E0 + x,
                N0 + y,
                "anomaly",
                0.6,
                "anomaly_core",
                "thermal",
                0.05,
                extra={"evidence": ["thermal_anomaly"], "score": 9.5},
            )
            for x, y in rng.normal((20, 20), 2.0, (12, 2))
        ]
        peaks.append(
            MinePoint(E0 + 150, N0 + 150, "anomaly", 0.5, "anomaly_core", "multispectral", 0.05)
        )
        # a row of PMN-2 at 2 m with position 3 empty: one expected position
        dets = [
            MinePoint(E0 + 60 + 2 * k, N0 + 80, "PMN-2", 0.9, "cnn", "rgb", 0.015, 0.12, 0.12)
            for k in (0, 1, 2, 4, 5)
        ] + [
            MinePoint(E0 + 21, N0 + 19, "PFM-1", 0.93, "cnn", "rgb", 0.015, 0.12, 0.06),
            MinePoint(E0 + 80, N0 + 40, "TM-62", 0.81, "cnn", "rgb", 0.015, 0.32, 0.32),
        ]
        return build_candidates(
            None,
            dets,
            peaks,
            crs=UTM,
            flight_id="KB-0042",
            date=dt.date(2026, 8, 14),
            sensors=["rgb", "multispectral", "thermal"],
            # every mine-probability point in the mine layer, lone ones too (rule ZV off): the
            # export tests split the layers at the mine probability
            config=CandidateConfig(isolated_mine_probability=None),
            combiner=hand_set_combiner,
        )

    return make
