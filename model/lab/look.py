"""A photographer's global adjustments of the colour (not of the lightness): saturation scales
chroma, warmth shifts b (blue <-> yellow), tint shifts a (green <-> magenta). Applied to ab after
the network, the chosen modes and the hints, so one drag corrects a cast everywhere."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from model.errors import UserError

SATURATION_RANGE = (0.0, 3.0)
SHIFT_RANGE = (-60.0, 60.0)  # ab units; beyond this a "correction" is a new colour


@dataclass(frozen=True)
class Look:
    saturation: float = 1.0  # 1 unchanged, 0 grey
    warmth: float = 0.0  # + towards yellow (b), - towards blue
    tint: float = 0.0  # + towards magenta (a), - towards green

    def __post_init__(self):
        limits = (("saturation", self.saturation, SATURATION_RANGE), ("warmth", self.warmth, SHIFT_RANGE),
                  ("tint", self.tint, SHIFT_RANGE))  # fmt: skip
        for name, value, (lo, hi) in limits:
            number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if not number or not lo <= value <= hi:
                raise UserError(f"{name} {value!r}: must be a number from {lo:g} to {hi:g}")

    @property
    def is_identity(self) -> bool:
        return self.saturation == 1.0 and self.warmth == 0.0 and self.tint == 0.0


def apply_look(ab: torch.Tensor, look: Look) -> torch.Tensor:
    """ab (2, ...) -> saturation * ab + (tint, warmth)."""
    if look.is_identity:
        return ab
    shift = torch.tensor([look.tint, look.warmth], dtype=ab.dtype).view(2, *([1] * (ab.dim() - 1)))
    return ab * look.saturation + shift
