"""Seeded synthetic cubes for the anomaly tests."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray


def correlated_cube(
    seed: int, bands: int, rows: int, cols: int, dtype: type = np.float32
) -> NDArray[np.generic]:
    """A (bands, rows, cols) cube of correlated Gaussian spectra, offset from zero.

    Bands are mixed by a random matrix (so the covariance is dense and well away from
    diagonal), scaled to unequal variances, offset by ~100 (so centring matters), and
    given a smooth spatial trend (so local and global statistics differ).
    """
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(bands, bands)) + 2.0 * np.eye(bands)
    white = rng.normal(size=(bands, rows * cols))
    cube = (mixing @ white).reshape(bands, rows, cols)
    trend = np.linspace(0.0, 3.0, rows)[:, None] + np.linspace(0.0, 2.0, cols)[None, :]
    cube += (
        100.0
        + np.arange(bands)[:, None, None] * 10.0
        + trend[None] * rng.normal(size=(bands, 1, 1))
    )
    if np.issubdtype(dtype, np.integer):
        cube = np.round(cube * 20.0)
    return cube.astype(dtype)


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator."""
    return np.random.default_rng(1234)
