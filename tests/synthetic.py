"""Small synthetic colour photos whose colour follows their texture, so a net can learn it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

COLOURS = {"stripes": (200, 40, 40), "checker": (40, 60, 210), "flat": (40, 170, 60)}


def texture(kind: str, h: int, w: int) -> np.ndarray:
    y, x = np.mgrid[:h, :w]
    if kind == "stripes":
        return 0.75 + 0.25 * ((y // 3) % 2)
    if kind == "checker":
        return 0.75 + 0.25 * (((y // 4) + (x // 4)) % 2)
    return np.full((h, w), 0.9)


def scene(rng: np.random.Generator, size: int = 96) -> np.ndarray:
    kinds = list(COLOURS)
    img = np.zeros((size, size, 3))
    split = rng.integers(size // 4, 3 * size // 4)
    top, bottom = rng.choice(kinds, 2, replace=False)
    for kind, rows in ((top, slice(0, split)), (bottom, slice(split, size))):
        t = texture(kind, size, size)[rows]
        img[rows] = t[..., None] * np.array(COLOURS[kind])
    return img.clip(0, 255).astype(np.uint8)


def write_scenes(folder: Path, n: int, seed: int = 0, size: int = 96) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        p = folder / f"scene_{i:03d}.png"
        Image.fromarray(scene(rng, size)).save(p)
        paths.append(p)
    return paths


def untrained_lite_net():
    """A small untrained LiteColorNet that still predicts varied colours (random BN statistics)."""
    import torch

    from model.nets import LiteColorNet

    torch.manual_seed(0)
    net = LiteColorNet(channels=16)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_var.uniform_(0.5, 2)
    return net.eval()
