"""The paper's objective (eq. 2-4): class-rebalanced multinomial cross-entropy on soft-encoded
313-bin targets, with deep supervision on blocks 6-8 for ECCV16Net."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from model.lab.bins import Q
from model.lab.encoding import SparseTargets, soft_encode_sparse
from model.training.data import GRAY_CHROMA

DEEP_WEIGHTS = (1.0, 2.0, 4.0)  # blocks 6, 7, 8: deeper readouts weigh more


def rebalanced_ce(logits: torch.Tensor, targets: SparseTargets, v: torch.Tensor) -> torch.Tensor:
    """Eq. 2: -sum_hw v(Z_hw) sum_q Z_hwq log Zhat_hwq, averaged per location.

    Z has 10 non-zero bins per pixel and sums to 1, so the sum is logsumexp(logits) minus the
    Z-weighted logits of those bins: no dense 313-channel target, and no copy when the logits
    are channels-last (each pixel's 313 logits then lie side by side)."""
    x = logits.float().permute(0, 2, 3, 1).reshape(-1, Q)
    return _SparseCrossEntropy.apply(x, targets.bins, targets.weights, v.reshape(-1))


class _SparseCrossEntropy(torch.autograd.Function):
    """mean_n v_n (logsumexp(x_n) - sum_k w_nk x_n[bins_nk]) with the gradient written out:
    (softmax(x_n) - w_n scattered) v_n / N, from the softmax kept by the forward pass (autograd
    would recompute it and build a dense zero tensor for the gather)."""

    @staticmethod
    def forward(ctx, x, bins, w, v):
        m = x.amax(dim=1, keepdim=True)
        p = (x - m).exp_()
        s = p.sum(dim=1, keepdim=True)
        p.div_(s)
        per_pixel = (m + s.log()).squeeze(1) - (x.gather(1, bins) * w).sum(dim=1)
        ctx.save_for_backward(p, bins, w, v)
        return (per_pixel * v).mean()

    @staticmethod
    def backward(ctx, grad):
        p, bins, w, v = ctx.saved_tensors
        coef = (v * (grad / len(v)))[:, None]
        g = p.mul_(coef)  # p is not needed again
        g.scatter_add_(1, bins, -w * coef)
        return g, None, None, None


def targets_at(ab: torch.Tensor, stride: int, weights: torch.Tensor, keep: torch.Tensor):
    """Soft-encoded targets (sparse) and per-pixel weights (B, H, W) at 1/stride; grey crops get weight 0."""
    ab_small = F.avg_pool2d(ab, stride)
    targets = soft_encode_sparse(ab_small)
    B, _, H, W = ab_small.shape
    v = weights.to(ab.device)[targets.nearest].view(B, H, W) * keep.view(-1, 1, 1)
    return targets, v


def jitter_tone(L: torch.Tensor, amount: float, step: int, seed: int) -> torch.Tensor:
    """A random gamma per photo on the input lightness only (targets keep their colour)."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + step)
    gamma = torch.exp((torch.rand(len(L), 1, 1, 1, generator=g) * 2 - 1) * amount).to(L.device)
    return 100.0 * (L.clamp(0, 100) / 100.0) ** gamma


def batch_loss(net, L, ab, weights, deep: bool) -> torch.Tensor:
    keep = (ab.pow(2).sum(1).sqrt().mean(dim=(1, 2)) >= GRAY_CHROMA).float()
    if not deep:
        z, v = targets_at(ab, 4, weights, keep)
        return rebalanced_ce(net(L), z, v)
    logits, (r6, r7) = net(L, deep=True)
    z8, v8 = targets_at(ab, 8, weights, keep)
    z4, v4 = targets_at(ab, 4, weights, keep)
    losses = [rebalanced_ce(r6, z8, v8), rebalanced_ce(r7, z8, v8), rebalanced_ce(logits, z4, v4)]
    return sum(w * loss for w, loss in zip(DEEP_WEIGHTS, losses)) / sum(DEEP_WEIGHTS)
