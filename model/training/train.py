"""The headless trainer: folders of colour photos -> weights, with the paper's objective.

    colorizer-train --data DIR --val DIR --out runs/lite [--arch lite] [--iters 8000]
    torchrun --nproc_per_node N -m model.cli.train ...   (DistributedDataParallel)

One run reads top to bottom in ``train``: runtime, data, network and optimiser, resume, then the
loop (lr schedule, step, EMA, log, checkpoint, validate). Checkpoints are atomic and hold the
RNG states and the step, and each sample's crop is seeded by (seed, epoch, position), so a
resumed run continues exactly where an interrupted one stopped.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import os
import random
import signal
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch.utils.data import DataLoader
from tqdm import tqdm

from model.errors import UserError
from model.evaluation.evaluate import best_temperature, evaluate_set, load_eval_set, selection_score
from model.inference.pipeline import Colorizer
from model.io.folders import list_images, list_many
from model.lab.color import round_to_grey_levels_torch
from model.lab.rebalance import rebalance_weights
from model.nets import build_net
from model.nets.device import pick_device
from model.nets.weights import export_weights, load_into, load_net, recorded_network
from model.training.checkpoint import load_checkpoint, model_card, save_checkpoint
from model.training.config import TrainConfig, parse_category_factors
from model.training.data import (
    BalancedSampler,
    RandomCrops,
    SeededSampler,
    category_shares,
    rgb_batch_to_lab,
    scan_training_set,
    source_of,
    source_weights,
)
from model.training.objective import batch_loss, jitter_tone

log = logging.getLogger("colorizer.train")


# ----------------------------------------------------------------------------- setup
@dataclass
class Runtime:
    device: torch.device
    rank: int = 0
    world: int = 1
    ddp: bool = False

    @property
    def master(self) -> bool:
        return self.rank == 0


def setup_runtime(cfg: TrainConfig) -> Runtime:
    """Device, threads, seeds, and the process group when started by torchrun."""
    ddp = "RANK" in os.environ and "WORLD_SIZE" in os.environ
    rt = Runtime(pick_device(cfg.device), int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), ddp)
    if ddp:
        if rt.device.type == "cuda":
            rt.device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", 0)))
            torch.cuda.set_device(rt.device)
        dist.init_process_group("nccl" if rt.device.type == "cuda" else "gloo")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    random.seed(cfg.seed)
    return rt


# ----------------------------------------------------------------------------- data
@dataclass
class TrainingData:
    dataset: RandomCrops
    prior: np.ndarray  # ab bin counts of the training photos
    weights: torch.Tensor  # rebalancing weight per bin
    sample_weights: np.ndarray | None  # per photo, when sources are balanced
    steps_per_epoch: int


def load_training_data(cfg: TrainConfig, run: Path, rt: Runtime) -> TrainingData:
    """The photos and their ab prior (counted on a sample; rank 0 counts, the others read its cache)."""
    files = list_many(cfg.data)
    if not files:
        raise UserError(f"--data {' '.join(cfg.data)}: no images found")
    scan = {"cache": run / "prior.json", "sample": cfg.prior_sample, "workers": cfg.prior_workers, "seed": cfg.seed}
    if rt.master:
        files, prior = scan_training_set(files, **scan)
    if rt.ddp:
        dist.barrier()
    if not rt.master:
        files, prior = scan_training_set(list_many(cfg.data), **scan)
    roots = [Path(d) for d in cfg.data]
    factors = parse_category_factors(cfg.category_weight)
    sources = [source_of(f, roots) for f in files]
    sample_weights = source_weights(sources, cfg.balance, factors) if cfg.balance != 1.0 or factors else None
    if factors:
        log.info("category factors %s: sampling shares %s", factors, category_shares(sources, sample_weights))
    weights = torch.as_tensor(rebalance_weights(prior, cfg.lam), dtype=torch.float32, device=rt.device)
    log.info("%d training photos; rebalancing lambda %.2f, weights %.2f..%.2f", len(files), cfg.lam, weights.min(), weights.max())
    steps_per_epoch = len(files) // (cfg.batch * rt.world)
    if steps_per_epoch == 0:
        raise UserError(f"--data {' '.join(cfg.data)}: {len(files)} photos are fewer than one batch of {cfg.batch * rt.world}")
    dataset = RandomCrops(files, cfg.size, squeeze=cfg.squeeze, max_upscale=cfg.max_upscale)
    return TrainingData(dataset, prior, weights, sample_weights, steps_per_epoch)


def epoch_loader(cfg: TrainConfig, data: TrainingData, rt: Runtime, step: int) -> DataLoader:
    """The batches from ``step`` to the end of its epoch (a resumed run starts mid-epoch)."""
    epoch, offset = divmod(step, data.steps_per_epoch)
    if data.sample_weights is None:
        sampler = SeededSampler(len(data.dataset), cfg.seed, rt.rank, rt.world, epoch, skip=offset * cfg.batch)
    else:
        sampler = BalancedSampler(data.sample_weights, cfg.seed, rt.rank, rt.world, epoch, skip=offset * cfg.batch)
    return DataLoader(data.dataset, batch_size=cfg.batch, sampler=sampler, num_workers=cfg.workers, drop_last=True)


def load_validation(cfg: TrainConfig) -> tuple[list[torch.Tensor], list[str]]:
    """The validation photos at 256x256, each labelled with its folder (reported alone)."""
    images, folders = [], []
    for root in cfg.val:
        loaded = load_eval_set(list_images(root)[: cfg.val_limit or None])
        images += loaded
        folders += [f"{Path(root).parent.name}/{Path(root).name}"] * len(loaded)
    log.info("validation: %d photos in %d folders", len(images), len(cfg.val))
    return images, folders


# ----------------------------------------------------------------------------- network and optimiser
def with_init_architecture(cfg: TrainConfig) -> TrainConfig:
    """A warm start keeps the global-context branch and the context blocks its weights have:
    asking for less with such weights (the bundled Vivid, say) would otherwise stop with
    'another network'. Asking for more adds them, starting as the identity."""
    if cfg.arch != "lite" or not cfg.init:
        return cfg
    arch, config = recorded_network(cfg.init)
    if arch != "lite":
        return cfg
    if config.get("global_context") and not cfg.global_context:
        log.info("--init %s has the global-context branch: training with it", cfg.init)
        cfg = replace(cfg, global_context=True)
    if (blocks := int(config.get("context_blocks", 0))) > cfg.context_blocks:
        log.info("--init %s has %d context blocks per level: training with them", cfg.init, blocks)
        cfg = replace(cfg, context_blocks=blocks)
    if (blocks := int(config.get("fine_blocks", 0))) > cfg.fine_blocks:
        log.info("--init %s has %d fine blocks: training with them", cfg.init, blocks)
        cfg = replace(cfg, fine_blocks=blocks)
    return cfg


def build_model(cfg: TrainConfig, device: torch.device) -> torch.nn.Module:
    if cfg.arch == "lite":
        config = {"channels": cfg.channels, "encoder": cfg.encoder, "global_context": cfg.global_context,
                  "context_blocks": cfg.context_blocks, "fine_blocks": cfg.fine_blocks}  # fmt: skip
        net = build_net("lite", **config, pretrained=not cfg.init)
    else:
        net = build_net("eccv16", deep_supervision=True)
    if cfg.init:
        missing = load_into(net, cfg.init)
        if any(k.startswith("global_conv.") for k in missing):  # weights trained without global context
            net.load_imagenet_head()
            missing = [k for k in missing if not k.startswith(("global_conv.", "global_bn."))]
        if missing:
            log.info("--init: %d tensors left at their initial values (%s...)", len(missing), missing[0])
    net.to(device)
    if device.type == "cpu":
        net.to(memory_format=torch.channels_last)
    return net


def pretrained_parameters(net: torch.nn.Module) -> list[torch.nn.Parameter]:
    return [p for name, p in net.named_parameters() if name.startswith(net.PRETRAINED)]


def parameters_new_to_init(cfg: TrainConfig, net: torch.nn.Module) -> set[str]:
    """Names of the trained-from-scratch parameters that the --init weights lack (blocks added by a
    flag, readouts the file has none of); the ImageNet part is not among them."""
    if not cfg.init:
        return set()
    known = load_net(cfg.init)[0].state_dict().keys()
    return {name for name, _ in net.named_parameters() if name not in known and not name.startswith(net.PRETRAINED)}


def make_optimizer(cfg: TrainConfig, net: torch.nn.Module) -> torch.optim.Optimizer:
    """AdamW with the ImageNet-pretrained part in its own group (its lr is scaled by encoder_lr), and,
    when new_lr is not 1, the parameters new to the --init weights in theirs (scaled by new_lr)."""
    encoder = pretrained_parameters(net)
    new = parameters_new_to_init(cfg, net) if cfg.new_lr != 1.0 else set()
    rest = [p for name, p in net.named_parameters() if not name.startswith(net.PRETRAINED) and name not in new]
    groups = [{"params": rest, "name": "decoder"}] + ([{"params": encoder, "name": "encoder"}] if encoder else [])
    if new:
        groups.append({"params": [p for name, p in net.named_parameters() if name in new], "name": "new"})
    return torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay)


def lr_factor(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up, then a cosine down to min_lr."""
    if step < cfg.warmup:
        return (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.iters - cfg.warmup)
    return cfg.min_lr + (1 - cfg.min_lr) * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def set_learning_rates(cfg: TrainConfig, opt, encoder: list, step: int, ddp: bool) -> None:
    frozen = step < cfg.freeze_encoder and cfg.arch == "lite" and not cfg.init
    for g in opt.param_groups:
        scale = {"encoder": cfg.encoder_lr * (0.0 if frozen else 1.0), "new": cfg.new_lr}.get(g["name"], 1.0)
        g["lr"] = cfg.lr * lr_factor(step, cfg) * scale
    if not ddp:  # a frozen encoder needs no backward pass (DDP wants a fixed set of gradients)
        for p in encoder:
            p.requires_grad_(not frozen)


