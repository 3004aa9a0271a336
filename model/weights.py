"""Reading and writing network weights: our exported files and the official ECCV16 release.

Nothing is unpickled: every file goes through ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .atomic import atomic_torch_save
from .bins import AB_BINS
from .nets import ECCV16Net, arch_name, build_net
from .nets.eccv16 import AB_NORM

FORMAT = "colorizer-weights/1"


class WeightsError(ValueError):
    """A weights file that cannot be used, with a message for the user."""


def export_weights(net: nn.Module, path: str | os.PathLike, card: dict | None = None, half: bool = True) -> None:
    """Write the weights (fp16 by default) with what is needed to rebuild the network."""
    state = {k: (v.half() if half and v.is_floating_point() else v).clone() for k, v in net.state_dict().items()}
    atomic_torch_save(
        {"format": FORMAT, "arch": arch_name(net), "config": net.config, "state_dict": state, "card": card or {}}, path
    )


def _read(path: str | os.PathLike) -> dict:
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such weights file")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise WeightsError(f"{path}: not a readable weights file ({type(e).__name__}: {str(e)[:200]})") from e
    if not isinstance(obj, dict):
        raise WeightsError(f"{path}: expected a dictionary of weights, found {type(obj).__name__}")
    return obj


def check_official_eccv16(state: dict[str, torch.Tensor], source: str = "state dict") -> None:
    """Verify keys, shapes and the bin centres of an official ECCV16 release."""
    expected = ECCV16Net().state_dict()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        raise WeightsError(f"{source}: not an ECCV16 state dict (missing {missing[:3]}, unexpected {extra[:3]})")
    for k, v in expected.items():
        if tuple(state[k].shape) != tuple(v.shape):
            raise WeightsError(f"{source}: {k} has shape {tuple(state[k].shape)}, expected {tuple(v.shape)}")
    centres = state["model_out.weight"].float().view(2, -1).T.numpy() * AB_NORM
    if not np.allclose(centres, AB_BINS, atol=0.5):
        raise WeightsError(f"{source}: its model_out does not hold our 313 bin centres (different bin order?)")


def load_net(path: str | os.PathLike) -> tuple[nn.Module, dict]:
    """Build and load the network in ``path``; returns (net in eval mode, model card)."""
    obj = _read(path)
    if obj.get("format") == FORMAT:
        try:
            net = build_net(obj["arch"], **obj.get("config", {}))
            net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in obj["state_dict"].items()})
        except (KeyError, RuntimeError, TypeError, ValueError) as e:
            raise WeightsError(f"{path}: weights do not fit the network they name ({str(e)[:300]})") from e
        return net.eval(), dict(obj.get("card", {}))
    if "model_out.weight" in obj or "model1.0.weight" in obj:
        state = {k: v.float() if v.is_floating_point() else v for k, v in obj.items() if torch.is_tensor(v)}
        check_official_eccv16(state, str(path))
        net = ECCV16Net()
        net.load_state_dict(state, strict=True)
        card = {"name": "ECCV16 official release", "arch": "eccv16", "default_T": 0.38}
        return net.eval(), card
    raise WeightsError(f"{path}: not a Colorizer weights file nor the official ECCV16 release")


def load_into(net: nn.Module, path: str | os.PathLike) -> list[str]:
    """Initialise ``net`` from a weights file (ours or the official ECCV16 release) for further
    training. Modules the file lacks, such as the deep-supervision readouts ds6/ds7 that the
    release has none of, keep their fresh values; their names are returned."""
    source, _ = load_net(path)
    try:
        result = net.load_state_dict(source.state_dict(), strict=False)
    except RuntimeError as e:  # shape mismatches
        raise WeightsError(f"{path}: weights do not fit this network ({str(e)[:300]})") from e
    if result.unexpected_keys:
        raise WeightsError(f"{path}: weights for another network ({result.unexpected_keys[:3]} unexpected)")
    return list(result.missing_keys)
