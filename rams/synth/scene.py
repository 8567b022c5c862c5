"""The ground truth of a synthetic flight: minefields, mines, distractors and tracks.

All coordinates are local metres: x east and y north of the south-west corner of the
surveyed square ``[0, size_m] x [0, size_m]``. The layout is drawn once per flight from
``numpy.random.default_rng(seed)``; rendering then looks objects up by position
(:class:`ObjectIndex`), so every raster window can be rendered independently.

The scene family (:mod:`rams.synth.families`) sets the ground and the clutter. Its noise
channels are named ``"{family}/{channel}"`` (the steppe keeps the bare names), so each
family has its own vegetation, moisture and grain patterns for the same seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from rams.synth.catalog import look
from rams.synth.families import (
    DEFAULT_FAMILY,
    SceneFamily,
    clutter_jittered_family,
    family_spec,
    jittered_family,
    with_oddments,
)
from rams.synth.furrows import Furrows
from rams.synth.layout import draw_layout
from rams.synth.noise import salt


@dataclass(frozen=True)
class SceneObject:
    """One mine or distractor on the ground.

    Attributes:
        id: stable identifier (``m0001``, ``d0001``).
        kind: ``"mine"`` or ``"distractor"``.
        cls: class name (``"PFM-1"``, ``"rock"``...).
        x_m: centre, local easting (metres).
        y_m: centre, local northing (metres).
        angle_rad: orientation of the long axis, counter-clockwise from east.
        scale: size factor applied to the class dimensions (1 for mines).
        variant: index of the colour variant.
        delta_t_deg_c: temperature offset of the object over its background.
        shape_phase: free parameter of irregular shapes (rocks).
        minefield_id: id of the containing minefield, or None.
    """

    id: str
    kind: str
    cls: str
    x_m: float
    y_m: float
    angle_rad: float
    scale: float
    variant: int
    delta_t_deg_c: float
    shape_phase: float = 0.0
    minefield_id: str | None = None

    @property
    def radius_m(self) -> float:
        """Radius of a circle that contains the object (warm patches: 3 sigma)."""
        lk = look(self.cls)
        r = lk.half_length_m * self.scale
        return 1.5 * r if lk.shape == "gauss" else r


@dataclass(frozen=True)
class Minefield:
    """A mined area: a convex quadrilateral (local metres, counter-clockwise)."""

    id: str
    corners_m: tuple[tuple[float, float], ...]
    layout: str
    device_category: str


@dataclass(frozen=True)
class Track:
    """A dirt road (one band) or vehicle track (two wheel ruts) along a polyline."""

    points_m: NDArray[np.float64]
    half_width_m: float
    ruts: bool


@dataclass
class Scene:
    """Everything a flight's pixels are rendered from.

    Attributes:
        size_m: side of the surveyed square (metres).
        seed: the flight seed.
        minefields: mined areas.
        objects: mines then distractors.
        tracks: roads and vehicle tracks.
        morning: True when mines are warmer than soil (hours after sunrise), False when
            cooler (after sunset).
        base_deg_c: mean bare-soil temperature.
        veg_bias: shifts the vegetated fraction (-0.3 sparse .. 0.3 lush).
        sun_azimuth_rad: direction the sun shines from, counter-clockwise from east.
        shadow_per_m: shadow length per metre of object height.
        family: the scene family's name.
        furrows: the rows of a ploughed field, or None.
        ground_jitter: the family's ground is redrawn for this flight
            (:func:`rams.synth.families.jittered_family`, for training data).
        clutter_jitter: the family's clutter is camouflaged
            (:func:`rams.synth.families.clutter_jittered_family`, for training data).
        oddments: mine-sized oddments are added to the clutter (``True`` or ``"any"``: of
            any colour; ``"metal"``: small steel; :func:`rams.synth.families.with_oddments`,
            for training data).
        layout: every minefield was laid out this way (training data), or None when each
            field's layout was drawn.
    """

    size_m: float
    seed: int
    minefields: list[Minefield]
    objects: list[SceneObject]
    tracks: list[Track]
    morning: bool
    base_deg_c: float
    veg_bias: float
    sun_azimuth_rad: float
    shadow_per_m: float
    family: str = DEFAULT_FAMILY
    furrows: Furrows | None = None
    ground_jitter: bool = False
    clutter_jitter: bool = False
    layout: str | None = None
    oddments: bool | str = False
    index: ObjectIndex = field(init=False)
    _spec: SceneFamily = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = ObjectIndex(self.objects, pad_m=0.5)
        self._spec = scene_family(self.family, self.seed, self.ground_jitter, self.clutter_jitter, self.oddments)

    @property
    def spec(self) -> SceneFamily:
        """The family's ground (jittered when asked) and clutter."""
        return self._spec

    def channel(self, name: str) -> str:
        """The family's name of a noise channel (bare for the steppe)."""
        return name if self.family == DEFAULT_FAMILY else f"{self.family}/{name}"

    def salt(self, name: str) -> int:
        """The salt of one of the family's noise channels (see :func:`rams.synth.noise.salt`)."""
        return salt(self.seed, self.channel(name))

    @property
    def mines(self) -> list[SceneObject]:
        """The mines (truth points the detectors are scored on)."""
        return [o for o in self.objects if o.kind == "mine"]

    @property
    def distractors(self) -> list[SceneObject]:
        """Rocks, metal debris, warm patches and the family's other clutter."""
        return [o for o in self.objects if o.kind == "distractor"]

    @property
    def shadow_offset_m(self) -> tuple[float, float]:
        """Shadow displacement per metre of height (away from the sun)."""
        return (
            -math.cos(self.sun_azimuth_rad) * self.shadow_per_m,
            -math.sin(self.sun_azimuth_rad) * self.shadow_per_m,
        )


