"""LiteColorNet: an ImageNet-pretrained EfficientNet-Lite encoder (Lite0 or Lite2) with an FPN decoder that
predicts 313-bin logits at 1/4 of the input resolution. The network we bundle."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..bins import Q
from ..color import lightness_to_gray_torch
from .efficientnet_lite import EfficientNetLiteTrunk, load_imagenet_state_dict, rgb_to_input


def _conv_bn_relu(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class LiteColorNet(nn.Module):
    STRIDE = 32  # inputs should be a multiple of this
    OUTPUT_STRIDE = 4

    def __init__(self, channels: int = 64, pretrained: bool = False, encoder: str = "lite0"):
        super().__init__()
        self.config = {"channels": channels, "encoder": encoder}
        self.encoder = EfficientNetLiteTrunk(encoder)
        if pretrained:
            classifier = ("_conv_head", "_bn1.", "_fc")
            state = {k: v for k, v in load_imagenet_state_dict(encoder).items() if not k.startswith(classifier)}
            self.encoder.load_state_dict(state, strict=True)
        self.lateral = nn.ModuleList(nn.Conv2d(c, channels, 1) for c in self.encoder.feature_channels)
        self.smooth = nn.ModuleList(_conv_bn_relu(channels, channels) for _ in self.encoder.feature_channels[1:])
        self.head = nn.Sequential(_conv_bn_relu(channels, channels), nn.Conv2d(channels, Q, 1))

    def encoder_parameters(self):
        return self.encoder.parameters()

    def forward(self, L: torch.Tensor) -> torch.Tensor:
        """L (B, 1, H, W) in [0, 100] -> logits (B, 313, H/4, W/4)."""
        gray = lightness_to_gray_torch(L) * 255.0
        feats = self.encoder(rgb_to_input(gray).expand(-1, 3, -1, -1))
        x = self.lateral[-1](feats[-1])
        # Top-down: stride 32 -> 16 -> 8 -> 4, adding each level's lateral features.
        for level in range(len(feats) - 2, -1, -1):
            x = self.smooth[level](x)
            lat = self.lateral[level](feats[level])
            x = lat + F.interpolate(x, size=lat.shape[-2:], mode="bilinear", align_corners=False)
        return self.head(x)
