import numpy as np
import pytest
import skimage.data
import torch
import torch.nn.functional as F
from PIL import Image

from model.lab.bins import AB_BINS, Q
from model.nets import ECCV16Net, LiteColorNet, build_net, describe_architecture
from model.nets.efficientnet_lite import EfficientNetLite, SameConv2d, load_imagenet_state_dict, rgb_to_input
from model.nets.weights import WeightsError, export_weights, load_into, load_net


def official_eccv16_shapes():
    """Key names and shapes of colorization_release_v2, written out independently of our module."""
    shapes = {}
    convs = {1: [(64, 1), (64, 64)], 2: [(128, 64), (128, 128)], 3: [(256, 128), (256, 256), (256, 256)],
             4: [(512, 256), (512, 512), (512, 512)], 5: [(512, 512)] * 3, 6: [(512, 512)] * 3, 7: [(512, 512)] * 3}  # fmt: skip
    for block, layers in convs.items():
        for i, (c_out, c_in) in enumerate(layers):
            shapes[f"model{block}.{2 * i}.weight"] = (c_out, c_in, 3, 3)
            shapes[f"model{block}.{2 * i}.bias"] = (c_out,)
        bn = f"model{block}.{2 * len(layers)}"
        for name in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{bn}.{name}"] = (layers[-1][0],)
        shapes[f"{bn}.num_batches_tracked"] = ()
    shapes.update({"model8.0.weight": (512, 256, 4, 4), "model8.0.bias": (256,), "model8.2.weight": (256, 256, 3, 3),
                   "model8.2.bias": (256,), "model8.4.weight": (256, 256, 3, 3), "model8.4.bias": (256,),
                   "model8.6.weight": (Q, 256, 1, 1), "model8.6.bias": (Q,), "model_out.weight": (2, Q, 1, 1)})  # fmt: skip
    return shapes


def fake_official_state():
    g = torch.Generator().manual_seed(0)
    state = {k: torch.randn(s, generator=g) if s else torch.tensor(0) for k, s in official_eccv16_shapes().items()}
    for k in state:
        if k.endswith("running_var"):
            state[k] = state[k].abs() + 0.5
    state["model_out.weight"] = torch.tensor(AB_BINS.T / 110.0).view(2, Q, 1, 1).float()
    return state


def test_eccv16_matches_official_layout_and_loads_strictly(tmp_path):
    net = ECCV16Net()
    assert {k: tuple(v.shape) for k, v in net.state_dict().items()} == official_eccv16_shapes()
    n_params = sum(v.numel() for k, v in net.state_dict().items() if "running" not in k and "num_batches" not in k)
    assert round(n_params / 1e6, 2) == 32.24
    state = fake_official_state()
    net.load_state_dict(state, strict=True)
    path = tmp_path / "colorization_release_v2.pth"
    torch.save(state, path)
    loaded, card = load_net(path)
    assert isinstance(loaded, ECCV16Net) and card["arch"] == "eccv16"
    torch.testing.assert_close(loaded.model8[6].weight, state["model8.6.weight"])


def test_official_loader_rejects_wrong_bins_and_shapes(tmp_path):
    state = fake_official_state()
    state["model_out.weight"] = state["model_out.weight"].flip(1)
    torch.save(state, tmp_path / "a.pth")
    with pytest.raises(WeightsError, match="bin centres"):
        load_net(tmp_path / "a.pth")
    state = fake_official_state()
    state["model8.6.weight"] = torch.zeros(300, 256, 1, 1)
    torch.save(state, tmp_path / "b.pth")
    with pytest.raises(WeightsError, match="shape"):
        load_net(tmp_path / "b.pth")


