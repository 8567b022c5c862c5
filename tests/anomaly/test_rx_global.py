"""Global RX: numpy reference, numba backend, masks and singular covariances."""

from __future__ import annotations

import numpy as np
import pytest

from rams.anomaly import RXBackground, rx_global, tile_moments
from tests.anomaly.conftest import correlated_cube


def direct_rx(cube: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Textbook RX: np.cov (unbiased), explicit inverse, masked pixels 0."""
    pixels = cube[:, valid].astype(np.float64)
    mean = pixels.mean(axis=1)
    inverse = np.linalg.inv(np.cov(pixels))
    centred = cube.reshape(cube.shape[0], -1).astype(np.float64) - mean[:, None]
    scores = np.einsum("ip,ij,jp->p", centred, inverse, centred).reshape(valid.shape)
    return np.where(valid, scores, 0.0)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_matches_textbook_formula(backend: str) -> None:
    cube = correlated_cube(0, 6, 37, 53, np.float64)
    valid = np.random.default_rng(0).random((37, 53)) > 0.2
    expected = direct_rx(cube, valid)
    got = rx_global(cube, valid, backend=backend)
    assert got.dtype == np.float32 and got.shape == (37, 53)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint16, np.int32])
def test_backends_agree(dtype: type) -> None:
    cube = correlated_cube(1, 8, 97, 300, dtype)  # 300 cols: more than one column block
    mask = np.random.default_rng(1).random((97, 300)) > 0.3
    mask[:20] = False  # whole row chunks masked out
    for m in (None, mask):
        ref = rx_global(cube, m, backend="numpy")
        fast = rx_global(cube, m, backend="numba")
        np.testing.assert_allclose(fast, ref, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(rx_global(cube, m), ref, rtol=1e-4, atol=1e-6)  # "auto"


def mildly_correlated_cube(seed: int, bands: int, rows: int, cols: int) -> np.ndarray:
    """float32 spectra around 1000 mixed by a diagonally dominant matrix: scored in float32."""
    rng = np.random.default_rng(seed)
    mixing = 0.5 * rng.normal(size=(bands, bands)) + 3.0 * np.eye(bands)
    cube = (mixing @ rng.normal(size=(bands, rows * cols))).reshape(bands, rows, cols) + 1000.0
    return cube.astype(np.float32)


@pytest.mark.parametrize("precision", ["float32", "float64"])
@pytest.mark.parametrize("bands", [1, 3, 4, 5, 8, 9, 13])
def test_backends_agree_for_any_band_count_over_several_blocks(bands: int, precision: str) -> None:
    # 4500 columns: several column blocks in both kernels; bands padded to groups of four;
    # 5 to 8 bands take the all-in-registers scoring path, 9 and more the blocked one.
    if precision == "float32":
        cube = mildly_correlated_cube(bands, bands, 9, 4500)
    else:
        cube = correlated_cube(bands, bands, 9, 4500, np.float64)
    assert RXBackground.from_moments(tile_moments(cube)).score_dtype(cube.dtype).__name__ == precision
    cube[bands // 2, 4, 2000] = np.nan  # one bad pixel: the slow path of its block
    mask = np.ones((9, 4500), dtype=bool)
    mask[6, 1000:1100] = False
    for m in (None, mask):
        ref_m = tile_moments(cube, m, backend="numpy")
        fast_m = tile_moments(cube, m, backend="numba")
        assert fast_m.count == ref_m.count
        np.testing.assert_allclose(fast_m.mean, ref_m.mean, rtol=1e-12)
        np.testing.assert_allclose(fast_m.scatter, ref_m.scatter, rtol=1e-9, atol=1e-9 * ref_m.scatter.max())
        ref = rx_global(cube, m, backend="numpy")
        fast = rx_global(cube, m, backend="numba")
        assert fast[4, 2000] == 0.0
        np.testing.assert_allclose(fast, ref, rtol=1e-4, atol=1e-6)


def test_float32_scoring_only_when_rounding_is_negligible() -> None:
    rng = np.random.default_rng(5)
    mixed = mildly_correlated_cube(5, 8, 64, 64)  # dense but well-conditioned covariance
    common = rng.normal(size=(1, 64, 64)) * 50 + 1000
    nearly_collinear = (common + rng.normal(size=(8, 64, 64)) * 0.01).astype(np.float32)
    bg = RXBackground.from_moments(tile_moments(mixed))
    assert bg.predicted_float32_error() < 1e-5
    assert bg.score_dtype(np.dtype(np.float32)) is np.float32
    assert bg.score_dtype(np.dtype(np.uint16)) is np.float32
    assert bg.score_dtype(np.dtype(np.float64)) is np.float64  # would round the input
    assert bg.score_dtype(np.dtype(np.int32)) is np.float64
    collinear = RXBackground.from_moments(tile_moments(nearly_collinear))
    assert collinear.predicted_float32_error() > 1e-5
    assert collinear.score_dtype(np.dtype(np.float32)) is np.float64
    for cube, background in ((mixed, bg), (nearly_collinear, collinear)):
        ref = background.score(cube, backend="numpy")
        np.testing.assert_allclose(background.score(cube, backend="numba"), ref, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(background.score(cube, exact=True), ref, rtol=1e-6, atol=1e-6)


def test_float32_overflow_is_scored_in_float64() -> None:
    cube = mildly_correlated_cube(6, 8, 20, 30)
    bg = RXBackground.from_moments(tile_moments(cube))
    assert bg.score_dtype(cube.dtype) is np.float32
    wild = cube.copy()
    wild[:, 3, 4] = 1e30  # finite input, (W d)^2 overflows float32 but not float64
    ref = bg.score(wild, backend="numpy")
    got = bg.score(wild, backend="numba")
    assert ref[3, 4] == got[3, 4] == np.finfo(np.float32).max
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)


def test_moments_backends_agree() -> None:
    cube = correlated_cube(2, 5, 150, 70)
    mask = np.random.default_rng(2).random((150, 70)) > 0.5
    ref = tile_moments(cube, mask, backend="numpy")
    fast = tile_moments(cube, mask, backend="numba")
    assert ref.count == fast.count == int(mask.sum())
    np.testing.assert_allclose(fast.mean, ref.mean, rtol=1e-12)
    np.testing.assert_allclose(fast.scatter, ref.scatter, rtol=1e-9, atol=1e-9 * ref.scatter.max())


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_masked_pixels_score_zero_and_are_excluded(backend: str) -> None:
    cube = correlated_cube(3, 4, 30, 40)
    mask = np.ones((30, 40), dtype=bool)
    mask[5:9, 10:30] = False
    base = rx_global(cube, mask, backend=backend)
    assert np.all(base[~mask] == 0.0)
    wild = cube.copy()
    wild[:, ~mask] = 1e6  # garbage under the mask must not move the statistics
    np.testing.assert_allclose(rx_global(wild, mask, backend=backend), base, rtol=1e-6)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_nonfinite_pixels_are_treated_as_masked(backend: str) -> None:
    cube = correlated_cube(4, 4, 20, 25)
    bad = cube.copy()
    bad[1, 3, 4] = np.nan
    bad[2, 7, 7] = np.inf
    mask = np.ones((20, 25), dtype=bool)
    mask[3, 4] = mask[7, 7] = False
    got = rx_global(bad, backend=backend)
    assert np.all(np.isfinite(got)) and got[3, 4] == 0.0 and got[7, 7] == 0.0
    np.testing.assert_allclose(got, rx_global(cube, mask, backend=backend), rtol=1e-6)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_constant_band_gives_finite_scores(backend: str) -> None:
    cube = correlated_cube(5, 5, 30, 30)
    cube[2] = 1234.5
    scores = rx_global(cube, backend=backend)
    assert np.all(np.isfinite(scores))
    # the constant band carries no information: scores equal RX on the other bands
    rest = rx_global(np.delete(cube, 2, axis=0), backend=backend)
    np.testing.assert_allclose(scores, rest, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize(
    "cube",
    [
        np.full((4, 16, 16), 7.0, dtype=np.float32),  # saturated tile: all pixels equal
        np.zeros((3, 8, 8), dtype=np.uint8),
        np.random.default_rng(0).normal(size=(10, 2, 3)),  # fewer pixels than bands
        np.random.default_rng(1).normal(size=(3, 1, 1)),  # a single pixel
    ],
)
def test_singular_covariance_gives_finite_scores(backend: str, cube: np.ndarray) -> None:
    scores = rx_global(cube, backend=backend)
    assert scores.shape == cube.shape[1:]
    assert np.all(np.isfinite(scores)) and np.all(scores >= 0.0)
    if np.ptp(cube) == 0:
        np.testing.assert_allclose(scores, 0.0, atol=1e-6)


def test_all_masked_scores_zero() -> None:
    cube = correlated_cube(6, 3, 10, 10)
    for backend in ("numpy", "numba"):
        scores = rx_global(cube, np.zeros((10, 10), dtype=bool), backend=backend)
        assert np.all(scores == 0.0)


def test_background_rejects_empty_and_band_mismatch() -> None:
    cube = correlated_cube(7, 3, 10, 10)
    background = RXBackground.from_moments(tile_moments(cube))
    with pytest.raises(ValueError, match="bands"):
        background.score(cube[:2])
    with pytest.raises(ValueError, match="no valid pixel"):
        RXBackground.from_moments(tile_moments(cube, np.zeros((10, 10), dtype=bool)))


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((np.zeros((4, 4)),), {}, "bands, rows, cols"),
        ((np.zeros((2, 4, 4)), np.ones((3, 4), dtype=bool)), {}, "mask shape"),
        ((np.zeros((2, 4, 4)),), {"backend": "cuda"}, "backend"),
        ((np.zeros((2, 4, 4), dtype=complex),), {}, "dtype"),
    ],
)
def test_bad_input(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        rx_global(*args, **kwargs)