class ObjectIndex:
    """A uniform grid index: which objects may touch a rectangle.

    Args:
        objects: the objects to index.
        pad_m: margin added to each object's radius (shadows, blur).
        cell_m: grid cell size (metres).
    """

    def __init__(self, objects: list[SceneObject], pad_m: float, cell_m: float = 8.0) -> None:
        self.cell_m = cell_m
        self.objects = objects
        self.cells: dict[tuple[int, int], list[int]] = {}
        for i, obj in enumerate(objects):
            r = obj.radius_m + pad_m
            for cx in range(self._cell(obj.x_m - r), self._cell(obj.x_m + r) + 1):
                for cy in range(self._cell(obj.y_m - r), self._cell(obj.y_m + r) + 1):
                    self.cells.setdefault((cx, cy), []).append(i)
        self.pad_m = pad_m

    def _cell(self, v: float) -> int:
        return math.floor(v / self.cell_m)

    def query(self, xmin: float, ymin: float, xmax: float, ymax: float) -> list[SceneObject]:
        """Objects whose padded bounding box intersects the rectangle, in index order."""
        found: set[int] = set()
        for cx in range(self._cell(xmin), self._cell(xmax) + 1):
            for cy in range(self._cell(ymin), self._cell(ymax) + 1):
                found.update(self.cells.get((cx, cy), ()))
        out = []
        for i in sorted(found):
            obj = self.objects[i]
            r = obj.radius_m + self.pad_m
            if obj.x_m + r >= xmin and obj.x_m - r <= xmax and obj.y_m + r >= ymin and obj.y_m - r <= ymax:
                out.append(obj)
        return out


def scene_family(family: str, seed: int, ground_jitter: bool = False, clutter_jitter: bool = False,
                 oddments: bool | str = False) -> SceneFamily:
    """A flight's family: ``family`` with its ground and clutter jittered, and oddments added, when asked.

    ``oddments``: ``True`` for the any-colour kind, or a kind of :func:`rams.synth.families.with_oddments`.
    """
    spec = family_spec(family)
    if ground_jitter:
        spec = jittered_family(spec, seed)
    if clutter_jitter:
        spec = clutter_jittered_family(spec)
    if not oddments:
        return spec
    return with_oddments(spec, "any" if oddments is True else str(oddments))


def build_scene(size_m: float, seed: int, family: str = DEFAULT_FAMILY, *,
                ground_jitter: bool = False, clutter_jitter: bool = False,
                layout: str | None = None, oddments: bool | str = False) -> Scene:
    """Draw the ground truth of a flight.

    Args:
        size_m: side of the surveyed square (metres).
        seed: random seed; the same seed, size and family give the same scene, and the
            same seed and size give the same mines in every family.
        family: scene family name (see :mod:`rams.synth.families`).
        ground_jitter: redraw the family's ground for this flight (training data; the
            objects are unchanged).
        clutter_jitter: camouflage the family's clutter (training data; adds mine-sized
            stones to a family without them; the mines are unchanged).
        layout: lay every minefield out this way (training data; one of
            :data:`rams.synth.layout.LAYOUTS`, e.g. ``"scatter"`` for PFM-1 scatter fields).
        oddments: add mine-sized oddments to the clutter (training data; ``True`` or
            ``"any"``: of any colour, ``"metal"``: small steel; the mines and the family's own
            clutter outside the minefields are unchanged).

    Returns:
        The scene.

    Raises:
        RamsInputError: for an unknown family.
        ValueError: for an unknown minefield layout.
    """
    spec = scene_family(family, seed, ground_jitter, clutter_jitter, oddments)
    rng = np.random.default_rng([seed, 0x5EED, round(size_m * 1000)])
    morning = bool(rng.random() < 0.6)
    base_deg_c = float(rng.uniform(21.0, 28.0))
    veg_bias = float(rng.uniform(-0.25, 0.25))
    sun_azimuth_rad = float(rng.uniform(0.0, 2.0 * math.pi))
    sun_elevation_rad = math.radians(float(rng.uniform(25.0, 55.0)))
    minefields, objects, tracks = draw_layout(rng, size_m, morning, spec.clutter, layout)
    furrows = Furrows.draw(rng) if spec.furrows else None
    return Scene(
        size_m=size_m,
        seed=seed,
        minefields=[Minefield(**m) for m in minefields],
        objects=[SceneObject(**o) for o in objects],
        tracks=[Track(**t) for t in tracks],
        morning=morning,
        base_deg_c=base_deg_c,
        veg_bias=veg_bias,
        sun_azimuth_rad=sun_azimuth_rad,
        shadow_per_m=1.0 / math.tan(sun_elevation_rad),
        family=family,
        furrows=furrows,
        ground_jitter=ground_jitter,
        clutter_jitter=clutter_jitter,
        layout=layout,
        oddments=oddments,
    )
