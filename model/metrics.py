"""Evaluation metrics of the paper (section 4.1) and colourfulness (Hasler & Suesstrunk 2003)."""

from __future__ import annotations

import numpy as np
import torch

from .bins import nearest_bin
from .rebalance import rebalance_weights

THRESHOLDS = np.arange(0, 151, dtype=np.float64)  # ab error thresholds 0, 1, ..., 150


def ab_error(pred_ab: torch.Tensor, true_ab: torch.Tensor) -> torch.Tensor:
    """Per-pixel Euclidean ab error (B, H, W) from two (B, 2, H, W) tensors."""
    return (pred_ab.float() - true_ab.float()).pow(2).sum(dim=1).sqrt()


def cmf(errors: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Cumulative mass of errors at each threshold: share of (weighted) pixels with error <= t."""
    e = np.asarray(errors, dtype=np.float64).ravel()
    w = np.ones_like(e) if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    order = np.argsort(e)
    cum = np.concatenate([[0.0], np.cumsum(w[order])])
    return cum[np.searchsorted(e[order], THRESHOLDS, side="right")] / cum[-1]


def auc(errors: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Area under the CMF over thresholds 0..150, normalised to a percentage (the mean of the CMF)."""
    return float(cmf(errors, weights).mean() * 100)


def inverse_prior_weights(prior: np.ndarray) -> torch.Tensor:
    """Per-bin weights for the rebalanced AuC: the inverse smoothed prior (lambda = 0)."""
    return torch.as_tensor(rebalance_weights(prior, lam=0.0), dtype=torch.float64)


class AucAccumulator:
    """Collects per-pixel errors over many images; reports raw and class-rebalanced AuC.

    The rebalanced variant weights each pixel by the inverse prior of its *ground-truth* bin.
    Errors are counted in a fine histogram so that memory stays constant over a data set.
    """

    def __init__(self, prior: np.ndarray):
        self.bin_weights = inverse_prior_weights(prior)
        self.edges = np.linspace(0, 300, 3001)  # 0.1 ab-unit resolution
        self.raw = np.zeros(len(self.edges) + 1)
        self.rebalanced = np.zeros(len(self.edges) + 1)

    def truth_weights(self, true_ab: torch.Tensor) -> np.ndarray:
        """Rebalancing weight of each pixel, from its ground-truth bin (reusable across calls)."""
        return self.bin_weights[nearest_bin(true_ab.float().cpu()).flatten()].numpy()

    def add(self, pred_ab: torch.Tensor, true_ab: torch.Tensor, truth_weights: np.ndarray | None = None) -> None:
        err = ab_error(pred_ab, true_ab).flatten().cpu().numpy()
        w = self.truth_weights(true_ab) if truth_weights is None else truth_weights
        slot = np.searchsorted(self.edges, err, side="left")
        self.raw += np.bincount(slot, minlength=len(self.raw))
        self.rebalanced += np.bincount(slot, weights=w, minlength=len(self.raw))

    def _auc(self, hist: np.ndarray) -> float:
        # slot i holds errors in (edges[i-1], edges[i]]; error <= t for every slot with edges <= t.
        cum = np.cumsum(hist)
        idx = np.searchsorted(self.edges, THRESHOLDS, side="right")
        return float((cum[idx - 1] / cum[-1]).mean() * 100)

    def result(self) -> dict[str, float]:
        return {"auc_raw": self._auc(self.raw), "auc_rebalanced": self._auc(self.rebalanced)}


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk's colourfulness M of an sRGB image (H, W, 3) in [0, 255]."""
    rgb = np.asarray(rgb, dtype=np.float64)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))
