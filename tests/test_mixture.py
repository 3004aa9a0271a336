import math
import sys

import numpy as np
import pytest
import torch

from model.inference.pipeline import Colorizer
from model.lab.bins import Q
from model.nets import ECCV16Net, LiteColorNet, MixtureNet, describe_architecture
from model.nets.weights import WeightsError, export_weights, load_into, load_net

from .scripts import load_script


def _trained_looking(net):
    torch.manual_seed(sum(p.numel() for p in net.parameters()))
    with torch.no_grad():
        for p in net.parameters():
            p.normal_(0, 0.05)
    return net.eval()


@pytest.fixture
def members():
    return [_trained_looking(LiteColorNet(channels=16, global_context=True)), _trained_looking(ECCV16Net())]


def test_the_mixture_is_the_weighted_average_of_its_members_distributions(members):
    mix = MixtureNet.of(members, [3, 1])
    x = torch.rand(1, 1, 64, 96) * 100
    with torch.no_grad():
        got = mix(x)
        p0, p1 = (torch.softmax(m(x).float(), dim=1) for m in members)
    assert got.shape == (1, Q, 16, 24)
    torch.testing.assert_close(got.exp(), 0.75 * p0 + 0.25 * p1, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(torch.log_softmax(got, dim=1), got, atol=1e-5, rtol=0)  # callers normalise: a no-op
    assert not torch.allclose(p0, p1, atol=1e-3)  # else the average would prove nothing


def test_a_mixture_travels_in_one_weights_file_and_the_pipeline_reads_it(members, tmp_path):
    mix = MixtureNet.of(members, [1, 1])
    export_weights(mix, tmp_path / "mix.pt", {"default_T": 0.5}, half=False)
    net, card = load_net(tmp_path / "mix.pt")
    assert isinstance(net, MixtureNet) and card["default_T"] == 0.5 and net.config == mix.config
    x = torch.rand(1, 1, 64, 64) * 100
    with torch.no_grad():
        torch.testing.assert_close(net(x), mix(x))
    pred = Colorizer(net, card, device="cpu").predict(np.random.default_rng(0).random((50, 70)) * 100)
    assert math.isclose(float(pred.log_probs.exp().sum(0).mean()), 1.0, rel_tol=1e-5)
    assert "50% LiteColorNet" in describe_architecture(net) and "50% ECCV16Net" in describe_architecture(net)


def test_bad_mixtures_are_refused_with_a_message(members, tmp_path):
    for config in ({"members": [{"arch": "lite", "config": {"channels": 16}}], "weights": [1]},  # one member
                   {"members": [{"arch": "lite", "config": {"channels": 16}}] * 2, "weights": [1, -1]},
                   {"members": [{"arch": "lite", "config": {"pretrained": True}}] * 2, "weights": [1, 1]},
                   {"members": [{"arch": "mixture", "config": {}}] * 2, "weights": [1, 1]},
                   {"members": "lite", "weights": [1, 1]}):  # fmt: skip
        torch.save({"format": "colorizer-weights/1", "arch": "mixture", "config": config, "state_dict": {}, "card": {}},
                   tmp_path / "bad.pt")  # fmt: skip
        with pytest.raises(WeightsError):
            load_net(tmp_path / "bad.pt")
    export_weights(MixtureNet.of(members, [1, 1]), tmp_path / "mix.pt")
    with pytest.raises(WeightsError, match="training starts from one of them"):
        load_into(LiteColorNet(channels=16, global_context=True), tmp_path / "mix.pt")


def test_mix_models_script_packs_members_with_their_training_facts(members, tmp_path, monkeypatch):
    paths = []
    for i, net in enumerate(members):
        paths.append(tmp_path / f"m{i}.pt")
        export_weights(net, paths[-1], {"lambda": 0.5, "training": {"steps": 100 * (i + 1)}})
    monkeypatch.setattr(sys, "argv", ["mix_models.py", str(tmp_path / "mix.pt"), *map(str, paths), "--weights", "2", "1"])
    load_script("mix_models").main()
    net, card = load_net(tmp_path / "mix.pt")
    assert net.config["weights"] == [2.0, 1.0] and card["lambda"] == 0.5
    assert [m["steps"] for m in card["training"]["members"]] == [100, 200]
