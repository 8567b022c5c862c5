"""Reader for YOLO-format tile sets (the Roboflow / Ultralytics layout).

A set is a folder with one sub-folder per split (``train/``, ``valid/`` or ``val/``,
``test/``), each holding ``images/`` and ``labels/``. The label file of ``images/NAME.jpg``
is ``labels/NAME.txt``, one object a line: ``class cx cy w h`` normalised to [0, 1]. A
missing or empty label file means the image holds no object. An optional ``data.yaml``
gives the class names (``names:`` as a list or an ``{index: name}`` mapping).
:func:`split_overlap_report` checks a set for byte-identical images within and across
splits (labels leaking into the evaluation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from rams.checksum import sha256_file
from rams.detection.box_metrics import ImageTruth, same_truth
from rams.errors import RamsInputError
from rams.yamlio import read_yaml

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")

#: Split folder names tried for each split (Roboflow writes ``valid``, Ultralytics ``val``).
SPLIT_ALIASES: dict[str, tuple[str, ...]] = {
    "train": ("train",),
    "valid": ("valid", "val"),
    "val": ("val", "valid"),
    "test": ("test",),
}


@dataclass(frozen=True)
class YoloSample:
    """One labelled image.

    Attributes:
        image: path of the image.
        boxes: (N, 4) float32 boxes ``cx, cy, w, h`` normalised to [0, 1].
        classes: (N,) int64 class indices.
        has_label_file: whether ``labels/NAME.txt`` exists (a missing file and an empty
            one both mean "no object", but a missing one can also be a copy whose labels
            were not copied: see :func:`rams.evaluation.tiles.duplicate_report`).
    """

    image: Path
    boxes: np.ndarray
    classes: np.ndarray
    has_label_file: bool = True


#: How far outside the image a YOLO label's normalised coordinates may reach (exporters round).
_LABEL_SLACK = 0.01


def _label_problem(values: list[float], cls: float, cx: float, cy: float, w: float, h: float) -> str:
    """What is wrong with one parsed YOLO label line, or "" (coordinates are image fractions)."""
    if not all(math.isfinite(v) for v in values):
        return "holds a value that is not a finite number"
    if cls < 0 or cls != int(cls):
        return f"has class {cls:g}, not a class index (0, 1, ...)"
    lo, hi = -_LABEL_SLACK, 1 + _LABEL_SLACK
    if not (lo <= cx <= hi and lo <= cy <= hi and w <= hi and h <= hi):
        return "has a box outside the image (YOLO coordinates are fractions of the image, 0 to 1)"
    return ""


def read_label_file(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse a YOLO label file; a missing or empty file gives no objects.

    Returns:
        ``(boxes (N, 4) float32, classes (N,) int64)``.

    Raises:
        RamsInputError: a line that is not ``class cx cy w h`` with a class index and
            coordinates inside the image, or a file that is not text.
    """
    boxes: list[list[float]] = []
    classes: list[int] = []
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise RamsInputError(path, "label file is not UTF-8 text") from None
        for lineno, line in enumerate(text.splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            # Segmentation-style lines (class x1 y1 x2 y2 ...) are reduced to their bounds.
            try:
                values = [float(v) for v in parts]
            except ValueError:
                raise RamsInputError(path, f"line {lineno} is not numeric: {line!r}") from None
            if len(values) == 5:
                cls, cx, cy, w, h = values
            elif len(values) >= 7 and len(values) % 2 == 1:
                xs, ys = values[1::2], values[2::2]
                cls = values[0]
                cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
                w, h = max(xs) - min(xs), max(ys) - min(ys)
            else:
                raise RamsInputError(path, f"line {lineno} is not 'class cx cy w h': {line!r}")
            problem = _label_problem(values, cls, cx, cy, w, h)
            if problem:
                raise RamsInputError(path, f"line {lineno} {problem}: {line!r}")
            if w <= 0 or h <= 0:
                continue
            boxes.append([cx, cy, w, h])
            classes.append(int(cls))
    return (
        np.asarray(boxes, np.float32).reshape(-1, 4),
        np.asarray(classes, np.int64).reshape(-1),
    )


def split_dir(root: str | Path, split: str) -> Path:
    """The folder of ``split`` in a YOLO set (``valid`` and ``val`` are aliases).

    Raises:
        RamsInputError: the set or the split folder does not exist.
    """
    root = Path(root)
    if not root.is_dir():
        raise RamsInputError(root, "tile set folder does not exist")
    for name in SPLIT_ALIASES.get(split, (split,)):
        if (root / name / "images").is_dir():
            return root / name
    raise RamsInputError(root, f"no '{split}/images' folder in this YOLO tile set")


def read_split(root: str | Path, split: str) -> list[YoloSample]:
    """All labelled images of one split, sorted by file name.

    Raises:
        RamsInputError: missing split folder, no images, or a malformed label file.
    """
    folder = split_dir(root, split)
    images = sorted(
        p for p in (folder / "images").iterdir() if p.suffix.lower() in IMAGE_SUFFIXES
    )
    if not images:
        raise RamsInputError(folder / "images", "no images found")
    samples = []
    for image in images:
        label = folder / "labels" / f"{image.stem}.txt"
        boxes, classes = read_label_file(label)
        samples.append(YoloSample(image, boxes, classes, label.is_file()))
    return samples


def class_names(root: str | Path, samples: list[YoloSample] | None = None) -> list[str]:
    """Class names from ``data.yaml`` (or ``class_0``, ... inferred from the labels)."""
    path = Path(root) / "data.yaml"
    if path.is_file():
        data = read_yaml(path, "data set description") or {}
        names = data.get("names") if isinstance(data, dict) else None
        listed: list[str] | None = None
        if isinstance(names, dict):
            by_index = {str(k): v for k, v in names.items()}
            if set(by_index) != {str(i) for i in range(len(names))}:
                raise RamsInputError(path, "'names' must map the class indices 0 to n-1 to names")
            listed = [str(by_index[str(i)]) for i in range(len(names))]
        elif isinstance(names, list) and names:
            listed = [str(n) for n in names]
        if listed is not None:
            for s in samples or []:
                if len(s.classes) and int(s.classes.max()) >= len(listed):
                    label = s.image.parent.parent / "labels" / f"{s.image.stem}.txt"
                    raise RamsInputError(label, f"has class {int(s.classes.max())}, but {path.name} names "
                                                f"{len(listed)} class(es)")
            return listed
    n = 1
    if samples:
        n = max([int(s.classes.max()) + 1 for s in samples if len(s.classes)] + [1])
    return [f"class_{i}" for i in range(n)]


def load_image(path: Path, channels: int) -> np.ndarray:
    """Read an image as uint8 (H, W, channels): 1 = greyscale, 3 = RGB.

    Raises:
        RamsInputError: the file cannot be decoded.
    """
    flag = cv2.IMREAD_GRAYSCALE if channels == 1 else cv2.IMREAD_COLOR
    img = cv2.imread(str(path), flag)
    if img is None:
        raise RamsInputError(path, "image cannot be decoded")
    if channels == 1:
        return img[:, :, None]
    if channels == 3:
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    raise RamsInputError(path, f"YOLO tile sets hold 1 or 3 channels, not {channels}")


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) of an image file without decoding all of it when the format allows."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            w, h = im.size
    except (UnidentifiedImageError, OSError):
        raise RamsInputError(path, "image cannot be decoded") from None
    return int(w), int(h)


