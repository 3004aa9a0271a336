"""The two networks, built by name."""

from __future__ import annotations

from torch import nn

from .eccv16 import ECCV16Net
from .lite import LiteColorNet

ARCHS = {"lite": LiteColorNet, "eccv16": ECCV16Net}


def build_net(arch: str, **config) -> nn.Module:
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {sorted(ARCHS)}")
    return ARCHS[arch](**config)


def arch_name(net: nn.Module) -> str:
    return next(name for name, cls in ARCHS.items() if isinstance(net, cls))


__all__ = ["ARCHS", "ECCV16Net", "LiteColorNet", "arch_name", "build_net"]