def test_corrupt_missing_and_foreign_weights_are_refused(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"not a torch file at all")
    with pytest.raises(WeightsError, match="not a weights file"):
        load_net(tmp_path / "junk.pt")
    with pytest.raises(WeightsError, match="no such weights file"):
        load_net(tmp_path / "missing.pt")
    torch.save({"fc.weight": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(WeightsError, match="not a Colorizer weights file"):
        load_net(tmp_path / "other.pt")


def test_official_into_deep_supervision_keeps_readouts_at_init(tmp_path):
    torch.save(fake_official_state(), tmp_path / "official.pth")
    net = ECCV16Net(deep_supervision=True)
    fresh_ds6 = net.ds6.weight.detach().clone()
    missing = load_into(net, tmp_path / "official.pth")
    assert sorted(missing) == ["ds6.bias", "ds6.weight", "ds7.bias", "ds7.weight"]
    torch.testing.assert_close(net.ds6.weight, fresh_ds6)
    torch.testing.assert_close(net.model1[0].weight, fake_official_state()["model1.0.weight"])
    with pytest.raises(WeightsError, match="does not fit|another network"):
        load_into(LiteColorNet(channels=16), tmp_path / "official.pth")


def test_eccv16_output_and_deep_supervision_shapes():
    net = ECCV16Net(deep_supervision=True).eval()
    with torch.no_grad():
        logits, (r6, r7) = net(torch.rand(2, 1, 64, 48) * 100, deep=True)
    assert logits.shape == (2, Q, 16, 12)
    assert r6.shape == r7.shape == (2, Q, 8, 6)
    ab = net.ab_from_logits(logits)
    assert ab.shape == (2, 2, 16, 12)


def test_same_padding_puts_the_extra_pixel_bottom_right():
    """TF 'SAME': an odd total pad puts the extra row and column at the bottom and right."""
    gen = torch.Generator().manual_seed(0)
    for size, kernel, pads in ((4, 3, (0, 1, 0, 1)), (5, 3, (1, 1, 1, 1)), (8, 5, (1, 2, 1, 2))):
        conv = SameConv2d(1, 1, kernel, 2, bias=False)
        conv.weight.data = torch.randn(1, 1, kernel, kernel, generator=gen)  # no symmetry to hide a wrong side
        x = torch.randn(1, 1, size, size, generator=gen)
        torch.testing.assert_close(conv(x), F.conv2d(F.pad(x, pads), conv.weight, stride=2))
    probe = SameConv2d(1, 1, 3, 2, bias=False)
    probe.weight.data = torch.arange(1.0, 10.0).view(1, 1, 3, 3)
    corner = torch.zeros(1, 1, 4, 4)
    corner[0, 0, 0, 0] = 1.0
    assert probe(corner)[0, 0, 0, 0] == 1.0  # top-left unpadded: the corner meets the kernel's first weight, not its centre


@pytest.fixture(scope="module", params=["lite0", "lite2"])
def classifier(request):
    net = EfficientNetLite(request.param)
    net.load_state_dict(load_imagenet_state_dict(request.param), strict=True)
    return net.eval()


def top5(net, rgb: np.ndarray) -> list[int]:
    im = Image.fromarray(rgb).resize((224, 224), Image.BICUBIC)
    x = torch.tensor(np.asarray(im), dtype=torch.float32).permute(2, 0, 1)[None]
    with torch.no_grad():
        return net(rgb_to_input(x)).topk(5).indices[0].tolist()


@pytest.mark.train_extra
def test_encoder_weights_classify_real_photos(classifier):
    assert set(top5(classifier, skimage.data.chelsea())) & {281, 282, 283, 284, 285}
    assert top5(classifier, skimage.data.coffee())[0] == 967
    grey = np.repeat(skimage.data.chelsea().mean(-1, keepdims=True).astype(np.uint8), 3, axis=-1)
    assert set(top5(classifier, grey)) & {281, 282, 283, 284, 285}


@pytest.mark.train_extra
@pytest.mark.parametrize("encoder", ["lite0", "lite2"])
def test_lite_net_output_and_export_round_trip(tmp_path, encoder):
    torch.manual_seed(0)
    net = LiteColorNet(channels=32, pretrained=True, encoder=encoder).eval()
    with torch.no_grad():
        x = torch.rand(1, 1, 96, 128) * 100
        out = net(x)
    assert out.shape == (1, Q, 24, 32)
    export_weights(net, tmp_path / "w.pt", card={"default_T": 0.3}, half=False)
    loaded, card = load_net(tmp_path / "w.pt")
    assert card["default_T"] == 0.3 and loaded.config == {"channels": 32, "encoder": encoder}
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), out)


def test_architecture_line_names_the_encoder():
    assert "EfficientNet-Lite2" in describe_architecture(LiteColorNet(channels=32, encoder="lite2"))
    assert "EfficientNet-Lite0" in describe_architecture(build_net("lite", channels=32))
    with pytest.raises(ValueError, match="lite7"):
        LiteColorNet(encoder="lite7")