def identical_image_groups(paths: Sequence[Path]) -> list[list[int]]:
    """Groups of byte-identical image files (two or more), as indices into ``paths``.

    Files are compared by the SHA-256 of their bytes, so re-encoded or resized copies are
    not found; exact copies (``NAME - Copy.jpg``) are.
    """
    by_hash: dict[str, list[int]] = {}
    for i, path in enumerate(paths):
        by_hash.setdefault(sha256_file(path), []).append(i)
    return [idx for idx in by_hash.values() if len(idx) > 1]


def split_overlap_report(root: str | Path, splits: Sequence[str] = ("train", "valid", "test")) -> dict[str, Any]:
    """Byte-identical images within and across the splits of a YOLO set.

    A file in two splits (train and test, say) leaks its labels into the evaluation; copies
    inside one split weigh that image more, and copies whose label files disagree say the
    same pixels both hold and do not hold an object.

    Returns:
        ``{"images": {split: count}, "shared": {"train/test": n, ...} (files present in both
        splits), "within": {split: {"redundant_images": n, "conflicting_groups": k}},
        "messages": [...]}`` with one plain-language line per finding (empty when clean).
    """
    samples: dict[str, list[Any]] = {}
    for split in splits:
        try:
            split_dir(root, split)
        except RamsInputError:  # an absent split is not an error here
            continue
        samples[split] = read_split(root, split)
    flat = [(split, smp) for split, items in samples.items() for smp in items]
    groups = [[flat[i] for i in idx] for idx in identical_image_groups([smp.image for _, smp in flat])]
    names = list(samples)
    shared: dict[str, int] = {}
    for a_pos, a in enumerate(names):
        for b in names[a_pos + 1:]:
            n = sum(1 for g in groups if {a, b} <= {split for split, _ in g})
            if n:
                shared[f"{a}/{b}"] = n
    messages = [f"{n} image(s) are byte-identical in {pair.replace('/', ' and ')}: their labels leak "
                "into the evaluation" for pair, n in shared.items()]
    within: dict[str, dict[str, int]] = {}
    for split in names:
        copies = [[ImageTruth(smp.boxes, smp.classes) for sp, smp in g if sp == split] for g in groups]
        copies = [c for c in copies if len(c) > 1]
        if not copies:
            continue
        # Boxes are normalised here: agree to 1/2000 of the image side.
        conflicting = sum(1 for c in copies if not all(same_truth(c[0], t, atol=5e-4) for t in c[1:]))
        redundant = sum(len(c) - 1 for c in copies)
        within[split] = {"redundant_images": redundant, "conflicting_groups": conflicting}
        messages.append(
            f"{split}/ holds {redundant} byte-identical cop{'y' if redundant == 1 else 'ies'} of its own "
            f"images ({len(copies)} group(s), {conflicting} with conflicting labels)"
        )
    return {"images": {k: len(v) for k, v in samples.items()}, "shared": shared, "within": within,
            "messages": messages}
