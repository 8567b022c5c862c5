"""Flight windows of the synthetic survey: they tile the scene and overlap by what was asked."""

from __future__ import annotations

import pytest
from shapely.geometry import box

from rams.survey.scenario import flight_windows_m


@pytest.mark.parametrize(("nx", "ny"), [(2, 1), (2, 2), (3, 2)])
def test_windows_tile_the_scene_with_the_overlap(nx: int, ny: int) -> None:
    size, overlap = 200.0, 30.0
    wins = flight_windows_m(size, nx, ny, overlap, (600_000.0, 4_400_000.0))
    assert len(wins) == nx * ny
    union = box(*wins[0])
    for w in wins[1:]:
        union = union.union(box(*w))
    assert union.equals_exact(box(600_000.0, 4_400_000.0, 600_200.0, 4_400_200.0), 1e-6) or union.area == pytest.approx(size**2)
    east = box(*wins[0]).intersection(box(*wins[1]))
    assert east.bounds[2] - east.bounds[0] == pytest.approx(overlap)
    if ny > 1:
        north = box(*wins[0]).intersection(box(*wins[nx]))
        assert north.bounds[3] - north.bounds[1] == pytest.approx(overlap)
