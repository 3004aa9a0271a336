"""Colour hints: time from a hint change to the redrawn 2 MP preview (the issue's bar: 300 ms on
2 cores), and full-resolution saves with hints. A real photo (Kodak's first, or any given) is
resized to 2 MP and to 12 MP; the bundled model, CPU.

    python benchmarks/bench_hints.py [PHOTO]
"""

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.inference.hints import Hint  # noqa: E402
from model.inference.pipeline import Colorizer, lightness_index  # noqa: E402
from model.io.images import LoadedImage, save_image  # noqa: E402
from model.lab.color import rgb_to_lab  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT.parent / "shared" / "data" / "test" / "kodak24" / "kodim01.png"


def lightness(path: Path, size: tuple[int, int]) -> np.ndarray:
    rgb = np.asarray(Image.open(path).convert("RGB").resize(size, Image.BICUBIC)) / 255.0
    return rgb_to_lab(rgb)[..., 0].astype(np.float32)


def timed(fn, repeat: int = 5) -> float:
    """Median wall time in ms (each call changes the hints, so no call is a repeat of the last)."""
    times = []
    for i in range(repeat):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1000


def main() -> None:
    photo = Path(sys.argv[1]) if len(sys.argv) > 1 else PHOTO
    c = Colorizer.bundled(device="cpu")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {c.card.get('name')}; photo {photo.name}")
    w, h = 1732, 1155  # 2 MP, the preview
    L = lightness(photo, (w, h))
    pred = c.predict(L)
    gw, gh = pred.grid_size
    print(f"2 MP preview {w}x{h}; network input {pred.net_size[0]}x{pred.net_size[1]}; hints solved on the "
          f"prediction grid, {gw}x{gh} = {gw * gh} unknowns x 3")  # fmt: skip
    Li = lightness_index(L)
    T = c.default_T
    rng = np.random.default_rng(0)

    def add(i):
        pred.hints.append(Hint(float(rng.uniform(0, w)), float(rng.uniform(0, h)), (40.0, 20.0)))
        c.preview(pred, Li, T)

    def move(i):
        pred.hints[-1] = pred.hints[-1].moved(pred.hints[-1].x + 7, pred.hints[-1].y + 5)
        c.preview(pred, Li, T)

    def recolour(i):
        pred.hints[-1] = pred.hints[-1].recoloured((float(rng.uniform(-60, 60)), float(rng.uniform(-60, 60))))
        c.preview(pred, Li, T)

    def temperature(i):
        c.preview(pred, Li, (0.2, 0.4, 0.6, 0.8, 1.0)[i % 5])

    pred.hints = []
    base = timed(lambda i: c.preview(pred, Li, T))
    print(f"preview without hints:                     {base:6.0f} ms")
    print(f"add a hint (new factorisation) + preview:  {timed(add):6.0f} ms  ({len(pred.hints)} hints at the end)")
    print(f"move a hint (drag) + preview:              {timed(move):6.0f} ms")
    print(f"recolour a hint + preview:                 {timed(recolour):6.0f} ms")
    print(f"temperature with {len(pred.hints)} hints + preview:        {timed(temperature):6.0f} ms")

    W, H = 4240, 2832  # 12 MP
    L12 = lightness(photo, (W, H))
    pred12 = c.predict(L12)
    pred12.hints = [hint.moved(hint.x * W / w, hint.y * H / h) for hint in pred.hints]  # the same places
    with tempfile.TemporaryDirectory() as tmp:
        image = LoadedImage(Path(tmp) / "scan.png", L12)
        for hinted in (False, True):
            hints, pred12.hints = pred12.hints, (pred12.hints if hinted else [])
            t0 = time.perf_counter()
            rgb = c.compose(pred12, L12, T)
            t1 = time.perf_counter()
            save_image(rgb, Path(tmp) / f"out{hinted}.png", image)
            t2 = time.perf_counter()
            pred12.hints = hints
            what = f"with {len(hints)} hints" if hinted else "without hints"
            print(f"12 MP full resolution {what:>13}: compose {t1 - t0:.2f} s, PNG save {t2 - t1:.2f} s")


if __name__ == "__main__":
    main()
