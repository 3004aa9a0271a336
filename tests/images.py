"""Photos of every kind a real archive holds, made by the tests themselves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile
from PIL import Image


def gradient(w: int = 64, h: int = 48) -> np.ndarray:
    y, x = np.mgrid[:h, :w]
    return ((x * 3 + y * 2) % 256).astype(np.uint8)


def colour(w: int = 64, h: int = 48) -> np.ndarray:
    g = gradient(w, h)
    return np.dstack([g, np.full_like(g, 40), 255 - g])


def make_all(folder: Path) -> dict[str, Path]:
    """One file of each kind; returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    g, c = gradient(), colour()
    out = {}

    def save(name, im, **kw):
        p = folder / name
        im.save(p, **kw)
        out[name] = p

    save("gray.jpg", Image.fromarray(g))
    save("gray.png", Image.fromarray(g))
    save("la.png", Image.fromarray(np.dstack([g, 255 - g])))
    pal = Image.fromarray(g).convert("P")
    pal.info["transparency"] = 0
    save("palette.png", pal, transparency=0)
    save("rgb.png", Image.fromarray(c))
    save("rgba.png", Image.fromarray(np.dstack([c, g])))
    save("cmyk.jpg", Image.fromarray(c).convert("CMYK"))
    save("gray16.png", Image.fromarray(g.astype(np.uint16) * 257))
    p = folder / "rgb16.tif"
    tifffile.imwrite(p, np.dstack([g, g, g]).astype(np.uint16) * 257, photometric="rgb")
    out["rgb16.tif"] = p
    save("gray.tif", Image.fromarray(g))
    save("gray.webp", Image.fromarray(g), quality=95)
    save("gray.bmp", Image.fromarray(g))
    frames = [Image.fromarray(g), Image.fromarray(255 - g)]
    frames[0].save(folder / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    out["anim.gif"] = folder / "anim.gif"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    save("rotated.jpg", Image.fromarray(gradient(64, 32)), exif=exif.tobytes())
    save("unicode naïve – photo ü.png", Image.fromarray(g))
    return out


def make_bad(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    (folder / "empty.jpg").write_bytes(b"")
    out["empty.jpg"] = folder / "empty.jpg"
    (folder / "text.jpg").write_text("this is a text file, not a photo\n")
    out["text.jpg"] = folder / "text.jpg"
    Image.fromarray(gradient(256, 256)).save(folder / "full.jpg", quality=95)
    data = (folder / "full.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(data[: len(data) // 3])
    (folder / "full.jpg").unlink()
    out["truncated.jpg"] = folder / "truncated.jpg"
    return out
