"""Property-based check: whatever the evidence layout, SHA polygons are valid for IMSMA."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rams.candidates.combiner import PointCombiner
from rams.candidates.sha import build_candidates
from rams.config import CandidateConfig
from rams.core.points import MinePoint

E0, N0 = 600_000.0, 4_400_000.0

coords = st.tuples(st.floats(0, 60, allow_nan=False), st.floats(0, 60, allow_nan=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    peaks=st.lists(coords, max_size=60),
    dets=st.lists(coords, max_size=4),
    margin_m=st.sampled_from([0.0, 0.2, 1.0, 5.0]),
    simplify_m=st.sampled_from([0.0, 0.05, 0.25, 2.0]),
    radius_m=st.floats(0.3, 8.0),
    min_size=st.integers(2, 4),
)
def test_polygons_always_valid(
    hand_set_combiner: PointCombiner,
    peaks: list[tuple[float, float]],
    dets: list[tuple[float, float]],
    margin_m: float,
    simplify_m: float,
    radius_m: float,
    min_size: int,
) -> None:
    cfg = CandidateConfig(
        safety_margin_m=margin_m,
        simplify_m=simplify_m,
        cluster_radius_m=radius_m,
        min_cluster_size=min_size,
    )
    cs = build_candidates(
        None,
        [MinePoint(E0 + x, N0 + y, "PFM-1", 0.8, "cnn", "rgb", 0.02) for x, y in dets],
        [
            MinePoint(E0 + x, N0 + y, "unknown", 0.5, "anomaly_core", "thermal", 0.05)
            for x, y in peaks
        ],
        crs="EPSG:32638",
        flight_id="H",
        date=None,
        sensors=["thermal"],
        config=cfg,
        combiner=hand_set_combiner,
    )
    geoms = [s.geometry for s in cs.polygons]
    for g in geoms:
        assert g.is_valid and g.exterior.is_ccw and not g.interiors
        xy = np.asarray(g.exterior.coords)
        assert len(np.unique(xy[:-1], axis=0)) >= 3
        assert not np.any(np.all(xy[1:] == xy[:-1], axis=1))
    for i, a in enumerate(geoms):
        for b in geoms[i + 1 :]:
            assert a.intersection(b).area < 1e-6
    priorities = [s.priority for s in cs.polygons]
    assert priorities == sorted(priorities) and set(priorities) <= {1, 2, 3}
    assert [s.id for s in cs.polygons] == [f"H-sha-{i:03d}" for i in range(1, len(geoms) + 1)]
    # every mine-layer point is either inside an SHA or a point hazard
    assert all((p.sha_id is None) == (p.hazard == "point") for p in cs.mine_points)
