"""Move trained LiteColorNet weights onto another ImageNet encoder (e.g. Lite0 -> Lite2) without
training from scratch: the decoder is copied, and each of its inputs from the encoder (the four
lateral 1x1 convs and the global-context projection) is refitted by ridge regression so that the
new encoder's features give, as nearly as a linear map can, what the old encoder's gave on the
same training crops. The result is a starting point for colorizer-train --init.

    python scripts/swap_encoder.py resources/models/colorizer-vivid.pt swapped.pt \
        --data ../shared/data/train --data CORPUS/train --encoder lite2
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.io.folders import list_many  # noqa: E402
from model.nets import build_net  # noqa: E402
from model.nets.weights import export_weights, load_net  # noqa: E402
from model.training.data import RandomCrops, rgb_batch_to_lab, source_of, source_weights  # noqa: E402


def decoder_inputs(net, L: torch.Tensor) -> list[torch.Tensor]:
    """Per level, the features the decoder's laterals read, then the per-position global features
    (before pooling), each as rows (positions) x channels."""
    feats = net.encode(L)
    return [f.permute(0, 2, 3, 1).reshape(-1, f.shape[1]) for f in (*feats, net.context_map(feats[-1]))]


def decoder_targets(net, L: torch.Tensor) -> list[torch.Tensor]:
    """What the old network's laterals and global projection make of its own features."""
    rows = decoder_inputs(net, L)
    targets = [F.linear(x, lat.weight[:, :, 0, 0], lat.bias) for x, lat in zip(rows[:-1], net.lateral)]
    return targets + [net.global_proj(rows[-1])]


class Ridge:
    """Least squares with a bias, from sums accumulated over batches."""

    def __init__(self, d_in: int, d_out: int):
        self.xtx = torch.zeros(d_in + 1, d_in + 1, dtype=torch.float64)
        self.xty = torch.zeros(d_in + 1, d_out, dtype=torch.float64)

    def add(self, x: torch.Tensor, y: torch.Tensor) -> None:
        x = torch.cat([x.double(), torch.ones(len(x), 1, dtype=torch.float64)], 1)
        self.xtx += x.T @ x
        self.xty += x.T @ y.double()

    def solve(self, alpha: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor]:
        d = self.xtx.shape[0]
        reg = alpha * self.xtx.diagonal()[:-1].mean() * torch.eye(d, dtype=torch.float64)
        reg[-1, -1] = 0.0  # the bias is not shrunk
        w = torch.linalg.solve(self.xtx + reg, self.xty)
        return w[:-1].T.float(), w[-1].float()


ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)


def r_squared(pred: torch.Tensor, y: torch.Tensor) -> float:
    return float(1 - ((pred - y) ** 2).sum() / ((y - y.mean(0)) ** 2).sum())


def fitted_maps(ridges: list[Ridge], held: list[tuple[list, list]]) -> list[tuple[torch.Tensor, torch.Tensor, float]]:
    """Each ridge solved at the strength that predicts the held-out rows best: (weight, bias, R^2)."""
    maps = []
    for k, ridge in enumerate(ridges):
        scored = []
        for alpha in ALPHAS:
            wt, b = ridge.solve(alpha)
            scored.append((float(np.mean([r_squared(F.linear(xs[k], wt, b), ys[k]) for xs, ys in held])), wt, b))
        r2, wt, b = max(scored, key=lambda s: s[0])
        maps.append((wt, b, r2))
    return maps


def swap_encoder(old, encoder: str, fit: list[torch.Tensor], held: list[torch.Tensor]):
    """``old`` (a LiteColorNet with global context) on a fresh ImageNet ``encoder``: the decoder
    copied, its inputs from the encoder refitted on the lightness batches ``fit``. Returns the new
    network and the R^2 of each refitted map on ``held``."""
    old = old.float().eval()
    new = build_net("lite", **{**old.config, "encoder": encoder}, pretrained=True).eval()
    own = ("encoder.", "global_conv.", "global_bn.", "lateral.")
    new.load_state_dict({k: v for k, v in old.state_dict().items() if not k.startswith(own)}, strict=False)
    with torch.no_grad():
        ridges = None
        for L in fit:
            xs, ys = decoder_inputs(new, L), decoder_targets(old, L)
            ridges = ridges or [Ridge(x.shape[1], y.shape[1]) for x, y in zip(xs, ys)]
            for r, x, y in zip(ridges, xs, ys):
                r.add(x, y)
        maps = fitted_maps(ridges, [(decoder_inputs(new, L), decoder_targets(old, L)) for L in held])
        for lat, (wt, b, _) in zip(new.lateral, maps[:-1]):
            lat.weight.copy_(wt[:, :, None, None])
            lat.bias.copy_(b)
        new.global_proj.weight.copy_(maps[-1][0])
        new.global_proj.bias.copy_(maps[-1][1])
    return new, [r2 for _, _, r2 in maps]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("weights")
    p.add_argument("out")
    p.add_argument("--data", action="append", required=True)
    p.add_argument("--encoder", default="lite2")
    p.add_argument("--photos", type=int, default=640, help="training crops the maps are fitted on")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()

    old, card = load_net(a.weights)
    if not old.config.get("global_context"):
        sys.exit("swap_encoder: the weights need the global-context branch")
    files = list_many(a.data)
    roots = [Path(d) for d in a.data]
    weights = source_weights([source_of(f, roots) for f in files], 0.5)  # sources as the trainer balances them
    picks = np.random.default_rng(a.seed).choice(len(files), size=a.photos + 64, p=weights)
    crops = RandomCrops(files, a.size)
    batches = [
        rgb_batch_to_lab(torch.stack([crops[(int(i), a.seed * 1_000_003 + int(i))] for i in picks[j : j + 16]]))[0]
        for j in range(0, len(picks), 16)
    ]
    fit, held = batches[:-4], batches[-4:]
    new, r2s = swap_encoder(old, a.encoder, fit, held)
    names = [f"lateral at 1/{4 * 2**i}" for i in range(len(r2s) - 1)] + ["global projection"]
    for name, r2 in zip(names, r2s):  # those crops also chose the ridge's strength: a little flattering
        print(f"{name}: R^2 on {sum(len(L) for L in held)} held-out crops {r2:.3f}")
    export_weights(new, a.out, card={k: v for k, v in card.items() if k in ("prior", "lambda", "bins")})
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
