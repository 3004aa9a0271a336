"""Soft-encoding of ground-truth ab into 313-bin targets (H_gt^-1 of the paper)."""

from __future__ import annotations

import torch

from .bins import Q, ab_bins_torch

K_NEAREST = 10
SIGMA = 5.0


def soft_encode(ab: torch.Tensor, k: int = K_NEAREST, sigma: float = SIGMA) -> torch.Tensor:
    """ab (B, 2, H, W) -> Z (B, 313, H, W): the k nearest bins, Gaussian-weighted, summing to 1."""
    B, _, H, W = ab.shape
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2).float()
    d2 = torch.cdist(flat, ab_bins_torch(ab.device)).pow(2)
    near_d2, near_idx = d2.topk(k, dim=1, largest=False)
    # Subtracting the nearest distance keeps far-out-of-gamut colours from underflowing to 0/0.
    w = torch.exp(-(near_d2 - near_d2[:, :1]) / (2 * sigma**2))
    w = w / w.sum(dim=1, keepdim=True)
    z = torch.zeros(flat.shape[0], Q, device=ab.device, dtype=w.dtype)
    z.scatter_(1, near_idx, w)
    return z.view(B, H, W, Q).permute(0, 3, 1, 2).contiguous()
