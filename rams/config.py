"""Pipeline configuration: pydantic models, loaded from YAML (``configs/default.yaml``).

Each stage has its own section; unknown keys are errors so that typos do not pass silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rams.config_paths import config_dir
from rams.core.windows import check_window
from rams.errors import RamsInputError
from rams.yamlio import read_yaml


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestConfig(_Section):
    """What to do with damaged rasters.

    By default a raster with strips or tiles outside the file (a truncated copy), or a block
    that fails to decode during processing, fails the flight with an input error.
    ``allow_partial`` processes what can be read instead: the missing blocks become holes
    (nodata), and the area not read is recorded in ``run.json`` warnings, on the console and
    in the report.
    """

    allow_partial: bool = False


class GridConfig(_Section):
    """Common grid: extent mode and GSD (None = finest multispectral/thermal input; RGB alone: its GSD, no finer than 2 cm)."""

    extent: Literal["union", "intersection"] = "union"
    gsd_m: float | None = Field(default=None, gt=0)


class TileConfig(_Section):
    """Tiling of the common grid."""

    tile_px: int = Field(default=1024, ge=64)
    halo_px: int = Field(default=32, ge=0)


class FusionConfig(_Section):
    """Fusion options."""

    thermal_background_m: float = Field(default=2.0, gt=0)


class AnomalyConfig(_Section):
    """Anomaly core: which detector, on which bands, and how scores are calibrated.

    ``bands`` lists fused band names per sensor; a sensor absent from the flight is skipped.
    Scores are written to ``anomaly.tif`` as -log10 of the false-alarm probability, so a
    threshold of 3 means a false-alarm rate of 1e-3 per pixel.
    """

    detector: Literal["global", "local"] = "local"
    inner_px: int = Field(default=5, ge=1)
    outer_px: int = Field(default=21, ge=3)
    backend: Literal["auto", "numpy", "numba"] = "auto"
    calibration: Literal["chi2", "percentile"] = "chi2"
    bands: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "multispectral": ["ms_blue", "ms_green", "ms_red", "ms_rededge", "ms_nir"],
            "thermal": ["thermal_contrast_deg_c"],
        }
    )
    #: -log10(Pfa) above which a pixel is an anomaly candidate.
    threshold_log10_pfa: float = Field(default=6.0, gt=0)
    #: minimum distance between anomaly peaks, metres.
    peak_spacing_m: float = Field(default=0.5, gt=0)

    @model_validator(mode="after")
    def _windows(self) -> AnomalyConfig:
        """The local detector's rule for its windows, checked when the config is read."""
        check_window(self.inner_px, self.outer_px)  # ValueError -> a validation error naming the section
        return self


class DetectionConfig(_Section):
    """CNN detector (sliced inference)."""

    enabled: bool = True
    sensor: Literal["rgb", "thermal"] = "rgb"
    model: str | None = None  # path or name in models/; None = the default for the sensor
    #: full: every tile of the raster; cascade: windows around the anomaly peaks only; auto:
    #: cascade where other sensors feed the anomaly core and a CNN point with no anomaly peak
    #: is scored at the base rate anyway (:func:`rams.orchestration.detect_stage.resolve_mode`)
    mode: Literal["full", "cascade", "auto"] = "auto"
    tile_px: int = Field(default=1024, ge=64)
    overlap_px: int = Field(default=64, ge=0)
    #: tiles per forward pass: 1 is fastest on CPU (activations of one 1024 px tile stay in
    #: cache: 20.8 Mpx/s vs 14.1 at batch 4, AMD EPYC, 2 threads)
    batch_size: int = Field(default=1, ge=1)
    #: inference mode (rams.detection.inference_modes): auto runs the fastest of float32,
    #: bfloat16 (only where the CPU has it natively) and int8 (where the model has a
    #: calibration file whose AP50 check passed), measured in a short probe per run
    precision: Literal["auto", "float32", "bfloat16", "int8"] = "auto"
    merge_radius_m: float = Field(default=0.15, gt=0)
    cascade_window_m: float = Field(default=3.0, gt=0)
    #: cascade: what is read around the anomaly peaks. ``tiles``: the full scan's own tiles
    #: that reach within the fusion radius of a peak, so the CNN's responses at every peak are
    #: the full scan's (:func:`rams.detection.sliced.peak_tiles`; rule ZZ); ``squares``: a
    #: square of ``cascade_window_m`` around each peak, merged where that costs no pixels
    #: (:func:`rams.detection.sliced.cascade_windows`): about a third of the pixels, but the
    #: CNN's evidence there is not the full scan's (rules ZX and ZZA, stop 60)
    cascade_windows: Literal["tiles", "squares"] = "tiles"
    #: cascade with squares: start every square on the full scan's grid of 32 px, so that each
    #: object sits where it sits in the full scan relative to the network's stride grid (its
    #: scores move with that position; stop 60). False: squares centred on the peaks (stop 59)
    cascade_align: bool = True
    #: CNN points below this confidence are dropped; None: the model's own operating threshold
    #: (chosen on real selection images under a false-alarm budget, see its model card)
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    #: CNN responses down to this confidence are kept as evidence for the candidate points
    #: (feature ``cnn_support``: the CNN's view of an anomaly peak it did not call a mine);
    #: they are never exported as points
    support_min_confidence: float = Field(default=0.05, ge=0, le=1)


