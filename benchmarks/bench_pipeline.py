"""Pipeline figures (pipeline issue): network time, preview decode, compose time and peak memory."""

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import best_ms, child_peak  # noqa: E402
from model.inference.pipeline import Colorizer, lightness_index  # noqa: E402
from model.inference.session import preview_size  # noqa: E402
from model.lab.look import Look  # noqa: E402

COMPOSE = """
import time, numpy as np, torch
from model.inference.pipeline import Colorizer
from model.nets import LiteColorNet
c = Colorizer(LiteColorNet(96).eval(), device="cpu")
L = np.random.default_rng(0).random(({h}, {w}), dtype=np.float32) * 100
t0 = time.perf_counter(); pred = c.predict(L); t_net = time.perf_counter() - t0
t0 = time.perf_counter(); out = c.compose(pred, L, 0.38); t_compose = time.perf_counter() - t0
RESULT = {{"net_s": t_net, "compose_s": t_compose, "input_mb": L.nbytes / 1e6, "output_mb": out.nbytes / 1e6}}
"""


def main() -> None:
    c = Colorizer.bundled(device="cpu")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; model {c.card.get('name')}")
    w, h = 1732, 1155  # 2 MP
    L = np.random.default_rng(0).random((h, w), dtype=np.float32) * 100
    pred = c.predict(L)
    net_ms = min(c.predict(L).net_seconds for _ in range(5)) * 1000
    plain = Colorizer(c.net, c.card, device="cpu", mirror=False)
    plain_ms = min(plain.predict(L).net_seconds for _ in range(5)) * 1000
    print(f"network on a {w}x{h} photo (input {pred.net_size[0]}x{pred.net_size[1]}): {net_ms:.0f} ms "
          f"with its mirror image, {plain_ms:.0f} ms without")  # fmt: skip
    Li = lightness_index(L)
    for T in (0.1, 0.38, 1.0):
        print(f"preview decode, 2 MP, T={T:<4}: {best_ms(lambda T=T: c.preview(pred, Li, T), repeat=9):6.1f} ms")
    pred.look = Look(saturation=1.3, warmth=8.0, tint=-3.0)
    print(f"preview decode, 2 MP, with saturation/warmth/tint: {best_ms(lambda: c.preview(pred, Li, 0.38), repeat=9):6.1f} ms")
    pred.look = Look()
    pw, ph = preview_size(6000, 4000)
    Lp = lightness_index(np.random.default_rng(1).random((ph, pw), dtype=np.float32) * 100)
    print(
        f"preview decode for a 24 MP photo (shown at {pw}x{ph}): {best_ms(lambda: c.preview(pred, Lp, 0.38), repeat=9):6.1f} ms"
    )
    for name, (W, H) in (("12 MP", (4240, 2832)), ("24 MP", (6000, 4000))):
        peak, r = child_peak(COMPOSE.format(w=W, h=H))
        print(f"compose {name}: {r['compose_s']:.2f} s, peak resident {peak:.0f} MB "
              f"(L input {r['input_mb']:.0f} MB, RGB output {r['output_mb']:.0f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