@pytest.mark.train_extra
def test_global_context_starts_as_the_plain_net_and_carries_the_imagenet_head(tmp_path):
    torch.manual_seed(0)
    plain = LiteColorNet(channels=32, pretrained=True).eval()
    torch.manual_seed(0)
    net = LiteColorNet(channels=32, pretrained=True, global_context=True).eval()
    head = load_imagenet_state_dict("lite0")
    torch.testing.assert_close(net.global_conv.weight, head["_conv_head.weight"])
    torch.testing.assert_close(net.global_bn.running_var, head["_bn1.running_var"])
    from model.training.train import pretrained_parameters

    assert {id(p) for p in net.global_conv.parameters()} <= {id(p) for p in pretrained_parameters(net)}
    x = torch.rand(2, 1, 64, 96) * 100
    with torch.no_grad():
        torch.testing.assert_close(net(x), plain(x))  # the zero projection adds nothing yet
        net.global_proj.bias.fill_(1.0)
        net.global_proj.weight.normal_()
        out = net(x)
    assert not torch.allclose(out, plain(x))
    export_weights(net, tmp_path / "g.pt", half=False)
    loaded, _ = load_net(tmp_path / "g.pt")
    assert loaded.config["global_context"] and "global context" in describe_architecture(loaded)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), out)


def _reloaded_predicting_the_same(net, path, x, out):
    """Export ``net``, load the file back, check it predicts ``out`` for ``x``; the loaded net."""
    export_weights(net, path, half=False)
    loaded, _ = load_net(path)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), out)
    return loaded


def test_context_blocks_start_as_the_identity_and_travel_with_the_weights(tmp_path):
    torch.manual_seed(0)
    plain = LiteColorNet(channels=32, global_context=True).eval()
    export_weights(plain, tmp_path / "plain.pt", half=False)
    net = LiteColorNet(channels=32, global_context=True, context_blocks=2).eval()
    missing = load_into(net, tmp_path / "plain.pt")
    assert missing and all(k.startswith("context.") for k in missing)
    x = torch.rand(2, 1, 64, 96) * 100
    with torch.no_grad():
        torch.testing.assert_close(net(x), plain(x))  # zero-scaled last BN: blocks add nothing yet
        for block in (net.context[0][1], net.context[1][0]):  # one at 1/32, one at 1/16
            block.body[-1].weight.fill_(0.5)
        out = net(x)
    assert not torch.allclose(out, plain(x))
    loaded = _reloaded_predicting_the_same(net, tmp_path / "blocks.pt", x, out)
    assert loaded.config["context_blocks"] == 2 and "2 residual blocks" in describe_architecture(loaded)
    assert "context_blocks" not in plain.config  # files without blocks keep their config as it was
    with pytest.raises(ValueError, match="context_blocks"):
        LiteColorNet(channels=32, context_blocks=-1)


def test_fine_blocks_work_at_one_eighth_start_as_the_identity_and_travel_with_the_weights(tmp_path):
    torch.manual_seed(0)
    plain = LiteColorNet(channels=32, global_context=True).eval()
    export_weights(plain, tmp_path / "plain.pt", half=False)
    net = LiteColorNet(channels=32, global_context=True, fine_blocks=2).eval()
    assert len(net.context[2]) == 2 and not len(net.context[0]) and not len(net.context[1])
    missing = load_into(net, tmp_path / "plain.pt")
    assert missing and all(k.startswith("context.2.") for k in missing)
    x = torch.rand(2, 1, 64, 96) * 100
    seen = []
    net.context[2].register_forward_hook(lambda module, inputs, output: seen.append(output.shape[-2:]))
    with torch.no_grad():
        torch.testing.assert_close(net(x), plain(x))
        assert seen == [torch.Size([8, 12])]  # 1/8 of 64 x 96
        net.context[2][0].body[-1].weight.fill_(0.5)
        out = net(x)
    assert not torch.allclose(out, plain(x))
    loaded = _reloaded_predicting_the_same(net, tmp_path / "fine.pt", x, out)
    assert loaded.config["fine_blocks"] == 2 and "2 residual blocks at 1/8" in describe_architecture(loaded)
    assert "fine_blocks" not in plain.config
    with pytest.raises(ValueError, match="fine_blocks"):
        LiteColorNet(channels=32, fine_blocks=-1)
