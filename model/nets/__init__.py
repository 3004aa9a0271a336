"""The networks, built by name: two architectures and the mixture of trained ones."""

from __future__ import annotations

from torch import nn

from model.lab.bins import Q
from model.nets.eccv16 import ECCV16Net
from model.nets.lite import LiteColorNet
from model.nets.mixture import MixtureNet

ARCHS = {"lite": LiteColorNet, "eccv16": ECCV16Net, "mixture": MixtureNet}


def build_net(arch: str, **config) -> nn.Module:
    if arch not in ARCHS:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {sorted(ARCHS)}")
    return ARCHS[arch](**config)


def arch_name(net: nn.Module) -> str:
    return next(name for name, cls in ARCHS.items() if isinstance(net, cls))


def describe_architecture(net: nn.Module) -> str:
    """One line for a model card."""
    if isinstance(net, MixtureNet):
        shares = [w / sum(net.config["weights"]) for w in net.config["weights"]]
        parts = "; ".join(f"{share:.0%} {describe_architecture(m)}" for share, m in zip(shares, net.members))
        return f"a mixture of {len(shares)} networks' distributions: {parts}"
    if isinstance(net, LiteColorNet):
        encoder = net.config.get("encoder", "lite0").replace("lite", "EfficientNet-Lite")
        context = " with global context from the ImageNet head" if net.config.get("global_context") else ""
        if blocks := net.config.get("context_blocks"):
            context += f" and {blocks} residual block{'s' if blocks > 1 else ''} at each of its two coarsest levels"
        if blocks := net.config.get("fine_blocks"):
            context += f" and {blocks} residual block{'s' if blocks > 1 else ''} at 1/8"
        return (
            f"LiteColorNet: {encoder} encoder (ImageNet weights) + FPN decoder ({net.config['channels']} channels)"
            f"{context}, {Q}-bin logits at 1/4 resolution"
        )
    return f"ECCV16Net: the paper's 8-block VGG-style network, {Q}-bin logits at 1/4 resolution"


__all__ = ["ARCHS", "ECCV16Net", "LiteColorNet", "MixtureNet", "arch_name", "build_net", "describe_architecture"]
