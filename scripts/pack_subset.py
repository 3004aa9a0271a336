"""Pack a random, source-balanced subset of training photos small enough to travel (e.g. to a
lent GPU machine, which takes at most 64 MiB of files with the repository).

    python scripts/pack_subset.py ../shared/data/train CORPUS/train --out pack --photos 5000

Each photo is re-encoded as JPEG with its short side at --short px (the trainer crops 176 px);
the folder layout under each root is kept, so the trainer's --balance sees the same sources.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.io.folders import list_many  # noqa: E402
from model.io.images import load_rgb  # noqa: E402
from model.training.data import source_of, source_weights  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("roots", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--photos", type=int, default=5000)
    p.add_argument("--short", type=int, default=192)
    p.add_argument("--quality", type=int, default=85)
    p.add_argument("--balance", type=float, default=0.5)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    roots = [Path(r) for r in a.roots]
    files = list_many(roots)
    sources = [source_of(f, roots) for f in files]
    rng = np.random.default_rng(a.seed)
    chosen = rng.choice(len(files), size=min(a.photos, len(files)), replace=False, p=source_weights(sources, a.balance))
    total = 0
    for i in chosen:
        im = load_rgb(files[i])
        scale = a.short / min(im.size)
        if scale < 1:
            im = im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS)
        dst = Path(a.out) / sources[i] / f"{files[i].stem}.jpg"
        dst.parent.mkdir(parents=True, exist_ok=True)
        im.save(dst, quality=a.quality)
        total += dst.stat().st_size
    print(f"{len(chosen)} photos, {total / 2**20:.1f} MiB in {a.out}")


if __name__ == "__main__":
    main()
