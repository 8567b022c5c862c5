"""Does every block of a TIFF lie inside the file? Answered from the TIFF directories alone.

A GeoTIFF cut short by an interrupted copy opens fine (its header is at the start) and reads
fine until a window touches a lost block. This module walks the chain of image file
directories (IFDs: the full-resolution image, internal overviews and masks) of a classic
TIFF or BigTIFF, reads each image's strip or tile offsets and byte counts, and compares
them with the file size. Nothing is decoded: a few kB of directory are read, whatever the
raster size, so the check costs milliseconds (the SHA-256 of the inputs, read in full at
ingest anyway, costs far more).

What it cannot see: bytes damaged inside the file (a zeroed block, a corrupt compressed
stream). Those surface when the block is decoded (:mod:`rams.grid.reader`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

#: Byte sizes of the TIFF field types (TIFF 6.0 and BigTIFF).
_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8}
#: numpy codes of the unsigned integer types that offsets, counts and sizes may use.
_UINT_CODE = {1: "u1", 3: "u2", 4: "u4", 13: "u4", 16: "u8", 18: "u8"}

_NEW_SUBFILE_TYPE, _WIDTH, _LENGTH = 254, 256, 257
_STRIP_OFFSETS, _SAMPLES, _ROWS_PER_STRIP, _STRIP_COUNTS, _PLANAR = 273, 277, 278, 279, 284
_TILE_WIDTH, _TILE_LENGTH, _TILE_OFFSETS, _TILE_COUNTS = 322, 323, 324, 325
_WANTED = {
    _NEW_SUBFILE_TYPE, _WIDTH, _LENGTH, _STRIP_OFFSETS, _SAMPLES, _ROWS_PER_STRIP,
    _STRIP_COUNTS, _PLANAR, _TILE_WIDTH, _TILE_LENGTH, _TILE_OFFSETS, _TILE_COUNTS,
}
#: More directories than this in one file is a loop or garbage.
_MAX_IFDS = 4096


class TiffStructureError(Exception):
    """The file is not a TIFF, or its directories cannot be followed (the message says why)."""


@dataclass(frozen=True)
class ImageBlocks:
    """The block layout of one image (one IFD) of a TIFF.

    Attributes:
        ifd_index: position in the IFD chain (0 = full resolution).
        kind: "full resolution", "overview", "mask" or "mask overview".
        width: columns.
        height: rows.
        block_width: columns per block (the image width for strips).
        block_height: rows per block.
        offsets: uint64 (n_blocks,) byte offset of each block, row-major, band planes in turn.
        byte_counts: uint64 (n_blocks,) bytes of each block (0 with offset 0: a sparse block).
    """

    ifd_index: int
    kind: str
    width: int
    height: int
    block_width: int
    block_height: int
    offsets: np.ndarray
    byte_counts: np.ndarray

    @property
    def blocks_across(self) -> int:
        """Blocks per row of blocks."""
        return -(-self.width // self.block_width)

    @property
    def blocks_down(self) -> int:
        """Rows of blocks."""
        return -(-self.height // self.block_height)

    def block_pixels(self, index: int) -> tuple[int, int, int, int]:
        """``(col_off, row_off, width, height)`` of block ``index``, clipped to the image."""
        per_plane = self.blocks_across * self.blocks_down
        row, col = divmod(index % per_plane, self.blocks_across)
        c0, r0 = col * self.block_width, row * self.block_height
        return c0, r0, min(self.block_width, self.width - c0), min(self.block_height, self.height - r0)


@dataclass(frozen=True)
class ImageDamage:
    """Blocks of one image that do not lie inside the file.

    Attributes:
        image: the image.
        bad_blocks: int64 indexes of the blocks that end beyond the end of the file (or point
            into the file header).
        missing_bytes: bytes of those blocks that the file does not hold.
        lost_pixels: pixels of the image in those blocks (each pixel position once, whatever
            the number of band planes).
    """

    image: ImageBlocks
    bad_blocks: np.ndarray
    missing_bytes: int
    lost_pixels: int

    def describe(self, overview_level: int) -> str:
        """One phrase describing the damage.

        For example ``full resolution: 12 of 64 block(s) beyond the end of the file (18.8 %
        of its pixels)``.
        """
        name = self.image.kind if self.image.kind != "overview" else f"overview {overview_level}"
        n = len(self.image.offsets)
        share = self.lost_pixels / max(1, self.image.width * self.image.height)
        return f"{name}: {len(self.bad_blocks)} of {n} block(s) beyond the end of the file ({share:.1%} of its pixels)"


@dataclass(frozen=True)
class BlockCheck:
    """The result of :func:`check_blocks`.

    Attributes:
        path: the file checked.
        file_size: its size, bytes.
        images: the images found, in IFD order.
        damaged: one entry per image with blocks outside the file.
        needed_size: bytes the file would need to hold every block and directory it names.
        unreachable: why the directory chain stops early ("" when it does not): a directory
            beyond the end of the file, so the images it describes (often overviews) are lost.
    """

    path: Path
    file_size: int
    images: list[ImageBlocks]
    damaged: list[ImageDamage]
    needed_size: int
    unreachable: str = ""

    @property
    def ok(self) -> bool:
        """True when every block and directory lies inside the file."""
        return not self.damaged and not self.unreachable

    @property
    def missing_bytes(self) -> int:
        """How far the file falls short of the size its directories need, bytes."""
        return max(0, self.needed_size - self.file_size)

    def full_resolution_lost_fraction(self) -> float:
        """Fraction of the full-resolution pixels in blocks outside the file."""
        for d in self.damaged:
            if d.image.ifd_index == 0:
                return d.lost_pixels / max(1, d.image.width * d.image.height)
        return 0.0

    def summary(self) -> str:
        """One line: what is damaged and how much is missing."""
        parts = []
        level = 0
        by_ifd = {d.image.ifd_index: d for d in self.damaged}
        for image in self.images:
            if image.kind == "overview":
                level += 1
            if image.ifd_index in by_ifd:
                parts.append(by_ifd[image.ifd_index].describe(level))
        if self.unreachable:
            parts.append(self.unreachable)
        return (
            f"truncated or damaged TIFF: {'; '.join(parts)} (the file has {_size(self.file_size)}, "
            f"its directories need at least {_size(self.needed_size)}: {_size(self.missing_bytes)} missing)"
        )


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


class _Reader:
    """Reads the parts of a TIFF's directories that say where the blocks are."""

    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh, self.size = fh, size
        head = self._read(0, 16)
        if len(head) < 4 or head[:2] not in (b"II", b"MM"):
            raise TiffStructureError("not a TIFF file (no TIFF byte-order mark)")
        self.bo = "<" if head[:2] == b"II" else ">"
        magic = struct.unpack(self.bo + "H", head[2:4])[0]
        if magic in (42, 43) and len(head) < (8 if magic == 42 else 16):
            raise TiffStructureError(f"truncated TIFF: the file ends inside its header ({len(head)} bytes)")
        if magic == 42:
            self.big = False
            self.first_ifd = struct.unpack(self.bo + "I", head[4:8])[0]
        elif magic == 43 and len(head) == 16:
            self.big = True
            self.first_ifd = struct.unpack(self.bo + "Q", head[8:16])[0]
        else:
            raise TiffStructureError(f"not a TIFF file (version {magic})")
        self.header_size = 16 if self.big else 8

    def _read(self, offset: int, n: int) -> bytes:
        self.fh.seek(offset)
        return self.fh.read(n)

    def ifd(self, offset: int) -> tuple[dict[int, np.ndarray], int, int]:
        """The wanted tags of the IFD at ``offset``, the next IFD's offset and the IFD's end.

        Raises:
            EOFError: the IFD or one of its value arrays lies beyond the end of the file.
        """
        count_fmt, entry_size, ptr_fmt = ("Q", 20, "Q") if self.big else ("H", 12, "I")
        count_size, ptr_size = struct.calcsize(count_fmt), struct.calcsize(ptr_fmt)
        raw = self._read(offset, count_size)
        if len(raw) < count_size:
            raise EOFError(offset + count_size)
        n = struct.unpack(self.bo + count_fmt, raw)[0]
        end = offset + count_size + n * entry_size + ptr_size
        body = self._read(offset + count_size, n * entry_size + ptr_size)
        if len(body) < n * entry_size + ptr_size:
            raise EOFError(end)
        tags: dict[int, np.ndarray] = {}
        entry_fmt = self.bo + ("HHQ" if self.big else "HHI")
        head_size = struct.calcsize(entry_fmt)
        for i in range(n):
            entry = body[i * entry_size:(i + 1) * entry_size]
            tag, typ, count = struct.unpack(entry_fmt, entry[:head_size])
            if tag not in _WANTED or typ not in _UINT_CODE:
                continue
            nbytes = count * _TYPE_SIZE[typ]
            value = entry[head_size:]
            if nbytes > len(value):  # the values are elsewhere: the field holds their offset
                where = struct.unpack(self.bo + ptr_fmt, value[:ptr_size])[0]
                value = self._read(where, nbytes)
                if len(value) < nbytes:
                    raise EOFError(where + nbytes)
            tags[tag] = np.frombuffer(value[:nbytes], dtype=np.dtype(self.bo + _UINT_CODE[typ])).astype(np.uint64)
        next_ifd = struct.unpack(self.bo + ptr_fmt, body[n * entry_size:])[0]
        return tags, int(next_ifd), end


