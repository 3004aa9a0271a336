"""Plain words for what the network reports: colour names and how sure it was (testable, no Qt)."""

from __future__ import annotations

import math

import numpy as np

from model.lab.bins import AB_BINS, Q

# Hue angles in the ab plane (degrees from +a towards +b) where each name starts.
HUES = ((0, "red"), (45, "orange"), (75, "yellow"), (100, "yellow-green"), (135, "green"), (180, "teal"),
        (235, "blue"), (290, "purple"), (330, "magenta"), (350, "red"))  # fmt: skip


def colour_name(a: float, b: float) -> str:
    """'grey', or a hue with 'greyish'/'deep' by chroma: 'deep blue', 'greyish orange', 'green'."""
    chroma = math.hypot(a, b)
    if chroma < 8:
        return "grey"
    angle = math.degrees(math.atan2(b, a)) % 360
    name = [hue for start, hue in HUES if angle >= start][-1]
    return f"greyish {name}" if chroma < 20 else f"deep {name}" if chroma > 60 else name


BIN_NAMES = tuple(colour_name(a, b) for a, b in AB_BINS)


def named_choices(probs: np.ndarray, top: int = 5, least: float = 0.01) -> list[tuple[int, str, float]]:
    """The colours considered at a pixel, by name: neighbouring bins share a name ('orange' three
    times says nothing), so each name gets its bins' summed share and stands for its likeliest bin.
    (bin, name, share), likeliest first; at most ``top``, none under ``least`` but the first."""
    shares: dict[str, float] = {}
    best: dict[str, int] = {}
    for q in np.argsort(-probs):
        name = BIN_NAMES[q]
        shares[name] = shares.get(name, 0.0) + float(probs[q])
        best.setdefault(name, int(q))
    ranked = sorted(shares, key=shares.get, reverse=True)[:top]
    return [(best[n], n, shares[n]) for i, n in enumerate(ranked) if i == 0 or shares[n] >= least]


def certainty(entropy: float) -> float:
    """0 (every colour equally likely) .. 1 (one colour only), from the entropy in nats."""
    return float(np.clip(1.0 - entropy / math.log(Q), 0.0, 1.0))


def certainty_words(entropy: float) -> str:
    c = certainty(entropy)
    for limit, words in ((0.7, "very sure"), (0.5, "fairly sure"), (0.3, "unsure"), (0.0, "guessing")):
        if c >= limit:
            return words
    return "guessing"
