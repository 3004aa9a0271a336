"""Evaluation metrics of the paper (section 4.1) and colourfulness (Hasler & Suesstrunk 2003)."""

from __future__ import annotations

import numpy as np
import torch

from model.lab.bins import nearest_bin
from model.lab.rebalance import rebalance_weights

THRESHOLDS = np.arange(0, 151, dtype=np.float64)  # ab error thresholds 0, 1, ..., 150
HEAVY_SHARE = 0.10  # a photo holding more of the rebalanced weight is left out of the bounded figure


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
    Errors are counted per integer threshold (slot k holds errors in (k-1, k]), which is exact for
    the CMF at thresholds 0..150 and small. Each ``add`` keeps its own counts (one image in
    colorizer-eval), so that a bootstrap over images can say how much the AuC depends on the sample.
    """

    def __init__(self, prior: np.ndarray):
        self.bin_weights = inverse_prior_weights(prior)
        self.images: list[np.ndarray] = []  # per image: (2, slots) raw and rebalanced counts

    def truth_weights(self, true_ab: torch.Tensor) -> np.ndarray:
        """Rebalancing weight of each pixel, from its ground-truth bin (reusable across calls)."""
        return self.bin_weights[nearest_bin(true_ab.float().cpu()).flatten()].numpy()

    def add(self, pred_ab: torch.Tensor, true_ab: torch.Tensor, truth_weights: np.ndarray | None = None) -> None:
        err = ab_error(pred_ab, true_ab).flatten().cpu().numpy()
        w = self.truth_weights(true_ab) if truth_weights is None else truth_weights
        slot = np.searchsorted(THRESHOLDS, err, side="left")  # len(THRESHOLDS) for errors above 150
        slots = len(THRESHOLDS) + 1
        self.images.append(np.stack([np.bincount(slot, minlength=slots), np.bincount(slot, weights=w, minlength=slots)]))

    @staticmethod
    def _cmf(hist: np.ndarray) -> np.ndarray:
        """The CMF at thresholds 0..150 of histograms (..., slots)."""
        cum = np.cumsum(hist, axis=-1)
        return cum[..., :-1] / cum[..., -1:]

    @staticmethod
    def _auc(hist: np.ndarray) -> np.ndarray:
        """AuC (%) of histograms (..., slots)."""
        return AucAccumulator._cmf(hist).mean(axis=-1) * 100

    def result(self) -> dict[str, float]:
        raw, rebalanced = self._auc(np.sum(self.images, axis=0))
        return {"auc_raw": float(raw), "auc_rebalanced": float(rebalanced)}

    def curves(self) -> np.ndarray:
        """The CMF at thresholds 0..150: (2, 151), raw and rebalanced; the AuC is their mean."""
        return self._cmf(np.sum(self.images, axis=0))

    def subset(self, indices) -> AucAccumulator:
        """The same measure over some of the images (a part of the validation set)."""
        part = AucAccumulator.__new__(AucAccumulator)
        part.bin_weights, part.images = self.bin_weights, [self.images[i] for i in indices]
        return part

    def image_shares(self) -> np.ndarray:
        """Each image's share of the rebalanced weight (it depends on the truth alone)."""
        mass = np.array([h[1].sum() for h in self.images])
        return mass / mass.sum()

    def largest_image_share(self) -> float:
        """The largest share of the rebalanced weight that a single image holds."""
        return float(self.image_shares().max())

    def light_images(self, limit: float = HEAVY_SHARE) -> np.ndarray:
        """The images holding at most ``limit`` of the rebalanced weight: a photo whose colours the
        prior almost never saw can hold most of it, and the rebalanced AuC then measures that photo.
        In a set of 1/limit images or fewer each holds that much by right: all are kept."""
        shares = self.image_shares()
        return np.arange(len(shares)) if len(shares) * limit <= 1 else np.flatnonzero(shares <= limit)


def bootstrap_margin(ours: AucAccumulator, baseline: AucAccumulator, n: int = 1000, seed: int = 0) -> dict:
    """5th and 95th percentiles of ours minus baseline (raw and rebalanced AuC) when the images
    are resampled with replacement; both accumulators must hold the same images in order."""
    a, b = np.array(ours.images), np.array(baseline.images)
    if a.shape != b.shape:
        raise ValueError("the two accumulators hold different images")
    rng = np.random.default_rng(seed)
    counts = np.stack([np.bincount(rng.integers(len(a), size=len(a)), minlength=len(a)) for _ in range(n)]).astype(float)
    diff = AucAccumulator._auc(np.einsum("ni,iks->nks", counts, a)) - AucAccumulator._auc(np.einsum("ni,iks->nks", counts, b))
    lo, hi = np.percentile(diff, [5, 95], axis=0)
    return {"raw_90ci": [round(float(lo[0]), 2), round(float(hi[0]), 2)],
            "rebalanced_90ci": [round(float(lo[1]), 2), round(float(hi[1]), 2)]}  # fmt: skip


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Suesstrunk's colourfulness M of an sRGB image (H, W, 3) in [0, 255]."""
    rgb = np.asarray(rgb, dtype=np.float64)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


NEUTRAL_CHROMA = 5.0  # a truth pixel this close to grey is neutral (white walls, pavement, grey sky)
STRONG_TINT = 15.0  # a result chroma a photographer sees as a colour, not a slightly warm grey


class CastCounter:
    """A colour cast, per image: the mean ab of the results against the truth's, and how many
    neutral truth pixels were given a strong tint. Kept per image so that parts can be reported."""

    def __init__(self):
        self.images: list[np.ndarray] = []  # per image: mean a, b of result and truth; neutral, tinted counts

    def add(self, pred_ab: np.ndarray, true_ab: np.ndarray) -> None:
        """ab arrays (2, H, W) of one image."""
        neutral = np.hypot(true_ab[0], true_ab[1]) < NEUTRAL_CHROMA
        tinted = neutral & (np.hypot(pred_ab[0], pred_ab[1]) > STRONG_TINT)
        means = [pred_ab[0].mean(), pred_ab[1].mean(), true_ab[0].mean(), true_ab[1].mean()]
        self.images.append(np.array([*means, neutral.sum(), tinted.sum()], dtype=np.float64))

    def subset(self, indices) -> CastCounter:
        part = CastCounter()
        part.images = [self.images[i] for i in indices]
        return part

    def result(self) -> dict:
        rows = np.array(self.images)
        median = np.median(rows[:, :4], axis=0)
        neutral, tinted = rows[:, 4].sum(), rows[:, 5].sum()
        return {
            "median_ab": [round(float(median[0]), 2), round(float(median[1]), 2)],
            "truth_median_ab": [round(float(median[2]), 2), round(float(median[3]), 2)],
            "neutral_tinted_share": round(float(tinted / neutral), 4) if neutral else 0.0,
        }
