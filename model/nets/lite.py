"""LiteColorNet: an ImageNet-pretrained EfficientNet-Lite encoder (Lite0 or Lite2) with an FPN decoder that
predicts 313-bin logits at 1/4 of the input resolution. The network we bundle.

With ``global_context`` the classifier's own pretrained head (1x1 conv to 1280 channels, pooled
over the photo) feeds one vector per photo into the decoder's top level, after the fusion layer
of Iizuka et al. (2016): what the whole photo shows, for every pixel.

``context_blocks`` adds that many residual blocks at each of the two coarsest decoder levels
(1/32 and 1/16): more room to reason about regions for little compute (those grids are small).
``fine_blocks`` adds residual blocks at 1/8, where edges and small parts are placed: more room
there costs more compute per block (about 5% of a training step each, at 256 px).
Each block starts as the identity, so weights trained without them load and predict unchanged."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from model.lab.bins import Q
from model.lab.color import lightness_to_gray_torch
from model.nets.efficientnet_lite import HEAD_CHANNELS, EfficientNetLiteTrunk, load_imagenet_state_dict, rgb_to_input


def _conv_bn_relu(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class ResidualBlock(nn.Module):
    """x + conv-BN-ReLU-conv-BN(x), the last BN's scale zero: the identity until trained."""

    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(_conv_bn_relu(channels, channels), nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(channels))  # fmt: skip
        nn.init.zeros_(self.body[-1].weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class LiteColorNet(nn.Module):
    STRIDE = 32  # inputs should be a multiple of this
    OUTPUT_STRIDE = 4
    PRETRAINED = ("encoder.", "global_conv.", "global_bn.")  # ImageNet weights: frozen first, then trained slower

    def __init__(self, channels: int = 64, pretrained: bool = False, encoder: str = "lite0", global_context: bool = False,
                 context_blocks: int = 0, fine_blocks: int = 0):  # fmt: skip
        super().__init__()
        for name, n in (("context_blocks", context_blocks), ("fine_blocks", fine_blocks)):
            if n < 0:
                raise ValueError(f"{name} must be 0 or more, not {n}")
        self.config = {"channels": channels, "encoder": encoder, **({"global_context": True} if global_context else {}),
                       **({"context_blocks": context_blocks} if context_blocks else {}),
                       **({"fine_blocks": fine_blocks} if fine_blocks else {})}  # fmt: skip
        self.encoder = EfficientNetLiteTrunk(encoder)
        if pretrained:
            imagenet = load_imagenet_state_dict(encoder)
            classifier = ("_conv_head", "_bn1.", "_fc")
            self.encoder.load_state_dict({k: v for k, v in imagenet.items() if not k.startswith(classifier)}, strict=True)
        self.lateral = nn.ModuleList(nn.Conv2d(c, channels, 1) for c in self.encoder.feature_channels)
        self.smooth = nn.ModuleList(_conv_bn_relu(channels, channels) for _ in self.encoder.feature_channels[1:])
        self.head = nn.Sequential(_conv_bn_relu(channels, channels), nn.Conv2d(channels, Q, 1))
        # Index 0 works at 1/32, 1: at 1/16, 2: at 1/8 (an empty level has no parameters and no cost).
        per_level = (context_blocks, context_blocks, fine_blocks)
        self.context = nn.ModuleList(nn.Sequential(*(ResidualBlock(channels) for _ in range(n))) for n in per_level)
        self.global_context = global_context
        if global_context:
            self.global_conv = nn.Conv2d(self.encoder.feature_channels[-1], HEAD_CHANNELS, 1, bias=False)
            self.global_bn = nn.BatchNorm2d(HEAD_CHANNELS)
            self.global_proj = nn.Linear(HEAD_CHANNELS, channels)
            nn.init.zeros_(self.global_proj.weight)  # starts as the plain FPN
            nn.init.zeros_(self.global_proj.bias)
            if pretrained:
                self.load_imagenet_head(imagenet)

    def load_imagenet_head(self, imagenet: dict | None = None) -> None:
        """The global-context branch from the ImageNet classifier's head: also for a network
        initialised from weights trained without that branch."""
        imagenet = imagenet if imagenet is not None else load_imagenet_state_dict(self.config["encoder"])
        self.global_conv.load_state_dict({"weight": imagenet["_conv_head.weight"]}, strict=True)
        bn = {k.removeprefix("_bn1."): v for k, v in imagenet.items() if k.startswith("_bn1.")}
        self.global_bn.load_state_dict(bn, strict=True)

    def encode(self, L: torch.Tensor) -> list[torch.Tensor]:
        """The encoder's features at 1/4, 1/8, 1/16 and 1/32 of L (B, 1, H, W) in [0, 100]."""
        gray = lightness_to_gray_torch(L) * 255.0
        return self.encoder(rgb_to_input(gray).expand(-1, 3, -1, -1))

    def context_map(self, top: torch.Tensor) -> torch.Tensor:
        """The ImageNet head's features at each position of the 1/32 level, before pooling."""
        return F.relu6(self.global_bn(self.global_conv(top)))

    def forward(self, L: torch.Tensor) -> torch.Tensor:
        """L (B, 1, H, W) in [0, 100] -> logits (B, 313, H/4, W/4)."""
        feats = self.encode(L)
        x = self.lateral[-1](feats[-1])
        if self.global_context:
            photo = self.context_map(feats[-1]).mean(dim=(2, 3))
            x = x + self.global_proj(photo)[:, :, None, None]
        # Top-down: stride 32 -> 16 -> 8 -> 4, adding each level's lateral features.
        for level in range(len(feats) - 2, -1, -1):
            depth = len(feats) - 2 - level  # 0 at 1/32, 1 at 1/16, 2 at 1/8
            if depth < len(self.context):
                x = self.context[depth](x)
            x = self.smooth[level](x)
            lat = self.lateral[level](feats[level])
            x = lat + F.interpolate(x, size=lat.shape[-2:], mode="bilinear", align_corners=False)
        return self.head(x)
