"""Training throughput of the real loop (colorizer-train: data loading, Lab, targets, loss,
backward, AdamW, EMA), in images/s, on real photos; the issue's recipe: --init the bundled
model, batch 16, 176 px crops (Vivid fast: the default Vivid is a mixture, which no run starts from).

    python benchmarks/bench_train.py [--data DIR] [--steps 60] [--workers 0 1] [--device cpu]

The prior is counted once into a temporary folder and not timed; the first 20 steps are
warm-up. On a machine with a GPU, --device cuda measures the same loop there.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.cli import train  # noqa: E402
from model.nets.registry import bundled_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def rate(data: list[str], workers: int, steps: int, device: str, batch: int, out: Path) -> float:
    run = out / f"w{workers}_{device}_{batch}"
    args = [a for d in data for a in ("--data", d)]
    start = bundled_model("colorizer-vivid-fast").weights
    args += ["--out", str(run), "--iters", str(steps), "--init", str(start), "--batch", str(batch),
             "--log-every", "10", "--val-every", "100000", "--ckpt-every", "100000", "--workers", str(workers),
             "--device", device, "--prior-sample", "2000"]  # fmt: skip
    prior = out / "prior.json"
    if prior.exists():  # counted once, shared by every configuration
        run.mkdir(parents=True, exist_ok=True)
        (run / "prior.json").write_bytes(prior.read_bytes())
    train.main(args)
    prior.write_bytes((run / "prior.json").read_bytes())
    rows = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    rates = [r["img_s"] for r in rows if r["kind"] == "train" and r["step"] > 20]
    return sum(rates) / len(rates)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", action="append", help=f"default: {ROOT.parent / 'shared/data/train'}")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--workers", type=int, nargs="+", default=[0, 1])
    p.add_argument("--device", default="cpu")
    p.add_argument("--batch", type=int, default=16)
    a = p.parse_args()
    data = a.data or [str(ROOT.parent / "shared/data/train")]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {a.device}, batch {a.batch}, 176 px")
    with tempfile.TemporaryDirectory() as tmp:
        for w in a.workers:
            r = rate(data, w, a.steps, a.device, a.batch, Path(tmp))
            print(f"training loop, {w} loader workers: {r:6.1f} images/s")


if __name__ == "__main__":
    main()
