"""Contact sheets: input | result (| truth) for a folder of photos, the way a photographer checks colour."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from model.inference.pipeline import Colorizer
from model.io.images import load_image
from model.lab.color import gray_from_lightness


def _thumb(im: Image.Image, height: int) -> Image.Image:
    return im.resize((max(1, round(im.width * height / im.height)), height), Image.LANCZOS)


def contact_sheet(colorizer: Colorizer, files: list[Path], T: float, out: Path, with_truth: bool, width: int = 2000,
                  height: int = 150) -> Path:  # fmt: skip
    """input | result (| truth) for each photo, packed into rows of at most ``width`` pixels so
    that portrait and landscape photos leave no gaps; the result is the app's own output."""
    tiles = []
    for f in files:
        image = load_image(f)
        result = Image.fromarray(colorizer.compose(colorizer.predict(image.L), image.L, T))
        gray = Image.fromarray(gray_from_lightness(image.L)).convert("RGB")  # what the network saw
        parts = [gray, result] + ([Image.open(f).convert("RGB")] if with_truth else [])
        thumbs = [_thumb(p, height) for p in parts]
        tile = Image.new("RGB", (sum(t.width for t in thumbs) + 4 * (len(thumbs) - 1), height), "white")
        x = 0
        for t in thumbs:
            tile.paste(t, (x, 0))
            x += t.width + 4
        tiles.append(tile)
    margin, gap, header = 10, 16, 26
    rows: list[list[Image.Image]] = [[]]
    for tile in tiles:
        used = sum(t.width + gap for t in rows[-1])
        if rows[-1] and margin + used + tile.width + margin > width:
            rows.append([])
        rows[-1].append(tile)
    sheet_w = max(margin * 2 + sum(t.width for t in r) + gap * (len(r) - 1) for r in rows)
    sheet = Image.new("RGB", (sheet_w, header + len(rows) * (height + margin) + margin), "white")
    draw = ImageDraw.Draw(sheet)
    labels = "input | result | truth" if with_truth else "input | result"
    title = colorizer.card.get("title", colorizer.card.get("name", ""))
    draw.text((margin, 8), f"{labels}   (T = {T:.3g}, {title})", fill="black")
    for r, row in enumerate(rows):
        x = margin
        for tile in row:
            sheet.paste(tile, (x, header + r * (height + margin)))
            x += tile.width + gap
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)
    return out
