"""Fusion: one float32 cube per tile from all sensors of a flight.

Band list (a band is present only when its sensor is):

============================  ===========================================================
name                          meaning
============================  ===========================================================
``ms_<band>``                 multispectral reflectance, 0-1 (one per band, e.g. ms_nir)
``ndvi``                      (nir - red) / (nir + red), when both bands exist
``ndre``                      (nir - rededge) / (nir + rededge), when both bands exist
``thermal_contrast_deg_c``    temperature minus its local background (a box mean over
                              ``background_m`` metres, nodata-aware), degrees C
``thermal_deg_c``             surface temperature, degrees C
``rgb_red/green/blue``        RGB normalised to 0-1 and averaged onto the grid
============================  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from rasterio.windows import Window

from rams.core.sensors import SENSORS
from rams.errors import RamsInputError
from rams.grid.reader import GridReader

#: Sensor order in the cube.
SENSOR_ORDER = SENSORS

#: The spectral indices, computed only when asked for (``fuse_window(indices=True)``).
INDEX_BANDS = ("ndvi", "ndre")


@dataclass
class FusedTile:
    """A fused cube over one read window.

    Attributes:
        cube: float32 (bands, rows, cols).
        band_names: one name per band (see the module docstring).
        valid: bool (rows, cols), True where every sensor in the cube has data.
        sensor_valid: per-sensor bool (rows, cols) masks.
    """

    cube: np.ndarray
    band_names: list[str]
    valid: np.ndarray
    sensor_valid: dict[str, np.ndarray]

    def bands(self, names: list[str]) -> np.ndarray:
        """The sub-cube (len(names), rows, cols) of the named bands, in that order.

        A view of :attr:`cube` when they are consecutive in it (no copy; not to be written
        to), else a copy.
        """
        unknown = [n for n in names if n not in self.band_names]
        if unknown:
            raise RamsInputError(None, f"anomaly.bands names {', '.join(map(repr, unknown))}, not fused "
                                       f"from this flight (it has {', '.join(self.band_names)})")
        index = [self.band_names.index(n) for n in names]
        if index and index == list(range(index[0], index[0] + len(index))):
            return self.cube[index[0]:index[0] + len(index)]
        return self.cube[index]


def _normalised_difference(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``(a - b) / (a + b)``, 0 where the sum is near 0; into ``out`` when given."""
    den = a + b
    if out is None:
        out = np.zeros_like(a)
    else:
        out.fill(0.0)
    np.divide(a - b, den, out=out, where=np.abs(den) > 1e-6)
    return out


def local_box_px(size_px: float) -> int:
    """The box side the local contrasts use for ``size_px``: odd (centred), at least 3."""
    return max(3, int(size_px) | 1)


def local_contrast(values: np.ndarray, valid: np.ndarray, size_px: int) -> np.ndarray:
    """Values minus their nodata-aware local box mean over ``size_px`` pixels.

    Args:
        values: float32 (rows, cols).
        valid: bool (rows, cols).
        size_px: box side, pixels (odd sizes are centred).

    Returns:
        float32 (rows, cols); 0 where invalid.
    """
    return np.asarray(local_contrasts(values[None], valid, size_px)[0])


def _box_counts(shape: tuple[int, ...], size_px: int) -> np.ndarray:
    """Pixels of the grid inside each pixel's centred ``size_px`` box (odd), float32 (rows, cols).

    The box sums of an all-ones image with a zero border, as an outer product of the counts
    along each axis (exact integers either way).
    """
    half = size_px // 2

    def along(n: int) -> np.ndarray:
        i = np.arange(n)
        return np.minimum(i + half, n - 1) - np.maximum(i - half, 0) + 1

    return np.outer(along(shape[0]), along(shape[1])).astype(np.float32)


def local_contrasts(values: np.ndarray, valid: np.ndarray, size_px: int) -> np.ndarray:
    """:func:`local_contrast` of several bands that share one validity mask.

    The count of valid pixels in each box is filtered once for all bands.

    Args:
        values: float32 (bands, rows, cols).
        valid: bool (rows, cols).
        size_px: box side, pixels (odd sizes are centred).

    Returns:
        float32 (bands, rows, cols); 0 where invalid.
    """
    size_px = local_box_px(size_px)
    box = (size_px, size_px)
    out = np.empty(values.shape, np.float32)
    if values.dtype == np.float32 and valid.all():
        # every pixel valid (a tile of the flight's interior): the weights are all 1 and
        # every box counts its pixels inside the grid, so the box sums of the bands
        # themselves, over those counts, are the same values as the general path's
        den = _box_counts(valid.shape, size_px)
        for band, dst in zip(values, out, strict=True):
            num = cv2.boxFilter(band, cv2.CV_32F, box, normalize=False, borderType=cv2.BORDER_CONSTANT)
            np.subtract(band, np.divide(num, den, out=num), out=dst)
        return out
    weights = valid.astype(np.float32)
    den = cv2.boxFilter(weights, cv2.CV_32F, box, normalize=False, borderType=cv2.BORDER_CONSTANT)
    counted = den > 0.5
    invalid = ~valid
    weighted = np.empty(valid.shape, np.float32)
    for band, dst in zip(values, out, strict=True):
        np.multiply(band, weights, out=weighted, casting="unsafe")
        num = cv2.boxFilter(weighted, cv2.CV_32F, box, normalize=False, borderType=cv2.BORDER_CONSTANT)
        background = np.divide(num, den, out=np.zeros_like(num), where=counted)
        np.subtract(band, background, out=dst, casting="unsafe")
        np.copyto(dst, np.float32(0.0), where=invalid)
    return out


