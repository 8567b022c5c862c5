"""A small CenterNet-style detector for CPU inference.

The network maps an image ``(B, C, H, W)`` to three maps at stride 4:

- ``heatmap`` ``(B, K, H/4, W/4)``: logits of an object centre of class ``k`` in each cell;
- ``size`` ``(B, 2, H/4, W/4)``: log of box width and height in stride-4 cells;
- ``offset`` ``(B, 2, H/4, W/4)``: sub-cell offset of the centre, in cells (0..1).

The backbone is a plain stack of 3x3 conv-BN-ReLU blocks (dense 3x3 convolutions use the CPU
better than depthwise ones at these widths) with downsampling to stride 32 and a light
feature-pyramid path back to stride 4. :meth:`CenterNet.fuse` folds every batch norm into its
convolution for inference. Backbone ``efficientnet_lite0`` replaces that stack with an
EfficientNet-Lite0 trunk to stride 16 (:mod:`rams.detection.lite_trunk`), which training can
start from ImageNet weights.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from rams.detection.lite_trunk import TAP_WIDTHS, ConvBNAct, LiteTrunk

#: Output stride of the heads, input pixels per heatmap cell.
STRIDE = 4


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of a :class:`CenterNet`.

    Attributes:
        in_channels: input bands (1 thermal, 3 RGB, or a fused stack).
        num_classes: object classes (heatmap channels).
        widths: channels at strides 2, 4, 8, 16 and 32.
        blocks: extra residual blocks at strides 4, 8, 16 and 32.
        head_width: channels of the stride-4 head features.
        backbone: ``plain`` (the 3x3 conv stack above, widths and blocks as given) or
            ``efficientnet_lite0`` (:class:`rams.detection.lite_trunk.LiteTrunk`; widths and
            blocks are not used).
        upsample: how the feature pyramid brings coarser features up to the next stride:
            ``nearest`` (each stride-16 cell copied over 4 x 4 head cells) or ``bilinear``
            (interpolated, so a feature does not jump where a coarse cell ends; the
            network's score of an object moves less with its place on the 16 px grid).
    """

    in_channels: int = 3
    num_classes: int = 1
    widths: tuple[int, int, int, int, int] = (16, 24, 48, 96, 128)
    blocks: tuple[int, int, int, int] = (0, 1, 1, 1)
    head_width: int = 32
    backbone: str = "plain"
    upsample: str = "nearest"

    def to_dict(self) -> dict[str, object]:
        """Plain-types form (stored in the weights file).

        ``backbone`` is written only when it is not ``plain``: files of the plain presets stay
        byte for byte what they were before the field existed (and readable by older rams).
        """
        d = asdict(self)
        d["widths"] = list(self.widths)
        d["blocks"] = list(self.blocks)
        if self.backbone == "plain":
            del d["backbone"]
        if self.upsample == "nearest":
            del d["upsample"]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> ModelConfig:
        """Inverse of :meth:`to_dict`."""
        widths = [int(w) for w in d["widths"]]  # type: ignore[attr-defined]
        blocks = [int(b) for b in d["blocks"]]  # type: ignore[attr-defined]
        return cls(
            in_channels=int(d["in_channels"]),  # type: ignore[call-overload]
            num_classes=int(d["num_classes"]),  # type: ignore[call-overload]
            widths=(widths[0], widths[1], widths[2], widths[3], widths[4]),
            blocks=(blocks[0], blocks[1], blocks[2], blocks[3]),
            head_width=int(d["head_width"]),  # type: ignore[call-overload]
            backbone=str(d.get("backbone", "plain")),  # weights before stop 55 have no backbone
            upsample=str(d.get("upsample", "nearest")),  # nor before stop 61 an upsampling
        )


#: Presets: "small" for RGB orthomosaic scanning (throughput first), "base" for tile sets.
PRESETS: dict[str, dict[str, object]] = {
    "small": {"widths": (16, 24, 48, 96, 128), "blocks": (0, 1, 1, 1), "head_width": 32},
    "base": {"widths": (24, 48, 96, 128, 192), "blocks": (1, 2, 2, 1), "head_width": 48},
    "lite0": {"widths": (16, 24, 48, 96, 128), "blocks": (0, 1, 1, 1), "head_width": 32,
              "backbone": "efficientnet_lite0"},
    "lite0-bilinear": {"widths": (16, 24, 48, 96, 128), "blocks": (0, 1, 1, 1), "head_width": 32,
                       "backbone": "efficientnet_lite0", "upsample": "bilinear"},
}
BACKBONES = ("plain", "efficientnet_lite0")
#: Upsampling modes of the feature pyramid (:attr:`ModelConfig.upsample`).
UPSAMPLES = ("nearest", "bilinear")


def model_config(preset: str, in_channels: int, num_classes: int) -> ModelConfig:
    """A :class:`ModelConfig` from a preset name ("small", "base", "lite0" or "lite0-bilinear")."""
    if preset not in PRESETS:
        raise ValueError(f"unknown model preset {preset!r}; choose from {sorted(PRESETS)}")
    p = PRESETS[preset]
    return ModelConfig(
        in_channels=in_channels, num_classes=num_classes,
        widths=p["widths"], blocks=p["blocks"], head_width=int(p["head_width"]),  # type: ignore[arg-type, call-overload]
        backbone=str(p.get("backbone", "plain")), upsample=str(p.get("upsample", "nearest")),
    )


