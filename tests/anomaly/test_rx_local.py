"""Dual-window RX against a brute-force per-pixel reference."""

from __future__ import annotations

import numpy as np
import pytest

from rams.anomaly import rx_global, rx_local
from tests.anomaly.conftest import correlated_cube


def brute_force_rx_local(
    cube: np.ndarray, inner: int, outer: int, valid: np.ndarray, min_background: int
) -> np.ndarray:
    """Per pixel: gather the clipped outer-minus-inner valid pixels, np.cov, solve."""
    _, rows, cols = cube.shape
    x = cube.astype(np.float64)
    pixels = x[:, valid]
    g_mean, g_cov = pixels.mean(axis=1), np.cov(pixels)
    ho, hi = outer // 2, inner // 2
    out = np.zeros((rows, cols))
    for r in range(rows):
        for c in range(cols):
            if not valid[r, c]:
                continue
            window = np.zeros((rows, cols), dtype=bool)
            window[max(0, r - ho) : r + ho + 1, max(0, c - ho) : c + ho + 1] = True
            window[max(0, r - hi) : r + hi + 1, max(0, c - hi) : c + hi + 1] = False
            background = x[:, window & valid]
            if background.shape[1] >= min_background:
                mean, cov = background.mean(axis=1), np.cov(background)
            else:
                mean, cov = g_mean, g_cov
            d = x[:, r, c] - mean
            out[r, c] = d @ np.linalg.solve(cov, d)
    return out


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize(("inner", "outer"), [(1, 3), (3, 7), (5, 11), (3, 21)])
def test_matches_brute_force_with_mask_and_borders(backend: str, inner: int, outer: int) -> None:
    # 19 x 23 px: most windows are clipped by the borders, (3, 21) covers the image
    cube = correlated_cube(10 + inner + outer, 3, 19, 23, np.float64)
    valid = np.random.default_rng(outer).random((19, 23)) > 0.15
    valid[8:11, 4:15] = False  # a nodata stripe
    min_bg = 6
    expected = brute_force_rx_local(cube, inner, outer, valid, min_bg)
    got = rx_local(
        cube, inner, outer, valid, min_background=min_bg, backend=backend, task_shape=(4, 5)
    )
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize(("inner", "outer"), [(1, 5), (5, 21)])
def test_backends_agree(inner: int, outer: int) -> None:
    cube = correlated_cube(20, 8, 90, 70, np.float32)
    mask = np.random.default_rng(3).random((90, 70)) > 0.1
    ref = rx_local(cube, inner, outer, mask, backend="numpy")
    for task_shape in (None, (1, 1), (7, 13), (200, 3), (5, 200)):
        fast = rx_local(cube, inner, outer, mask, backend="numba", task_shape=task_shape)
        np.testing.assert_allclose(fast, ref, rtol=1e-4, atol=1e-5)


def test_integer_cube_backends_agree() -> None:
    cube = correlated_cube(21, 4, 40, 50, np.uint16)
    np.testing.assert_allclose(
        rx_local(cube, 3, 9, backend="numba"), rx_local(cube, 3, 9, backend="numpy"), rtol=1e-4
    )


def test_too_little_background_falls_back_to_global() -> None:
    cube = correlated_cube(22, 4, 25, 30)
    mask = np.random.default_rng(4).random((25, 30)) > 0.2
    for backend in ("numpy", "numba"):
        # 5x5 window minus 3x3 guard holds at most 16 pixels: every pixel falls back
        got = rx_local(cube, 3, 5, mask, min_background=17, backend=backend)
        np.testing.assert_allclose(got, rx_global(cube, mask, backend=backend), rtol=1e-5)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_singular_windows_give_finite_scores(backend: str) -> None:
    cube = correlated_cube(23, 4, 30, 30)
    cube[1] = 50.0  # constant band everywhere
    cube[:, :12, :12] = 80.0  # saturated corner: windows with zero covariance
    cube[:, 5, 5] = 81.0  # a target inside it
    scores = rx_local(cube, 3, 9, backend=backend)
    assert np.all(np.isfinite(scores)) and np.all(scores >= 0.0)
    assert scores[5, 5] > 1e6  # off a zero-variance background: huge but finite
    assert scores[5, 5] == scores.max()


def test_backends_agree_on_singular_windows() -> None:
    cube = correlated_cube(24, 4, 30, 30)
    cube[1] = 50.0
    np.testing.assert_allclose(
        rx_local(cube, 3, 9, backend="numba"), rx_local(cube, 3, 9, backend="numpy"), rtol=1e-4
    )


def test_finds_planted_target() -> None:
    cube = correlated_cube(25, 5, 60, 60)
    cube[:, 30, 40] += 8.0 * cube[:, 0:5, 0:5].std(axis=(1, 2))
    scores = rx_local(cube, 3, 15)
    assert np.unravel_index(np.argmax(scores), scores.shape) == (30, 40)


def test_all_masked_and_bad_arguments() -> None:
    cube = correlated_cube(26, 3, 10, 12)
    assert np.all(rx_local(cube, mask=np.zeros((10, 12), dtype=bool)) == 0.0)
    for inner, outer in ((4, 9), (5, 5), (0, 3), (7, 5)):
        with pytest.raises(ValueError, match="window"):
            rx_local(cube, inner, outer)
    with pytest.raises(ValueError, match="min_background"):
        rx_local(cube, 1, 3, min_background=1)
    with pytest.raises(ValueError, match="task_shape"):
        rx_local(cube, 1, 3, task_shape=(0, 4))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_region_scores_are_the_whole_cubes_there(backend: str) -> None:
    """A tile read with a halo scores only its core: the backgrounds still reach into the halo."""
    cube = correlated_cube(31, 6, 80, 90, np.float32)
    mask = np.random.default_rng(4).random((80, 90)) > 0.05
    mask[:, :6] = False  # a nodata collar inside the halo: fallbacks to the global statistics
    whole = rx_local(cube, 5, 21, mask, backend=backend, task_shape=(16, 32))
    core = (slice(12, 70), slice(10, 77))
    part = rx_local(cube, 5, 21, mask, backend=backend, task_shape=(16, 32), region=core)
    assert part.shape == (58, 67)
    np.testing.assert_allclose(part, whole[core], rtol=1e-5, atol=1e-6)
    # a region on the cube's own border, and an empty one
    edge = (slice(0, 30), slice(60, None))
    np.testing.assert_allclose(rx_local(cube, 5, 21, mask, backend=backend, region=edge), whole[edge],
                               rtol=1e-5, atol=1e-6)
    assert rx_local(cube, 5, 21, mask, backend=backend, region=(slice(5, 5), slice(0, 9))).shape == (0, 9)


def test_region_needs_unit_steps() -> None:
    cube = correlated_cube(2, 3, 20, 20, np.float32)
    with pytest.raises(ValueError, match="step 1"):
        rx_local(cube, 3, 7, region=(slice(0, 20, 2), slice(None)))
