"""How much simulated colour hints help: on photos with known colour, N hints at random pixels
take the true colour there (as a user who knew the colours would give it), and the AuC of the
result is measured for each N, the same photos and the same network run for every N."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from model.evaluation.evaluate import _lab
from model.evaluation.metrics import AucAccumulator, bootstrap_margin
from model.inference.hints import Hint
from model.inference.pipeline import Colorizer

HINT_COUNTS = (0, 1, 2, 5, 10, 20)


def hint_curve(colorizer: Colorizer, images: list[torch.Tensor], prior: np.ndarray, T: float,
               counts=HINT_COUNTS, seed: int = 0) -> dict:  # fmt: skip
    """AuC raw and rebalanced for each number of hints, and the margin of 10 (or the largest N)
    hints over none with its 90% bootstrap interval. Hints of N + 1 include those of N."""
    accs = {n: AucAccumulator(prior) for n in counts}
    rng = np.random.default_rng(seed)
    for rgb in images:
        L, ab = _lab(rgb)
        h, w = L.shape
        pred = colorizer.predict(L)
        truth_w = accs[counts[0]].truth_weights(ab)
        xs, ys = rng.integers(w, size=max(counts)), rng.integers(h, size=max(counts))
        all_hints = [Hint(float(x), float(y), (float(ab[0, 0, y, x]), float(ab[0, 1, y, x]))) for x, y in zip(xs, ys)]
        for n in counts:
            pred.hints = all_hints[:n]
            accs[n].add(colorizer.ab_at(pred, T, (w, h))[None], ab, truth_w)
    out = {"temperature": T, "images": len(images), "hints": {n: {k: round(v, 2) for k, v in acc.result().items()}
                                                               for n, acc in accs.items()}}  # fmt: skip
    top = 10 if 10 in counts else max(counts)
    out["margin"] = {"hints": top, "vs": counts[0], **bootstrap_margin(accs[top], accs[counts[0]], seed=seed)}
    return out


def hint_curve_figure(result: dict, title: str, out: Path, size: tuple[int, int] = (560, 340)) -> Path:
    """AuC (raw, rebalanced) against the number of hints, one line each, labelled."""
    W, H = size
    ml, mr, mt, mb = 56, 20, 34, 44
    rows = {int(n): row for n, row in result["hints"].items()}  # JSON makes the counts strings
    ns = sorted(rows)
    values = [rows[n][k] for n in ns for k in ("auc_raw", "auc_rebalanced")]
    lo, hi = np.floor(min(values) / 5) * 5, np.ceil(max(values) / 5) * 5
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    d.text((ml, 8), title, fill="black")
    d.rectangle([ml, mt, W - mr, H - mb], outline="black")

    def xy(i: int, v: float) -> tuple[float, float]:
        x = ml + (W - ml - mr) * i / max(1, len(ns) - 1)  # hint counts evenly spaced, labelled
        return x, H - mb - (H - mt - mb) * (v - lo) / max(1e-9, hi - lo)

    for i, n in enumerate(ns):
        x, _ = xy(i, lo)
        d.line([x, H - mb, x, H - mb + 4], fill="black")
        d.text((x - 4, H - mb + 6), str(n), fill="black")
    d.text((W / 2 - 40, H - 18), "hints per photo", fill="black")
    for v in np.linspace(lo, hi, 5):
        _, y = xy(0, v)
        d.line([ml - 4, y, ml, y], fill="black")
        d.text((6, y - 6), f"{v:.1f}", fill="black")
    for key, colour in (("auc_raw", (31, 119, 180)), ("auc_rebalanced", (214, 39, 40))):
        pts = [xy(i, rows[n][key]) for i, n in enumerate(ns)]
        d.line(pts, fill=colour, width=2)
        for x, y in pts:
            d.ellipse([x - 3, y - 3, x + 3, y + 3], fill=colour)
        legend_y = H - mb - (44 if key == "auc_raw" else 26)  # bottom right, clear of the lines, which rise
        d.line([W - mr - 170, legend_y + 6, W - mr - 150, legend_y + 6], fill=colour, width=3)
        d.text((W - mr - 144, legend_y), f"AuC {key[4:]}", fill=colour)
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out)
    return out