class ConvBNReLU(nn.Sequential):
    """3x3 (or kxk) convolution, batch norm, ReLU."""

    def __init__(self, cin: int, cout: int, k: int = 3, stride: int = 1, relu: bool = True) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(cin, cout, k, stride, k // 2, bias=False),
            nn.BatchNorm2d(cout),
        ]
        if relu:
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class ResBlock(nn.Module):
    """Two 3x3 conv-BN layers with an identity shortcut."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.a = ConvBNReLU(c, c)
        self.b = ConvBNReLU(c, c, relu=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, c, H, W) -> (B, c, H, W)."""
        return F.relu(x + self.b(self.a(x)), inplace=True)


class CenterNet(nn.Module):
    """CenterNet-style single-stage detector (heatmap + size + offset at stride 4)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        if config.backbone not in BACKBONES:
            raise ValueError(f"unknown backbone {config.backbone!r}; choose from {BACKBONES}")
        if config.upsample not in UPSAMPLES:
            raise ValueError(f"unknown upsampling {config.upsample!r}; choose from {UPSAMPLES}")
        self.trunk: LiteTrunk | None = None
        if config.backbone == "efficientnet_lite0":
            self.trunk = LiteTrunk(config.in_channels)
            tap_widths: tuple[int, ...] = TAP_WIDTHS
        else:
            w = config.widths
            self.stem = ConvBNReLU(config.in_channels, w[0], stride=2)
            stages: list[nn.Module] = []
            for i in range(4):
                layers: list[nn.Module] = [ConvBNReLU(w[i], w[i + 1], stride=2)]
                layers += [ResBlock(w[i + 1]) for _ in range(config.blocks[i])]
                stages.append(nn.Sequential(*layers))
            self.stages = nn.ModuleList(stages)
            tap_widths = w[1:]
        hw = config.head_width
        self.lateral = nn.ModuleList([nn.Conv2d(c, hw, 1) for c in tap_widths])
        self.smooth = nn.ModuleList([ConvBNReLU(hw, hw) for _ in range(len(tap_widths) - 1)])
        self.head_conv = ConvBNReLU(hw, hw)
        self.heatmap = nn.Conv2d(hw, config.num_classes, 1)
        self.size = nn.Conv2d(hw, 2, 1)
        self.offset = nn.Conv2d(hw, 2, 1)
        # Focal-loss prior: start with p(centre) ~ 0.1 everywhere (CenterNet's -2.19).
        assert self.heatmap.bias is not None
        nn.init.constant_(self.heatmap.bias, -2.19)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Run the network.

        Args:
            x: normalised images (B, C, H, W), H and W multiples of 32.

        Returns:
            ``(heatmap_logits (B, K, H/4, W/4), log_size (B, 2, H/4, W/4),
            offset (B, 2, H/4, W/4))``.
        """
        y = self.features(x)
        return self.heatmap(y), self.size(y), torch.sigmoid(self.offset(y))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The stride-4 head features ``(B, head_width, H/4, W/4)`` the three heads read."""
        if self.trunk is not None:
            feats = self.trunk(x)
        else:
            x = self.stem(x)
            feats = []
            for stage in self.stages:
                x = stage(x)
                feats.append(x)
        top = len(feats) - 1
        y = self.lateral[top](feats[top])
        for i in reversed(range(top)):
            if self.config.upsample == "bilinear":
                y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
            else:
                y = F.interpolate(y, scale_factor=2.0, mode="nearest")
            y = y + self.lateral[i](feats[i])
            y = self.smooth[i](y)
        return self.head_conv(y)  # type: ignore[no-any-return]

    @torch.no_grad()
    def fuse(self) -> CenterNet:
        """Fold batch norms into the preceding convolutions (inference only; in place)."""
        for module in self.modules():
            if (isinstance(module, (ConvBNReLU, ConvBNAct)) and len(module) > 1
                    and isinstance(module[1], nn.BatchNorm2d)):
                conv, bn = module[0], module[1]
                assert isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)
                assert bn.running_var is not None and bn.running_mean is not None
                scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                fused = nn.Conv2d(
                    conv.in_channels, conv.out_channels, conv.kernel_size,  # type: ignore[arg-type]
                    conv.stride, conv.padding, groups=conv.groups, bias=True,  # type: ignore[arg-type]
                )
                fused.weight.copy_(conv.weight * scale[:, None, None, None])
                bias = conv.bias if conv.bias is not None else torch.zeros_like(bn.running_mean)
                fused.bias.copy_((bias - bn.running_mean) * scale + bn.bias)  # type: ignore[union-attr]
                module[0] = fused
                # removed, not replaced by an Identity: conv and ReLU must be neighbours for
                # the int8 graph to fuse them (rams.detection.inference_modes)
                del module[1]
        return self


def parameter_count(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
