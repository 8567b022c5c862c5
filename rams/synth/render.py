"""Rendering one window of one sensor: background, objects, PSF, noise, nodata collar.

Every pixel is a function of its scene coordinates, its global pixel index and the seed,
so a window renders the same whatever the block size. Objects are area-weighted: each
pixel near an object is supersampled (``n x n`` points) and the object's colour, spectrum
or temperature offset is mixed in by the covered fraction, so a mine that spans a few
multispectral or thermal pixels shows as a sub-pixel-accurate anomaly. Objects with height
cast a shadow away from the sun. Prints (``multiply`` looks) darken the ground under them
by a factor instead of replacing it. A ploughed field's furrows and crop rows are applied
per pixel to the interpolated background (:mod:`rams.synth.furrows`).

Nothing here depends on the GSD: objects and textures have physical sizes in metres, so
a finer grid (RGB at 1 cm) just samples them more densely.
"""

from __future__ import annotations

import colorsys
import math

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from rams.synth.catalog import ObjectLook, look
from rams.synth.furrows import crop_cover, furrow_temperature, furrow_terms, soil_gain
from rams.synth.grids import SensorGrid
from rams.synth.noise import Bilinear, lattice_noise, pixel_gauss, pixel_uniform, pixel_uniforms
from rams.synth.scene import Scene, SceneObject
from rams.synth.textures import NodeGrid, background_nodes
from rams.synth.window import WindowGeometry

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]

#: Supersampling factor per axis for object coverage.
SUPERSAMPLE = {"rgb": 3, "ms": 4, "thermal": 3}
#: Thermal point-spread function (Gaussian sigma, pixels) and the halo it needs.
THERMAL_PSF_SIGMA_PX = 0.7
THERMAL_HALO_PX = 3
#: Thermal noise-equivalent temperature difference (degC).
NETD_DEG_C = 0.05
#: Multispectral noise: absolute plus relative reflectance.
MS_NOISE_ABS = 0.002
MS_NOISE_REL = 0.01
#: Nodata values written outside the footprint.
NODATA = {"ms": 0, "thermal": -9999.0, "rgb": 0}


def _inside(lk: ObjectLook, obj: SceneObject, u: F64, v: F64) -> NDArray[np.bool_]:
    """Points (object frame, metres) inside the object's outline."""
    s = obj.scale
    if lk.shape == "disk":
        return u * u + v * v <= (lk.half_length_m * s) ** 2
    if lk.shape == "butterfly":
        # PFM-1: a fat body (explosive, fuze) and a thinner wing, 12 x 6 cm overall.
        body = ((u + 0.030 * s) / (0.032 * s)) ** 2 + (v / (0.029 * s)) ** 2 <= 1.0
        wing = ((u - 0.027 * s) / (0.035 * s)) ** 2 + ((v - 0.004 * s) / (0.020 * s)) ** 2 <= 1.0
        return body | wing
    if lk.shape == "bar":
        return (np.abs(u) <= lk.half_length_m * s) & (np.abs(v) <= lk.half_width_m * s)
    if lk.shape == "capsule":
        # A cylinder on its side seen from above: a rectangle with rounded ends.
        half_w = lk.half_width_m * s
        du = np.maximum(np.abs(u) - (lk.half_length_m * s - half_w), 0.0)
        return du * du + v * v <= half_w * half_w
    if lk.shape == "boot":
        # A sole (front two thirds) and a narrower heel, joined by a waist; toe towards +u.
        sole = ((u - 0.045 * s) / (0.095 * s)) ** 2 + (v / (lk.half_width_m * s)) ** 2 <= 1.0
        heel = ((u + 0.085 * s) / (0.055 * s)) ** 2 + (v / (0.8 * lk.half_width_m * s)) ** 2 <= 1.0
        return sole | heel
    theta = np.arctan2(v, u)
    r_max = lk.half_length_m * s * (
        0.78 + 0.14 * np.cos(2 * theta + obj.shape_phase) + 0.08 * np.cos(3 * theta + 1.7 * obj.shape_phase)
    )
    return np.hypot(u, v * 1.25) <= r_max


def _to_frame(obj: SceneObject, x: F64, y: F64) -> tuple[F64, F64]:
    ca, sa = math.cos(obj.angle_rad), math.sin(obj.angle_rad)
    dx, dy = x - obj.x_m, y - obj.y_m
    return dx * ca + dy * sa, -dx * sa + dy * ca


