"""Shared fixtures: small seeded GeoTIFFs written with explicit CRS and transforms."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import cv2
import numpy as np
import pytest
import rasterio
import yaml
from rasterio.transform import Affine

from rams.candidates.combiner import Logistic, PointCombiner

SHARED_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


@pytest.fixture(autouse=True, scope="session")
def _session_rams_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Module- and session-scoped fixtures (flights processed once per module) never touch the
    user's rams cache either: it is set before any of them runs."""
    old = os.environ.get("RAMS_CACHE_DIR")
    os.environ["RAMS_CACHE_DIR"] = str(tmp_path_factory.mktemp("rams-cache-session"))
    yield
    if old is None:
        os.environ.pop("RAMS_CACHE_DIR", None)
    else:
        os.environ["RAMS_CACHE_DIR"] = old


@pytest.fixture(autouse=True)
def _private_rams_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test gets an empty rams cache folder (the inference probe's verdicts), never the user's."""
    monkeypatch.setenv("RAMS_CACHE_DIR", str(tmp_path_factory.mktemp("rams-cache")))

UTM = "EPSG:32638"
E0, N0 = 600_000.0, 4_400_000.0


def load_benchmark(name: str) -> ModuleType:
    """The script ``benchmarks/{name}.py`` imported as module ``name`` (benchmarks are not a package)."""
    script = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def write_raster(
    path: Path,
    data: np.ndarray,
    *,
    crs: str | None = UTM,
    transform: Affine | None = None,
    nodata: float | None = None,
    tiled: bool = True,
    **extra: Any,
) -> Path:
    """Write a (bands, rows, cols) array as a GeoTIFF."""
    if data.ndim == 2:
        data = data[None]
    profile: dict[str, Any] = {
        "driver": "GTiff", "width": data.shape[2], "height": data.shape[1], "count": data.shape[0],
        "dtype": data.dtype.name, "nodata": nodata,
    }
    if crs is not None:
        profile["crs"] = crs
    if transform is not None:
        profile["transform"] = transform
    if tiled:
        profile.update(tiled=True, blockxsize=64, blockysize=64)
    profile.update(extra)
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
    return path


def write_thermal_only_flight(
    folder: Path, shape: tuple[int, int], transform: Affine, *, crs: str = UTM, seed: int = 0,
    hot: tuple[int, int] | None = None,
) -> Path:
    """A flight of one thermal raster in degrees C: 18 C with 0.05 C noise, a 2 x 2 px patch
    4 C warmer at row, col ``hot`` (default: the centre); nodata -9999."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    th = (18 + rng.normal(0, 0.05, (1, *shape))).astype(np.float32)
    r, c = hot if hot is not None else (shape[0] // 2, shape[1] // 2)
    th[0, r:r + 2, c:c + 2] += 4.0
    write_raster(folder / "t.tif", th, crs=crs, transform=transform, nodata=-9999.0)
    write_manifest(folder, [{"path": "t.tif", "sensor": "thermal", "units": "celsius"}])
    return folder


def write_manifest(folder: Path, rasters: list[dict[str, Any]], **top: Any) -> Path:
    """Write ``folder/flight.yaml``."""
    path = folder / "flight.yaml"
    path.write_text(yaml.safe_dump({**top, "rasters": rasters}, sort_keys=False))
    return path


@pytest.fixture
def small_flight(tmp_path: Path) -> Callable[..., Path]:
    """Factory of a tiny three-sensor flight (UTM, 40 x 40 m) with a warm, dark target."""

    def make(name: str = "flight", size_m: float = 12.0, seed: int = 0, rgb_gsd_m: float = 0.02) -> Path:
        rng = np.random.default_rng(seed)
        folder = tmp_path / name
        folder.mkdir()
        n_ms = int(size_m / 0.05)
        ms = (2000 + rng.normal(0, 30, (5, n_ms, n_ms))).astype(np.uint16)
        ms[:, :10, :] = 0  # nodata collar
        write_raster(folder / "ms.tif", ms, transform=Affine(0.05, 0, E0, 0, -0.05, N0), nodata=0)
        n_th = int(size_m / 0.1)
        th = (20 + rng.normal(0, 0.05, (n_th, n_th))).astype(np.float32)
        write_raster(folder / "thermal.tif", th, transform=Affine(0.1, 0, E0 + 0.03, 0, -0.1, N0 - 0.02),
                     nodata=-9999.0)
        n_rgb = int(size_m / rgb_gsd_m)
        rgb = np.full((3, n_rgb, n_rgb), 120, np.uint8)
        write_raster(folder / "rgb.tif", rgb,
                     transform=Affine(rgb_gsd_m, 0, E0 + 0.011, 0, -rgb_gsd_m, N0 - 0.007))
        write_manifest(folder, [
            {"path": "ms.tif", "sensor": "multispectral", "profile": "micasense-rededge-mx"},
            {"path": "thermal.tif", "sensor": "thermal", "units": "celsius"},
            {"path": "rgb.tif", "sensor": "rgb"},
        ], flight_id="tiny", date="2026-08-14")
        return folder

    return make


def _linear(names: tuple[str, ...], weights: dict[str, float], bias: float) -> Logistic:
    n = len(names)
    return Logistic(names, (0.0,) * n, (1.0,) * n, tuple(weights.get(k, 0.0) for k in names), bias)


@pytest.fixture(scope="session")
def hand_set_combiner() -> PointCombiner:
    """A hand-set point combiner, independent of the fitted ``models/rams_combiner.json``.

    Evidence logit 8 cnn_score + 0.8 rx_score - 6 (a CNN at 0.9 or a peak of score 9 gives
    p = 0.77, a CNN at 0.2 gives 0.01; anomaly peaks of score >= 7.5 are mine points); row
    membership adds 2.
    """
    from rams.candidates.fusion import BASE_FEATURES
    from rams.candidates.patterns import PATTERN_FEATURES

    return PointCombiner(
        _linear(BASE_FEATURES, {"cnn_score": 8.0, "rx_score": 0.8}, -6.0),
        _linear(("evidence_logit", *PATTERN_FEATURES), {"evidence_logit": 1.0, "row_member": 2.0}, 0.0),
    )


@pytest.fixture(scope="session")
def hand_set_combiner_path(hand_set_combiner: PointCombiner, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`hand_set_combiner` saved as a combiner JSON (``candidates.combiner`` in a config)."""
    return hand_set_combiner.save(tmp_path_factory.mktemp("combiner") / "combiner.json")


def _write_yolo_set(root: Path, *, n_train: int = 8, n_valid: int = 4, n_test: int = 4,
                   size: int = 64, seed: int = 0) -> Path:
    """A YOLO set of dark images with bright squares ("mines"), depth in the file names.

    The first image of each split has no label file and the second an empty one (no object).
    """
    rng = np.random.default_rng(seed)
    depths = ["Surface_Mine_0cm_depth", "Mine_1cm_depth", "Mine_5_cm_depth", "Mine_10cm_depth"]
    for split, n in (("train", n_train), ("valid", n_valid), ("test", n_test)):
        (root / split / "images").mkdir(parents=True)
        (root / split / "labels").mkdir(parents=True)
        for i in range(n):
            img = rng.integers(20, 60, (size, size, 3), dtype=np.uint8)
            name = f"{i:03d}_Zone_1_{depths[i % 4]}__1-0m"
            lines = []
            if i >= 2:
                for _ in range(int(rng.integers(1, 3))):
                    s = int(rng.integers(6, 12))
                    x, y = (int(v) for v in rng.integers(2, size - s - 2, 2))
                    img[y:y + s, x:x + s] = 220
                    lines.append(f"0 {(x + s / 2) / size:.6f} {(y + s / 2) / size:.6f} {s / size:.6f} {s / size:.6f}")
            cv2.imwrite(str(root / split / "images" / f"{name}.jpg"), img)
            if i == 1:
                (root / split / "labels" / f"{name}.txt").write_text("")
            elif i >= 2:
                (root / split / "labels" / f"{name}.txt").write_text("\n".join(lines) + "\n")
    # the thermal set's naming convention, named by the set's marker
    (root / "data.yaml").write_text("nc: 1\nnames: ['mine']\nconditions: thermal-depth\n")
    return root


@pytest.fixture
def make_yolo_set(tmp_path: Path) -> Callable[..., Path]:
    """Factory of tiny YOLO tile sets: ``make_yolo_set(name="tiles", n_train=8, n_valid=4,
    n_test=4, size=64, seed=0)`` writes ``tmp_path / name`` (dark images with bright square
    "mines", burial depth in the file names as the thermal set writes it, ``conditions:
    thermal-depth`` in data.yaml; the first image of each split has no label
    file, the second an empty one) and returns it."""

    def make(name: str = "tiles", **options: Any) -> Path:
        return _write_yolo_set(tmp_path / name, **options)

    return make
