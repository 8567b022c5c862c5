"""Procedural ground: bare soil, grass and shrubs, dirt roads and tracks, disturbed soil.

Ground properties are smooth, so they are evaluated on a global node lattice of
:data:`NODE_STEP_M` (nodes at integer multiples of the step, in scene metres) and
interpolated bilinearly to pixels; only pixel-scale grain and sensor noise are evaluated
per pixel. Fields (all in [0, 1] unless stated):

- ``moist``: soil moisture in [-1, 1] (wet soil is darker and cooler);
- ``veg``: vegetated fraction (grass), ``shrub``: the part of it that is shrub;
- ``dry``: how dry (yellow) the grass is;
- ``surface``: compacted road or wheel-rut surface (no vegetation, lighter, warmer);
- ``disturbed``: soil disturbed by mine laying inside minefields (up to 20 % less vegetation
  in patches, slightly lighter soil, +0.3 degC).

Colours, spectra, the amount of vegetation and shrub and the temperature offsets come from
the scene family's :class:`~rams.synth.families.GroundSpec`. In a ploughed field the
vegetation grows in rows narrower than the node step, so the nodes carry bare soil and the
crop colour apart and the renderer mixes them per pixel (:mod:`rams.synth.furrows`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rams.synth.noise import Bilinear, fbm_grid
from rams.synth.scene import Scene
from rams.synth.window import WindowGeometry

#: Spacing of the ground-property lattice (metres).
NODE_STEP_M = 0.1

Array = NDArray[np.float64]


@dataclass(frozen=True)
class NodeGrid:
    """A block of the global node lattice: node (i, j) is at (xs_m[j], ys_m[i])."""

    ix0: int
    iy0: int
    xs_m: Array
    ys_m: Array

    @classmethod
    def covering(cls, xmin: float, ymin: float, xmax: float, ymax: float) -> NodeGrid:
        """The smallest block of nodes whose cells cover the rectangle (plus one node)."""
        ix0 = math.floor(xmin / NODE_STEP_M) - 1
        iy0 = math.floor(ymin / NODE_STEP_M) - 1
        ix1 = math.floor(xmax / NODE_STEP_M) + 2
        iy1 = math.floor(ymax / NODE_STEP_M) + 2
        xs = np.arange(ix0, ix1 + 1, dtype=np.float64) * NODE_STEP_M
        ys = np.arange(iy0, iy1 + 1, dtype=np.float64) * NODE_STEP_M
        return cls(ix0, iy0, xs, ys)

    def sampler(self, geom: WindowGeometry) -> Bilinear:
        """Bilinear interpolator of node fields at the pixels of a window."""
        x, y = geom.coords()
        shape = (self.ys_m.size, self.xs_m.size)
        return Bilinear(x / NODE_STEP_M - self.ix0, y / NODE_STEP_M - self.iy0, shape)


def _smoothstep(lo: float, hi: float, v: Array) -> Array:
    t = np.clip((v - lo) / (hi - lo), 0.0, 1.0)
    out: Array = t * t * (3.0 - 2.0 * t)
    return out


def _track_fields(scene: Scene, ng: NodeGrid) -> Array:
    """Road/rut surface intensity in [0, 1] at the nodes."""
    surface = np.zeros((ng.ys_m.size, ng.xs_m.size))
    xmin, xmax, ymin, ymax = ng.xs_m[0], ng.xs_m[-1], ng.ys_m[0], ng.ys_m[-1]
    for track in scene.tracks:
        reach = track.half_width_m + 0.6
        dist = np.full_like(surface, np.inf)
        pts = track.points_m
        for a, b in itertools.pairwise(pts):
            lo = np.minimum(a, b) - reach
            hi = np.maximum(a, b) + reach
            if hi[0] < xmin or lo[0] > xmax or hi[1] < ymin or lo[1] > ymax:
                continue
            j0, j1 = np.searchsorted(ng.xs_m, [lo[0], hi[0]])
            i0, i1 = np.searchsorted(ng.ys_m, [lo[1], hi[1]])
            if j0 >= j1 or i0 >= i1:
                continue
            px = ng.xs_m[j0:j1][None, :] - a[0]
            py = ng.ys_m[i0:i1][:, None] - a[1]
            d = b - a
            t = np.clip((px * d[0] + py * d[1]) / max(float(d @ d), 1e-12), 0.0, 1.0)
            seg = np.hypot(px - t * d[0], py - t * d[1])
            np.minimum(dist[i0:i1, j0:j1], seg, out=dist[i0:i1, j0:j1])
        if track.ruts:
            s = np.exp(-(((dist - 0.85) / 0.2) ** 2)) + 0.25 * (dist < 0.85)
        else:
            s = 1.0 - _smoothstep(track.half_width_m - 0.4, track.half_width_m + 0.4, dist)
        np.maximum(surface, np.minimum(s, 1.0), out=surface)
    return surface


def _minefield_fields(scene: Scene, ng: NodeGrid) -> Array:
    """Disturbed-soil intensity in [0, 1] at the nodes (soft edge about 1.5 m wide)."""
    out = np.zeros((ng.ys_m.size, ng.xs_m.size))
    for mf in scene.minefields:
        c = np.asarray(mf.corners_m)
        if (c[:, 0].max() < ng.xs_m[0] - 2 or c[:, 0].min() > ng.xs_m[-1] + 2
                or c[:, 1].max() < ng.ys_m[0] - 2 or c[:, 1].min() > ng.ys_m[-1] + 2):
            continue
        sd = np.full_like(out, np.inf)
        for a, b in zip(c, np.roll(c, -1, axis=0), strict=True):
            e = b - a
            n = np.array([-e[1], e[0]]) / math.hypot(*e)  # inward normal of a CCW ring
            np.minimum(sd, (ng.xs_m[None, :] - a[0]) * n[0] + (ng.ys_m[:, None] - a[1]) * n[1], out=sd)
        np.maximum(out, _smoothstep(-0.5, 1.0, sd), out=out)
    return out


def ground_fields(scene: Scene, ng: NodeGrid) -> dict[str, Array]:
    """The ground-property fields (see the module docstring) at the nodes, (ny, nx) each."""
    xs, ys, seed, ch = ng.xs_m, ng.ys_m, scene.seed, scene.channel
    ground = scene.spec.ground
    moist = fbm_grid(xs, ys, (45.0, 14.0, 4.0, 1.2), (0.5, 0.3, 0.15, 0.05), seed, ch("moist"))
    vraw = fbm_grid(xs, ys, (30.0, 9.0, 3.0, 0.9, 0.3), (0.45, 0.3, 0.15, 0.07, 0.03), seed, ch("veg"))
    vraw += scene.veg_bias
    if ground.veg_offset:
        vraw += ground.veg_offset
    veg = _smoothstep(-0.05, 0.2, vraw + 0.25 * moist)
    shrub = _smoothstep(*ground.shrub_threshold,
                        fbm_grid(xs, ys, (7.0, 2.2, 0.7), (0.6, 0.3, 0.1), seed, ch("shrub")))
    dry = _smoothstep(-0.3, 0.4, fbm_grid(xs, ys, (18.0, 4.0), (0.7, 0.3), seed, ch("dry")))
    surface = _track_fields(scene, ng)
    disturbed = _minefield_fields(scene, ng)
    # Mine laying thins the vegetation a little, in patches: a faint cue, not an outline.
    patchy = 0.5 + 0.5 * fbm_grid(xs, ys, (3.0, 1.0), (0.7, 0.3), seed, ch("disturbed"))
    keep = (1.0 - surface) * (1.0 - 0.2 * disturbed * patchy)
    veg *= keep
    return {
        "moist": moist,
        "veg": veg,
        "shrub": shrub * veg,
        "dry": dry,
        "surface": surface,
        "disturbed": disturbed,
        "tone": fbm_grid(xs, ys, (2.0, 0.5), (0.6, 0.4), seed, ch("tone")),
        "heat": fbm_grid(xs, ys, (60.0, 20.0), (0.7, 0.3), seed, ch("heat")),
    }


def _mix(f: dict[str, Array], tone_gain: float, soil: tuple[float, ...], grass: tuple[float, ...],
         dry: tuple[float, ...], shrub: tuple[float, ...], road: tuple[float, ...]) -> list[Array]:
    soil_gain = 0.93 + tone_gain * f["tone"] - 0.12 * f["moist"] + 0.02 * f["disturbed"]
    out = []
    for k in range(len(soil)):
        grass_k = grass[k] + (dry[k] - grass[k]) * f["dry"]
        v = soil[k] * soil_gain * (1.0 - f["veg"]) + grass_k * (f["veg"] - f["shrub"]) + shrub[k] * f["shrub"]
        out.append(v + (road[k] * (0.97 + 0.05 * f["tone"]) - v) * f["surface"])
    return out


def _crop(f: dict[str, Array], grass: tuple[float, ...], dry: tuple[float, ...]) -> list[Array]:
    """Crop colour (green to ripe) at the nodes, per channel."""
    return [grass[k] + (dry[k] - grass[k]) * f["dry"] for k in range(len(grass))]


def background_nodes(scene: Scene, ng: NodeGrid, sensor: str) -> NDArray[np.float32]:
    """Per-sensor background at the nodes, (channels, ny, nx) float32.

    Channels: rgb -> (r, g, b, veg) display values in [0, 1]; ms -> (blue, green, red,
    rededge, nir, veg) reflectance; thermal -> (temperature degC,). A ploughed field
    (``scene.furrows``) has bare soil in those channels (veg is then the vegetation the
    rows would have) followed by the crop colour or spectrum (rgb, ms), the row warp in
    metres and the relief (1 in the field, 0 on roads): rgb (r, g, b, veg, crop r, g, b,
    warp, relief), ms (5 soil, veg, 5 crop, warp, relief), thermal (bare-soil degC, veg,
    warp, relief).
    """
    f = ground_fields(scene, ng)
    g = scene.spec.ground
    ploughed = scene.furrows is not None
    mix = {**f, "veg": np.zeros_like(f["veg"]), "shrub": np.zeros_like(f["veg"])} if ploughed else f
    extra: list[Array] = []
    if sensor == "rgb":
        chans = [*_mix(mix, g.tone_gain, g.soil_rgb, g.grass_rgb, g.dry_grass_rgb, g.shrub_rgb, g.road_rgb), f["veg"]]
        if ploughed:
            extra = _crop(f, g.grass_rgb, g.dry_grass_rgb)
    elif sensor == "ms":
        chans = [*_mix(mix, g.tone_gain, g.soil_refl, g.grass_refl, g.dry_grass_refl, g.shrub_refl, g.road_refl),
                 f["veg"]]
        if ploughed:
            extra = _crop(f, g.grass_refl, g.dry_grass_refl)
    else:
        base = scene.base_deg_c + g.thermal_offset_deg_c if g.thermal_offset_deg_c else scene.base_deg_c
        t = (base + 2.0 * f["heat"] - 1.2 * f["moist"] - g.veg_cooling_deg_c * mix["veg"]
             - g.shrub_cooling_deg_c * mix["shrub"] + 0.8 * f["surface"] + 0.3 * f["disturbed"])
        chans = [np.clip(t, 15.0, 35.0)]
        if ploughed:
            chans.append(f["veg"])
    if ploughed:
        warp = fbm_grid(ng.xs_m, ng.ys_m, (15.0, 5.0), (0.12, 0.04), scene.seed, scene.channel("furrow/warp"))
        chans = [*chans, *extra, warp, 1.0 - f["surface"]]
    return np.stack(chans).astype(np.float32)
