"""Soft-encoding of ground-truth ab into 313-bin targets (H_gt^-1 of the paper).

Each pixel's target has only k = 10 non-zero bins, so the trainer keeps it sparse (bin indices
and weights); ``soft_encode`` spreads that into the dense (B, 313, H, W) distribution."""

from __future__ import annotations

from typing import NamedTuple

import torch

from model.lab.bins import Q, candidate_distances

K_NEAREST = 10
SIGMA = 5.0


class SparseTargets(NamedTuple):
    """Soft-encoded targets of N pixels (in B, H, W order): bins (N, k), their weights (N, k)
    summing to 1, and each pixel's nearest bin (N,)."""

    bins: torch.Tensor
    weights: torch.Tensor
    nearest: torch.Tensor


def soft_encode_sparse(ab: torch.Tensor, k: int = K_NEAREST, sigma: float = SIGMA) -> SparseTargets:
    """ab (B, 2, H, W) -> the k nearest bins of each pixel, Gaussian-weighted."""
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2).float()
    near_idx, near_d2 = candidate_distances(flat, k)  # (N, k) each
    closest = near_d2.min(dim=1, keepdim=True)
    # Relative to the nearest, so that far-out-of-gamut colours do not underflow to 0/0.
    w = torch.exp(-(near_d2 - closest.values) / (2 * sigma**2))
    w = w / w.sum(dim=1, keepdim=True)
    return SparseTargets(near_idx, w, near_idx.gather(1, closest.indices)[:, 0])


def soft_encode(ab: torch.Tensor, k: int = K_NEAREST, sigma: float = SIGMA) -> torch.Tensor:
    """ab (B, 2, H, W) -> Z (B, 313, H, W): the k nearest bins, Gaussian-weighted, summing to 1."""
    B, _, H, W = ab.shape
    t = soft_encode_sparse(ab, k, sigma)
    z = torch.zeros(t.bins.shape[0], Q, device=ab.device, dtype=t.weights.dtype)
    z.scatter_(1, t.bins, t.weights)
    return z.view(B, H, W, Q).permute(0, 3, 1, 2).contiguous()
