"""The annealed mean H(Z): from a 313-bin distribution to one ab colour per pixel."""

from __future__ import annotations

import torch

from model.lab.bins import ab_bins_torch

PAPER_T = 0.38  # the value of the paper's section 3.3 and Fig. 3
BRIEF_T = 1 / 6  # the value our brief quotes; evaluation reports both
MODE_BELOW = 1e-6  # smaller T is the mode to float precision, and log z / T would overflow to -inf


def log_probs(z: torch.Tensor, is_logits: bool = False, dim: int = 1) -> torch.Tensor:
    """Normalised log-probabilities from probabilities or from logits."""
    if is_logits:
        return torch.log_softmax(z.float(), dim=dim)
    return torch.log(z.float().clamp_min(1e-12))


def annealed_distribution(z: torch.Tensor, T: float, is_logits: bool = False, dim: int = 1) -> torch.Tensor:
    """softmax(log z / T) along ``dim``; T = 0 gives a one-hot of the mode."""
    lp = log_probs(z, is_logits, dim)
    if T < MODE_BELOW:
        return torch.zeros_like(lp).scatter_(dim, lp.argmax(dim=dim, keepdim=True), 1.0)
    return torch.softmax(lp / T, dim=dim)


def annealed_mean_of_log_probs(lp: torch.Tensor, T: float) -> torch.Tensor:
    """Normalised log-probabilities (B, 313, H, W) -> ab (B, 2, H, W). The decode hot path:
    the pipeline caches log-probabilities and calls this for every temperature."""
    B, q, h, w = lp.shape
    bins = ab_bins_torch(lp.device)
    if T < MODE_BELOW:
        return bins[lp.argmax(dim=1)].permute(0, 3, 1, 2)
    f = torch.softmax(lp.reshape(B, q, h * w) / T, dim=1)
    return (bins.T @ f).view(B, 2, h, w)  # a batched matmul: einsum is several times slower here


def annealed_mean(z: torch.Tensor, T: float, is_logits: bool = False) -> torch.Tensor:
    """Z (B, 313, H, W) -> ab (B, 2, H, W) at temperature T (T = 1: mean, T = 0: mode)."""
    return annealed_mean_of_log_probs(log_probs(z, is_logits, dim=1), T)


def entropy_of_log_probs(lp: torch.Tensor, dim: int = 0) -> torch.Tensor:
    """Entropy in nats of distributions given as log-probabilities along ``dim`` (log Q: total doubt)."""
    return -(lp.exp() * lp).sum(dim)
