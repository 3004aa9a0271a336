"""Training and validation data: folders of colour photos -> random crops and Lab tensors."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps
from torch.utils.data import Dataset, DistributedSampler, Sampler

from .color import rgb_to_lab, rgb_to_lab_torch
from .rebalance import count_bins

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"}
GRAY_CHROMA = 1.5  # mean Lab chroma under which a photo counts as grayscale


def list_images(root: str | os.PathLike, recursive: bool = True) -> list[Path]:
    root = Path(root)
    pattern = root.rglob("*") if recursive else root.glob("*")
    return sorted(p for p in pattern if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def load_rgb(path: str | os.PathLike) -> Image.Image:
    """Open a photo upright as RGB; raises OSError with the file name on any failure."""
    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            return im.convert("RGB")
    except Exception as e:  # PIL raises a zoo of types for broken files
        raise OSError(f"{path}: cannot read image ({e})") from e


def mean_chroma(rgb: np.ndarray) -> float:
    lab = rgb_to_lab(rgb / 255.0)
    return float(np.hypot(lab[..., 1], lab[..., 2]).mean())


def _files_digest(files: list[Path]) -> str:
    h = hashlib.sha1()
    for f in files:
        h.update(str(f).encode())
        h.update(str(f.stat().st_size).encode())
    return h.hexdigest()


def scan_training_set(files: list[Path], cache: Path | None = None) -> tuple[list[Path], np.ndarray]:
    """One pass over the corpus: drop unreadable and grayscale photos, count the ab prior.

    Returns the usable files and the prior (bin counts, 313). Cached in ``cache`` (JSON).
    """
    digest = _files_digest(files)
    if cache is not None and cache.exists():
        data = json.loads(cache.read_text())
        if data.get("digest") == digest:
            return [Path(f) for f in data["files"]], np.array(data["counts"])
    kept, counts = [], np.zeros(313)
    for f in files:
        try:
            im = load_rgb(f)
        except OSError as e:
            log.warning("skipping %s", e)
            continue
        im.thumbnail((128, 128), Image.BILINEAR)  # the prior needs statistics, not detail
        rgb = np.asarray(im, dtype=np.float64)
        if mean_chroma(rgb) < GRAY_CHROMA:
            log.info("skipping grayscale photo %s", f)
            continue
        lab = rgb_to_lab_torch(torch.from_numpy(rgb / 255.0).permute(2, 0, 1)[None].float())
        counts += count_bins(lab[:, 1:])
        kept.append(f)
    if cache is not None:
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps({"digest": digest, "files": [str(f) for f in kept], "counts": counts.tolist()}))
        os.replace(tmp, cache)
    return kept, counts


class RandomCrops(Dataset):
    """Random rescaled square crops (or, with probability ``squeeze``, whole photos squeezed square)
    with flips, keyed by (index, seed) so any step is reproducible."""

    def __init__(
        self, files: list[Path], size: int, max_zoom: float = 1.5, squeeze: float = 0.0, max_upscale: float = 1.0
    ):
        self.files, self.size, self.max_zoom, self.squeeze = files, size, max_zoom, squeeze
        self.max_upscale = max_upscale

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, key: tuple[int, int]) -> torch.Tensor:
        index, seed = key
        rng = random.Random(seed)
        for _attempt in range(5):
            try:
                im = load_rgb(self.files[index])
                break
            except OSError as e:
                log.warning("skipping %s", e)
                index = rng.randrange(len(self.files))
        else:
            raise OSError("five unreadable images in a row")
        if self.squeeze and rng.random() < self.squeeze:  # the whole photo squeezed square, as the paper's evaluation sees it
            im = im.resize((self.size, self.size), Image.BILINEAR)
        else:
            im = self._crop(im, rng)
        if rng.random() < 0.5:
            im = im.transpose(Image.FLIP_LEFT_RIGHT)
        return torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1)

    def _crop(self, im: Image.Image, rng: random.Random) -> Image.Image:
        short = min(im.size)
        # max_upscale > 1 lets objects appear larger than in the photo, as a 256 px squeeze of a small photo shows them
        target = rng.uniform(self.size, max(self.size, min(short * self.max_upscale, self.size * self.max_zoom)))
        scale = target / short
        w, h = max(self.size, round(im.width * scale)), max(self.size, round(im.height * scale))
        im = im.resize((w, h), Image.BILINEAR)
        x, y = rng.randint(0, w - self.size), rng.randint(0, h - self.size)
        return im.crop((x, y, x + self.size, y + self.size))


class SeededSampler(Sampler):
    """A DistributedSampler over the files whose items carry a per-sample seed, and which can
    start part-way through an epoch (for exact resumption)."""

    def __init__(self, n: int, seed: int, rank: int = 0, world: int = 1, epoch: int = 0, skip: int = 0):
        self.inner = DistributedSampler(range(n), num_replicas=world, rank=rank, shuffle=True, seed=seed, drop_last=True)
        self.inner.set_epoch(epoch)
        self.seed, self.rank, self.epoch, self.skip = seed, rank, epoch, skip

    def __len__(self) -> int:
        return len(self.inner) - self.skip

    def __iter__(self):
        for pos, i in enumerate(self.inner):
            if pos >= self.skip:
                yield i, hash((self.seed, self.epoch, self.rank, pos)) & 0x7FFFFFFF


def rgb_batch_to_lab(batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 RGB (B, 3, H, W) -> L (B, 1, H, W) and ab (B, 2, H, W)."""
    lab = rgb_to_lab_torch(batch.float() / 255.0)
    return lab[:, :1], lab[:, 1:]


def load_eval_set(files: list[Path], size: int = 256) -> list[torch.Tensor]:
    """Each photo squeezed to size x size as the paper evaluates; uint8 RGB tensors."""
    out = []
    for f in files:
        try:
            im = load_rgb(f).resize((size, size), Image.BICUBIC)
        except OSError as e:
            log.warning("skipping %s", e)
            continue
        out.append(torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1))
    return out
