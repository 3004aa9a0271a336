import dataclasses
import json
import logging
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from model.cli import train as train_cli
from model.lab.bins import Q
from model.lab.color import GREY_LEVEL_L
from model.nets import build_net
from model.nets.weights import load_net
from model.training import objective, train

from .synthetic import write_scenes

FAST = ["--size", "64", "--batch", "8", "--channels", "32", "--warmup", "5", "--freeze-encoder", "0", "--threads", "2"]


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    write_scenes(root / "train", 32, seed=0)
    write_scenes(root / "val", 8, seed=1)
    return root


def losses(out):
    return [r["loss"] for r in map(json.loads, (out / "log.jsonl").read_text().splitlines()) if r["kind"] == "train"]


@pytest.mark.train_extra
def test_loss_falls_and_weights_export(scenes, tmp_path):
    out = tmp_path / "run"
    args = [
        "--data",
        str(scenes / "train"),
        "--val",
        str(scenes / "val"),
        "--out",
        str(out),
        "--iters",
        "60",
        "--lr",
        "3e-3",
        "--log-every",
        "5",
        "--val-every",
        "60",
        *FAST,
    ]
    assert train_cli.main(args) == 0
    curve = losses(out)
    assert len(curve) == 12
    assert sum(curve[-3:]) / 3 < 0.7 * sum(curve[:3]) / 3
    net, card = load_net(out / "best.pt")
    assert card["training"]["steps"] == 60 and len(card["prior"]) == Q
    assert card["validation"]["temperatures"][0.38]["auc_raw"] > 0


@pytest.mark.train_extra
def test_several_validation_folders_are_one_set_reported_per_folder(scenes, tmp_path):
    from model.evaluation.evaluate import evaluate_set
    from model.inference.pipeline import Colorizer

    write_scenes(tmp_path / "corpus" / "val", 5, seed=7)
    out = tmp_path / "run"
    folders = [str(scenes / "val"), str(tmp_path / "corpus" / "val")]
    args = ["--data", str(scenes / "train"), "--out", str(out), "--iters", "2", "--val-every", "2", *FAST]
    assert train_cli.main([*args, "--val", folders[0], "--val", folders[1], "--val-temperatures", "1"]) == 0
    net, card = load_net(out / "last.pt")
    parts = card["validation"]["groups"]
    assert sorted(parts) == ["corpus/val", sorted(parts)[1]] and len(parts) == 2
    # each part is what colorizer-eval measures on that folder alone (the trainer's own loop)
    from model.evaluation.evaluate import load_eval_set
    from model.io.folders import list_images

    images = load_eval_set(list_images(folders[1]))
    alone = evaluate_set(Colorizer(net.float().eval(), card, device="cpu"), images, np.array(card["prior"]), (1.0,),
                         baselines=False)  # fmt: skip
    assert abs(parts["corpus/val"]["auc_raw"] - alone["temperatures"][1.0]["auc_raw"]) < 0.5


@pytest.mark.train_extra
def test_resume_continues_exactly(scenes, tmp_path):
    common = ["--data", str(scenes / "train"), "--iters", "8", "--ckpt-every", "100", "--val-every", "100", "--seed", "3", *FAST]
    train_cli.main([*common, "--out", str(tmp_path / "straight")])
    train_cli.main([*common, "--out", str(tmp_path / "broken"), "--stop-at", "4"])
    ck = torch.load(tmp_path / "broken" / "checkpoint.pt", weights_only=True)
    assert ck["step"] == 4
    train_cli.main([*common, "--out", str(tmp_path / "broken"), "--resume"])
    a = torch.load(tmp_path / "straight" / "checkpoint.pt", weights_only=True)
    b = torch.load(tmp_path / "broken" / "checkpoint.pt", weights_only=True)
    assert a["step"] == b["step"] == 8
    for key in ("model", "ema"):
        for name, tensor in a[key].items():
            torch.testing.assert_close(b[key][name], tensor, rtol=0, atol=1e-6, msg=f"{key}.{name}")


