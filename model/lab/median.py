"""The median readout: from a 313-bin distribution to the colour with the least expected ab error.

Per pixel, the AuC of the ab-error CMF over thresholds 0..150 is 1 - min(error, 150) / 151, so the
colour that maximises its expectation under a belief over the bins is their geometric (L1) median;
the mean, which the annealed mean returns at T = 1, minimises the squared error instead and greys
a two-colour belief. The rebalanced AuC weights a pixel by the rarity of its true colour, so its
best colour is the median of the belief times those weights. A class-rebalanced network's output
is itself the belief times its training weights (the minimiser of the weighted cross-entropy):
dividing them out and multiplying ``rarity_exponent`` powers of the evaluation's weights back in
gives one knob from the calm raw optimum (0) to the vivid rebalanced one (1). The temperature
slider moves that knob: sharpening the belief, as the annealed mean does, hardly moves a median
(on val, colourfulness 0.90x at every T from 0.1 to 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from model.lab.bins import Q, ab_bins_torch
from model.lab.rebalance import rebalance_weights

TOP_BINS = 32  # the bins a median is taken over: the rest hold a negligible share of the mass
ITERATIONS = 10  # Weiszfeld steps from the mean
NEAR = 0.5  # ab units: a distance floor, so a median that lands on a bin centre stays finite


@dataclass(frozen=True)
class MedianReadout:
    """The median readout of one model: its training weights to divide out, the rarity weights to
    put back, and the exponent its card chose for T = 1."""

    untrained: torch.Tensor  # (313,) minus the log training weights (zeros for lambda 1)
    rarity: torch.Tensor  # (313,) the log inverse smoothed prior: the rebalanced AuC's weights
    exponent: float

    @classmethod
    def from_prior(cls, prior: np.ndarray, trained_lambda: float, exponent: float) -> MedianReadout:
        untrained = -np.log(rebalance_weights(prior, lam=trained_lambda))
        rarity = np.log(rebalance_weights(prior, lam=0.0))
        return cls(torch.as_tensor(untrained, dtype=torch.float32), torch.as_tensor(rarity, dtype=torch.float32), exponent)

    def exponent_at(self, T: float) -> float:
        """The card's exponent at T = 1, rising to 1 (the rebalanced optimum, the most vivid) as T
        falls to 0; the square root spreads the change along the slider's logarithmic scale."""
        return 1.0 - (1.0 - self.exponent) * math.sqrt(min(max(T, 0.0), 1.0))

    def offsets(self, T: float) -> torch.Tensor:
        """Per-bin log offsets (313,) from the network's log-probabilities to the belief at T."""
        return self.untrained + self.exponent_at(T) * self.rarity

    def __call__(self, lp: torch.Tensor, T: float) -> torch.Tensor:
        return median_of_log_probs(lp, self.offsets(T))


def geometric_median(probs: torch.Tensor, top: int = TOP_BINS, iterations: int = ITERATIONS) -> torch.Tensor:
    """Probabilities (N, 313) -> the ab point (N, 2) with the least expected Euclidean distance to
    the bin centres, by Weiszfeld's iteration over each row's ``top`` likeliest bins."""
    p, idx = probs.float().topk(min(top, probs.shape[1]), dim=1)
    return _weiszfeld(p / p.sum(1, keepdim=True).clamp_min(1e-30), idx, iterations)


def _weiszfeld(p: torch.Tensor, idx: torch.Tensor, iterations: int) -> torch.Tensor:
    """Weights (N, k) summing to 1 on the bins ``idx`` (N, k) -> their geometric medians (N, 2)."""
    bins = ab_bins_torch(p.device)
    a, b = bins[idx, 0], bins[idx, 1]  # (N, top) each: two planes are several times faster than (N, top, 2)
    xa, xb = (p * a).sum(1, keepdim=True), (p * b).sum(1, keepdim=True)
    for _ in range(iterations):
        c = p / torch.hypot(a - xa, b - xb).clamp_min(NEAR)
        norm = c.sum(1, keepdim=True)
        xa, xb = (c * a).sum(1, keepdim=True) / norm, (c * b).sum(1, keepdim=True) / norm
    return torch.cat([xa, xb], dim=1)


def median_of_log_probs(lp: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
    """Log-probabilities (B, 313, H, W) -> ab (B, 2, H, W): the geometric median of softmax(log p + offsets)."""
    B, q, h, w = lp.shape
    assert q == Q, f"expected {Q} bins, got {q}"
    # The likeliest bins of the belief are those of its logits, and the belief over them is their
    # softmax: no softmax over all 313 bins. A contiguous copy before the top-k costs more than it saves.
    logits = (lp.float() + offsets.to(lp.device).view(1, q, 1, 1)).permute(0, 2, 3, 1).reshape(-1, q)
    top, idx = logits.topk(TOP_BINS, dim=1, sorted=False)  # the order does not matter to a median
    ab = _weiszfeld(torch.softmax(top, dim=1), idx, ITERATIONS)
    return ab.view(B, h, w, 2).permute(0, 3, 1, 2).contiguous()


def describe_readout(readout: dict | None) -> str:
    """A card's readout in words (model card dialog, release notes)."""
    if readout is None:
        return "the annealed mean at each temperature (the paper's)"
    return (f"the median readout: the geometric median of the belief reweighted by the rebalanced AuC's weights to "
            f"the power {readout['rarity_exponent']:g} at T 1, rising to 1 as T falls to 0")  # fmt: skip