# ----------------------------------------------------------------------------- EMA
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


# ----------------------------------------------------------------------------- validation
SCORED = ("auc_raw", "auc_rebalanced", "auc_rebalanced_bounded")


def validate(net, cfg: TrainConfig, images: list[torch.Tensor], folders: list[str], prior: np.ndarray, device) -> dict:
    """colorizer-eval's own measurement of the network (the app's pipeline, 256x256 squeezes):
    AuC raw and rebalanced at each validation temperature, the best of them, and each folder."""
    if not images:
        return {}
    was_training = net.training
    results = evaluate_set(Colorizer(net, {}, device.type), images, prior, cfg.val_temperatures, baselines=False,
                           groups={"by_folder": folders} if len(cfg.val) > 1 else None)  # fmt: skip
    net.train(was_training)
    best_T = best_temperature(results)
    metrics = {
        "temperatures": {T: {k: row[k] for k in SCORED} for T, row in results["temperatures"].items()},
        "best_T": best_T,
        "score": selection_score(results["temperatures"][best_T]),
    }
    if "by_folder" in results:
        metrics["groups"] = {
            folder: {k: part["temperatures"][best_T][k] for k in ("auc_raw", "auc_rebalanced")}
            for folder, part in results["by_folder"].items()
        }
    return metrics