@pytest.mark.train_extra
def test_corrupt_image_is_skipped_with_a_warning(scenes, tmp_path, caplog):
    data = tmp_path / "data"
    write_scenes(data, 16, seed=5)
    (data / "broken.jpg").write_text("this is not a JPEG")
    (data / "grey.png").write_bytes((scenes / "train" / "scene_000.png").read_bytes())
    from PIL import Image

    Image.open(data / "grey.png").convert("L").save(data / "grey.png")
    with caplog.at_level(logging.INFO):
        assert train_cli.main(["--data", str(data), "--out", str(tmp_path / "o"), "--iters", "2", *FAST]) == 0
    assert any("broken.jpg" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)
    assert any("grayscale" in r.getMessage() and "grey.png" in r.getMessage() for r in caplog.records)
    prior = json.loads((tmp_path / "o" / "prior.json").read_text())
    assert sorted(os.path.basename(f) for f in prior["dropped"]) == ["broken.jpg", "grey.png"]
    assert prior["sampled"] == 18


def test_eccv16_trains_with_deep_supervision(scenes, tmp_path):
    args = [
        "--data",
        str(scenes / "train"),
        "--out",
        str(tmp_path / "e"),
        "--arch",
        "eccv16",
        "--iters",
        "2",
        "--size",
        "32",
        "--batch",
        "2",
        "--threads",
        "2",
        "--ema",
        "0",
    ]
    assert train_cli.main(args) == 0
    net, card = load_net(tmp_path / "e" / "last.pt")
    assert card["arch"] == "eccv16" and hasattr(net, "ds6")