def _subsamples(geom: WindowGeometry, sl: tuple[slice, slice], n: int) -> tuple[F64, F64]:
    off = (np.arange(n) + 0.5) / n - 0.5
    oc, orow = (a.ravel() for a in np.meshgrid(off, off))
    j = geom.jac_m
    x, y = geom.sub(sl)
    xs = x[..., None] + oc * j[0, 0] + orow * j[0, 1]
    ys = y[..., None] + oc * j[1, 0] + orow * j[1, 1]
    return xs, ys


def _paint(scene: Scene, geom: WindowGeometry, out: F32, sensor: str) -> None:
    """Mix the objects touching the window into ``out`` (channels, h, w) in place."""
    n = SUPERSAMPLE[sensor]
    xmin, ymin, xmax, ymax = geom.bounds
    sun_x, sun_y = math.cos(scene.sun_azimuth_rad), math.sin(scene.sun_azimuth_rad)
    shadow_x, shadow_y = scene.shadow_offset_m
    for obj in scene.index.query(xmin, ymin, xmax, ymax):
        lk = look(obj.cls)
        r = obj.radius_m
        h_m = lk.height_m * obj.scale
        sx, sy = shadow_x * h_m, shadow_y * h_m
        sl = geom.pixel_slices(
            obj.x_m - r + min(0.0, sx), obj.y_m - r + min(0.0, sy),
            obj.x_m + r + max(0.0, sx), obj.y_m + r + max(0.0, sy),
        )
        if sl is None:
            continue
        if lk.shape == "gauss":
            if sensor == "thermal":
                sigma = lk.half_length_m * obj.scale / 2.0
                x, y = geom.sub(sl)
                d2 = (x - obj.x_m) ** 2 + (y - obj.y_m) ** 2
                out[0][sl] += (obj.delta_t_deg_c * np.exp(-d2 / (2 * sigma * sigma))).astype(np.float32)
            continue
        xs, ys = _subsamples(geom, sl, n)
        body = _inside(lk, obj, *_to_frame(obj, xs, ys))
        cov = body.mean(axis=-1, dtype=np.float32)
        if not cov.any() and h_m == 0.0:
            continue
        if sensor == "thermal":
            out[0][sl] += cov * np.float32(obj.delta_t_deg_c)
            continue
        region = out[(slice(None), *sl)]
        if h_m > 0.0:
            shade_pts = _inside(lk, obj, *_to_frame(obj, xs - sx, ys - sy)) & ~body
            shadow = shade_pts.mean(axis=-1, dtype=np.float32)
            region *= 1.0 - (0.5 if sensor == "rgb" else 0.35) * shadow
        centre = np.zeros_like(cov)
        if lk.centre_radius_m > 0.0:
            u, v = _to_frame(obj, xs, ys)
            centre = (body & (u * u + v * v <= lk.centre_radius_m**2)).mean(axis=-1, dtype=np.float32)
        # Dome shading: the sunlit side is brighter (a depression: the far side, which faces
        # the sun); metal glints pixel by pixel.
        x, y = geom.sub(sl)
        rel = ((x - obj.x_m) * sun_x + (y - obj.y_m) * sun_y) / max(r, 1e-3)
        shade = (1.0 + 0.18 * lk.relief * np.clip(rel, -1.0, 1.0)).astype(np.float32)
        if obj.variant in lk.glint_variants:
            glint = pixel_uniform(geom.rows[sl[0]][:, None], geom.cols[sl[1]][None, :], scene.salt(obj.id))
            shade *= 1.0 + 0.6 * np.maximum(glint, 0.0)
        colour = distractor_colour(scene, obj, sensor)
        if lk.multiply:
            region *= 1.0 - cov + colour[:, None, None] * (shade * cov)
            continue
        centre_colour = (np.asarray(lk.centre_rgb, np.float32) if sensor == "rgb" and lk.centre_rgb
                         else colour * np.float32(0.5))
        region *= 1.0 - cov
        region += colour[:, None, None] * (shade * (cov - centre)) + centre_colour[:, None, None] * centre


def distractor_colour(scene: Scene, obj: SceneObject, sensor: str) -> NDArray[np.float32]:
    """An object's RGB colour or reflectance spectrum.

    Mines and most distractors have their catalogue colour. On a clutter-jittered scene
    (``scene.spec.clutter_tint > 0``) a distractor's colour is pulled towards the ground's
    soil colour by a share drawn per object in ``[0, clutter_tint]``, at 0.75x to 1.25x
    the soil's brightness; prints (which multiply the ground) are left as they are.
    """
    lk = look(obj.cls)
    if lk.any_colour:
        return any_colour(scene.seed, obj.id, sensor)
    colour = np.asarray(lk.rgb[obj.variant] if sensor == "rgb" else lk.reflectance[obj.variant], np.float32)
    tint = scene.spec.clutter_tint
    if tint <= 0.0 or obj.kind != "distractor" or lk.multiply:
        return colour
    share, tone = np.random.default_rng([scene.seed, 0xC1A7, int(obj.id[1:])]).uniform(0.0, 1.0, 2)
    ground = scene.spec.ground
    soil = np.asarray(ground.soil_rgb if sensor == "rgb" else ground.soil_refl, np.float32)
    t = np.float32(tint * share)
    mixed: NDArray[np.float32] = (1.0 - t) * colour + t * soil * np.float32(0.75 + 0.5 * tone)
    return mixed


