"""The headless trainer: a folder of colour photos -> weights, with the paper's objective.

    colorizer-train --data DIR --val DIR --out runs/lite [--arch lite] [--iters 8000]
    torchrun --nproc_per_node N -m model.training.train ...   (DistributedDataParallel)

Loss: class-rebalanced multinomial cross-entropy on soft-encoded 313-bin targets (eq. 2-4),
plus deep supervision on blocks 6-8 for ECCV16Net. Checkpoints are atomic and hold the RNG
states and the step, and each sample's crop is seeded by (seed, epoch, position), so --resume
continues exactly where an interrupted run stopped.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import math
import os
import random
import signal
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.utils.data import DataLoader
from tqdm import tqdm

from model.evaluation.evaluate import load_eval_set
from model.evaluation.metrics import AucAccumulator
from model.io.atomic import atomic_torch_save
from model.io.folders import list_images, list_many
from model.lab.annealed import BRIEF_T, PAPER_T, annealed_mean
from model.lab.bins import AB_BINS, Q
from model.lab.encoding import SparseTargets, soft_encode_sparse
from model.lab.rebalance import DEFAULT_LAMBDA, rebalance_weights
from model.nets import build_net
from model.nets.device import pick_device
from model.nets.weights import export_weights, load_into
from model.training.data import (
    GRAY_CHROMA,
    BalancedSampler,
    RandomCrops,
    SeededSampler,
    rgb_batch_to_lab,
    scan_training_set,
    source_of,
    source_weights,
)

log = logging.getLogger("colorizer.train")
DEEP_WEIGHTS = (1.0, 2.0, 4.0)  # blocks 6, 7, 8: deeper readouts weigh more
VAL_TEMPERATURES = (0.1, BRIEF_T, 0.25, PAPER_T, 0.6, 1.0)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="colorizer-train", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", action="append", required=True, help="folder tree of colour photos (repeatable)")
    p.add_argument("--val", action="append", help="validation folder (repeatable; each is also reported alone)")
    p.add_argument("--balance", type=float, default=1.0,
                   help="each source folder's share of samples grows as its size**B: 1 every photo alike, 0 every source alike")
    p.add_argument("--prior-sample", type=int, default=20000, help="photos counted for the ab prior (0: all)")
    p.add_argument("--prior-workers", type=int, default=2, help="processes that count the prior")
    p.add_argument("--val-temperatures", type=float, nargs="+", default=list(VAL_TEMPERATURES))
    p.add_argument("--arch", choices=["lite", "eccv16"], default="lite")
    p.add_argument("--size", type=int, default=176, help="crop size (the paper: 176)")
    p.add_argument("--batch", type=int, default=16, help="batch per process")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--iters", type=int, default=8000)
    p.add_argument("--lambda", dest="lam", type=float, default=DEFAULT_LAMBDA, help="1 turns rebalancing off")
    p.add_argument("--init", help="weights to start from (ours or the official ECCV16 release)")
    p.add_argument("--resume", nargs="?", const="", default=None, help="continue from a run folder (default --out)")
    p.add_argument("--out", required=True)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0)
    p.add_argument("--warmup", type=int, default=200, help="iterations of linear lr warm-up")
    p.add_argument("--freeze-encoder", type=int, default=500, help="iterations with a frozen pretrained encoder")
    p.add_argument("--encoder-lr", type=float, default=0.3, help="encoder lr as a fraction of --lr")
    p.add_argument("--weight-decay", type=float, default=1e-4, help="AdamW weight decay")
    p.add_argument("--min-lr", type=float, default=0.02, help="final lr of the cosine, as a fraction")
    p.add_argument("--ema", type=float, default=0.999, help="decay of the weight average (0: off)")
    p.add_argument("--channels", type=int, default=96, help="decoder width of the lite net")
    p.add_argument("--encoder", choices=["lite0", "lite2"], default="lite0", help="ImageNet encoder of the lite net")
    p.add_argument(
        "--global-context", action="store_true", help="feed the ImageNet head's pooled features to the decoder (lite net)"
    )
    p.add_argument("--val-every", type=int, default=500)
    p.add_argument("--val-limit", type=int, default=0, help="validate on the first N photos only (0: all)")
    p.add_argument("--ckpt-every", type=int, default=200)
    p.add_argument("--tone-jitter", type=float, default=0.0, help="random gamma on L, exp(U(-x, x)): old prints vary in tone")
    p.add_argument("--squeeze", type=float, default=0.0, help="share of samples that are whole photos squeezed square")
    p.add_argument("--max-upscale", type=float, default=1.0, help="largest crop scale relative to the photo's own size")
    p.add_argument("--log-every", type=int, default=20)
    p.add_argument("--stop-at", type=int, default=0, help="stop (with a checkpoint) at this step, as an interrupt would")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's choice)")
    return p.parse_args(argv)


# ----------------------------------------------------------------------------- the objective
def rebalanced_ce(logits: torch.Tensor, targets: SparseTargets, v: torch.Tensor) -> torch.Tensor:
    """Eq. 2: -sum_hw v(Z_hw) sum_q Z_hwq log Zhat_hwq, averaged per location.

    Z has 10 non-zero bins per pixel and sums to 1, so the sum is logsumexp(logits) minus the
    Z-weighted logits of those bins: no dense 313-channel target, and no copy when the logits
    are channels-last (each pixel's 313 logits then lie side by side)."""
    x = logits.float().permute(0, 2, 3, 1).reshape(-1, Q)
    return _SparseCrossEntropy.apply(x, targets.bins, targets.weights, v.reshape(-1))


class _SparseCrossEntropy(torch.autograd.Function):
    """mean_n v_n (logsumexp(x_n) - sum_k w_nk x_n[bins_nk]) with the gradient written out:
    (softmax(x_n) - w_n scattered) v_n / N, from the softmax kept by the forward pass (autograd
    would recompute it and build a dense zero tensor for the gather)."""

    @staticmethod
    def forward(ctx, x, bins, w, v):
        m = x.amax(dim=1, keepdim=True)
        p = (x - m).exp_()
        s = p.sum(dim=1, keepdim=True)
        p.div_(s)
        per_pixel = (m + s.log()).squeeze(1) - (x.gather(1, bins) * w).sum(dim=1)
        ctx.save_for_backward(p, bins, w, v)
        return (per_pixel * v).mean()

    @staticmethod
    def backward(ctx, grad):
        p, bins, w, v = ctx.saved_tensors
        coef = (v * (grad / len(v)))[:, None]
        g = p.mul_(coef)  # p is not needed again
        g.scatter_add_(1, bins, -w * coef)
        return g, None, None, None


def targets_at(ab: torch.Tensor, stride: int, weights: torch.Tensor, keep: torch.Tensor):
    """Soft-encoded targets (sparse) and per-pixel weights (B, H, W) at 1/stride; grey crops get weight 0."""
    ab_small = F.avg_pool2d(ab, stride)
    targets = soft_encode_sparse(ab_small)
    B, _, H, W = ab_small.shape
    v = weights.to(ab.device)[targets.nearest].view(B, H, W) * keep.view(-1, 1, 1)
    return targets, v


def jitter_tone(L: torch.Tensor, amount: float, step: int, seed: int) -> torch.Tensor:
    """A random gamma per photo on the input lightness only (targets keep their colour)."""
    g = torch.Generator().manual_seed(seed * 1_000_003 + step)
    gamma = torch.exp((torch.rand(len(L), 1, 1, 1, generator=g) * 2 - 1) * amount).to(L.device)
    return 100.0 * (L.clamp(0, 100) / 100.0) ** gamma


def batch_loss(net, L, ab, weights, deep: bool) -> torch.Tensor:
    keep = (ab.pow(2).sum(1).sqrt().mean(dim=(1, 2)) >= GRAY_CHROMA).float()
    if not deep:
        z, v = targets_at(ab, 4, weights, keep)
        return rebalanced_ce(net(L), z, v)
    logits, (r6, r7) = net(L, deep=True)
    z8, v8 = targets_at(ab, 8, weights, keep)
    z4, v4 = targets_at(ab, 4, weights, keep)
    losses = [rebalanced_ce(r6, z8, v8), rebalanced_ce(r7, z8, v8), rebalanced_ce(logits, z4, v4)]
    return sum(w * loss for w, loss in zip(DEEP_WEIGHTS, losses)) / sum(DEEP_WEIGHTS)


# ----------------------------------------------------------------------------- evaluation
@torch.no_grad()
def evaluate(
    net,
    images: list[torch.Tensor],
    prior: np.ndarray,
    weights: torch.Tensor,
    device,
    batch: int = 16,
    temperatures=VAL_TEMPERATURES,
    groups: list[str] | None = None,
) -> dict:
    """Validation loss and AuC (raw, rebalanced) at each temperature, on photos at 256x256;
    with ``groups`` (a name per photo) also each group's AuC at the best temperature."""
    net.eval()
    accs = {T: AucAccumulator(prior) for T in temperatures}
    losses = []
    for i in range(0, len(images), batch):
        rgb = torch.stack(images[i : i + batch]).to(device)
        L, ab = rgb_batch_to_lab(rgb)
        logits = net(L).float()
        z, v = targets_at(ab, 4, weights, torch.ones(len(rgb), device=device))
        losses.append(rebalanced_ce(logits, z, v).item() * len(rgb))
        ab = ab.cpu()
        truth_w = [next(iter(accs.values())).truth_weights(ab[j : j + 1]) for j in range(len(ab))]
        for T, acc in accs.items():
            pred = F.interpolate(
                annealed_mean(logits, T, is_logits=True), size=ab.shape[-2:], mode="bilinear", align_corners=False
            ).cpu()
            for j in range(len(ab)):  # one add per photo, so that parts of the set can be reported
                acc.add(pred[j : j + 1], ab[j : j + 1], truth_w[j])
    out = {"val_loss": sum(losses) / len(images)}
    for T, acc in accs.items():
        out[f"T={T:.3g}"] = acc.result()
    best_T = max(temperatures, key=lambda T: sum(out[f"T={T:.3g}"].values()))
    out["best_T"] = best_T
    out["score"] = sum(out[f"T={best_T:.3g}"].values())
    if groups:
        names = np.asarray(groups)
        out["groups"] = {
            g: {k: round(v, 2) for k, v in accs[best_T].subset(np.flatnonzero(names == g)).result().items()}
            for g in sorted(set(groups))
        }
    net.train()
    return out


# ----------------------------------------------------------------------------- helpers
def lr_factor(step: int, args) -> float:
    if step < args.warmup:
        return (step + 1) / args.warmup
    progress = (step - args.warmup) / max(1, args.iters - args.warmup)
    return args.min_lr + (1 - args.min_lr) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def ema_tensor_pairs(ema: torch.nn.Module, net: torch.nn.Module):
    """The averaged and live tensors, floating and not, listed once (state_dict() shares storage)."""
    pairs = list(zip(ema.state_dict().values(), net.state_dict().values()))
    floating = [(e, p) for e, p in pairs if e.is_floating_point()]
    other = [(e, p) for e, p in pairs if not e.is_floating_point()]
    return [e for e, _ in floating], [p for _, p in floating], other


@torch.no_grad()
def update_ema(pairs, decay: float) -> None:
    """ema = decay * ema + (1 - decay) * live, in one fused call over all floating tensors."""
    ema_float, live_float, other = pairs
    torch._foreach_lerp_(ema_float, live_float, 1.0 - decay)
    for e, p in other:  # BatchNorm's step counters
        e.copy_(p)


def rng_state() -> dict:
    _, keys, pos, has_gauss, cached = np.random.get_state()
    numpy_state = {"keys": keys.tolist(), "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)}
    return {"torch": torch.get_rng_state(), "numpy": numpy_state, "python": repr(random.getstate())}


def set_rng_state(state: dict) -> None:
    import ast

    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(("MT19937", np.array(n["keys"], dtype=np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    random.setstate(ast.literal_eval(state["python"]))


class JsonlLog:
    def __init__(self, path: Path, enabled: bool):
        self.path, self.enabled = path, enabled

    def write(self, **record) -> None:
        if self.enabled:
            with open(self.path, "a") as f:
                f.write(json.dumps(record) + "\n")


def model_card(args, prior, step, images_seen, wall, metrics) -> dict:
    return {
        "name": f"LiteColorNet ({args.arch})" if args.arch == "lite" else "ECCV16Net",
        "arch": args.arch,
        "bins": {"Q": Q, "grid": 10, "centres": AB_BINS.tolist()},
        "prior": (prior / prior.sum()).tolist(),
        "lambda": args.lam,
        "default_T": metrics.get("best_T", PAPER_T) if metrics else PAPER_T,
        "training": {
            "data": ", ".join(map(str, args.data)),
            "steps": step,
            "images_seen": images_seen,
            "wall_time_s": round(wall),
            "crop": args.size,
            "batch": args.batch,
            "lr": args.lr,
            "seed": args.seed,
        },
        "validation": metrics,
    }


# ----------------------------------------------------------------------------- main
def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    ddp = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    rank, world = (int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])) if ddp else (0, 1)
    try:
        device = pick_device(args.device)
    except RuntimeError as e:
        raise SystemExit(f"--device {args.device}: {e}") from e
    if ddp:
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    master = rank == 0
    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.resume is not None and args.resume:
        out = Path(args.resume)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    random.seed(args.seed)

    # The prior: counted on a sample of the corpus (rank 0 counts, the others read the cache).
    files = list_many(args.data)
    if not files:
        raise SystemExit(f"--data {args.data}: no images found")
    scan = {"cache": out / "prior.json", "sample": args.prior_sample, "workers": args.prior_workers, "seed": args.seed}
    if master:
        files, prior = scan_training_set(files, **scan)
    if ddp:
        dist.barrier()
    if not master:
        files, prior = scan_training_set(list_many(args.data), **scan)
    roots = [Path(d) for d in args.data]
    sources = [source_of(f, roots) for f in files]
    sample_weights = source_weights(sources, args.balance) if args.balance != 1.0 else None
    weights = torch.as_tensor(rebalance_weights(prior, args.lam), dtype=torch.float32, device=device)
    log.info(
        "%d training photos; rebalancing lambda %.2f, weights %.2f..%.2f", len(files), args.lam, weights.min(), weights.max()
    )

    # The network.
    deep = args.arch == "eccv16"
    if args.arch == "lite":
        net = build_net(
            "lite", channels=args.channels, encoder=args.encoder, global_context=args.global_context, pretrained=not args.init
        )
    else:
        net = build_net("eccv16", deep_supervision=True)
    if args.init:
        missing = load_into(net, args.init)
        if missing:
            log.info("--init: %d tensors left at their initial values (%s...)", len(missing), missing[0])
    net.to(device)
    if device.type == "cpu":
        net.to(memory_format=torch.channels_last)
    ema = copy.deepcopy(net).eval() if args.ema > 0 else None
    ema_pairs = ema_tensor_pairs(ema, net) if ema is not None else None
    model = torch.nn.parallel.DistributedDataParallel(net) if ddp else net
    pretrained = {id(p) for p in net.encoder_parameters()} if hasattr(net, "encoder_parameters") else set()
    encoder = [p for p in net.parameters() if id(p) in pretrained and p.requires_grad]
    rest = [p for p in net.parameters() if id(p) not in pretrained and p.requires_grad]
    groups = [{"params": rest, "name": "decoder"}] + ([{"params": encoder, "name": "encoder"}] if encoder else [])
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=args.weight_decay)

    step, best, wall0 = 0, -1.0, 0.0
    ckpt_path = out / "checkpoint.pt"
    if args.resume is not None and ckpt_path.exists():
        ck = torch.load(ckpt_path, map_location=device, weights_only=True)
        net.load_state_dict(ck["model"])
        if ema is not None and ck.get("ema"):
            ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        step, best, wall0 = ck["step"], ck.get("best", -1.0), ck.get("wall", 0.0)
        set_rng_state(ck["rng"])
        log.info("resumed from %s at step %d", ckpt_path, step)

    val_images, val_groups = [], []
    if master and args.val:
        for root in args.val:
            val_files = list_images(root)[: args.val_limit or None]
            images = load_eval_set(val_files)
            val_images += images
            val_groups += [f"{Path(root).parent.name}/{Path(root).name}"] * len(images)
        log.info("validation: %d photos in %d folders", len(val_images), len(args.val))
    jlog = JsonlLog(out / "log.jsonl", master)
    steps_per_epoch = len(files) // (args.batch * world)
    if steps_per_epoch == 0:
        raise SystemExit(f"--data {args.data}: {len(files)} photos are fewer than one batch of {args.batch * world}")
    dataset = RandomCrops(files, args.size, squeeze=args.squeeze, max_upscale=args.max_upscale)

    stop = {"now": False}

    def on_sigint(signum, frame):
        if stop["now"]:
            raise KeyboardInterrupt
        stop["now"] = True
        log.warning("interrupt: saving a checkpoint after this step (press again to abort)")

    signal.signal(signal.SIGINT, on_sigint)
    signal.signal(signal.SIGTERM, on_sigint)

    def save_checkpoint():
        if master:
            atomic_torch_save(
                {
                    "model": net.state_dict(),
                    "ema": ema.state_dict() if ema else None,
                    "opt": opt.state_dict(),
                    "step": step,
                    "best": best,
                    "wall": wall0 + time.time() - t_start,
                    "rng": rng_state(),
                    "args": vars(args),
                },
                ckpt_path,
            )

    def validate_and_export():
        nonlocal best
        if not master:
            return
        scored = ema if ema is not None else net
        metrics = evaluate(scored, val_images, prior, weights, device, temperatures=args.val_temperatures,
                           groups=val_groups if len(args.val or []) > 1 else None) if val_images else {}  # fmt: skip
        jlog.write(kind="val", step=step, **metrics)
        shown = ("val_loss", "best_T", "score", "groups")
        log.info("val step %d: %s", step, json.dumps({k: v for k, v in metrics.items() if k in shown}))
        card = model_card(args, prior, step, step * args.batch * world, wall0 + time.time() - t_start, metrics)
        export_weights(scored, out / "last.pt", card)
        if metrics and metrics["score"] > best:
            best = metrics["score"]
            export_weights(scored, out / "best.pt", card)
            (out / "best_card.json").write_text(json.dumps({k: v for k, v in card.items() if k != "bins"}, indent=1))

    t_start = time.time()
    net.train()
    if ema is not None:
        ema.train(False)
    t_last, seen_last = time.time(), step
    # The bar prints a line now and then when stderr is a log file (nohup), not a redraw per step.
    bar = tqdm(
        total=args.iters,
        initial=step,
        disable=not master,
        unit="step",
        file=sys.stderr,
        dynamic_ncols=True,
        mininterval=1.0 if sys.stderr.isatty() else 60.0,
    )
    while step < args.iters and not stop["now"]:
        epoch, offset = divmod(step, steps_per_epoch)
        if sample_weights is None:
            sampler = SeededSampler(len(dataset), args.seed, rank, world, epoch, skip=offset * args.batch)
        else:
            sampler = BalancedSampler(sample_weights, args.seed, rank, world, epoch, skip=offset * args.batch)
        loader = DataLoader(
            dataset, batch_size=args.batch, sampler=sampler, num_workers=args.workers, drop_last=True, persistent_workers=False
        )
        for rgb in loader:
            frozen = step < args.freeze_encoder and args.arch == "lite" and not args.init
            for g in opt.param_groups:
                scale = args.encoder_lr * (0.0 if frozen else 1.0) if g["name"] == "encoder" else 1.0
                g["lr"] = args.lr * lr_factor(step, args) * scale
            if not ddp:  # a frozen encoder needs no backward pass (DDP wants a fixed set of gradients)
                for p in encoder:
                    p.requires_grad_(not frozen)
            L, ab = rgb_batch_to_lab(rgb.to(device))
            if args.tone_jitter:
                L = jitter_tone(L, args.tone_jitter, step, args.seed)
            if device.type == "cpu":
                L = L.contiguous(memory_format=torch.channels_last)
            loss = batch_loss(model, L, ab, weights, deep)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ema is not None:
                update_ema(ema_pairs, min(args.ema, (1 + step) / (10 + step)))  # short memory at the start
            step += 1
            if master and (step % args.log_every == 0 or step == args.iters):
                rate = (step - seen_last) * args.batch * world / (time.time() - t_last)
                t_last, seen_last = time.time(), step
                jlog.write(
                    kind="train", step=step, loss=round(loss.item(), 4), lr=opt.param_groups[0]["lr"], img_s=round(rate, 1)
                )
                bar.set_postfix_str(f"loss {loss.item():.3f}, {rate:.1f} img/s", refresh=False)
            bar.update(1)
            if step % args.ckpt_every == 0:
                save_checkpoint()
            if step % args.val_every == 0:
                validate_and_export()
            if step == args.stop_at:
                stop["now"] = True
            if step >= args.iters or stop["now"]:
                break
    bar.close()
    save_checkpoint()
    if step % args.val_every:  # the loop did not just validate this step
        validate_and_export()
    if ddp:
        dist.barrier()
        dist.destroy_process_group()
    log.info("done at step %d", step)
    return 0


if __name__ == "__main__":
    sys.exit(main())
