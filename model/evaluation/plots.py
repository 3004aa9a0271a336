"""The CMF curves of colorizer-eval as a PNG (the paper's Fig. 4), drawn with Pillow alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

# Gray and Random in greys, our temperatures in colours a reader can tell apart.
BASELINE_COLOURS = {"gray": (150, 150, 150), "random": (90, 90, 90)}
COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189), (140, 86, 75), (227, 119, 194)]


def cmf_figure(curves: dict[str, np.ndarray], title: str, out: Path, panel: tuple[int, int] = (420, 300)) -> Path:
    """Two panels (raw, class-rebalanced) of cumulative mass against ab error 0..150, one line per
    method; ``curves`` maps a method's name to its (2, 151) CMF. The legend gives each AuC."""
    pw, ph = panel
    margin_l, margin_t, margin_b, gap, legend_h = 44, 34, 34, 30, 18 * len(curves) + 10
    img = Image.new("RGB", (margin_l + 2 * pw + gap + 20, margin_t + ph + margin_b + legend_h), "white")
    draw = ImageDraw.Draw(img)
    draw.text((margin_l, 6), title, fill="black")
    colours, ours = {}, iter(COLOURS)
    for name in curves:
        colours[name] = BASELINE_COLOURS.get(name) or next(ours, (0, 0, 0))
    for p, label in enumerate(("raw", "class-rebalanced")):
        x0, y0 = margin_l + p * (pw + gap), margin_t
        draw.rectangle([x0, y0, x0 + pw, y0 + ph], outline="black")
        draw.text((x0 + 4, y0 - 14), f"CMF, {label}", fill="black")
        for t in range(0, 151, 50):
            x = x0 + t / 150 * pw
            draw.line([x, y0 + ph, x, y0 + ph + 4], fill="black")
            draw.text((x - 8, y0 + ph + 6), str(t), fill="black")
        for v in (0.0, 0.5, 1.0):
            y = y0 + ph - v * ph
            draw.line([x0 - 4, y, x0, y], fill="black")
            draw.text((x0 - 28, y - 6), f"{v:.1f}", fill="black")
        draw.text((x0 + pw / 2 - 40, y0 + ph + 18), "ab error threshold", fill="black")
        for name, c in curves.items():
            pts = [(x0 + t / 150 * pw, y0 + ph - float(c[p, t]) * ph) for t in range(151)]
            draw.line(pts, fill=colours[name], width=2)
    ly = margin_t + ph + margin_b + 4
    for name, c in curves.items():
        draw.line([margin_l, ly + 7, margin_l + 24, ly + 7], fill=colours[name], width=3)
        auc = c.mean(axis=1) * 100
        draw.text((margin_l + 30, ly), f"{name}: AuC {auc[0]:.2f} raw, {auc[1]:.2f} rebalanced", fill="black")
        ly += 18
    out.parent.mkdir(parents=True, exist_ok=True)
    img.save(out)
    return out