@pytest.mark.slow
def test_runs_under_torchrun_with_two_processes(scenes, tmp_path):
    out = tmp_path / "ddp"
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    args = ["--data", str(scenes / "train"), "--out", str(out), "--iters", "4", "--log-every", "1", *FAST[:-2], "--threads", "1"]
    cmd = [*launcher, "-m", "model.cli.train", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert losses(out) and len(losses(out)) == 4  # rank 0 alone logs
    assert torch.load(out / "checkpoint.pt", weights_only=True)["step"] == 4


def test_tone_jitter_changes_lightness_only_within_range_and_repeatably():
    L = torch.linspace(0, 100, 50).view(1, 1, 5, 10).repeat(4, 1, 1, 1)
    a, b = objective.jitter_tone(L, 0.25, step=7, seed=1), objective.jitter_tone(L, 0.25, step=7, seed=1)
    torch.testing.assert_close(a, b)
    assert a.min() >= 0 and a.max() <= 100 and not torch.allclose(a, L)
    torch.testing.assert_close(objective.jitter_tone(L, 0.0, step=7, seed=1), L)
    assert (a[:, :, 0, 0] == 0).all() and torch.allclose(a[:, :, -1, -1], torch.full((4, 1), 100.0))  # black and white stay


@pytest.mark.parametrize("flag", [False, True])
def test_grey_levels_feeds_the_network_the_lightness_of_8_bit_greys(scenes, tmp_path, monkeypatch, flag):
    seen = []
    real = objective.batch_loss
    monkeypatch.setattr(train, "batch_loss", lambda net, L, *rest: seen.append(L.detach().clone()) or real(net, L, *rest))
    args = ["--data", str(scenes / "train"), "--out", str(tmp_path / "run"), "--iters", "2", *FAST]
    assert train_cli.main(args + (["--grey-levels"] if flag else [])) == 0
    L = torch.cat([x.reshape(-1) for x in seen])
    on_levels = np.isin(L.numpy(), GREY_LEVEL_L)
    assert len(seen) == 2 and (on_levels.all() if flag else on_levels.mean() < 0.5)


def test_fine_tune_without_rebalancing_from_exported_weights(scenes, tmp_path):
    from model.nets import LiteColorNet
    from model.nets.weights import export_weights

    export_weights(LiteColorNet(channels=32), tmp_path / "start.pt", half=False)
    out = tmp_path / "ft"
    args = [
        "--data",
        str(scenes / "train"),
        "--out",
        str(out),
        "--init",
        str(tmp_path / "start.pt"),
        "--lambda",
        "1",
        "--iters",
        "2",
        "--ema",
        "0",
        *FAST,
    ]
    assert train_cli.main(args) == 0
    net, card = load_net(out / "last.pt")
    assert card["lambda"] == 1 and card["training"]["steps"] == 2


@pytest.mark.train_extra
@pytest.mark.parametrize("context", [[], ["--global-context"]], ids=["plain", "global-context"])
def test_frozen_encoder_stays_put_then_trains(scenes, tmp_path, context):
    fast = [a for a in FAST if a not in ("--freeze-encoder", "0")]
    common = ["--data", str(scenes / "train"), "--iters", "8", "--ckpt-every", "100", "--val-every", "100", *fast, *context]
    out = tmp_path / "run"
    train_cli.main([*common, "--out", str(out), "--freeze-encoder", "4", "--weight-decay", "0.5", "--stop-at", "4"])
    net = build_net("lite", channels=32, pretrained=True, global_context=bool(context))
    start = dict(net.named_parameters())
    frozen = torch.load(out / "checkpoint.pt", weights_only=True)["model"]
    train_cli.main([*common, "--out", str(out), "--freeze-encoder", "4", "--weight-decay", "0.5", "--resume"])
    trained = torch.load(out / "checkpoint.pt", weights_only=True)["model"]
    encoder = [k for k in start if k.startswith(net.PRETRAINED)]  # with context: the ImageNet head too
    assert any(k.startswith("global_conv.") for k in encoder) == bool(context)
    assert all(torch.equal(frozen[k], start[k].detach()) for k in encoder)
    assert not all(torch.equal(trained[k], start[k].detach()) for k in encoder)
    assert not torch.equal(frozen["head.1.weight"], start["head.1.weight"].detach())


def test_squeezed_samples_show_the_whole_photo(tmp_path):
    from PIL import Image

    from model.training.data import RandomCrops

    photo = np.zeros((100, 400, 3), np.uint8)
    photo[:, :100, 0] = 255  # left quarter red, the rest blue
    photo[:, 100:, 2] = 255
    Image.fromarray(photo).save(tmp_path / "wide.png")
    for seed in range(4):
        whole = RandomCrops([tmp_path / "wide.png"], 64, squeeze=1.0)[0, seed]
        assert whole.shape == (3, 64, 64)
        assert (whole[0] > 128).float().mean() == pytest.approx(0.25, abs=0.03)
        ends = {int(whole[0, :, 0].float().mean() > 128), int(whole[0, :, -1].float().mean() > 128)}
        assert ends == {0, 1}  # one end red, the other blue (flips allowed)


def test_max_upscale_lets_crops_enlarge_small_photos(tmp_path):
    from PIL import Image

    from model.training.data import RandomCrops

    ramp = np.tile(np.linspace(0, 255, 100).astype(np.uint8), (100, 1))  # value = column
    Image.fromarray(np.dstack([ramp] * 3)).save(tmp_path / "ramp.png")

    def spans(**kw):  # share of the photo's width each crop shows
        crops = RandomCrops([tmp_path / "ramp.png"], 64, max_zoom=4.0, **kw)
        return [float(c[0].max() - c[0].min()) / 255 for c in (crops[0, s] for s in range(40))]

    assert min(spans()) > 0.6  # never larger than the photo itself: at least 64 of its 100 columns
    enlarged = spans(max_upscale=2.0)
    assert min(enlarged) < 0.45 and max(enlarged) > 0.6


@pytest.mark.parametrize("channels_last", [False, True])
def test_sparse_loss_and_gradient_equal_the_dense_cross_entropy(channels_last):
    from model.lab.encoding import soft_encode
    from model.lab.rebalance import pixel_weights

    g = torch.Generator().manual_seed(0)
    ab = torch.randn(3, 2, 24, 20, generator=g) * 40
    logits = torch.randn(3, Q, 6, 5, generator=g) * 3
    if channels_last:
        logits = logits.contiguous(memory_format=torch.channels_last)
    weights = torch.rand(Q, generator=g) * 5
    keep = torch.tensor([1.0, 0.0, 1.0])
    dense = soft_encode(torch.nn.functional.avg_pool2d(ab, 4))
    v_dense = pixel_weights(dense, weights) * keep.view(-1, 1, 1)
    a = logits.clone().requires_grad_(True)
    reference = (-(dense * torch.log_softmax(a, dim=1)).sum(dim=1) * v_dense).mean()
    reference.backward()
    targets, v = objective.targets_at(ab, 4, weights, keep)
    torch.testing.assert_close(v, v_dense)
    b = logits.clone().requires_grad_(True)
    loss = objective.rebalanced_ce(b, targets, v)
    loss.backward()
    torch.testing.assert_close(loss, reference, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(b.grad, a.grad, rtol=1e-4, atol=1e-7)
    assert b.grad[1].abs().max() == 0  # a grey crop teaches nothing


def test_ema_update_is_the_weighted_average():
    live, avg = torch.nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    with torch.no_grad():
        live.weight.fill_(2.0)
        avg.weight.fill_(1.0)
    live.num_batches_tracked.fill_(7)
    train.update_ema(train.ema_tensor_pairs(avg, live), 0.9)
    torch.testing.assert_close(avg.weight, torch.full((3,), 1.1))
    assert avg.num_batches_tracked.item() == 7


def test_balanced_sampler_tempers_each_sources_share_and_repeats_per_epoch():
    from pathlib import Path

    from model.training.data import BalancedSampler, source_of, source_weights

    roots = [Path("/d/train"), Path("/c/train")]
    files = [Path("/d/train/big") / f"{i}.jpg" for i in range(900)] + [Path("/c/train/small") / f"{i}.jpg" for i in range(100)]
    sources = [source_of(f, roots) for f in files]
    assert sources[0] == "train/big" and sources[-1] == "train/small"
    w = source_weights(sources, 0.5)  # shares 30 : 10, against 90 : 10 photo by photo
    draws = [i for i, _ in BalancedSampler(w, seed=1, epoch=0)]
    assert len(draws) == 1000
    assert 0.2 < np.mean(np.array(draws) >= 900) < 0.3
    alike = source_weights(sources, 0.0)
    assert np.isclose(alike[:900].sum(), 0.5) and np.isclose(alike[900:].sum(), 0.5)
    assert np.allclose(source_weights(sources, 1.0), 1 / 1000)
    again = list(BalancedSampler(w, seed=1, epoch=0))
    assert [i for i, _ in again] == draws and list(BalancedSampler(w, seed=1, epoch=1)) != again
    assert list(BalancedSampler(w, seed=1, epoch=0, skip=990)) == again[990:]
    ranks = [list(BalancedSampler(w, seed=1, rank=r, world=2)) for r in (0, 1)]
    assert len(ranks[0]) == len(ranks[1]) == 500 and ranks[0] != ranks[1]


def test_category_weight_multiplies_the_share_of_that_categorys_sources():
    from pathlib import Path

    from model.training.config import parse_category_factors
    from model.training.data import category_shares, source_of, source_weights

    roots = [Path("/d/train"), Path("/c/train")]
    files = [Path("/c/train") / name / f"{i}.jpg" for name in ("Intel", "UTKFace") for i in range(100)]
    sources = [source_of(f, roots) for f in files]
    even = source_weights(sources, 0.5)
    assert np.isclose(even[:100].sum(), 0.5)
    boosted = source_weights(sources, 0.5, parse_category_factors(["scenes=3"]))  # Intel is a scenes set
    assert np.isclose(boosted[:100].sum(), 0.75) and np.isclose(boosted.sum(), 1.0)
    assert category_shares(sources, boosted) == {"scenes": 0.75, "faces": 0.25}
    assert np.allclose(source_weights(sources, 0.5, {"flowers": 4.0}), even)  # no flowers here: nothing moves


@pytest.mark.parametrize("bad", ["scenes", "scenes=0", "scenes=x", "landscapes=2", "=2"])
def test_category_weight_refuses_what_it_cannot_apply(bad):
    from model.cli.train import parse_args
    from model.training.config import parse_category_factors

    with pytest.raises(ValueError, match="CATEGORY=FACTOR"):
        parse_category_factors([bad])
    with pytest.raises(SystemExit):
        parse_args(["--data", "d", "--out", "o", "--category-weight", bad])
    assert parse_args(["--data", "d", "--out", "o", "--category-weight", "buildings=2.5"]).category_weight == ["buildings=2.5"]


def test_prior_is_counted_on_a_seeded_sample_and_cached(scenes, tmp_path):
    from model.io.folders import list_images
    from model.training.data import scan_training_set

    files = list_images(scenes / "train")
    kept, counts = scan_training_set(files, tmp_path / "prior.json", sample=10, seed=4)
    _, every = scan_training_set(files)
    assert kept == files and 0 < counts.sum() < every.sum()
    assert json.loads((tmp_path / "prior.json").read_text())["sampled"] == 10
    _, again = scan_training_set(files, tmp_path / "prior.json", sample=10, seed=4)
    np.testing.assert_array_equal(again, counts)
    _, other = scan_training_set(files, tmp_path / "other.json", sample=10, seed=5)
    assert not np.array_equal(other, counts)


@pytest.mark.train_extra
def test_global_context_from_plain_weights_starts_from_the_imagenet_head(tmp_path):
    from model.nets.efficientnet_lite import load_imagenet_state_dict
    from model.nets.weights import export_weights
    from model.training.config import TrainConfig

    plain = build_net("lite", channels=32)
    export_weights(plain, tmp_path / "plain.pt", half=False)
    cfg = TrainConfig(out=str(tmp_path), data=("unused",), channels=32, global_context=True, init=str(tmp_path / "plain.pt"))
    net = train.build_model(cfg, torch.device("cpu"))
    head = load_imagenet_state_dict("lite0")
    torch.testing.assert_close(net.global_conv.weight.contiguous(), head["_conv_head.weight"])
    torch.testing.assert_close(net.global_bn.running_mean, head["_bn1.running_mean"])
    torch.testing.assert_close(net.head[1].weight, plain.head[1].weight)  # the rest from the file


@pytest.mark.train_extra
def test_warm_start_from_global_context_weights_keeps_the_branch_without_the_flag(tmp_path):
    from model.nets.weights import export_weights
    from model.training.config import TrainConfig

    ctx = build_net("lite", channels=32, global_context=True)
    export_weights(ctx, tmp_path / "ctx.pt", half=False)
    plain = build_net("lite", channels=32)
    export_weights(plain, tmp_path / "plain.pt", half=False)
    asked = TrainConfig(out=str(tmp_path), data=("unused",), channels=32, init=str(tmp_path / "ctx.pt"))
    cfg = train.with_init_architecture(asked)
    assert cfg.global_context and not asked.global_context
    net = train.build_model(cfg, torch.device("cpu"))
    torch.testing.assert_close(net.global_conv.weight, ctx.global_conv.weight)
    from_plain = dataclasses.replace(asked, init=str(tmp_path / "plain.pt"))
    assert not train.with_init_architecture(from_plain).global_context  # plain weights keep the plain net


def test_warm_start_keeps_the_context_blocks_of_its_weights_and_adds_asked_ones(tmp_path):
    from model.nets.weights import export_weights
    from model.training.config import TrainConfig

    export_weights(build_net("lite", channels=32, context_blocks=1), tmp_path / "one.pt", half=False)
    asked = TrainConfig(out=str(tmp_path), data=("unused",), channels=32, init=str(tmp_path / "one.pt"))
    assert train.with_init_architecture(asked).context_blocks == 1
    more = dataclasses.replace(asked, context_blocks=2)
    assert train.with_init_architecture(more).context_blocks == 2
    net = train.build_model(train.with_init_architecture(more), torch.device("cpu"))
    assert len(net.context[0]) == 2 and net.config["context_blocks"] == 2


def test_warm_start_keeps_the_fine_blocks_of_its_weights(tmp_path):
    from model.nets.weights import export_weights
    from model.training.config import TrainConfig

    export_weights(build_net("lite", channels=32, fine_blocks=1), tmp_path / "fine.pt", half=False)
    asked = TrainConfig(out=str(tmp_path), data=("unused",), channels=32, init=str(tmp_path / "fine.pt"))
    assert train.with_init_architecture(asked).fine_blocks == 1
    net = train.build_model(train.with_init_architecture(dataclasses.replace(asked, fine_blocks=3)), torch.device("cpu"))
    assert len(net.context[2]) == 3 and net.config["fine_blocks"] == 3


def test_blocks_new_to_the_init_weights_learn_at_new_lr(tmp_path):
    from model.nets.weights import export_weights
    from model.training.config import TrainConfig

    export_weights(build_net("lite", channels=32), tmp_path / "plain.pt", half=False)
    cfg = TrainConfig(out=str(tmp_path), data=("unused",), channels=32, init=str(tmp_path / "plain.pt"), fine_blocks=1,
                      new_lr=10.0, lr=1e-3)  # fmt: skip
    net = train.build_model(cfg, torch.device("cpu"))
    opt = train.make_optimizer(cfg, net)
    train.set_learning_rates(cfg, opt, train.pretrained_parameters(net), step=cfg.warmup, ddp=False)
    lr = {g["name"]: g["lr"] for g in opt.param_groups}
    assert lr["new"] == pytest.approx(10 * lr["decoder"]) and lr["decoder"] == pytest.approx(1e-3)
    new = {id(p) for g in opt.param_groups if g["name"] == "new" for p in g["params"]}
    assert new == {id(p) for p in net.context[2].parameters()}
    assert sum(len(g["params"]) for g in opt.param_groups) == len(list(net.parameters()))
    plain = train.make_optimizer(dataclasses.replace(cfg, new_lr=1.0), net)  # the default: no "new" group, as before
    assert [g["name"] for g in plain.param_groups] == ["decoder", "encoder"]
