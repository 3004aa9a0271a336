"""Reading and writing network weights: our exported files and the official ECCV16 release.

Nothing is unpickled: every file goes through ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import math
import os
import pickle
from pathlib import Path

import numpy as np
import torch
from torch import nn

from model.errors import UserError
from model.io.atomic import atomic_torch_save
from model.lab.bins import AB_BINS, Q
from model.nets import ECCV16Net, MixtureNet, arch_name, build_net
from model.nets.eccv16 import AB_NORM

FORMAT = "colorizer-weights/1"


class WeightsError(UserError, ValueError):
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
    except pickle.UnpicklingError as e:  # torch's message would suggest weights_only=False: never
        if "Unsupported global" not in str(e):  # torch says "Weights only load failed" for plain junk too
            raise WeightsError(f"{path}: not a weights file (PyTorch cannot read it)") from e
        raise WeightsError(
            f"{path}: not a safe weights file: it holds Python objects that would run as code when loaded, so it is refused"
        ) from e
    except Exception as e:
        raise WeightsError(f"{path}: not a weights file (PyTorch cannot read it: {type(e).__name__})") from e
    if not isinstance(obj, dict):
        raise WeightsError(f"{path}: expected a dictionary of weights, found {type(obj).__name__}")
    return obj


def recorded_network(path: str | os.PathLike) -> tuple[str | None, dict]:
    """The network a weights file names, (arch, config), without building it; (None, {}) for
    the official ECCV16 release, which names none."""
    obj = _read(path)
    if obj.get("format") != FORMAT:
        return None, {}
    config = obj.get("config")
    return obj.get("arch"), dict(config) if isinstance(config, dict) else {}


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
        raise WeightsError(f"{source}: its model_out does not hold our {Q} bin centres (different bin order?)")


def load_net(path: str | os.PathLike) -> tuple[nn.Module, dict]:
    """Build and load the network in ``path``; returns (net in eval mode, model card)."""
    obj = _read(path)
    if obj.get("format") == FORMAT:
        config = obj.get("config", {})
        check_config(obj.get("arch"), config, path)
        try:
            net = build_net(obj["arch"], **config)
            net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in obj["state_dict"].items()})
        except (KeyError, RuntimeError, TypeError, ValueError, AttributeError) as e:
            raise WeightsError(f"{path}: weights do not fit the network they name ({str(e)[:300]})") from e
        check_finite(net, path)
        card = obj.get("card", {})
        if not isinstance(card, dict):
            raise WeightsError(f"{path}: its model card is not a table of facts")
        check_temperature(card.get("default_T", 0.38), f"{path}: its model card's default_T")
        check_bins(card, path)
        return net.eval(), dict(card)
    if "model_out.weight" in obj or "model1.0.weight" in obj:
        state = {k: v.float() if v.is_floating_point() else v for k, v in obj.items() if torch.is_tensor(v)}
        check_official_eccv16(state, str(path))
        net = ECCV16Net()
        net.load_state_dict(state, strict=True)
        check_finite(net, path)
        card = {"name": "ECCV16 official release", "arch": "eccv16", "default_T": 0.38}
        return net.eval(), card
    raise WeightsError(f"{path}: not a Colorizer weights file nor the official ECCV16 release")


# What a file may ask of the network builder; "pretrained" is not among them (it would fetch ImageNet weights).
CONFIG_KEYS = {"lite": {"channels", "encoder", "global_context", "context_blocks", "fine_blocks"}, "eccv16": {"deep_supervision"},
               "mixture": {"members", "weights"}}  # fmt: skip


def check_config(arch, config, path, member: bool = False) -> None:
    """Refuse a configuration this program does not build, before building anything."""
    if not isinstance(config, dict) or not set(config) <= CONFIG_KEYS.get(arch, set()) or (member and arch == "mixture"):
        raise WeightsError(f"{path}: its network configuration {config!r} is not one this program builds")
    if arch == "mixture":
        members = config.get("members")
        if not isinstance(members, list) or not all(isinstance(m, dict) and set(m) <= {"arch", "config"} for m in members):
            raise WeightsError(f"{path}: its mixture's members {members!r} are not networks this program builds")
        for m in members:
            check_config(m.get("arch"), m.get("config", {}), path, member=True)


def check_temperature(T, what: str) -> float:
    """A temperature as the slider and the annealed mean take it: a finite number in 0..1."""
    if isinstance(T, bool) or not isinstance(T, (int, float)) or not math.isfinite(T) or not 0 <= T <= 1:
        raise WeightsError(f"{what} {T!r} is not a temperature (a number from 0 to 1)")
    return float(T)


def check_bins(card: dict, path) -> None:
    """The card's bin table (when it has one) must be ours, row for row: output q means AB_BINS[q]."""
    bins = card.get("bins")
    if bins is None:
        return
    try:
        centres = np.asarray(bins["centres"], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as e:
        raise WeightsError(f"{path}: its model card's bin table cannot be read") from e
    if centres.shape != AB_BINS.shape or not np.allclose(centres, AB_BINS, atol=1e-6):
        raise WeightsError(f"{path}: its {len(centres)} ab bins are not this program's {len(AB_BINS)} (another table or order)")


def check_finite(net: nn.Module, path) -> None:
    for name, tensor in net.state_dict().items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise WeightsError(f"{path}: damaged weights ({name} holds NaN or infinite values)")


def load_into(net: nn.Module, path: str | os.PathLike) -> list[str]:
    """Initialise ``net`` from a weights file (ours or the official ECCV16 release) for further
    training. Modules the file lacks, such as the deep-supervision readouts ds6/ds7 that the
    release has none of, keep their fresh values; their names are returned."""
    source, _ = load_net(path)
    if isinstance(source, MixtureNet):
        raise WeightsError(f"{path}: a mixture of {len(source.members)} networks; training starts from one of them")
    try:
        result = net.load_state_dict(source.state_dict(), strict=False)
    except RuntimeError as e:  # shape mismatches
        raise WeightsError(f"{path}: weights do not fit this network ({str(e)[:300]})") from e
    if result.unexpected_keys:
        raise WeightsError(f"{path}: weights for another network ({result.unexpected_keys[:3]} unexpected)")
    return list(result.missing_keys)
