"""Training sources at one working ground sample distance (GSD).

A detector that must find 12 cm objects learns them at a fixed GSD, so every source is
resampled to the model's working GSD before any crop is cut: a YOLO tile set at about
0.3 cm and a synthetic flight at 1 cm both become images where a PFM-1 is about 12 px long.
A source is described by a :class:`SourceSpec`:

- its GSD, given, or estimated from the physical size of its labelled classes
  (:func:`estimate_gsd_m`: the median over boxes of ``size_m / longest box side``);
- a mapping of its class names onto the project's device classes; a class mapped to
  ``ignore`` is kept as an *ignored* box (class -1): neither a positive nor a negative in
  the loss (see :func:`rams.detection.centernet.draw_targets`); a class left out of the
  mapping is an input error, so no label is dropped silently;
- a sampling weight (its share of the training draws) and, for YOLO sets, file-name
  prefixes whose images are held out for model selection (e.g. one training flight).

Empty images stay in: on real ground they are the hard negatives.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rams.core.devices import MINE_SIZE_M, normalise_class_name, physical_size_m
from rams.core.truth import TRUTH_FILE_NAME
from rams.detection.detector import resample_by
from rams.detection.flight_tiles import find_flights, load_flight_tiles
from rams.detection.train import TileSet
from rams.detection.yolo import YoloSample, image_size, load_image, read_split
from rams.detection.yolo import class_names as yolo_class_names
from rams.errors import RamsInputError
from rams.yamlio import read_yaml

IGNORE = "ignore"
#: Class index of ignored boxes inside a :class:`TileSet`.
IGNORE_CLASS = -1
KINDS = ("yolo", "flights", "synth")


@dataclass
class SourceSpec:
    """One training source.

    Attributes:
        path: a YOLO tile set (``train/images``...) or a folder of flights with truth.
        kind: "yolo" or "flights" (default: guessed from the folder).
        gsd_m: ground sample distance of the source, metres (None: estimated from labels
            for YOLO sets, read from the raster for flights).
        classes: source class name -> project class name or ``"ignore"`` (YOLO sets;
            default: names equal up to case and punctuation map onto each other).
        weight: share of the training draws, relative to the other sources.
        select_prefixes: YOLO sets: images whose file names start with one of these are
            held out for model selection instead of training.
        select_fraction: YOLO sets: this share of every flight's images (chosen by a hash
            of the file name) is held out for model selection instead of training.
        licence: licence and attribution, for the model card.
        description: a line for the model card.
        split: YOLO split to train from.
        seeds: synthetic sources: the ``rams synth`` seeds to generate.
        families: synthetic sources: the scene families, each generated for every seed.
        size_m: synthetic sources: side of each flight, metres.
        cache_dir: synthetic sources: where generated flights are kept (re-used when present).
        ground_jitter: synthetic sources: redraw each flight's ground colours and texture
            (:func:`rams.synth.families.jittered_family`).
        clutter_jitter: synthetic sources: camouflage each flight's clutter in its soil
            colour (:func:`rams.synth.families.clutter_jittered_family`).
        layout: synthetic sources: lay every minefield out this way (one of
            :data:`rams.synth.layout.LAYOUTS`; ``"scatter"``: PFM-1 scatter fields only;
            ``"rows-ozm"``: rows of OZM-72 and PMN-2, a layout no flight draws for itself).
        oddments: synthetic sources: add mine-sized oddments of this kind to each flight's
            clutter (:func:`rams.synth.families.with_oddments`; ``"metal"``: small steel
            chips and plates), unlabelled: negatives the detector learns to pass over.
    """

    path: Path
    kind: str | None = None
    gsd_m: float | None = None
    classes: dict[str, str] = field(default_factory=dict)
    weight: float = 1.0
    select_prefixes: tuple[str, ...] = ()
    select_fraction: float = 0.0
    licence: str = ""
    description: str = ""
    split: str = "train"
    seeds: tuple[int, ...] = ()
    families: tuple[str, ...] = ("steppe",)
    size_m: float = 80.0
    cache_dir: Path | None = None
    ground_jitter: bool = False
    clutter_jitter: bool = False
    layout: str | None = None
    oddments: str | None = None

    def resolved_kind(self) -> str:
        """"yolo", "flights" or "synth"."""
        if self.kind is not None:
            if self.kind not in KINDS:
                raise RamsInputError(self.path, f"source kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
            return self.kind
        return "yolo" if (self.path / "train" / "images").is_dir() else "flights"


@dataclass
class LoadedSource:
    """A source resampled to the working GSD.

    Attributes:
        spec: what was asked.
        gsd_m: the source's GSD used (given or estimated), metres.
        gsd_estimated: whether ``gsd_m`` was estimated from labels.
        train: training images at the working GSD (ignored boxes as class -1).
        select: selection images at the working GSD (may be empty).
        counts: objects per project class in ``train`` (ignored ones under "ignore").
    """

    spec: SourceSpec
    gsd_m: float
    gsd_estimated: bool
    train: TileSet
    select: TileSet
    counts: dict[str, int]


def class_mapping(
    source_names: list[str], project_names: list[str], given: dict[str, str], where: Path
) -> list[int | None]:
    """Project class index (or :data:`IGNORE_CLASS`) of each source class.

    Raises:
        RamsInputError: a source class that maps to nothing, or to an unknown class.
    """
    by_norm = {normalise_class_name(n): i for i, n in enumerate(project_names)}
    out: list[int | None] = []
    for name in source_names:
        target = given.get(name, name if normalise_class_name(name) in by_norm else None)
        if target is None:
            raise RamsInputError(where, (
                f"source class {name!r} is not mapped onto a project class; map it to one of "
                f"{', '.join(project_names)} or to 'ignore'"))
        if target == IGNORE:
            out.append(IGNORE_CLASS)
        elif normalise_class_name(target) in by_norm:
            out.append(by_norm[normalise_class_name(target)])
        else:
            raise RamsInputError(where, f"class {name!r} maps to unknown class {target!r}")
    return out


def estimate_gsd_m(box_sides_px: dict[str, list[float]]) -> float | None:
    """GSD from labelled boxes of classes of known size.

    For each box, ``size_m / max(w, h)``; the median over all boxes. An elongated object
    (a PFM-1 is 12 x 6 cm) at any angle has an axis-aligned box whose longer side is
    between 1.0 and 1.06 times its length, so the estimate is within a few per cent.

    Args:
        box_sides_px: class name -> longest box side of each labelled box, pixels.

    Returns:
        Metres per pixel, or None when no box belongs to a class of known size.
    """
    ratios = [size / side for name, sides in box_sides_px.items()
              if (size := physical_size_m(name)) is not None for side in sides if side > 0]
    return float(np.median(ratios)) if ratios else None


def _load_yolo(spec: SourceSpec, project: list[str], working_gsd_m: float, channels: int) -> LoadedSource:
    samples = read_split(spec.path, spec.split)
    names = yolo_class_names(spec.path, samples)
    mapping = class_mapping(names, project, spec.classes, spec.path)
    gsd, estimated = spec.gsd_m, False
    if gsd is None:
        gsd, estimated = estimate_gsd_m(labelled_box_sides(samples, names)), True
        if gsd is None:
            raise RamsInputError(spec.path, (
                "cannot estimate the ground sample distance: no labelled class of known size "
                f"({', '.join(MINE_SIZE_M)}); give gsd_m"))
    factor = gsd / working_gsd_m
    train, select = TileSet(), TileSet()
    counts: dict[str, int] = {}
    for s in samples:
        img = resample_by(load_image(s.image, channels), factor)
        h, w = img.shape[:2]
        b = s.boxes
        xyxy = np.stack([(b[:, 0] - b[:, 2] / 2) * w, (b[:, 1] - b[:, 3] / 2) * h,
                         (b[:, 0] + b[:, 2] / 2) * w, (b[:, 1] + b[:, 3] / 2) * h], 1).reshape(-1, 4)
        cls = np.array([mapping[int(k)] for k in s.classes], np.int64).reshape(-1)
        target = select if _is_selection(s.image.name, spec) else train
        if target is select:
            keep = cls >= 0  # selection scores mines only; ignored objects are not truth
            xyxy, cls = xyxy[keep], cls[keep]
        else:
            for k in cls:
                key = IGNORE if k < 0 else project[int(k)]
                counts[key] = counts.get(key, 0) + 1
        target.add(img, np.clip(xyxy, 0, [w, h, w, h]), cls, f"{spec.path.name}/{s.image.name}")
    return LoadedSource(spec, gsd, estimated, train, select, counts)


def _is_selection(name: str, spec: SourceSpec) -> bool:
    """Whether an image of a YOLO source goes to the selection set.

    By file-name prefix (a whole flight), or by a stable hash of the name so that the same
    ``select_fraction`` of every flight is held out, whatever the order of the files.
    """
    if spec.select_prefixes and name.startswith(spec.select_prefixes):
        return True
    return in_selection_share(name, spec.select_fraction)


def in_selection_share(name: str, fraction: float) -> bool:
    """Whether an image file name falls in the held-out ``fraction`` (a stable hash of the name)."""
    if fraction <= 0:
        return False
    draw = int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:8], 16) / 2**32
    return draw < fraction


def labelled_box_sides(samples: list[YoloSample], names: list[str]) -> dict[str, list[float]]:
    """Class name -> longest side (pixels) of each labelled box of a YOLO split.

    Image sizes are read from the file headers.
    """
    sides: dict[str, list[float]] = {}
    for s in samples:
        if not len(s.classes):
            continue
        w0, h0 = image_size(s.image)
        for (_, _, bw, bh), k in zip(s.boxes, s.classes, strict=True):
            sides.setdefault(names[int(k)], []).append(max(bw * w0, bh * h0))
    return sides


def generate_synth_flights(spec: SourceSpec, working_gsd_m: float) -> list[Path]:
    """Generate (or find already generated) the flights of a synthetic source.

    Each flight is ``rams synth`` at ``spec.size_m`` for one (family, seed), with the RGB
    orthomosaic at the working GSD, in ``spec.cache_dir / FAMILY_sSEED_SIZEm_GSDcm``. A
    folder that holds ``truth.geojson`` is complete (the generator writes it last) and is
    re-used.
    """
    from rams.synth import generate_flight
    from rams.synth.families import COMBINER_FAMILY, HELD_OUT_FAMILIES

    cache = spec.cache_dir or spec.path
    out = []
    for family in spec.families:
        if family in HELD_OUT_FAMILIES:
            raise RamsInputError(spec.path, (
                f"scene family {family!r} is held out: it is never used for training or tuning "
                "(see rams.synth.families)"))
        if family == COMBINER_FAMILY:
            raise RamsInputError(spec.path, (
                f"scene family {family!r} is kept from the detectors: the point combiner is fitted "
                "on it to learn what a detection is worth on unfamiliar ground (see rams.synth.families)"))
        for seed in spec.seeds:
            variant = (("_jitter" if spec.ground_jitter else "") + ("_cjitter" if spec.clutter_jitter else "")
                       + (f"_{spec.layout}" if spec.layout else "") + (f"_odd{spec.oddments}" if spec.oddments else ""))
            folder = cache / f"{family}{variant}_s{seed}_{spec.size_m:g}m_{working_gsd_m * 100:g}cm"
            if not (folder / TRUTH_FILE_NAME).is_file():
                generate_flight(folder, spec.size_m, seed, gsd_m={"rgb": working_gsd_m}, family=family,
                                ground_jitter=spec.ground_jitter, clutter_jitter=spec.clutter_jitter,
                                layout=spec.layout, oddments=spec.oddments or False)
            out.append(folder)
    return out


def _load_flights(spec: SourceSpec, project: list[str], working_gsd_m: float, tile_px: int,
                  seed: int, background_per_flight: int, tiles_per_mine: int) -> LoadedSource:
    if spec.resolved_kind() == "synth":
        flights = generate_synth_flights(spec, working_gsd_m)
    else:
        flights = find_flights(spec.path, "rgb")
    if not flights:
        raise RamsInputError(spec.path, "no flight folders with rgb.tif and truth.geojson")
    train, gsd = load_flight_tiles(flights, project, sensor="rgb", tile_px=tile_px,
                                   background_per_flight=background_per_flight,
                                   tiles_per_mine=tiles_per_mine, seed=seed,
                                   working_gsd_m=working_gsd_m)
    counts: dict[str, int] = {}
    for cls in train.classes:
        for k in cls:
            counts[project[int(k)]] = counts.get(project[int(k)], 0) + 1
    return LoadedSource(spec, gsd, False, train, TileSet(), counts)


def load_source(
    spec: SourceSpec, project: list[str], *, working_gsd_m: float, channels: int = 3,
    tile_px: int = 256, seed: int = 0, background_per_flight: int = 60, tiles_per_mine: int = 3,
) -> LoadedSource:
    """Read one source into memory at the working GSD.

    Raises:
        RamsInputError: missing folder, unmapped class, GSD that cannot be estimated, ...
    """
    if spec.resolved_kind() != "synth" and not spec.path.is_dir():
        raise RamsInputError(spec.path, "training source folder does not exist")
    if spec.resolved_kind() == "yolo":
        return _load_yolo(spec, project, working_gsd_m, channels)
    return _load_flights(spec, project, working_gsd_m, tile_px, seed, background_per_flight,
                         tiles_per_mine)


#: The keys of a training recipe and of each of its sources (a misspelt one would be ignored).
_RECIPE_KEYS = frozenset({"working_gsd_m", "classes", "sources", "train", "withheld"})
_SOURCE_KEYS = frozenset({
    "path", "kind", "gsd_m", "classes", "weight", "select_prefixes", "select_fraction", "licence", "description",
    "seeds", "families", "size_m", "ground_jitter", "clutter_jitter", "layout", "oddments", "cache_dir",
})


def read_sources_file(path: str | Path) -> dict[str, Any]:
    """A training recipe: ``working_gsd_m``, ``classes`` and ``sources`` (see the module doc).

    Paths in it are relative to the file's folder.

    Raises:
        RamsInputError: unreadable file or malformed entries.
    """
    from rams.synth.catalog import ODDMENT_KINDS
    from rams.synth.layout import LAYOUTS

    path = Path(path)
    data = read_yaml(path, "training recipe")
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list) or not data["sources"]:
        raise RamsInputError(path, "a training recipe needs a non-empty 'sources' list")
    unknown = sorted(set(data) - _RECIPE_KEYS, key=str)
    if unknown:
        raise RamsInputError(path, f"unknown recipe key(s) {', '.join(map(repr, unknown))}; "
                                   f"a recipe has {', '.join(sorted(_RECIPE_KEYS))}")
    specs = []
    for i, entry in enumerate(data["sources"]):
        if not isinstance(entry, dict) or "path" not in entry:
            raise RamsInputError(path, f"source {i + 1} needs a 'path'")
        unknown = sorted(set(entry) - _SOURCE_KEYS, key=str)
        if unknown:
            raise RamsInputError(path, f"source {i + 1}: unknown key(s) {', '.join(map(repr, unknown))}; "
                                       f"a source has {', '.join(sorted(_SOURCE_KEYS))}")
        if not isinstance(entry.get("classes") or {}, dict):
            raise RamsInputError(path, f"source {i + 1}: classes must map the source's class names to "
                                       "device classes (name: PFM-1), or to null to ignore one")
        gsd = entry.get("gsd_m", "auto")
        try:
            specs.append(SourceSpec(
                path=(path.parent / str(entry["path"])).resolve(),
                kind=entry.get("kind"),
                gsd_m=None if gsd in (None, "auto") else float(gsd),
                classes={str(k): str(v) for k, v in (entry.get("classes") or {}).items()},
                weight=float(entry.get("weight", 1.0)),
                select_prefixes=tuple(str(p) for p in entry.get("select_prefixes") or ()),
                select_fraction=float(entry.get("select_fraction", 0.0)),
                licence=str(entry.get("licence", "")),
                description=str(entry.get("description", "")),
                seeds=_seeds(entry.get("seeds")),
                families=tuple(str(f) for f in entry.get("families") or ("steppe",)),
                size_m=float(entry.get("size_m", 80.0)),
                ground_jitter=bool(entry.get("ground_jitter", False)),
                clutter_jitter=bool(entry.get("clutter_jitter", False)),
                layout=_one_of(path, i, "layout", entry.get("layout"), LAYOUTS),
                oddments=_one_of(path, i, "oddments", entry.get("oddments"), ODDMENT_KINDS),
                cache_dir=None if entry.get("cache_dir") is None
                else (path.parent / str(entry["cache_dir"])).resolve(),
            ))
        except (TypeError, ValueError) as exc:
            raise RamsInputError(path, f"source {i + 1}: {exc}") from None
    out = dict(data)
    out["sources"] = specs
    gsd_work = out.get("working_gsd_m")
    if gsd_work is not None and not (isinstance(gsd_work, int | float) and math.isfinite(gsd_work) and gsd_work > 0):
        raise RamsInputError(path, f"working_gsd_m must be a positive number, not {gsd_work!r}")
    return out


def _one_of(path: Path, i: int, key: str, value: Any, allowed: Iterable[str]) -> str | None:
    """A synthetic source's ``key`` (None when absent), checked against the generator's choices."""
    allowed = tuple(allowed)
    if value is None:
        return None
    if value not in allowed:
        raise RamsInputError(path, f"source {i + 1}: {key} must be one of {', '.join(allowed)}, not {value!r}")
    return str(value)


def _seeds(value: Any) -> tuple[int, ...]:
    """Seeds as a list of ints or ranges written ``"100-123"``."""
    out: list[int] = []
    for item in value or ():
        if isinstance(item, str) and "-" in item:
            lo, hi = (int(v) for v in item.split("-", 1))
            out.extend(range(lo, hi + 1))
        else:
            out.append(int(item))
    return tuple(out)
