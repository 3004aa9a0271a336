"""Training and validation data: folders of colour photos -> random crops and Lab tensors."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import multiprocessing
import os
import random
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset, DistributedSampler, Sampler

from model.evaluation.categories import category_of_set, set_of
from model.io.images import load_rgb
from model.lab.bins import Q
from model.lab.color import rgb_to_lab, rgb_to_lab_torch
from model.lab.rebalance import count_bins

log = logging.getLogger(__name__)

GRAY_CHROMA = 1.5  # mean Lab chroma under which a photo counts as grayscale


def _files_digest(files: list[Path], sample: int) -> str:
    h = hashlib.sha1(f"sample={sample}".encode())
    for f in files:
        h.update(str(f).encode())
        h.update(str(f.stat().st_size).encode())
    return h.hexdigest()


PRIOR_THUMB = 128  # the prior needs statistics, not detail


def _count_photo(path: Path) -> tuple[str, np.ndarray | None, str]:
    """One photo's ab bin counts at thumbnail size, or None with the reason it was skipped."""
    try:
        im = load_rgb(path, draft=PRIOR_THUMB * 2)  # JPEG: decoded at 1/2..1/8 scale
    except OSError as e:
        return str(path), None, str(e).removeprefix(f"{path}: ")
    im.thumbnail((PRIOR_THUMB, PRIOR_THUMB), Image.BILINEAR)
    rgb = np.asarray(im, dtype=np.float64) / 255.0
    lab = rgb_to_lab(rgb)
    if float(np.hypot(lab[..., 1], lab[..., 2]).mean()) < GRAY_CHROMA:
        return str(path), None, "grayscale"
    ab = torch.from_numpy(lab[..., 1:].astype(np.float32)).permute(2, 0, 1)[None]
    return str(path), count_bins(ab), ""


def scan_training_set(
    files: list[Path], cache: Path | None = None, sample: int = 0, workers: int = 1, seed: int = 0
) -> tuple[list[Path], np.ndarray]:
    """The ab prior (bin counts, 313) of the corpus, and the files to train on.

    ``sample`` > 0 counts a seeded random subset of that many photos: on the 92k corpus 20,000
    photos pin the common bins to within 8% (enough for the loss, whose lambda = 1/2 caps the
    weights) but rare bins, filled by a handful of photos, only to within 3x, and the rebalanced
    AuC's inverse-prior weights (lambda = 0) moved up to 19x: so the default counts every photo.
    Unreadable and grayscale photos among those counted are dropped, the others are trained on as
    listed (the loss gives grey crops no weight and the loader skips unreadable files). ``workers``
    processes decode in parallel (92k photos: 300 s in 2, beside a training run). Cached in
    ``cache`` (JSON) by the file list and the sample size.
    """
    digest = _files_digest(files, sample)
    if cache is not None and cache.exists():
        data = json.loads(cache.read_text())
        if data.get("digest") == digest:
            dropped = set(data.get("dropped", []))
            return [f for f in files if str(f) not in dropped], np.array(data["counts"])
    counted = files if not sample or sample >= len(files) else random.Random(seed).sample(files, sample)
    counts, dropped = np.zeros(Q), []
    parallel = workers > 1 and len(counted) >= 1000  # below that, starting the processes costs more than it saves
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers, initializer=torch.set_num_threads, initargs=(1,)) if parallel else contextlib.nullcontext() as pool:
        for name, c, why in pool.imap_unordered(_count_photo, counted, chunksize=64) if pool else map(_count_photo, counted):
            if c is not None:
                counts += c
                continue
            if why == "grayscale":
                log.info("skipping grayscale photo %s", name)
            else:
                log.warning("skipping %s: %s", name, why)
            dropped.append(name)
    log.info("prior counted on %d photos (%d skipped)", len(counted) - len(dropped), len(dropped))
    if cache is not None:
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps({"digest": digest, "sampled": len(counted), "dropped": dropped, "counts": counts.tolist()}))
        os.replace(tmp, cache)
    gone = set(dropped)
    return [f for f in files if str(f) not in gone], counts


def source_of(path: Path, roots: list[Path]) -> str:
    """The set a photo comes from: its first folder under the --data root that holds it."""
    for root in roots:
        if root in path.parents:
            folder = set_of(path, root)
            return root.name if folder == root.name else f"{root.name}/{folder}"
    return path.parent.name


def source_weights(sources: list[str], power: float, category_factors: dict[str, float] | None = None) -> np.ndarray:
    """Per-photo sampling weights that give each source a share proportional to its size**power
    (1: every photo alike, 0: every source alike, 0.5: between), times the factor of its category
    (``category_factors``, e.g. {"scenes": 2}); they sum to 1."""
    names, inverse, sizes = np.unique(np.asarray(sources), return_inverse=True, return_counts=True)
    per_photo = sizes.astype(np.float64) ** (power - 1.0)
    factors = category_factors or {}
    per_photo *= [factors.get(source_category(name), 1.0) for name in names]
    w = per_photo[inverse]
    return w / w.sum()


def source_category(source: str) -> str:
    """The category of a source named by ``source_of`` ("train/Intel" -> "scenes")."""
    return category_of_set(source.rsplit("/", 1)[-1])


def category_shares(sources: list[str], weights: np.ndarray) -> dict[str, float]:
    """The share of samples each category gets under per-photo ``weights`` (for the log)."""
    names, inverse = np.unique(np.asarray(sources), return_inverse=True)
    shares: dict[str, float] = {}
    for name, w in zip(names, np.bincount(inverse, weights=weights)):  # per source, then per category
        category = source_category(name)
        shares[category] = shares.get(category, 0.0) + float(w)
    return {k: round(v, 3) for k, v in sorted(shares.items(), key=lambda kv: -kv[1])}


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


class BalancedSampler(Sampler):
    """Like SeededSampler, but draws photos with replacement by ``weights`` (source_weights), so
    that no source dominates; the draw depends only on (seed, epoch), hence resumable."""

    def __init__(self, weights: np.ndarray, seed: int, rank: int = 0, world: int = 1, epoch: int = 0, skip: int = 0):
        self.weights, self.seed, self.rank, self.world, self.epoch, self.skip = weights, seed, rank, world, epoch, skip
        self.per_rank = len(weights) // world

    def __len__(self) -> int:
        return self.per_rank - self.skip

    def __iter__(self):
        rng = np.random.default_rng([self.seed, self.epoch])
        draws = rng.choice(len(self.weights), size=self.per_rank * self.world, p=self.weights)
        for pos, i in enumerate(draws[self.rank :: self.world]):
            if pos >= self.skip:
                yield int(i), hash((self.seed, self.epoch, self.rank, pos)) & 0x7FFFFFFF


def rgb_batch_to_lab(batch: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 RGB (B, 3, H, W) -> L (B, 1, H, W) and ab (B, 2, H, W)."""
    lab = rgb_to_lab_torch(batch.float() / 255.0)
    return lab[:, :1], lab[:, 1:]
