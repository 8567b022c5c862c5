"""Hash-based, coordinate-addressed noise: the randomness of every synthetic pixel.

Nothing here keeps state. A value depends only on integer lattice indices (derived from map
coordinates or global pixel indices) and a 64-bit salt (derived from the seed and a channel
name), so any window of a raster can be generated on its own and gives the same pixels as
when the raster is generated in one piece.

Value noise of cell ``c`` at a point ``x`` is the smoothstep interpolation of uniform hash
values at the lattice points ``floor(x / c)`` and ``floor(x / c) + 1`` (per axis). On a
regular, axis-aligned node grid it is separable, which :func:`value_noise_grid` exploits:
about four array operations per node and octave.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

_MASK64 = (1 << 64) - 1
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xBF58476D1CE4E5B9)
_K3 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / float(1 << 53)

FloatArray = NDArray[np.float32]


def _mix_int(value: int) -> int:
    """SplitMix64 finaliser on a Python int (used for salts, never per pixel)."""
    value &= _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def salt(seed: int, channel: str) -> int:
    """A 64-bit salt for one named random channel of one seed.

    Args:
        seed: the flight seed.
        channel: a stable name, e.g. ``"veg/3"`` (crc32 is stable across Python runs,
            unlike ``hash``).

    Returns:
        An integer in [0, 2**64).
    """
    return _mix_int(_mix_int(seed * 0x2545F4914F6CDD1D + 1) ^ zlib.crc32(channel.encode()))


def hash_u64(ix: NDArray[np.int64], iy: NDArray[np.int64], salt_value: int) -> NDArray[np.uint64]:
    """Hash integer lattice indices (broadcast together) to 64 uniform bits."""
    with np.errstate(over="ignore"):
        h = ix.astype(np.uint64) * _K1 + iy.astype(np.uint64) * _K3
        h ^= np.uint64(salt_value)
        h ^= h >> _S30
        h *= _K2
        h ^= h >> _S27
        h *= _K3
        h ^= h >> _S31
    return h


def uniform01(ix: NDArray[np.int64], iy: NDArray[np.int64], salt_value: int) -> NDArray[np.float64]:
    """Uniform values in [0, 1) addressed by integer indices (float64)."""
    return (hash_u64(ix, iy, salt_value) >> _S11).astype(np.float64) * _INV53


def _smoothstep(t: NDArray[np.float64]) -> NDArray[np.float64]:
    return t * t * (3.0 - 2.0 * t)


def _axis_weights(coords_m: NDArray[np.float64], cell_m: float) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    g = coords_m / cell_m
    f = np.floor(g)
    return f.astype(np.int64), _smoothstep(g - f)


def value_noise_grid(
    xs_m: NDArray[np.float64], ys_m: NDArray[np.float64], cell_m: float, salt_value: int
) -> NDArray[np.float64]:
    """Value noise in [-1, 1] on the regular node grid ``ys_m x xs_m``.

    Args:
        xs_m: node x coordinates (metres), shape (nx,).
        ys_m: node y coordinates (metres), shape (ny,).
        cell_m: lattice cell size of this octave (metres).
        salt_value: the channel salt (see :func:`salt`).

    Returns:
        Array of shape (ny, nx).
    """
    ix, wx = _axis_weights(xs_m, cell_m)
    iy, wy = _axis_weights(ys_m, cell_m)
    kx0, ky0 = int(ix.min()), int(iy.min())
    kx = np.arange(kx0, int(ix.max()) + 2, dtype=np.int64)
    ky = np.arange(ky0, int(iy.max()) + 2, dtype=np.int64)
    lattice = uniform01(kx[None, :], ky[:, None], salt_value) * 2.0 - 1.0
    jx = ix - kx0
    along_x = lattice[:, jx] * (1.0 - wx) + lattice[:, jx + 1] * wx
    jy = iy - ky0
    out: NDArray[np.float64] = (
        along_x[jy, :] * (1.0 - wy)[:, None] + along_x[jy + 1, :] * wy[:, None]
    )
    return out


def fbm_grid(
    xs_m: NDArray[np.float64],
    ys_m: NDArray[np.float64],
    cells_m: Sequence[float],
    amps: Sequence[float],
    seed: int,
    channel: str,
) -> NDArray[np.float64]:
    """Sum of value-noise octaves (fractal noise) on a regular node grid.

    Args:
        xs_m: node x coordinates (metres), shape (nx,).
        ys_m: node y coordinates (metres), shape (ny,).
        cells_m: cell size of each octave (metres).
        amps: amplitude of each octave; the result lies in [-sum(amps), sum(amps)].
        seed: flight seed.
        channel: channel name; octave ``k`` uses the salt of ``f"{channel}/{k}"``.

    Returns:
        Array of shape (ny, nx).
    """
    total = np.zeros((ys_m.size, xs_m.size))
    for k, (cell_m, amp) in enumerate(zip(cells_m, amps, strict=True)):
        total += amp * value_noise_grid(xs_m, ys_m, cell_m, salt(seed, f"{channel}/{k}"))
    return total


def value_noise_1d(t_m: NDArray[np.float64], cell_m: float, salt_value: int) -> NDArray[np.float64]:
    """One-dimensional value noise in [0, 1] at arbitrary coordinates ``t_m`` (metres)."""
    g = t_m / cell_m
    f = np.floor(g)
    w = _smoothstep(g - f)
    i = f.astype(np.int64)
    zero = np.zeros_like(i)
    a = uniform01(i, zero, salt_value)
    b = uniform01(i + 1, zero, salt_value)
    out: NDArray[np.float64] = a + (b - a) * w
    return out


class Bilinear:
    """Bilinear interpolation of node grids at fixed fractional (row, col) positions.

    The weights are computed once and reused for every channel. When positions come as
    1-D vectors (a pixel grid aligned with the node lattice: column positions depend only
    on the column, row positions only on the row) the interpolation is separable and
    costs about four array operations per pixel.

    Args:
        col_f: fractional node column of each pixel: (w,) separable or (h, w).
        row_f: fractional node row: (h,) separable or (h, w).
        shape: (ny, nx) of the node grids that will be sampled (positions are clamped).
    """

    def __init__(self, col_f: NDArray[np.float64], row_f: NDArray[np.float64], shape: tuple[int, int]) -> None:
        ny, nx = shape
        self.separable = col_f.ndim == 1
        self.nx = nx
        c0 = np.clip(np.floor(col_f), 0, nx - 2)
        r0 = np.clip(np.floor(row_f), 0, ny - 2)
        self.wx = np.clip(col_f - c0, 0.0, 1.0).astype(np.float32)
        self.wy = np.clip(row_f - r0, 0.0, 1.0).astype(np.float32)
        self.jx = c0.astype(np.intp)
        self.jy = r0.astype(np.intp)
        if not self.separable:
            self.flat = self.jy * nx + self.jx

    def __call__(self, grid: NDArray[np.float32]) -> FloatArray:
        """Interpolate one (ny, nx) grid; returns float32 of the pixel shape."""
        if self.separable:
            along = grid[:, self.jx] + (grid[:, self.jx + 1] - grid[:, self.jx]) * self.wx
            top = along[self.jy]
            out = top + (along[self.jy + 1] - top) * self.wy[:, None]
            return np.asarray(out, dtype=np.float32)
        g = grid.ravel()
        a = g[self.flat]
        top = a + (g[self.flat + 1] - a) * self.wx
        c = g[self.flat + self.nx]
        bottom = c + (g[self.flat + self.nx + 1] - c) * self.wx
        return np.asarray(top + (bottom - top) * self.wy, dtype=np.float32)


def lattice_noise(
    x_m: NDArray[np.float64], y_m: NDArray[np.float64], cell_m: float, salt_value: int
) -> FloatArray:
    """Bilinear value noise in [-1, 1] at points (used for fine pixel texture).

    Args:
        x_m: x coordinates (metres): (w,) with ``y_m`` (h,) for a separable pixel grid,
            or (h, w) like ``y_m``.
        y_m: y coordinates (metres).
        cell_m: lattice cell (metres).
        salt_value: the channel salt.

    Returns:
        float32 array (h, w).
    """
    gx = x_m / cell_m
    gy = y_m / cell_m
    kx0 = int(np.floor(gx.min()))
    ky0 = int(np.floor(gy.min()))
    kx = np.arange(kx0, int(np.floor(gx.max())) + 2, dtype=np.int64)
    ky = np.arange(ky0, int(np.floor(gy.max())) + 2, dtype=np.int64)
    lattice = (uniform01(kx[None, :], ky[:, None], salt_value) * 2.0 - 1.0).astype(np.float32)
    return Bilinear(gx - kx0, gy - ky0, lattice.shape)(lattice)


def pixel_uniforms(
    rows: NDArray[np.int64], cols: NDArray[np.int64], salt_value: int, count: int
) -> list[FloatArray]:
    """``count`` independent uniform noises in [-0.5, 0.5) per global pixel index.

    ``rows`` (h, 1) and ``cols`` (1, w) broadcast; one 64-bit hash gives three 21-bit
    values.
    """
    out: list[FloatArray] = []
    k = 0
    while len(out) < count:
        h = hash_u64(cols, rows, (salt_value + k) & _MASK64)
        k += 1
        for shift in (0, 21, 42):
            if len(out) == count:
                break
            bits = ((h >> np.uint64(shift)) & np.uint64(0x1FFFFF)).astype(np.float32)
            out.append(bits * np.float32(1.0 / (1 << 21)) - np.float32(0.5))
    return out


def pixel_uniform(
    rows: NDArray[np.int64], cols: NDArray[np.int64], salt_value: int
) -> FloatArray:
    """Uniform noise in [-0.5, 0.5) per global pixel index (broadcast ``rows`` x ``cols``)."""
    return pixel_uniforms(rows, cols, salt_value, 1)[0]


def pixel_gauss(rows: NDArray[np.int64], cols: NDArray[np.int64], salt_value: int) -> FloatArray:
    """Standard normal noise per global pixel index (Box-Muller on two hashed uniforms)."""
    u1, u2 = (u + np.float32(0.5) for u in pixel_uniforms(rows, cols, salt_value, 2))
    r = np.sqrt(-2.0 * np.log(np.maximum(u1, np.float32(1e-7))))
    return np.asarray(r * np.cos(np.float32(2.0 * np.pi) * u2), dtype=np.float32)
