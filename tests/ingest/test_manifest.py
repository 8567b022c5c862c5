from __future__ import annotations

from pathlib import Path

import pytest

from rams.errors import ManifestError
from rams.ingest.manifest import load_manifest
from tests.conftest import write_manifest


def test_profile_fills_bands_and_scaling(tmp_path: Path) -> None:
    write_manifest(tmp_path, [{"path": "ms.tif", "sensor": "multispectral", "profile": "dji-mavic-3m"}])
    manifest, folder = load_manifest(tmp_path)
    entry = manifest.rasters[0]
    assert entry.bands == ["green", "red", "rededge", "nir"]
    assert entry.scale == pytest.approx(1e-4)
    assert manifest.flight_id == tmp_path.name  # defaults to the folder name
    assert folder == tmp_path


def test_thermal_defaults_to_celsius_and_rgb_to_three_bands(tmp_path: Path) -> None:
    write_manifest(tmp_path, [{"path": "t.tif", "sensor": "thermal"}, {"path": "r.tif", "sensor": "rgb"}],
                   flight_id="f1", date="2026-08-14")
    manifest, _ = load_manifest(tmp_path)
    assert manifest.rasters[0].units == "celsius"
    assert manifest.rasters[1].bands == ["red", "green", "blue"]
    assert str(manifest.date) == "2026-08-14"


@pytest.mark.parametrize(
    ("rasters", "fragment"),
    [
        ([{"path": "a.tif", "sensor": "hyperspectral"}], "rasters.0.sensor"),
        ([{"path": "a.tif", "sensor": "multispectral"}], "needs 'bands'"),
        ([{"path": "a.tif", "sensor": "multispectral", "profile": "no-such-camera"}], "unknown sensor profile"),
        ([{"path": "a.tif", "sensor": "multispectral", "profile": "micasense-rededge-mx", "bands": ["a", "b"]}],
         "contradict profile"),
        ([{"path": "a.tif", "sensor": "rgb", "units": "kelvin"}], "thermal rasters only"),
        ([{"path": "a.tif", "sensor": "rgb"}, {"path": "b.tif", "sensor": "rgb"}], "more than one rgb"),
        ([], "rasters"),
    ],
)
def test_invalid_manifests_name_the_problem(tmp_path: Path, rasters: list, fragment: str) -> None:
    write_manifest(tmp_path, rasters)
    with pytest.raises(ManifestError) as info:
        load_manifest(tmp_path)
    assert fragment in str(info.value)
    assert "flight.yaml" in str(info.value)


def test_missing_and_malformed_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="flight manifest not found"):
        load_manifest(tmp_path)
    (tmp_path / "flight.yaml").write_text("rasters: [path: {")
    with pytest.raises(ManifestError, match="not valid YAML"):
        load_manifest(tmp_path)
    (tmp_path / "flight.yaml").write_text("- just\n- a list\n")
    with pytest.raises(ManifestError, match="expected a mapping"):
        load_manifest(tmp_path)