def any_colour(seed: int, object_id: str, sensor: str) -> NDArray[np.float32]:
    """An oddment's colour (``rgb``) or reflectance spectrum (B, G, R, RE, NIR), drawn per object.

    Hue uniform, saturation 0.1-0.8, value 0.2-0.85 (display RGB); the visible
    reflectance is 0.4 times it (the catalogue's brick and paint sit near that ratio),
    the red edge 0.7-1.5 times the red and the NIR 0.5-2.5 times the visible mean, drawn
    independently: painted plastic, fired clay, wood and metal all occur. The same
    ``(seed, object_id)`` gives the same colour in every sensor.
    """
    rng = np.random.default_rng([seed, 0x0DD, int(object_id[1:])])
    hue, sat, val, re_gain, nir_gain = rng.uniform((0.0, 0.1, 0.2, 0.7, 0.5), (1.0, 0.8, 0.85, 1.5, 2.5))
    rgb = np.array(colorsys.hsv_to_rgb(hue, sat, val), np.float32)
    if sensor == "rgb":
        return rgb
    vis = 0.4 * rgb
    spectrum = [vis[2], vis[1], vis[0], re_gain * vis[0], nir_gain * float(vis.mean())]
    return np.clip(np.asarray(spectrum, np.float32), 0.01, 0.95)


def _pixel_noise(geom: WindowGeometry, scene: Scene, channel: str, count: int) -> list[F32]:
    return pixel_uniforms(geom.rows[:, None], geom.cols[None, :], scene.salt(channel), count)


def _furrows(scene: Scene, geom: WindowGeometry, sample: Bilinear, nodes: NDArray[np.float32]) -> tuple[F32, F32]:
    """(ridge, lit) of a ploughed field at the window's pixels; ``nodes``: (warp, relief)."""
    assert scene.furrows is not None
    x, y = geom.coords()
    ridge, lit = furrow_terms(scene.furrows, x, y, sample(nodes[0]), scene.sun_azimuth_rad)
    relief = sample(nodes[1])  # roads across the field are flat
    return ridge * relief, lit * relief


def _ploughed_mix(soil: F32, crop: F32, cover: F32, ridge: F32, lit: F32) -> F32:
    """Bare soil with furrow shading under crop rows (cover in [0, 1]), one channel."""
    out: F32 = soil * soil_gain(ridge, lit) * (1.0 - cover) + crop * (1.0 + 0.1 * lit) * cover
    return out


def _valid(grid: SensorGrid, geom: WindowGeometry) -> NDArray[np.bool_] | None:
    """Footprint mask of the window; None when all of it is outside."""
    status = grid.footprint.classify(*geom.bounds)
    if status == "out":
        return None
    if status == "in":
        return np.ones(geom.shape, dtype=bool)
    return grid.footprint.inside(geom.x_m, geom.y_m)


def render_rgb(scene: Scene, grid: SensorGrid, row_off: int, col_off: int, height: int, width: int) -> NDArray[np.uint8]:
    """RGBA window, (4, height, width) uint8; alpha 0 outside the footprint."""
    geom = grid.window_geometry(row_off, col_off, height, width)
    valid = _valid(grid, geom)
    out = np.zeros((4, height, width), dtype=np.uint8)
    if valid is None:
        return out
    ground = scene.spec.ground
    ng = NodeGrid.covering(*geom.bounds)
    nodes = background_nodes(scene, ng, "rgb")
    sample = ng.sampler(geom)
    x, y = geom.coords()
    veg = sample(nodes[3])
    if scene.furrows is not None:
        ridge, lit = _furrows(scene, geom, sample, nodes[7:9])
        veg = crop_cover(veg, ridge)
    grain = lattice_noise(x, y, ground.rgb_grain_cell_m, scene.salt("rgb/grain"))
    # One hash per pixel: luminance speckle (stronger in grass) and two chroma noises.
    speckle, chroma_r, chroma_b = _pixel_noise(geom, scene, "rgb/px", 3)
    (g0, g1), (s0, s1) = ground.rgb_grain_amp, ground.rgb_speckle_amp
    tex = 1.0 + (g0 + g1 * veg) * grain + (s0 + s1 * veg) * speckle
    if scene.furrows is not None:
        rgb = np.stack([_ploughed_mix(sample(nodes[k]), sample(nodes[4 + k]), veg, ridge, lit) * tex
                        for k in range(3)])
    else:
        rgb = np.stack([sample(nodes[k]) * tex for k in range(3)])
    _paint(scene, geom, rgb, "rgb")
    rgb[0] += 0.02 * chroma_r
    rgb[1] += 0.03 * speckle
    rgb[2] += 0.02 * chroma_b
    out[:3] = np.clip(rgb * 255.0 + 0.5, 0.0, 255.0).astype(np.uint8)
    out[:3, ~valid] = 0
    out[3] = np.where(valid, 255, 0).astype(np.uint8)
    return out


