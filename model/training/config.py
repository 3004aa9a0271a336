"""Everything a training run is told, in one place: the command line fills it, checkpoints keep it."""

from __future__ import annotations

from dataclasses import dataclass

from model.evaluation.categories import CATEGORY_OF_SET
from model.lab.annealed import BRIEF_T, PAPER_T
from model.lab.rebalance import DEFAULT_LAMBDA

VAL_TEMPERATURES = (0.1, BRIEF_T, 0.25, PAPER_T, 0.6, 1.0)


@dataclass(frozen=True)
class TrainConfig:
    out: str
    data: tuple[str, ...]
    val: tuple[str, ...] = ()
    # data
    balance: float = 1.0  # each source folder's share of samples grows as its size**balance
    category_weight: tuple[str, ...] = ()  # "scenes=2": that category's sources sampled 2x as often
    prior_sample: int = 0  # photos counted for the ab prior (0: all; a sample misses rare bins)
    prior_workers: int = 2
    size: int = 176  # crop size (the paper: 176)
    squeeze: float = 0.0  # share of samples that are whole photos squeezed square
    max_upscale: float = 1.0  # largest crop scale relative to the photo's own size
    tone_jitter: float = 0.0  # random gamma on L, exp(U(-x, x))
    grey_levels: bool = False  # round the input L to 8-bit grey levels, as the app's input is
    workers: int = 0
    # network
    arch: str = "lite"
    channels: int = 96
    encoder: str = "lite0"
    global_context: bool = False
    context_blocks: int = 0  # residual blocks at each of the decoder's two coarsest levels (lite net)
    fine_blocks: int = 0  # residual blocks at the decoder's 1/8 level (lite net)
    init: str | None = None  # weights to start from
    # optimisation
    batch: int = 16  # per process
    lr: float = 1e-3
    iters: int = 8000
    lam: float = DEFAULT_LAMBDA  # 1 turns rebalancing off
    warmup: int = 200
    freeze_encoder: int = 500  # steps with a frozen pretrained encoder (not when starting from --init)
    encoder_lr: float = 0.3  # encoder lr as a fraction of lr
    new_lr: float = 1.0  # lr of the parameters the --init weights lack, as a multiple of lr
    weight_decay: float = 1e-4
    min_lr: float = 0.02  # final lr of the cosine, as a fraction
    ema: float = 0.999  # decay of the weight average (0: off)
    # bookkeeping
    resume: str | None = None  # a run folder to continue ("" : out)
    device: str = "auto"
    seed: int = 0
    threads: int = 0
    val_temperatures: tuple[float, ...] = VAL_TEMPERATURES
    val_every: int = 500
    val_limit: int = 0
    ckpt_every: int = 200
    log_every: int = 20
    stop_at: int = 0  # stop (with a checkpoint) at this step, as an interrupt would

    @property
    def deep_supervision(self) -> bool:
        return self.arch == "eccv16"

    @property
    def run_folder(self) -> str:
        return self.resume or self.out


def parse_category_factors(items: tuple[str, ...] | list[str]) -> dict[str, float]:
    """["scenes=2", ...] -> {"scenes": 2.0}, refusing a category no set belongs to or a factor <= 0."""
    known = set(CATEGORY_OF_SET.values())
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            factor = float(value) if sep else float("nan")
        except ValueError:
            factor = float("nan")
        if name not in known or not factor > 0:
            raise ValueError(f"--category-weight {item!r}: expected CATEGORY=FACTOR, FACTOR > 0, CATEGORY one of {sorted(known)}")
        out[name] = factor
    return out