def _scalar(tags: dict[int, np.ndarray], tag: int, default: int) -> int:
    values = tags.get(tag)
    return int(values[0]) if values is not None and len(values) else default


def _image(index: int, tags: dict[int, np.ndarray]) -> ImageBlocks:
    width, height = _scalar(tags, _WIDTH, 0), _scalar(tags, _LENGTH, 0)
    subfile = _scalar(tags, _NEW_SUBFILE_TYPE, 0)
    kind = {0: "full resolution", 1: "overview", 4: "mask", 5: "mask overview"}.get(subfile & 5, "image")
    if index == 0 and kind == "image":
        kind = "full resolution"
    offsets: np.ndarray | None
    counts: np.ndarray | None
    if _TILE_OFFSETS in tags:
        bw, bh = _scalar(tags, _TILE_WIDTH, 0), _scalar(tags, _TILE_LENGTH, 0)
        offsets, counts = tags[_TILE_OFFSETS], tags.get(_TILE_COUNTS)
    else:
        bw, bh = width, min(_scalar(tags, _ROWS_PER_STRIP, 2**32 - 1), max(height, 1))
        offsets, counts = tags.get(_STRIP_OFFSETS), tags.get(_STRIP_COUNTS)
    if offsets is None or counts is None or width <= 0 or height <= 0 or bw <= 0 or bh <= 0:
        raise TiffStructureError(f"image {index} has no usable block layout (size, offsets or byte counts missing)")
    planes = _scalar(tags, _SAMPLES, 1) if _scalar(tags, _PLANAR, 1) == 2 else 1
    expected = -(-width // bw) * -(-height // bh) * planes
    if len(offsets) != expected or len(counts) != expected:
        raise TiffStructureError(
            f"image {index} lists {len(offsets)} block offset(s) and {len(counts)} byte count(s) "
            f"for {expected} block(s)"
        )
    return ImageBlocks(index, kind, width, height, bw, bh, offsets, counts)


def _damage(image: ImageBlocks, file_size: int, header_size: int) -> tuple[ImageDamage | None, int]:
    """Blocks of ``image`` outside the file, and the end of its furthest block."""
    starts, counts = image.offsets, image.byte_counts
    ends = starts + counts
    present = counts > 0  # a zero count (with offset 0) is a sparse block: read as nodata
    bad = present & ((ends > np.uint64(file_size)) | (starts < np.uint64(header_size)))
    furthest = int(ends[present].max()) if present.any() else 0
    if not bad.any():
        return None, furthest
    beyond = bad & (ends > np.uint64(file_size))
    missing = int((ends[beyond] - np.maximum(starts[beyond], np.uint64(file_size))).sum())
    indexes = np.flatnonzero(bad)
    per_plane = image.blocks_across * image.blocks_down
    lost = 0
    for i in np.unique(indexes % per_plane):
        _, _, w, h = image.block_pixels(int(i))
        lost += w * h
    return ImageDamage(image, indexes, missing, lost), furthest


def check_blocks(path: str | Path) -> BlockCheck:
    """Check that every directory, strip and tile of every image of a TIFF lies inside the file.

    Raises:
        TiffStructureError: the file is not a TIFF or its first directory is unusable (a
            truncated file whose first directory is lost is reported as a :class:`BlockCheck`
            that is not ``ok``, not raised).
        OSError: the file cannot be read.
    """
    path = Path(path)
    size = path.stat().st_size
    images: list[ImageBlocks] = []
    damaged: list[ImageDamage] = []
    needed = 0
    unreachable = ""
    with path.open("rb") as fh:
        reader = _Reader(fh, size)
        if reader.first_ifd == 0:
            raise TiffStructureError("damaged TIFF header: it points to no image directory")
        offset, seen = reader.first_ifd, set()
        while offset and len(images) < _MAX_IFDS:
            if offset in seen:
                raise TiffStructureError(f"the directory chain loops (at byte {offset})")
            seen.add(offset)
            try:
                tags, next_offset, end = reader.ifd(offset)
            except EOFError as exc:
                needed = max(needed, int(exc.args[0]))
                unreachable = (
                    f"directory {len(images)} at byte {offset} lies beyond the end of the file "
                    f"(its image{' and those after it' if len(images) else ''} cannot be read)"
                )
                break
            needed = max(needed, end)
            image = _image(len(images), tags)
            images.append(image)
            damage, furthest = _damage(image, size, reader.header_size)
            needed = max(needed, furthest)
            if damage is not None:
                damaged.append(damage)
            offset = next_offset
    return BlockCheck(path, size, images, damaged, max(needed, size), unreachable)