def render_ms(scene: Scene, grid: SensorGrid, row_off: int, col_off: int, height: int, width: int) -> NDArray[np.uint16]:
    """Multispectral window, (5, height, width) uint16 reflectance x 10000; 0 = nodata."""
    geom = grid.window_geometry(row_off, col_off, height, width)
    valid = _valid(grid, geom)
    out = np.zeros((5, height, width), dtype=np.uint16)
    if valid is None:
        return out
    ng = NodeGrid.covering(*geom.bounds)
    nodes = background_nodes(scene, ng, "ms")
    sample = ng.sampler(geom)
    x, y = geom.coords()
    tex = 1.0 + scene.spec.ground.ms_grain_amp * lattice_noise(x, y, 0.12, scene.salt("ms/grain"))
    if scene.furrows is not None:
        ridge, lit = _furrows(scene, geom, sample, nodes[11:13])
        cover = crop_cover(sample(nodes[5]), ridge)
        refl = np.stack([_ploughed_mix(sample(nodes[k]), sample(nodes[6 + k]), cover, ridge, lit) * tex
                         for k in range(5)])
    else:
        refl = np.stack([sample(nodes[k]) * tex for k in range(5)])
    _paint(scene, geom, refl, "ms")
    # Uniform noise scaled to unit variance (sqrt(12)); the shape matters less than the level.
    for k, noise in enumerate(_pixel_noise(geom, scene, "ms/noise", 5)):
        refl[k] += (MS_NOISE_ABS + MS_NOISE_REL * refl[k]) * (3.4641 * noise)
    out[:] = np.clip(refl * 10000.0 + 0.5, 1.0, 65535.0).astype(np.uint16)
    out[:, ~valid] = 0
    return out


def render_thermal(scene: Scene, grid: SensorGrid, row_off: int, col_off: int, height: int, width: int) -> NDArray[np.float32]:
    """Thermal window, (1, height, width) float32 degC; -9999 outside the footprint."""
    halo = THERMAL_HALO_PX
    geom = grid.window_geometry(row_off, col_off, height, width, halo=halo)
    core = (slice(halo, halo + height), slice(halo, halo + width))
    out = np.full((1, height, width), NODATA["thermal"], dtype=np.float32)
    valid_full = _valid(grid, geom)
    if valid_full is None:
        return out
    ng = NodeGrid.covering(*geom.bounds)
    nodes = background_nodes(scene, ng, "thermal")
    sample = ng.sampler(geom)
    temp = sample(nodes[0])
    if scene.furrows is not None:
        ridge, lit = _furrows(scene, geom, sample, nodes[2:4])
        cover = crop_cover(sample(nodes[1]), ridge)
        temp += furrow_temperature(ridge, lit, scene.morning)
        temp -= np.float32(scene.spec.ground.veg_cooling_deg_c) * cover
    temp += 0.08 * lattice_noise(*geom.coords(), 0.3, scene.salt("thermal/grain"))
    stack = temp[None]
    _paint(scene, geom, stack, "thermal")
    truncate = (THERMAL_HALO_PX - 0.5) / THERMAL_PSF_SIGMA_PX  # kernel radius == halo
    blurred = ndimage.gaussian_filter(stack[0], THERMAL_PSF_SIGMA_PX, mode="nearest", truncate=truncate)[core]
    rows, cols = geom.rows[core[0]], geom.cols[core[1]]
    blurred += NETD_DEG_C * pixel_gauss(rows[:, None], cols[None, :], scene.salt("thermal/netd"))
    valid = valid_full[core]
    out[0] = np.where(valid, blurred, np.float32(NODATA["thermal"]))
    return out
