"""What a run leaves on disk: atomic checkpoints that resume exactly (weights, optimiser, step and
every RNG state) and the model card exported with the weights."""

from __future__ import annotations

import ast
import random
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from model.io.atomic import atomic_torch_save
from model.lab.annealed import PAPER_T
from model.lab.bins import AB_BINS, Q
from model.training.config import TrainConfig


def rng_state() -> dict:
    _, keys, pos, has_gauss, cached = np.random.get_state()
    numpy_state = {"keys": keys.tolist(), "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)}
    return {"torch": torch.get_rng_state(), "numpy": numpy_state, "python": repr(random.getstate())}


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(("MT19937", np.array(n["keys"], dtype=np.uint32), n["pos"], n["has_gauss"], n["cached"]))
    random.setstate(ast.literal_eval(state["python"]))


def save_checkpoint(path: Path, cfg: TrainConfig, net, ema, opt, step: int, best: float, wall: float) -> None:
    state = {
        "model": net.state_dict(),
        "ema": ema.state_dict() if ema is not None else None,
        "opt": opt.state_dict(),
        "step": step,
        "best": best,
        "wall": wall,
        "rng": rng_state(),
        "args": asdict(cfg),
    }
    atomic_torch_save(state, path)


def load_checkpoint(path: Path, net, ema, opt, device) -> tuple[int, float, float]:
    """Restore a run in place; returns (step, best score, wall time so far)."""
    ck = torch.load(path, map_location=device, weights_only=True)
    net.load_state_dict(ck["model"])
    if ema is not None and ck.get("ema"):
        ema.load_state_dict(ck["ema"])
    opt.load_state_dict(ck["opt"])
    set_rng_state(ck["rng"])
    return ck["step"], ck.get("best", -1.0), ck.get("wall", 0.0)


def model_card(cfg: TrainConfig, prior: np.ndarray, step: int, images_seen: int, wall: float, metrics: dict) -> dict:
    return {
        "name": f"LiteColorNet ({cfg.arch})" if cfg.arch == "lite" else "ECCV16Net",
        "arch": cfg.arch,
        "bins": {"Q": Q, "grid": 10, "centres": AB_BINS.tolist()},
        "prior": (prior / prior.sum()).tolist(),
        "lambda": cfg.lam,
        "default_T": metrics.get("best_T", PAPER_T) if metrics else PAPER_T,
        "training": {
            "data": ", ".join(map(str, cfg.data)),
            "steps": step,
            "images_seen": images_seen,
            "wall_time_s": round(wall),
            "crop": cfg.size,
            "batch": cfg.batch,
            "lr": cfg.lr,
            "seed": cfg.seed,
        },
        "validation": metrics,
    }
