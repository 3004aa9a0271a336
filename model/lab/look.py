"""A photographer's global adjustments of the colour (not of the lightness): saturation scales
chroma, warmth shifts b (blue <-> yellow), tint shifts a (green <-> magenta). Applied to ab
after the network, the chosen modes and the hints, so one drag corrects a cast everywhere. Grey
unsure greys the network's own colour where it was less sure than usual (before modes and hints,
the user's choices), which tames the blotches of unsure regions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from model.errors import UserError
from model.lab.annealed import entropy_of_log_probs
from model.lab.bins import Q

SATURATION_RANGE = (0.0, 3.0)
SHIFT_RANGE = (-60.0, 60.0)  # ab units; beyond this a "correction" is a new colour
GREY_UNSURE_RANGE = (0.0, 1.0)
# Certainty (1 - entropy / log Q) at and above which a pixel is never greyed: about the median
# pixel's of Vivid on val (0.43, measured on 409 photos), so greying touches the less sure half.
TYPICAL_CERTAINTY = 0.45


@dataclass(frozen=True)
class Look:
    saturation: float = 1.0  # 1 unchanged, 0 grey
    warmth: float = 0.0  # + towards yellow (b), - towards blue
    tint: float = 0.0  # + towards magenta (a), - towards green
    grey_unsure: float = 0.0  # 0 off .. 1: a pixel less sure than typical keeps chroma in proportion to its certainty

    def __post_init__(self):
        limits = (("saturation", self.saturation, SATURATION_RANGE), ("warmth", self.warmth, SHIFT_RANGE),
                  ("tint", self.tint, SHIFT_RANGE), ("grey_unsure", self.grey_unsure, GREY_UNSURE_RANGE))  # fmt: skip
        for name, value, (lo, hi) in limits:
            number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if not number or not lo <= value <= hi:
                raise UserError(f"{name} {value!r}: must be a number from {lo:g} to {hi:g}")

    @property
    def is_identity(self) -> bool:
        return self.saturation == 1.0 and self.warmth == 0.0 and self.tint == 0.0 and self.grey_unsure == 0.0


def apply_look(ab: torch.Tensor, look: Look) -> torch.Tensor:
    """ab (2, ...) -> saturation * ab + (tint, warmth)."""
    if look.is_identity:
        return ab
    shift = torch.tensor([look.tint, look.warmth], dtype=ab.dtype).view(2, *([1] * (ab.dim() - 1)))
    return ab * look.saturation + shift


def certainty_map(log_probs: torch.Tensor) -> torch.Tensor:
    """1 - entropy / log Q of each cell of (Q, h, w) log-probabilities: 0 every colour alike, 1 one colour."""
    return (1.0 - entropy_of_log_probs(log_probs) / math.log(Q)).clamp(0.0, 1.0)


def grey_unsure_cells(ab: torch.Tensor, certainty: torch.Tensor, strength: float) -> torch.Tensor:
    """ab (2, h, w) with the chroma of cells less sure than TYPICAL_CERTAINTY scaled towards
    certainty / TYPICAL_CERTAINTY, by ``strength`` (0 unchanged, 1 all the way); the hue is kept."""
    keep = (certainty / TYPICAL_CERTAINTY).clamp(max=1.0)
    return ab * (1.0 - strength * (1.0 - keep)).to(ab.dtype)