def local_contrasts_at(values: np.ndarray, valid: np.ndarray, size_px: int, pixels: np.ndarray) -> np.ndarray:
    """:func:`local_contrasts` at a few pixels only, from integral images.

    Each band costs one integral image (one pass) and four look-ups per pixel, instead of
    the several full-size passes of :func:`local_contrasts`: for callers that need the
    contrast at a sample and a few candidate pixels, not everywhere. Same box (clipped at
    the borders), same result within float32 rounding.

    Args:
        values: float32 (bands, rows, cols).
        valid: bool (rows, cols).
        size_px: box side, pixels (odd sizes are centred).
        pixels: int (n,) flat indices into (rows, cols).

    Returns:
        float32 (bands, n); 0 at invalid pixels.
    """
    size_px = local_box_px(size_px)
    half = size_px // 2
    rows, cols = valid.shape
    r, c = np.divmod(np.asarray(pixels, np.int64), cols)
    r0, r1 = np.maximum(r - half, 0), np.minimum(r + half + 1, rows)
    c0, c1 = np.maximum(c - half, 0), np.minimum(c + half + 1, cols)
    stride = cols + 1  # integral images are (rows + 1, cols + 1), zero first row and column
    corners = (r1 * stride + c1, r0 * stride + c1, r1 * stride + c0, r0 * stride + c0)

    def box_sums(integral: np.ndarray) -> np.ndarray:
        flat = integral.ravel()
        return flat[corners[0]] - flat[corners[1]] - flat[corners[2]] + flat[corners[3]]  # type: ignore[no-any-return]

    all_valid = bool(valid.all())
    # every pixel valid: the weights are all 1 and the weighted bands the bands themselves,
    # and a box counts its pixels inside the grid
    weights = None if values.dtype == np.float32 and all_valid else valid.astype(np.float32)
    den = (r1 - r0) * (c1 - c0) if all_valid else box_sums(cv2.integral(valid.view(np.uint8)))
    safe = np.maximum(den, 1)
    own_valid = valid.ravel()[pixels]
    out = np.empty((values.shape[0], len(pixels)), np.float32)
    for band, dst in zip(values, out, strict=True):
        num = box_sums(cv2.integral(band if weights is None else band * weights, sdepth=cv2.CV_64F))
        own = band.ravel()[pixels]
        dst[:] = np.where(den > 0, own - num / safe, own)
    out[:, ~own_valid] = 0.0
    return out


def fuse_window(
    readers: dict[str, GridReader], window: Window, *, background_m: float = 2.0, indices: bool = True
) -> FusedTile:
    """Read every sensor over ``window`` and stack the fused cube.

    Args:
        readers: grid readers by sensor kind (any non-empty subset of the three).
        window: a window of the common grid.
        background_m: box size of the thermal local background, metres.
        indices: compute the spectral indices (``ndvi``, ``ndre``); False leaves them out
            of the cube, for callers that use none (they cost two bands of arithmetic and
            of memory per tile).

    Returns:
        The fused tile.
    """
    present = [(sensor, readers[sensor]) for sensor in SENSOR_ORDER if sensor in readers]
    if not present:
        raise ValueError("no sensor to fuse")
    layer_names = [_layer_names(sensor, reader, indices) for sensor, reader in present]
    names = [name for own in layer_names for name in own]
    # the readers decode straight into the cube's slices (no stacking copy)
    cube = np.empty((len(names), int(window.height), int(window.width)), np.float32)
    sensor_valid: dict[str, np.ndarray] = {}
    at = 0
    for (sensor, reader), own in zip(present, layer_names, strict=True):
        n = len(own)
        slot = cube[at:at + n]
        if sensor == "thermal":
            # the contrast first: right after the multispectral bands, the default anomaly
            # bands (ms_* and the contrast) are one slice of the cube, passed without a copy
            if len(reader.band_names) == 1:
                _, valid = reader.read(window, out=slot[1:2])
            else:  # the first band is the temperature
                data, valid = reader.read(window)
                slot[1] = data[0]
            size_px = round(background_m / reader.grid.gsd_m)
            slot[0] = local_contrast(slot[1], valid, size_px)
        else:
            n_bands = len(reader.band_names)
            _, valid = reader.read(window, out=slot[:n_bands])
            by_name = dict(zip(reader.band_names, slot, strict=False))
            for k, (a, b) in enumerate(_indices_of(sensor, reader, indices)):
                _normalised_difference(by_name[a], by_name[b], out=slot[n_bands + k])
        sensor_valid[sensor] = valid
        at += n
    valid_all = np.logical_and.reduce(list(sensor_valid.values()))
    if not valid_all.all():  # each sensor's layers are 0 where it has no data, not where the others have none
        np.copyto(cube, np.float32(0.0), where=~valid_all)  # broadcast over bands; faster than cube[:, ~valid]
    return FusedTile(cube=cube, band_names=names, valid=valid_all, sensor_valid=sensor_valid)


def _indices_of(sensor: str, reader: GridReader, indices: bool) -> list[tuple[str, str]]:
    """The (a, b) bands of each spectral index of ``sensor`` in the cube: ndvi, then ndre."""
    if sensor != "multispectral" or not indices:
        return []
    bands = reader.band_names
    return [(a, b) for a, b in (("nir", "red"), ("nir", "rededge")) if a in bands and b in bands]


def _layer_names(sensor: str, reader: GridReader, indices: bool) -> list[str]:
    """Names of ``sensor``'s layers in the cube, in order (see the module docstring)."""
    if sensor == "thermal":
        return ["thermal_contrast_deg_c", "thermal_deg_c"]
    if sensor == "multispectral":
        names = [f"ms_{b}" for b in reader.band_names]
        return names + [{"red": "ndvi", "rededge": "ndre"}[b] for _, b in _indices_of(sensor, reader, indices)]
    return [f"rgb_{b}" for b in reader.band_names]
