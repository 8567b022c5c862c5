"""Streaming global RX over uneven tiles equals rx_global on the whole mosaic."""

from __future__ import annotations

import functools
import itertools
import pickle

import numpy as np
import pytest

from rams.anomaly import GlobalRXStats, Moments, rx_global, tile_moments
from rams.anomaly.moments import merge_all
from tests.anomaly.conftest import correlated_cube

ROW_EDGES = [0, 17, 18, 64, 101]  # uneven tile heights, one of a single row
COL_EDGES = [0, 45, 130, 131]


def tiles(cube: np.ndarray, mask: np.ndarray):  # type: ignore[no-untyped-def]
    for r0, r1 in itertools.pairwise(ROW_EDGES):
        for c0, c1 in itertools.pairwise(COL_EDGES):
            yield (slice(r0, r1), slice(c0, c1)), cube[:, r0:r1, c0:c1], mask[r0:r1, c0:c1]


@pytest.fixture
def mosaic() -> tuple[np.ndarray, np.ndarray]:
    cube = correlated_cube(30, 6, 101, 131, np.float32)
    mask = np.random.default_rng(30).random((101, 131)) > 0.25
    mask[20:60, 50:131] = False  # a tile entirely masked out
    return cube, mask


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_streaming_equals_whole_mosaic(backend: str, mosaic: tuple[np.ndarray, np.ndarray]) -> None:
    cube, mask = mosaic
    stats = GlobalRXStats(backend=backend)
    for _, tile, tile_mask in tiles(cube, mask):
        stats.update(tile, tile_mask)
    assert stats.count == int(mask.sum())
    stitched = np.full(mask.shape, np.nan, dtype=np.float32)
    for window, tile, tile_mask in tiles(cube, mask):
        stitched[window] = stats.score(tile, tile_mask)
    whole = rx_global(cube, mask, backend=backend)
    np.testing.assert_allclose(stitched, whole, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stitched, rx_global(cube, mask, backend="numpy"), rtol=1e-4)


def test_merge_of_partial_stats_as_dask_would(mosaic: tuple[np.ndarray, np.ndarray]) -> None:
    cube, mask = mosaic
    partials = [GlobalRXStats().update(tile, tile_mask) for _, tile, tile_mask in tiles(cube, mask)]
    partials = [pickle.loads(pickle.dumps(p)) for p in partials]  # shipped between workers
    before = [p.count for p in partials]
    merged = functools.reduce(GlobalRXStats.merge, [GlobalRXStats(), *partials])
    assert [p.count for p in partials] == before  # inputs untouched
    merged = pickle.loads(pickle.dumps(merged))
    np.testing.assert_allclose(
        merged.score(cube, mask), rx_global(cube, mask), rtol=1e-5, atol=1e-6
    )


def test_finalize_is_cached_and_reset_by_update(mosaic: tuple[np.ndarray, np.ndarray]) -> None:
    cube, mask = mosaic
    stats = GlobalRXStats().update(cube[:, :50], mask[:50])
    first = stats.finalize()
    assert stats.finalize() is first
    stats.update(cube[:, 50:], mask[50:])
    assert stats.finalize() is not first and stats.finalize().count == int(mask.sum())


def test_empty_stats_and_band_mismatch() -> None:
    stats = GlobalRXStats()
    with pytest.raises(ValueError, match="no valid pixel"):
        stats.score(np.zeros((3, 4, 4)))
    stats.update(np.zeros((3, 4, 4)), np.zeros((4, 4), dtype=bool))
    with pytest.raises(ValueError, match="no valid pixel"):
        stats.finalize()
    stats.update(np.ones((3, 4, 4)))
    with pytest.raises(ValueError, match="bands"):
        stats.update(np.ones((2, 4, 4)))
    with pytest.raises(ValueError, match="backend"):
        GlobalRXStats(backend="gpu")  # type: ignore[arg-type]


def test_k_way_merge_equals_pairwise_merges() -> None:
    parts = [
        tile_moments(correlated_cube(40 + i, 4, rows, 9)) for i, rows in enumerate((1, 5, 30, 2))
    ]
    parts.append(Moments.empty(4))
    pairwise = functools.reduce(Moments.merge, parts)
    k_way = merge_all(
        np.array([p.count for p in parts]),
        np.stack([p.mean for p in parts]),
        np.stack([p.scatter for p in parts]),
    )
    assert k_way.count == pairwise.count
    np.testing.assert_allclose(k_way.mean, pairwise.mean, rtol=1e-13)
    np.testing.assert_allclose(k_way.scatter, pairwise.scatter, rtol=1e-12)
