"""colorizer-train: the command line of the headless trainer (model.training.train).

    colorizer-train --data DIR [--data DIR ...] --val DIR --out runs/lite [--arch lite] [--iters 8000]
    torchrun --nproc_per_node N -m model.cli.train ...   (DistributedDataParallel)
"""

from __future__ import annotations

import argparse
import logging
import sys

from model.cli.common import add_version
from model.errors import run_command
from model.training.config import TrainConfig, parse_category_factors

D = TrainConfig  # the defaults live in the config, once


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="colorizer-train", description="The headless trainer: folders of colour photos -> "
                                "weights, with the paper's objective (Zhang et al., ECCV 2016).")  # fmt: skip
    p.add_argument("--data", action="append", required=True, help="folder tree of colour photos (repeatable)")
    p.add_argument("--val", action="append", help="validation folder (repeatable; each is also reported alone)")
    p.add_argument("--balance", type=float, default=D.balance,
                   help="each source folder's share of samples grows as its size**B: 1 every photo alike, 0 every source alike")
    p.add_argument("--category-weight", action="append", default=[], metavar="CATEGORY=FACTOR",
                   help="sample the sources of a category (scenes, buildings, faces, ...) FACTOR times as often (repeatable)")
    p.add_argument("--prior-sample", type=int, default=D.prior_sample, help="photos counted for the ab prior (0: all)")
    p.add_argument("--prior-workers", type=int, default=D.prior_workers, help="processes that count the prior")
    p.add_argument("--val-temperatures", type=float, nargs="+", default=list(D.val_temperatures),
                   help="temperatures validated; the best keeps checkpoints (lower is more vivid)")
    p.add_argument("--arch", choices=["lite", "eccv16"], default=D.arch)
    p.add_argument("--size", type=int, default=D.size, help="crop size (the paper: 176)")
    p.add_argument("--batch", type=int, default=D.batch, help="batch per process")
    p.add_argument("--lr", type=float, default=D.lr, help="peak learning rate (AdamW)")
    p.add_argument("--iters", type=int, default=D.iters, help="optimiser steps in all")
    p.add_argument("--lambda", dest="lam", type=float, default=D.lam, help="1 turns rebalancing off")
    p.add_argument("--init", help="weights to start from (ours or the official ECCV16 release)")
    p.add_argument("--resume", nargs="?", const="", default=None, help="continue from a run folder (default --out)")
    p.add_argument("--out", required=True, help="run folder: checkpoints, log.jsonl, last.pt and best.pt")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default=D.device, help="auto: CUDA when present")
    p.add_argument("--seed", type=int, default=D.seed)
    p.add_argument("--workers", type=int, default=D.workers, help="loader processes (0: load in this one)")
    p.add_argument("--warmup", type=int, default=D.warmup, help="iterations of linear lr warm-up")
    p.add_argument("--freeze-encoder", type=int, default=D.freeze_encoder, help="iterations with a frozen pretrained encoder")
    p.add_argument("--encoder-lr", type=float, default=D.encoder_lr, help="encoder lr as a fraction of --lr")
    p.add_argument("--new-lr", type=float, default=D.new_lr,
                   help="lr of what the --init weights lack (blocks added by a flag), as a multiple of --lr")
    p.add_argument("--weight-decay", type=float, default=D.weight_decay, help="AdamW weight decay")
    p.add_argument("--min-lr", type=float, default=D.min_lr, help="final lr of the cosine, as a fraction")
    p.add_argument("--ema", type=float, default=D.ema, help="decay of the weight average (0: off)")
    p.add_argument("--channels", type=int, default=D.channels, help="decoder width of the lite net")
    p.add_argument("--encoder", choices=["lite0", "lite2"], default=D.encoder, help="ImageNet encoder of the lite net")
    p.add_argument(
        "--global-context", action="store_true", help="feed the ImageNet head's pooled features to the decoder (lite net)"
    )
    p.add_argument("--context-blocks", type=int, default=D.context_blocks,
                   help="residual blocks at each of the decoder's two coarsest levels (lite net); new ones start as the identity")
    p.add_argument("--fine-blocks", type=int, default=D.fine_blocks,
                   help="residual blocks at the decoder's 1/8 level (lite net); new ones start as the identity")
    p.add_argument("--val-every", type=int, default=D.val_every)
    p.add_argument("--val-limit", type=int, default=D.val_limit, help="validate on the first N photos only (0: all)")
    p.add_argument("--ckpt-every", type=int, default=D.ckpt_every)
    p.add_argument("--tone-jitter", type=float, default=D.tone_jitter,
                   help="random gamma on L, exp(U(-x, x)): old prints vary in tone")
    p.add_argument("--grey-levels", action="store_true", default=D.grey_levels,
                   help="round the network's input L to 8-bit grey levels, as the app's input is (a colour pixel's L "
                        "otherwise tells a little of its colour, which no black-and-white photo does)")
    p.add_argument("--squeeze", type=float, default=D.squeeze, help="share of samples that are whole photos squeezed square")
    p.add_argument("--max-upscale", type=float, default=D.max_upscale,
                   help="largest crop scale relative to the photo's own size")
    p.add_argument("--log-every", type=int, default=D.log_every)
    p.add_argument("--stop-at", type=int, default=D.stop_at, help="stop (with a checkpoint) at this step, as an interrupt would")
    p.add_argument("--threads", type=int, default=D.threads, help="torch threads (0: torch's choice)")
    add_version(p)
    args = p.parse_args(argv)
    try:
        parse_category_factors(args.category_weight)
    except ValueError as e:
        p.error(str(e))
    return args


def config_from(args: argparse.Namespace) -> TrainConfig:
    values = vars(args) | {"data": tuple(args.data), "val": tuple(args.val or ()),
                           "category_weight": tuple(args.category_weight),
                           "val_temperatures": tuple(args.val_temperatures)}  # fmt: skip
    return TrainConfig(**values)


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    from model.training.train import train  # torch and the networks load after --help

    return run_command("colorizer-train", lambda: train(config_from(args)))


if __name__ == "__main__":
    sys.exit(main())
