"""ECCV16Net: the network of Zhang et al. (section 3.4, Fig. 3).

Module names and shapes equal the official PyTorch release (colorization_release_v2), so its
state dict loads with strict=True. The deep-supervision readouts (``ds6``, ``ds7``) exist only
when asked for; an official file lacks them and leaves them at their initial values.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from model.lab.bins import AB_BINS, Q

AB_NORM = 110.0  # the release stores bin centres / 110 in model_out


def _block(c_in: int, c_out: int, n_convs: int, stride_last: int = 1, dilation: int = 1) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(n_convs):
        stride = stride_last if i == n_convs - 1 else 1
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, stride, dilation, dilation), nn.ReLU(True)]
    layers.append(nn.BatchNorm2d(c_out))
    return nn.Sequential(*layers)


class ECCV16Net(nn.Module):
    STRIDE = 8
    OUTPUT_STRIDE = 4
    PRETRAINED = ()  # trained from scratch (or from the official release): no ImageNet part

    def __init__(self, deep_supervision: bool = False):
        super().__init__()
        self.config = {"deep_supervision": deep_supervision}
        self.model1 = _block(1, 64, 2, stride_last=2)
        self.model2 = _block(64, 128, 2, stride_last=2)
        self.model3 = _block(128, 256, 3, stride_last=2)
        self.model4 = _block(256, 512, 3)
        self.model5 = _block(512, 512, 3, dilation=2)
        self.model6 = _block(512, 512, 3, dilation=2)
        self.model7 = _block(512, 512, 3)
        self.model8 = nn.Sequential(
            nn.ConvTranspose2d(512, 256, 4, 2, 1), nn.ReLU(True),
            nn.Conv2d(256, 256, 3, 1, 1), nn.ReLU(True),
            nn.Conv2d(256, 256, 3, 1, 1), nn.ReLU(True),
            nn.Conv2d(256, Q, 1),
        )  # fmt: skip
        self.model_out = nn.Conv2d(Q, 2, 1, bias=False)
        with torch.no_grad():
            self.model_out.weight.copy_(torch.as_tensor(AB_BINS.T / AB_NORM).view(2, Q, 1, 1))
        self.model_out.weight.requires_grad_(False)
        if deep_supervision:
            self.ds6 = nn.Conv2d(512, Q, 1)
            self.ds7 = nn.Conv2d(512, Q, 1)

    def forward(self, L: torch.Tensor, deep: bool = False):
        """L (B, 1, H, W) in [0, 100] -> logits (B, 313, H/4, W/4); with ``deep`` also the
        readouts of blocks 6 and 7 (at H/8)."""
        x = (L - 50.0) / 100.0
        for block in (self.model1, self.model2, self.model3, self.model4, self.model5):
            x = block(x)
        c6 = self.model6(x)
        c7 = self.model7(c6)
        logits = self.model8(c7)
        if deep:
            return logits, [self.ds6(c6), self.ds7(c7)]
        return logits

    def ab_from_logits(self, logits: torch.Tensor) -> torch.Tensor:
        """The release's own read-out (plain mean, no temperature): for checking a loaded file."""
        return F.conv2d(torch.softmax(logits, 1), self.model_out.weight) * AB_NORM