class CandidateConfig(_Section):
    """From detections and anomaly scores to candidate points and SHA polygons.

    See :mod:`rams.candidates.sha` for the method; every key is documented in
    ``configs/default.yaml``. The anomaly threshold that makes a blob pixel is the anomaly
    stage's ``threshold_log10_pfa`` (one key for one threshold).
    """

    @model_validator(mode="before")
    @classmethod
    def _moved_keys(cls, data: Any) -> Any:
        if isinstance(data, dict) and "false_alarm_rate" in data:
            raise ValueError(
                "candidates.false_alarm_rate was merged into anomaly.threshold_log10_pfa "
                "(-log10 of the rate: 1e-6 is 6.0); remove it from this file")
        return data

    min_blob_m2: float = Field(default=0.005, ge=0)
    max_blobs_per_window: int = Field(default=2000, ge=1)
    fusion_radius_m: float = Field(default=0.4, gt=0)
    density_radius_m: float = Field(default=5.0, gt=0)
    combiner: str | None = None
    #: how a CNN detection with no anomaly peak where the anomaly core scored the ground is
    #: scored (the combiner was fitted on no such point; see rams/candidates/scoring.py)
    cnn_only_scoring: Literal["base_rate", "rgb_only"] = "base_rate"
    mine_probability: float = Field(default=0.5, gt=0, lt=1)
    #: a mine-layer point in no SHA (a point hazard) stays in the mine layer only at or above
    #: this probability; below it goes to the low layer, probability unchanged (None: off; rule ZV, 0.9 since stop 58)
    isolated_mine_probability: float | None = Field(default=0.9, gt=0, lt=1)
    seed_probability: float = Field(default=0.05, gt=0, lt=1)
    area_probability: float = Field(default=0.2, gt=0, lt=1)
    min_area_expected_mines: float = Field(default=1.0, ge=0)
    row_min_spacing_m: float = Field(default=1.0, gt=0)
    row_max_spacing_m: float = Field(default=12.0, gt=0)
    row_tol_across_m: float = Field(default=0.4, gt=0)
    row_tol_along_m: float = Field(default=0.4, gt=0)
    row_max_missing: int = Field(default=2, ge=0)
    row_min_members: int = Field(default=4, ge=3)
    pattern_max_angle_deg: float = Field(default=12.0, ge=0, le=90)
    pattern_max_row_gap_m: float = Field(default=10.0, gt=0)
    pattern_margin_m: float = Field(default=3.0, ge=0)
    cluster_radius_m: float = Field(default=5.0, gt=0)
    min_cluster_size: int = Field(default=3, ge=2)
    min_cluster_mine_points: int = Field(default=2, ge=0)
    safety_margin_m: float = Field(default=3.0, ge=0)
    attach_m: float = Field(default=3.0, ge=0)
    extent_probability: float | None = Field(default=0.05, gt=0, lt=1)
    spacing_margin_max_m: float = Field(default=5.0, ge=0)
    scatter_ellipse_k: float = Field(default=0.0, ge=0)
    simplify_m: float = Field(default=0.25, ge=0)
    priority1_expected_mines: float = Field(default=4.0, gt=0)
    priority2_expected_mines: float = Field(default=2.0, gt=0)
    priority1_min_mine_points: int = Field(default=2, ge=0)


class ExecutionConfig(_Section):
    """How tiles run: in-process threads or a Dask cluster."""

    #: tile workers: threads in-process, or processes of a local Dask cluster; 0 = one per core
    workers: int = Field(default=0, ge=0)
    scheduler: str | None = None


class PipelineConfig(_Section):
    """The whole pipeline configuration."""

    ingest: IngestConfig = Field(default_factory=IngestConfig)
    grid: GridConfig = Field(default_factory=GridConfig)
    tiles: TileConfig = Field(default_factory=TileConfig)
    fusion: FusionConfig = Field(default_factory=FusionConfig)
    anomaly: AnomalyConfig = Field(default_factory=AnomalyConfig)
    detection: DetectionConfig = Field(default_factory=DetectionConfig)
    candidates: CandidateConfig = Field(default_factory=CandidateConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> PipelineConfig:
    """Load ``configs/default.yaml``, then ``path`` on top of it, then ``overrides``.

    Raises:
        RamsInputError: the file is missing, not YAML, or has unknown or invalid keys.
    """
    data: dict[str, Any] = {}
    default = config_dir() / "default.yaml"
    for source in [default, Path(path) if path is not None else None]:
        if source is None:
            continue
        if not source.is_file():
            raise RamsInputError(source, "config file not found")
        loaded = read_yaml(source, "config") or {}
        if not isinstance(loaded, dict):
            raise RamsInputError(source, "config must be a mapping")
        data = _merge(data, loaded)
    data = _merge(data, overrides or {})
    try:
        return PipelineConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RamsInputError(path or default, f"invalid config: {where}: {first['msg']}") from exc
