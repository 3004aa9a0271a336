"""The Q = 313 quantised ab colours of Zhang et al. (grid size 10).

The set is given, not derived: assigning all 16.7 M sRGB colours to their nearest grid
point occupies only 261 bins, so the released set is empirical (it came from ImageNet
statistics). We keep it exactly, in the released order (sorted by a, then by b), so that
the official weights' 313-way output lines up with our centres.
"""

from __future__ import annotations

import numpy as np
import torch

GRID = 10

# a: (lowest b, highest b); b is contiguous in steps of GRID for each a.
_B_RANGE_FOR_A = {
    -90: (50, 90), -80: (20, 90), -70: (0, 90), -60: (-20, 90), -50: (-30, 100),
    -40: (-40, 100), -30: (-50, 100), -20: (-50, 100), -10: (-60, 100), 0: (-70, 100),
    10: (-80, 90), 20: (-80, 90), 30: (-90, 90), 40: (-100, 90), 50: (-100, 80),
    60: (-110, 80), 70: (-110, 80), 80: (-110, 70), 90: (-110, 70), 100: (-90, 0),
}  # fmt: skip

AB_BINS = np.array(
    [(a, b) for a, (lo, hi) in sorted(_B_RANGE_FOR_A.items()) for b in range(lo, hi + 1, GRID)],
    dtype=np.float32,
)
Q = len(AB_BINS)
assert Q == 313


def ab_bins_torch(device=None, dtype=torch.float32) -> torch.Tensor:
    """The (313, 2) bin centres as a tensor."""
    return torch.as_tensor(AB_BINS, dtype=dtype, device=device)


def nearest_bin(ab: torch.Tensor) -> torch.Tensor:
    """ab (B, 2, H, W) -> index of the nearest bin (B, H, W)."""
    B, _, H, W = ab.shape
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2).float()
    d = torch.cdist(flat, ab_bins_torch(ab.device))
    return d.argmin(dim=1).view(B, H, W)


def nearest_bin_np(ab: np.ndarray) -> np.ndarray:
    """ab (..., 2) -> nearest bin index (...), for numpy callers."""
    t = torch.as_tensor(np.asarray(ab, dtype=np.float32).reshape(1, -1, 1, 2)).permute(0, 3, 1, 2)
    return nearest_bin(t).numpy().reshape(np.shape(ab)[:-1])
