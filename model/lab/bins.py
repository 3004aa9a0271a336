"""The Q = 313 quantised ab colours of Zhang et al. (grid size 10).

The set is given, not derived: assigning all 16.7 M sRGB colours to their nearest grid
point occupies only 261 bins, so the released set is empirical (it came from ImageNet
statistics). We keep it exactly, in the released order (sorted by a, then by b), so that
the official weights' 313-way output lines up with our centres.
"""

from __future__ import annotations

import threading

import numpy as np
import torch

GRID = 10
NEAREST_CANDIDATES = 6  # enough for the exact nearest bin: 4 is not, off the gamut (tests/test_bins.py)

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


AB_LIMIT = 128  # candidates are tabulated for integer a, b in -128..127
_candidates: dict[tuple[int, str], torch.Tensor] = {}
_lock = threading.Lock()


def nearest_candidates(k: int, device=None) -> torch.Tensor:
    """(256, 256, k) indices of the k nearest bins of every integer (a, b): a lookup table that
    replaces a search over all 313 bins per pixel (distances are then computed exactly). Kept
    per device, so that a GPU trainer does not copy it every batch."""
    key = (k, str(torch.device(device or "cpu")))
    with _lock:
        if key not in _candidates:
            grid = torch.arange(-AB_LIMIT, AB_LIMIT, dtype=torch.float32)
            points = torch.stack(torch.meshgrid(grid, grid, indexing="ij"), dim=-1).view(-1, 2)
            idx = torch.cdist(points, ab_bins_torch()).topk(k, dim=1, largest=False).indices
            _candidates[key] = idx.view(2 * AB_LIMIT, 2 * AB_LIMIT, k).to(key[1])
    return _candidates[key]


def candidate_distances(flat: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """ab points (N, 2) -> the k bins nearest to each point's integer cell (N, k) and the
    squared distances to them (N, k). Rounding moves a point by under 0.71, far less than the
    grid's 10, so the point's own nearest bin is always among them."""
    cells = (flat.round() + AB_LIMIT).long().clamp_(0, 2 * AB_LIMIT - 1)
    near_idx = nearest_candidates(k, flat.device)[cells[:, 0], cells[:, 1]]
    return near_idx, (flat[:, None, :] - ab_bins_torch(flat.device)[near_idx]).pow(2).sum(-1)


def nearest_bin(ab: torch.Tensor) -> torch.Tensor:
    """ab (B, 2, H, W) -> index of the nearest bin (B, H, W)."""
    B, _, H, W = ab.shape
    idx, d2 = candidate_distances(ab.permute(0, 2, 3, 1).reshape(-1, 2).float(), NEAREST_CANDIDATES)
    return idx.gather(1, d2.argmin(dim=1, keepdim=True)).view(B, H, W)
