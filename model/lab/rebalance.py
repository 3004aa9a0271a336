"""Class rebalancing (eq. 4 of the paper): weights from the smoothed empirical ab prior."""

from __future__ import annotations

import numpy as np
import torch

from model.lab.bins import AB_BINS, Q, nearest_bin

PRIOR_SIGMA = 5.0
DEFAULT_LAMBDA = 0.5


def count_bins(ab: torch.Tensor) -> np.ndarray:
    """Histogram of nearest bins of ab (B, 2, H, W) as float64 counts (313,)."""
    idx = nearest_bin(ab).flatten()
    return torch.bincount(idx, minlength=Q).double().numpy()


def smooth_prior(prior: np.ndarray, sigma: float = PRIOR_SIGMA) -> np.ndarray:
    """Gaussian smoothing of a distribution over the bins, in ab space; the result sums to 1."""
    p = np.asarray(prior, dtype=np.float64)
    p = p / p.sum()
    d2 = ((AB_BINS[:, None, :] - AB_BINS[None, :, :]) ** 2).sum(-1).astype(np.float64)
    kernel = np.exp(-d2 / (2 * sigma**2))
    kernel /= kernel.sum(axis=0, keepdims=True)  # each source bin spreads exactly its mass
    out = kernel @ p
    return out / out.sum()


def rebalance_weights(prior: np.ndarray, lam: float = DEFAULT_LAMBDA, sigma: float = PRIOR_SIGMA) -> np.ndarray:
    """w ∝ ((1 - lam) p~ + lam / Q)^-1, normalised so that E_{p~}[w] = 1. lam = 1 gives ones."""
    p_smooth = smooth_prior(prior, sigma)
    mixed = (1 - lam) * p_smooth + lam / Q
    w = 1.0 / np.maximum(mixed, 1e-12)
    return w / (p_smooth * w).sum()


def pixel_weights(z: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """v(Z) = w[argmax_q Z]: per-pixel weight (B, H, W) from targets Z (B, 313, H, W)."""
    return weights.to(z.device, z.dtype)[z.argmax(dim=1)]
