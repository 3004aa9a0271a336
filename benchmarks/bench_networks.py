"""Network figures (networks issue): inference at 256x256 and training images/s at 176, batch 16."""

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import best_ms  # noqa: E402
from model.lab.rebalance import rebalance_weights  # noqa: E402
from model.nets import ECCV16Net, LiteColorNet  # noqa: E402
from model.training.train import batch_loss  # noqa: E402


def train_rate(net, deep: bool, steps: int = 4) -> float:
    net.train().to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], 1e-4)
    weights = torch.as_tensor(rebalance_weights(torch.ones(313).numpy(), 0.5), dtype=torch.float32)
    L = (torch.rand(16, 1, 176, 176) * 100).contiguous(memory_format=torch.channels_last)
    ab = torch.randn(16, 2, 176, 176) * 30
    for i in range(steps + 1):
        if i == 1:
            t0 = time.perf_counter()
        loss = batch_loss(net, L, ab, weights, deep)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return 16 * steps / (time.perf_counter() - t0)


def main() -> None:
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; batch 1 inference, 256x256 input")
    x = torch.rand(1, 1, 256, 256) * 100
    times = {}
    for name, net in (("ECCV16Net", ECCV16Net()), ("LiteColorNet", LiteColorNet(96))):
        net.eval()
        with torch.inference_mode():
            times[name] = best_ms(lambda n=net: n(x), repeat=5)
        params = sum(p.numel() for p in net.parameters()) / 1e6
        print(f"{name:13s} {params:6.2f} M params  inference {times[name]:7.1f} ms")
    print(f"LiteColorNet is {times['ECCV16Net'] / times['LiteColorNet']:.1f}x faster")
    print("training at 176x176, batch 16 (loss and soft-encoding included, no data loading):")
    print(f"  LiteColorNet {train_rate(LiteColorNet(96), False):6.1f} images/s")
    print(f"  ECCV16Net    {train_rate(ECCV16Net(deep_supervision=True), True, steps=2):6.1f} images/s")


if __name__ == "__main__":
    main()
