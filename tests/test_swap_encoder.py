import pytest
import torch

from model.nets.lite import LiteColorNet

from .scripts import load_script


@pytest.fixture
def swap():
    return load_script("swap_encoder")


def test_ridge_recovers_a_linear_map_with_its_bias(swap):
    torch.manual_seed(0)
    w, b = torch.randn(3, 5), torch.randn(3)
    ridge = swap.Ridge(5, 3)
    for _ in range(4):
        x = torch.randn(100, 5)
        ridge.add(x, x @ w.T + b)
    wt, bias = ridge.solve(1e-8)
    torch.testing.assert_close(wt, w, atol=1e-4, rtol=0)
    torch.testing.assert_close(bias, b, atol=1e-4, rtol=0)


@pytest.mark.train_extra
def test_a_swap_onto_the_same_encoder_refits_the_decoder_inputs_it_had(swap):
    # The old net's encoder is Lite0's ImageNet one, so exact maps exist: the refit must find maps as
    # good as the random laterals and global projection it was given (the weights themselves need not
    # match where features are collinear), and predict as the old net does.
    torch.manual_seed(0)
    old = LiteColorNet(channels=16, pretrained=True, global_context=True).eval()
    with torch.no_grad():
        for p in [*old.lateral.parameters(), *old.global_proj.parameters()]:
            p.normal_(0, 0.1)
    batches = [torch.rand(16, 1, 128, 128) * 100 for _ in range(8)]
    new, r2s = swap.swap_encoder(old, "lite0", batches[:-1], batches[-1:])
    assert new.config == old.config and len(r2s) == 5 and min(r2s) > 0.99
    x = torch.rand(2, 1, 128, 96) * 100
    with torch.no_grad():
        want = old(x)
        torch.testing.assert_close(new(x), want, atol=0.02, rtol=0)  # the ridge shrinks a little
        new.lateral[0].weight.normal_(0, 0.1)  # one map not refitted shows far above that tolerance
        assert (new(x) - want).abs().max() > 0.2
