"""MixtureNet: several trained networks whose colour distributions are mixed with fixed weights.

Two networks that learnt different features (a Lite0 and a Lite2 encoder, say) are wrong in
different places, and the mixture of their distributions is a better guess than either: the same
reason the app averages a photo with its mirror image. The mixture is only for inference; each
member is trained on its own.

Its forward returns log-probabilities, not logits: ``log_softmax`` of them is themselves, so every
caller that normalises a network's output reads a mixture as it reads one network."""

from __future__ import annotations

import math

import torch
from torch import nn


class MixtureNet(nn.Module):
    def __init__(self, members: list[dict], weights: list[float]):
        super().__init__()
        from model.nets import build_net  # the registry imports this module

        if len(members) < 2 or len(weights) != len(members):
            raise ValueError(f"a mixture needs two or more members and one weight each ({len(members)}, {len(weights)} given)")
        if not all(isinstance(w, (int, float)) and not isinstance(w, bool) and math.isfinite(w) and w > 0 for w in weights):
            raise ValueError(f"mixture weights must be positive numbers, not {weights!r}")
        if any(m.get("arch") == "mixture" for m in members):
            raise ValueError("a mixture's members must be single networks")
        self.members = nn.ModuleList(build_net(m["arch"], **m.get("config", {})) for m in members)
        total = float(sum(weights))
        self.register_buffer("log_weights", torch.tensor([math.log(w / total) for w in weights]), persistent=False)
        self.config = {"members": [{"arch": m["arch"], "config": dict(m.get("config", {}))} for m in members],
                       "weights": [float(w) for w in weights]}  # fmt: skip
        self.STRIDE = max(getattr(n, "STRIDE", 8) for n in self.members)

    @classmethod
    def of(cls, nets: list[nn.Module], weights: list[float]) -> MixtureNet:
        """The mixture of trained networks, their weights copied in."""
        from model.nets import arch_name

        mix = cls([{"arch": arch_name(n), "config": n.config} for n in nets], weights)
        for member, net in zip(mix.members, nets):
            member.load_state_dict(net.state_dict())
        return mix.eval()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, Q, h, w) log-probabilities of the mixture."""
        outs = [torch.log_softmax(net(x).float(), dim=1) + lw for net, lw in zip(self.members, self.log_weights)]
        return torch.logsumexp(torch.stack(outs), dim=0)
