"""Colour-model figures (foundation issue): soft-encoding, annealed mean, Lab -> RGB."""

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import best_ms  # noqa: E402
from model.inference.pipeline import lab_lut, lab_lut_to_rgbx, lightness_index, lut_coordinates  # noqa: E402
from model.lab.annealed import annealed_mean  # noqa: E402
from model.lab.color import lab_to_rgb, lab_to_rgb_torch  # noqa: E402
from model.lab.encoding import soft_encode  # noqa: E402


def main() -> None:
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    ab = torch.rand(16, 2, 64, 64) * 200 - 100
    print(f"soft-encode 16x2x64x64:                {best_ms(lambda: soft_encode(ab)):8.1f} ms")
    logits = torch.randn(1, 313, 128, 128)
    print(f"annealed mean 313x128x128 (logits):    {best_ms(lambda: annealed_mean(logits, 0.38, is_logits=True)):8.1f} ms")
    lp = torch.log_softmax(logits[0], 0)
    bins = torch.randn(2, 313)
    cached = best_ms(lambda: bins @ torch.softmax(lp.view(313, -1) / 0.38, 0))
    print(f"annealed mean, cached log-probs:       {cached:8.1f} ms")
    h, w = 1200, 1700  # 2 MP
    lab = np.stack([np.random.rand(h, w) * 100, np.random.rand(h, w) * 100 - 50, np.random.rand(h, w) * 100 - 50], -1)
    lab_t = torch.from_numpy(lab.transpose(2, 0, 1).astype(np.float32))
    print(f"Lab->RGB 2 MP numpy (float64):         {best_ms(lambda: lab_to_rgb(lab), repeat=3):8.1f} ms")
    print(f"Lab->RGB 2 MP torch (float32):         {best_ms(lambda: lab_to_rgb_torch(lab_t), repeat=3):8.1f} ms")
    from skimage.color import lab2rgb

    print(f"Lab->RGB 2 MP skimage:                 {best_ms(lambda: lab2rgb(lab), repeat=3):8.1f} ms")
    lab_lut()
    Li = lightness_index(lab[..., 0].astype(np.float32))
    coords = lut_coordinates(lab_t[1:])
    print(f"Lab->RGB 2 MP lookup table (preview):  {best_ms(lambda: lab_lut_to_rgbx(Li, coords)):8.1f} ms")


if __name__ == "__main__":
    main()
