"""Weights files: round trip with weights_only=True, checksum verification."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from rams.detection.detector import (
    PAD_MULTIPLE,
    checksum_path,
    load_detector,
    normalise_images,
    save_detector,
)
from rams.detection.model import CenterNet, model_config
from rams.errors import RamsInputError

META = {"class_names": ["PFM-1"], "channels": "rgb", "in_channels": 3, "img_size": 64,
        "normalisation": {"mode": "fixed", "mean": [100.0, 100.0, 100.0], "std": [50.0, 50.0, 50.0]},
        "input_gsd_m": 0.02, "threshold": 0.4}


def _save(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    path = tmp_path / "m.pt"
    save_detector(path, CenterNet(model_config("small", 3, 1)), dict(META))
    return path


def test_round_trip_plain_types(tmp_path: Path) -> None:
    path = _save(tmp_path)
    blob = torch.load(path, map_location="cpu", weights_only=True)
    assert blob["meta"]["class_names"] == ["PFM-1"]
    det = load_detector(path)
    assert det.threshold == 0.4 and det.input_gsd_m == 0.02 and det.in_channels == 3
    out = det.predict(np.zeros((1, 3, 50, 70), np.float32), min_score=0.0, top_k=5)
    assert len(out) == 1 and out[0].boxes.shape[1] == 4
    assert path.stat().st_size < 20 * 2**20


def test_checksum_mismatch_is_input_error(tmp_path: Path) -> None:
    path = _save(tmp_path)
    data = bytearray(path.read_bytes())
    data[-100] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(RamsInputError, match="checksum mismatch"):
        load_detector(path)


def test_missing_record_or_file(tmp_path: Path) -> None:
    path = _save(tmp_path)
    checksum_path(path).unlink()
    with pytest.raises(RamsInputError, match="no checksum record"):
        load_detector(path)
    with pytest.raises(RamsInputError, match="does not exist"):
        load_detector(tmp_path / "absent.pt")


def test_per_image_normalisation_ignores_invalid(tmp_path: Path) -> None:
    from rams.detection.detector import normalise_images

    x = np.full((1, 1, 4, 4), 30.0, np.float32)
    x[0, 0, 0, 0] = 40.0
    valid = np.ones((1, 4, 4), bool)
    valid[0, 3, 3] = False
    x[0, 0, 3, 3] = -9999.0
    y = normalise_images(x, {"mode": "per_image"}, valid)
    assert y[0, 0, 3, 3] == 0.0 and y[0, 0, 0, 0] > 3.0


@pytest.mark.parametrize("some_invalid", [False, True])
def test_fixed_normalisation_of_8_bit_counts_is_the_float_arithmetic(some_invalid: bool) -> None:
    """uint8 counts go through a table per band: bit for bit what float32 arithmetic gives."""
    from rams.detection.detector import normalise_images

    rng = np.random.default_rng(7)
    counts = rng.integers(0, 256, (2, 3, 40, 56), dtype=np.uint8)
    valid = np.ones((2, 40, 56), bool)
    if some_invalid:
        valid[1, 10:20, 5:30] = False
    norm = {"mode": "fixed", "mean": [101.3, 117.9, 96.2], "std": [52.1, 48.7, 55.0]}
    got = normalise_images(counts, norm, valid)
    mean = np.asarray(norm["mean"], np.float32)[None, :, None, None]
    std = np.asarray(norm["std"], np.float32)[None, :, None, None]
    expected = (counts.astype(np.float32) - mean) / std * valid[:, None]
    assert got.dtype == np.float32
    assert np.array_equal(got, expected)
    assert np.array_equal(normalise_images(counts, norm, valid), normalise_images(counts.astype(np.float32), norm, valid))
    if some_invalid:
        assert not got[1, :, 10:20, 5:30].any()


def _peak_scores(heat: torch.Tensor, k: int) -> np.ndarray:
    """The k highest 3x3 local maxima of a (B, K, H, W) probability map, per image."""
    peaks = heat * (torch.nn.functional.max_pool2d(heat, 3, 1, 1) == heat)
    return peaks.reshape(heat.shape[0], -1).topk(k).values.numpy()


def test_flip_averaged_prediction_averages_the_flipped_heatmaps(tmp_path: Path) -> None:
    path = _save(tmp_path)
    det = load_detector(path)
    images = np.random.default_rng(0).uniform(0, 255, (2, 3, 64, 96)).astype(np.float32)  # no padding
    plain = det.predict(images, min_score=0.0, top_k=10)
    det.metadata = replace(det.metadata, tta=True)
    flipped = det.predict(images, min_score=0.0, top_k=10)
    # by hand: the mean of the centre probabilities of the image, its left-right mirror and
    # its up-down mirror, each mirrored back
    with torch.inference_mode():
        x = det.network_input(images)
        heat = [torch.sigmoid(det.run_network(x.flip(d))[0]).flip(d) for d in ((3,), (2,))]
        plain_heat = torch.sigmoid(det.run_network(x)[0])
    averaged = (plain_heat + heat[0] + heat[1]) / 3
    for i in range(2):
        np.testing.assert_allclose(plain[i].scores, _peak_scores(plain_heat, 10)[i], rtol=1e-5)
        np.testing.assert_allclose(flipped[i].scores, _peak_scores(averaged, 10)[i], rtol=1e-4)
    assert not np.allclose(flipped[0].scores, plain[0].scores, rtol=1e-3)  # averaging changed the map


def _general_network_batch(det: Any, images: np.ndarray, valid: np.ndarray | None) -> torch.Tensor:
    """The network batch made the long way: normalised band by band, padded, channels-last,
    and the two mirrors concatenated."""
    x = torch.from_numpy(normalise_images(images, det.metadata.normalisation, valid))
    h, w = images.shape[2:]
    x = torch.nn.functional.pad(x, (0, -w % PAD_MULTIPLE, 0, -h % PAD_MULTIPLE))
    return torch.cat([x, x.flip(3), x.flip(2)]).contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("shape", [(1, 3, 64, 96), (2, 3, 61, 83), (1, 3, 32, 45)])
@pytest.mark.parametrize("masked", [False, True])
def test_network_batch_of_8_bit_counts_is_the_general_path_bit_for_bit(
    tmp_path: Path, shape: tuple[int, int, int, int], masked: bool,
) -> None:
    det = load_detector(_save(tmp_path))
    det.metadata = replace(det.metadata, tta=True)
    rng = np.random.default_rng(sum(shape))
    images = rng.integers(0, 256, shape, dtype=np.uint8)
    valid = rng.random((shape[0], *shape[2:])) > 0.2 if masked else None
    fast = det.network_batch(images, valid)
    assert fast.is_contiguous(memory_format=torch.channels_last)
    assert fast.shape == (3 * shape[0], 3, -(-shape[2] // 32) * 32, -(-shape[3] // 32) * 32)
    assert torch.equal(fast, _general_network_batch(det, images, valid))
    # without the flip average: the first third, and the same as network_input
    det.metadata = replace(det.metadata, tta=False)
    plain = det.network_batch(images, valid)
    assert torch.equal(plain, fast[:shape[0]]) and torch.equal(det.network_input(images, valid), plain)
    # float input (not counts) takes the general path, with the same values
    assert torch.equal(det.network_input(images.astype(np.float32), valid), plain)


@pytest.mark.slow  # tens of seconds: CI runs it in its named slow subset (.ci/run)
def test_bfloat16_inference_matches_float32_on_real_thermal_frames() -> None:
    from rams.detection.yolo import load_image, read_split
    from tests.conftest import SHARED_DATASETS

    root = SHARED_DATASETS / "landmines-thermal-yolo"
    if not (root / "test").is_dir():
        pytest.skip(f"thermal tile set not found at {root}")
    samples = read_split(root, "test")[:12]
    images = [load_image(s.image, 1) for s in samples]
    fp32 = load_detector("rams_thermal")
    bf16 = load_detector("rams_thermal", precision="bfloat16")
    assert bf16.precision == "bfloat16"
    a = fp32.predict_tile_images(images, min_score=0.05)
    b = bf16.predict_tile_images(images, min_score=0.05)
    assert sum(int((d.scores >= fp32.threshold + 0.1).sum()) for d in a) >= 5  # not vacuous
    for da, db in zip(a, b, strict=True):
        strong = da.scores >= fp32.threshold + 0.1  # clear detections survive the precision change
        for box, score in zip(da.boxes[strong], da.scores[strong], strict=True):
            centre = (box[:2] + box[2:]) / 2
            dist = np.hypot(*((db.boxes[:, :2] + db.boxes[:, 2:]) / 2 - centre).T)
            assert dist.size and dist.min() < 8.0
            assert abs(db.scores[dist.argmin()] - score) < 0.1


def test_unknown_precision_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="precision"):
        load_detector(_save(tmp_path), precision="float16")


def test_a_pickle_that_weights_only_refuses_is_an_input_error(tmp_path: Path) -> None:
    import fractions

    from rams.checksum import sha256_file
    from rams.detection.detector import checksum_path, load_detector
    from rams.errors import RamsInputError

    path = tmp_path / "evil.pt"
    # a Fraction is not on torch's weights_only allow-list
    torch.save({"state_dict": {}, "meta": {"x": fractions.Fraction(1, 3)}}, path)
    checksum_path(path).write_text(f"{sha256_file(path)}  {path.name}\n")
    with pytest.raises(RamsInputError, match="not a rams detector weights file"):
        load_detector(path)
    path.write_bytes(b"\x00" * 10)  # truncated file
    checksum_path(path).write_text(f"{sha256_file(path)}  {path.name}\n")
    with pytest.raises(RamsInputError, match="not a rams detector weights file"):
        load_detector(path)


def _card(weights: Path, sha256: str) -> Path:
    from rams.detection.card import card_path

    card = card_path(weights)
    card.write_text(f"# m\n\n- Weights: `{weights.name}`, SHA-256 `{sha256}` (recorded in ...)\n",
                    encoding="utf-8")
    return card


def test_model_card_must_record_the_weights_sha256(tmp_path: Path) -> None:
    from rams.checksum import sha256_file
    from rams.detection.card import verify_model_card

    path = _save(tmp_path)
    digest = sha256_file(path)
    verify_model_card(path, digest)  # no card: weights saved without training pass
    _card(path, digest.upper())
    verify_model_card(path, digest)  # hex case does not matter
    other = "0" * 64
    card = _card(path, other)
    with pytest.raises(RamsInputError, match=r"m\.md: model card describes other weights \(card sha256 000000000000"):
        verify_model_card(path, digest)
    card.write_text("# m\n\nno hash here\n", encoding="utf-8")
    with pytest.raises(RamsInputError, match=r"model card records no SHA-256 of m\.pt"):
        verify_model_card(path, digest)
    card.write_text(f"SHA-256 `{digest}` and SHA-256 `{other}`\n", encoding="utf-8")
    with pytest.raises(RamsInputError, match="more than one"):
        verify_model_card(path, digest)
    card.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(RamsInputError, match="model card cannot be read"):
        verify_model_card(path, digest)


def test_load_detector_refuses_weights_whose_card_names_other_weights(tmp_path: Path) -> None:
    path = _save(tmp_path)
    _card(path, "0" * 64)
    with pytest.raises(RamsInputError, match="model card describes other weights"):
        load_detector(path)


def test_written_card_records_the_file_hash_even_without_one_in_the_summary(tmp_path: Path) -> None:
    from rams.checksum import sha256_file
    from rams.detection.card import card_path, card_sha256, write_model_card

    path = _save(tmp_path)
    summary = {"config": {"preset": "small", "batch_size": 4, "lr": 0.001, "seed": 0, "threads": 1,
                          "scale_min": 0.75, "scale_max": 1.33},
               "train_seconds": 60.0, "epochs_run": 1, "selected_epoch": 1, "n_train": 2,
               "parameters": 10, "sha256": "f" * 64}  # stale: the card must hash the file
    meta = {**META, "config": model_config("small", 3, 1).to_dict()}
    write_model_card(card_path(path), meta=meta, summary=summary, data="d", licence="l")
    assert card_sha256(card_path(path)) == sha256_file(path)


def test_shipped_models_card_sidecar_and_file_agree() -> None:
    from rams.checksum import read_sha256_record, sha256_file
    from rams.config_paths import models_dir
    from rams.detection.card import card_path, card_sha256

    weights = sorted(models_dir().glob("*.pt"))
    assert {w.stem for w in weights} >= {"rams_rgb", "rams_thermal"}
    for w in weights:
        digest = sha256_file(w)
        assert read_sha256_record(checksum_path(w)) == digest, w
        assert card_sha256(card_path(w)) == digest, w


@pytest.mark.parametrize("content", [b"", b"not-a-hash  m.pt\n", b"\xff\xfe\x00\x81"])
def test_bad_sidecar_is_one_line_input_error(tmp_path: Path, content: bytes) -> None:
    from rams.checksum import read_sha256_record

    record = tmp_path / "m.pt.sha256"
    record.write_bytes(content)
    with pytest.raises(RamsInputError, match=r"m\.pt\.sha256: checksum record (is not a SHA-256 line|cannot be read)"):
        read_sha256_record(record)
    record.unlink()
    with pytest.raises(RamsInputError, match="checksum record does not exist"):
        read_sha256_record(record)


def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    from rams.checksum import sha256_file

    with pytest.raises(RamsInputError, match="cannot be read"):
        sha256_file(tmp_path)  # a folder
    with pytest.raises(RamsInputError, match="cannot be read"):
        sha256_file(tmp_path / "absent.pt")


@pytest.mark.parametrize("damage", ["flip_byte", "not_a_pickle", "card_of_other_weights"])
def test_weights_load_failures_through_the_cli_are_one_line_exit_2(
    tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str],
    make_yolo_set: Callable[..., Path],
) -> None:
    """`rams benchmark tiles --model BAD` on a good tile set: one line naming the weights, exit 2."""
    from rams.checksum import sha256_file
    from rams.cli.main import main

    tiles = make_yolo_set(n_train=1, n_valid=1, n_test=2)
    path = _save(tmp_path)
    if damage == "flip_byte":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "not_a_pickle":
        path.write_bytes(b"PK\x03\x04 truncated zip")
        checksum_path(path).write_text(f"{sha256_file(path)}  {path.name}\n")
    else:
        _card(path, "0" * 64)
    code = main(["benchmark", "tiles", str(tiles), "--model", str(path), "-o", str(tmp_path / "r.json"), "-q", "--gsd-m", "0.02"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("rams: error: "), err
    assert str(tmp_path / "m.") in lines[0]  # names the weights file or its card
    assert "Traceback" not in err
    assert not (tmp_path / "r.json").exists()