class JsonlLog:
    def __init__(self, path: Path, enabled: bool):
        self.path, self.enabled = path, enabled

    def write(self, **record) -> None:
        if self.enabled:
            with open(self.path, "a") as f:
                f.write(json.dumps(record) + "\n")


class StopRequest:
    """The first Ctrl-C (or SIGTERM) asks for a checkpoint after this step; the second aborts."""

    def __init__(self):
        self.now = False
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def _on_signal(self, signum, frame) -> None:
        if self.now:
            raise KeyboardInterrupt
        self.now = True
        log.warning("interrupt: saving a checkpoint after this step (press again to abort)")


# ----------------------------------------------------------------------------- the run
def train(cfg: TrainConfig) -> int:
    cfg = with_init_architecture(cfg)
    rt = setup_runtime(cfg)
    Path(cfg.out).mkdir(parents=True, exist_ok=True)
    run = Path(cfg.run_folder)
    data = load_training_data(cfg, run, rt)
    net = build_model(cfg, rt.device)
    ema = copy.deepcopy(net).eval() if cfg.ema > 0 else None
    ema_pairs = ema_tensor_pairs(ema, net) if ema is not None else None
    model = torch.nn.parallel.DistributedDataParallel(net) if rt.ddp else net
    opt = make_optimizer(cfg, net)
    encoder = pretrained_parameters(net)

    step, best, wall_before = 0, -1.0, 0.0
    ckpt_path = run / "checkpoint.pt"
    if cfg.resume is not None and ckpt_path.exists():
        step, best, wall_before = load_checkpoint(ckpt_path, net, ema, opt, rt.device)
        log.info("resumed from %s at step %d", ckpt_path, step)
    val_images, val_folders = load_validation(cfg) if rt.master and cfg.val else ([], [])
    jlog = JsonlLog(run / "log.jsonl", rt.master)
    stop = StopRequest()
    t_start = time.time()

    def wall() -> float:
        return wall_before + time.time() - t_start

    def checkpoint() -> None:
        if rt.master:
            save_checkpoint(ckpt_path, cfg, net, ema, opt, step, best, wall())

    def validate_and_export() -> None:
        nonlocal best
        if not rt.master:
            return
        scored = ema if ema is not None else net
        metrics = validate(scored, cfg, val_images, val_folders, data.prior, rt.device)
        jlog.write(kind="val", step=step, **metrics)
        log.info("val step %d: %s", step, json.dumps({k: metrics[k] for k in ("best_T", "score", "groups") if k in metrics}))
        card = model_card(cfg, data.prior, step, step * cfg.batch * rt.world, wall(), metrics)
        export_weights(scored, run / "last.pt", card)
        if metrics and metrics["score"] > best:
            best = metrics["score"]
            export_weights(scored, run / "best.pt", card)
            (run / "best_card.json").write_text(json.dumps({k: v for k, v in card.items() if k != "bins"}, indent=1))

    net.train()
    t_last, step_last = time.time(), step
    # The bar prints a line now and then when stderr is a log file (nohup), not a redraw per step.
    bar = tqdm(total=cfg.iters, initial=step, disable=not rt.master, unit="step", file=sys.stderr, dynamic_ncols=True,
               mininterval=1.0 if sys.stderr.isatty() else 60.0)  # fmt: skip
    while step < cfg.iters and not stop.now:
        for rgb in epoch_loader(cfg, data, rt, step):
            set_learning_rates(cfg, opt, encoder, step, rt.ddp)
            L, ab = rgb_batch_to_lab(rgb.to(rt.device))
            if cfg.tone_jitter:
                L = jitter_tone(L, cfg.tone_jitter, step, cfg.seed)
            if cfg.grey_levels:
                L = round_to_grey_levels_torch(L)
            if rt.device.type == "cpu":
                L = L.contiguous(memory_format=torch.channels_last)
            loss = batch_loss(model, L, ab, data.weights, cfg.deep_supervision)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if ema is not None:
                update_ema(ema_pairs, min(cfg.ema, (1 + step) / (10 + step)))  # short memory at the start
            step += 1
            if rt.master and (step % cfg.log_every == 0 or step == cfg.iters):
                rate = (step - step_last) * cfg.batch * rt.world / (time.time() - t_last)
                t_last, step_last = time.time(), step
                loss_value = loss.item()  # the only host sync of a step, and only when logging
                jlog.write(kind="train", step=step, loss=round(loss_value, 4), lr=opt.param_groups[0]["lr"], img_s=round(rate, 1))
                bar.set_postfix_str(f"loss {loss_value:.3f}, {rate:.1f} img/s", refresh=False)
            bar.update(1)
            if step % cfg.ckpt_every == 0:
                checkpoint()
            if step % cfg.val_every == 0:
                validate_and_export()
            if step == cfg.stop_at:
                stop.now = True
            if step >= cfg.iters or stop.now:
                break
    bar.close()
    checkpoint()
    if step % cfg.val_every:  # the loop did not just validate this step
        validate_and_export()
    if rt.ddp:
        dist.barrier()
        dist.destroy_process_group()
    log.info("done at step %d", step)
    return 0
