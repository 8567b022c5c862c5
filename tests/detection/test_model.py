"""Network shapes, batch-norm fusion, targets and decoding."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rams.detection.centernet import centernet_loss, collate_targets, decode, draw_targets
from rams.detection.model import STRIDE, CenterNet, ModelConfig, model_config


@pytest.mark.parametrize("in_channels", [1, 3, 7])
def test_forward_shapes(in_channels: int) -> None:
    net = CenterNet(model_config("small", in_channels, 3)).eval()
    with torch.no_grad():
        heat, size, offset = net(torch.randn(2, in_channels, 64, 96))
    assert heat.shape == (2, 3, 16, 24)
    assert size.shape == offset.shape == (2, 2, 16, 24)
    assert float(offset.min()) >= 0 and float(offset.max()) <= 1


@pytest.mark.parametrize("preset", ["small", "lite0"])  # lite0: depthwise convolutions too
def test_fuse_keeps_outputs(preset: str) -> None:
    torch.manual_seed(0)
    net = CenterNet(model_config(preset, 3, 1))
    net.train()
    for _ in range(3):  # give the batch norms non-trivial running statistics
        net(torch.randn(4, 3, 64, 64) * 3 + 1)
    net.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        before = net(x)
        after = net.fuse()(x)
    for a, b in zip(before, after, strict=True):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())


def test_config_round_trip() -> None:
    cfg = model_config("base", 1, 2)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="unknown model preset"):
        model_config("huge", 3, 1)


def test_targets_decode_round_trip() -> None:
    boxes = np.array([[10.0, 20.0, 30.0, 32.0], [40.0, 4.0, 60.0, 44.0]], np.float32)
    heat, index, size, offset, mask = draw_targets(boxes, np.array([0, 1]), 2, 16, 16)
    assert heat.shape == (2, 16, 16) and mask.sum() == 2
    assert heat.max() == 1.0
    # Build "perfect" network outputs from the targets and decode them.
    logits = torch.from_numpy(np.where(heat == 1.0, 10.0, -10.0))[None]
    log_size = torch.zeros(1, 2, 16 * 16)
    off = torch.zeros(1, 2, 16 * 16)
    for k in range(int(mask.sum())):
        log_size[0, :, index[k]] = torch.from_numpy(size[k])
        off[0, :, index[k]] = torch.from_numpy(offset[k])
    dets = decode((logits, log_size.reshape(1, 2, 16, 16), off.reshape(1, 2, 16, 16)), min_score=0.5)
    assert len(dets) == 1 and len(dets[0]) == 2
    got = dets[0].boxes[np.argsort(dets[0].classes)]
    np.testing.assert_allclose(got, boxes, atol=1e-3)
    assert sorted(dets[0].classes.tolist()) == [0, 1]


def test_loss_is_finite_and_decreases_for_right_answer() -> None:
    boxes = np.array([[8.0, 8.0, 24.0, 24.0]], np.float32)
    t = collate_targets([draw_targets(boxes, np.array([0]), 1, 16, 16)])
    wrong = (torch.zeros(1, 1, 16, 16), torch.zeros(1, 2, 16, 16), torch.zeros(1, 2, 16, 16))
    right_logits = torch.where(t.heatmap == 1, 8.0, -8.0)
    right = (right_logits, torch.full((1, 2, 16, 16), float(np.log(16 / STRIDE))),
             torch.zeros(1, 2, 16, 16))
    lw, _ = centernet_loss(wrong, t)
    lr, parts = centernet_loss(right, t)
    assert torch.isfinite(lw) and float(lr) < float(lw)
    assert parts["size"] < 1e-5


def test_separable_max_pool_equals_torch_max_pool() -> None:
    import torch.nn.functional as F

    from rams.detection.centernet import max_pool_3x3

    gen = torch.Generator().manual_seed(0)
    for shape in [(2, 5, 64, 48), (1, 1, 3, 7), (1, 3, 1, 1)]:
        # saturated sigmoids make ties, where a peak test is most fragile
        x = torch.sigmoid(torch.randn(*shape, generator=gen) * 20)
        assert torch.equal(max_pool_3x3(x), F.max_pool2d(x, 3, 1, 1))


def test_bilinear_pyramid_is_recorded_and_interpolates_between_coarse_cells() -> None:
    cfg = model_config("lite0-bilinear", 3, 1)
    assert cfg.upsample == "bilinear" and cfg.backbone == "efficientnet_lite0"
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    assert "upsample" not in model_config("lite0", 3, 1).to_dict()  # older files stay as they were
    assert ModelConfig.from_dict(model_config("lite0", 3, 1).to_dict()).upsample == "nearest"
    with pytest.raises(ValueError, match="unknown upsampling"):
        CenterNet(ModelConfig(upsample="cubic"))
    torch.manual_seed(0)
    nearest = CenterNet(model_config("lite0", 3, 1)).eval()
    bilinear = CenterNet(cfg).eval()
    bilinear.load_state_dict(nearest.state_dict())  # same weights: only the pyramid's upsampling differs
    x = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        top = nearest.lateral[-1](nearest.trunk(x)[-1])  # (1, C, 8, 8) at stride 16
        up_n = torch.nn.functional.interpolate(top, scale_factor=2.0, mode="nearest")
        a, b = nearest(x)[0], bilinear(x)[0]
    assert a.shape == b.shape == (1, 1, 32, 32)
    assert not torch.allclose(a, b)
    # nearest copies each coarse cell over 2 x 2 finer cells; bilinear does not
    assert torch.equal(up_n[..., 0::2, :], up_n[..., 1::2, :])
    up_b = torch.nn.functional.interpolate(top, scale_factor=2.0, mode="bilinear", align_corners=False)
    assert not torch.equal(up_b[..., 0::2, :], up_b[..., 1::2, :])
