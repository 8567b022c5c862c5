"""``quicklook.png``: a map of one flight's SHA polygons and points over a backdrop.

Drawn in the flight's projected CRS (metres, north up) with matplotlib's Agg canvas (a bare ``Figure``, no pyplot state), at
most about 2000 px on the long side. The backdrop is a small, already decimated image
(the pipeline reads it from an overview), never a full orthomosaic.

Cost (1800 px, 1600 px backdrop, 2 shared cores): the figure is rasterised once (the layout
pass skips the backdrop, which lies inside the axes and cannot move the layout, so its
resampling is not done twice) and written as RGB (the canvas is opaque) at zlib level 1, which
is both faster and smaller than matplotlib's RGBA at level 6 (0.16 s and 3.5 MB against
0.9 s and 4.0 MB on a noisy thermal backdrop).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from affine import Affine
from PIL import Image
from shapely.geometry import Polygon

from rams.atomic import atomic_path
from rams.candidates.model import CandidateSet

if TYPE_CHECKING:
    from matplotlib.lines import Line2D

#: matplotlib modules the quicklook uses, imported on first use (about 0.7 s): a run imports
#: them in its warm-up thread while ingest and the anomaly stage run (see
#: ``rams.orchestration.pipeline``), not at the start of the export stage.
MATPLOTLIB_MODULES = ("matplotlib.backends.backend_agg", "matplotlib.figure", "matplotlib.lines")

#: Long side of the figure, pixels.
MAX_PX = 1800
DPI = 120
#: zlib level of the PNG (1: fastest; on these images also smaller than matplotlib's 6).
PNG_COMPRESS_LEVEL = 1
#: Outline colour by priority rank: first three stand out, the rest share one colour.
PRIORITY_COLOURS = ("#d7191c", "#fd8d3c", "#fecc5c")
OTHER_COLOUR = "#2c7bb6"
#: Mine-layer points by kind; expected positions hollow; low-layer points small and grey.
POINT_STYLE = {
    "fused": {"marker": "D", "color": "#e31a1c", "label": "mine point: CNN + anomaly"},
    "cnn": {"marker": "x", "color": "#e31a1c", "label": "mine point: CNN"},
    "anomaly": {"marker": "o", "color": "#ffff33", "label": "mine point: anomaly"},
    "expected_position": {"marker": "s", "color": "none", "label": "expected position (row gap)"},
    "low": {"marker": ".", "color": "#969696", "label": "low-confidence candidate"},
}


def _style_key(layer: str, kind: str) -> str:
    return "low" if layer == "low" else kind


def priority_colour(priority: int) -> str:
    """Outline colour of a polygon of this priority (1 = most urgent)."""
    return (
        PRIORITY_COLOURS[priority - 1] if 1 <= priority <= len(PRIORITY_COLOURS) else OTHER_COLOUR
    )


def _extent(
    backdrop: np.ndarray | None, transform: Affine | None, candidates: CandidateSet
) -> tuple[float, float, float, float] | None:
    """(xmin, xmax, ymin, ymax) of the backdrop, else of the candidates."""
    if backdrop is not None and transform is not None:
        h, w = backdrop.shape[:2]
        x0, y0 = transform * (0, 0)
        x1, y1 = transform * (w, h)
        return min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    xs: list[float] = []
    ys: list[float] = []
    for sha in candidates.polygons:
        bx0, by0, bx1, by1 = sha.geometry.bounds
        xs += [bx0, bx1]
        ys += [by0, by1]
    for p in candidates.points:
        xs.append(p.x_m)
        ys.append(p.y_m)
    if not xs:
        return None
    pad = max(5.0, 0.05 * max(max(xs) - min(xs), max(ys) - min(ys)))
    return min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad


def draw_candidates(ax: Any, candidates: CandidateSet, *, label_top: int = 10) -> None:
    """Draw SHA outlines (by priority colour) and points on a matplotlib axis in flight CRS."""
    for sha in sorted(candidates.polygons, key=lambda p: -p.priority):
        geom: Polygon = sha.geometry
        x, y = geom.exterior.xy
        ax.plot(x, y, color=priority_colour(sha.priority), linewidth=1.6, zorder=3)
        if sha.priority <= label_top:
            c = geom.representative_point()
            ax.annotate(
                str(sha.priority),
                (c.x, c.y),
                color="white",
                fontsize=8,
                ha="center",
                va="center",
                zorder=5,
                bbox={
                    "boxstyle": "circle,pad=0.2",
                    "fc": priority_colour(sha.priority),
                    "ec": "none",
                },
            )
    everything = [*candidates.points, *candidates.expected]
    for key, style in POINT_STYLE.items():
        pts = [p for p in everything if _style_key(p.layer, p.kind) == key]
        if pts:
            ax.scatter(
                [p.x_m for p in pts],
                [p.y_m for p in pts],
                s=6 if key == "low" else 16,
                marker=style["marker"],
                c=style["color"],
                linewidths=1.0,
                zorder=3.5 if key == "low" else 4,
                edgecolors="black" if style["marker"] in ("o", "s", "D") else None,
            )


def _legend_handles(candidates: CandidateSet) -> list[Line2D]:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], color=PRIORITY_COLOURS[0], label="SHA priority 1"),
        Line2D([], [], color=OTHER_COLOUR, label="SHA priority > 3"),
    ]
    present = {_style_key(p.layer, p.kind) for p in [*candidates.points, *candidates.expected]}
    for key, style in POINT_STYLE.items():
        if key in present:
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker=style["marker"],
                    color=style["color"] if style["color"] != "none" else "black",
                    markerfacecolor=style["color"],
                    label=style["label"],
                )
            )
    return handles


def _figure_size(extent: tuple[float, float, float, float] | None) -> tuple[float, float]:
    if extent is None:
        return 6.0, 6.0
    w_m, h_m = extent[1] - extent[0], extent[3] - extent[2]
    aspect = h_m / w_m if w_m > 0 else 1.0
    aspect = min(max(aspect, 0.25), 4.0)
    long_in = MAX_PX / DPI
    return (long_in, long_in * aspect) if aspect <= 1 else (long_in / aspect, long_in)


def write_quicklook(
    path: str | Path,
    *,
    backdrop: np.ndarray | None,
    backdrop_transform: Affine | None,
    crs: Any,
    candidates: CandidateSet,
    truth: Any = None,
    title: str | None = None,
) -> Path:
    """Write the quicklook PNG.

    Args:
        path: output PNG.
        backdrop: (H, W) or (H, W, 3) float image scaled to 0-1 (NaN shown white), or None.
        backdrop_transform: affine transform of the backdrop in ``crs``.
        crs: the flight's projected CRS (axis labels only; geometries are already in it).
        candidates: SHA polygons and points to draw.
        truth: optional shapely geometries (or objects with ``.geometry``) of known
            minefields or mines, in ``crs``, drawn in dashed green.
        title: figure title (default: flight id and date).

    Returns:
        ``path``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    extent = _extent(backdrop, backdrop_transform, candidates)
    fig = Figure(figsize=_figure_size(extent), dpi=DPI)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    image = None
    if backdrop is not None and extent is not None:
        img = np.nan_to_num(np.asarray(backdrop, dtype=np.float32), nan=1.0)
        # 8-bit before matplotlib: its resampling of a float RGB image costs twice as much
        img8 = (np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8)
        image = ax.imshow(
            img8,
            extent=extent,
            origin="upper",
            cmap="gray" if img.ndim == 2 else None,
            vmin=0 if img.ndim == 2 else None,
            vmax=255 if img.ndim == 2 else None,
            interpolation="nearest",
            zorder=1,
        )
    draw_candidates(ax, candidates)
    if truth is not None:
        for item in truth:
            geom = getattr(item, "geometry", item)
            if geom.geom_type == "Polygon":
                x, y = geom.exterior.xy
                ax.plot(x, y, "--", color="#1a9641", linewidth=1.2, zorder=2)
            elif geom.geom_type == "Point":
                ax.plot(geom.x, geom.y, "+", color="#1a9641", zorder=2)
    if extent is not None:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.tick_params(labelsize=7)
    from rams.crs import to_pyproj

    ax.set_xlabel(f"easting (m), {to_pyproj(crs).name}", fontsize=8)
    ax.set_ylabel("northing (m)", fontsize=8)
    date = candidates.date.isoformat() if candidates.date else "date unknown"
    ax.set_title(
        title
        or f"{candidates.flight_id} ({date}): {len(candidates.polygons)} SHA, {len(candidates.points)} points",
        fontsize=10,
    )
    ax.legend(handles=_legend_handles(candidates), loc="upper right", fontsize=7, framealpha=0.8)
    # the layout pass draws every artist; the backdrop fills the axes and cannot change it
    if image is not None:
        image.set_visible(False)
    fig.tight_layout()
    if image is not None:
        image.set_visible(True)
    canvas.draw()  # type: ignore[no-untyped-call]
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]  # type: ignore[no-untyped-call]  # opaque figure: alpha is 255
    with atomic_path(path, suffix=".part.png") as tmp:
        Image.fromarray(np.ascontiguousarray(rgb)).save(
            tmp, format="png", compress_level=PNG_COMPRESS_LEVEL, dpi=(DPI, DPI))
    return Path(path)
