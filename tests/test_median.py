import numpy as np
import pytest
import torch

from model.inference.pipeline import Colorizer
from model.lab.annealed import annealed_mean_of_log_probs
from model.lab.bins import AB_BINS, Q, ab_bins_torch
from model.lab.median import MedianReadout, geometric_median, median_of_log_probs

from .synthetic import untrained_lite_net

PRIOR = np.random.default_rng(0).dirichlet(np.full(Q, 0.3))


def one_hot_mix(weights: dict[int, float]) -> torch.Tensor:
    p = torch.zeros(1, Q)
    for q, w in weights.items():
        p[0, q] = w
    return p


def expected_distance(p: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return (p * torch.cdist(x.float(), ab_bins_torch().float())).sum(1)


def test_median_of_one_bin_is_its_centre():
    q = 123
    np.testing.assert_allclose(geometric_median(one_hot_mix({q: 1.0}))[0].numpy(), AB_BINS[q], atol=1e-4)


def test_median_of_two_colours_takes_the_likelier_one_where_the_mean_greys_them():
    # A belief split 60/40 between orange and blue, 117 ab units apart: the mean lands on a dull
    # colour between them, wrong either way; the median picks orange, right 60% of the time.
    orange = int(np.argmin(np.hypot(*(AB_BINS - (30, 60)).T)))
    blue = int(np.argmin(np.hypot(*(AB_BINS - (-10, -50)).T)))
    p = one_hot_mix({orange: 0.6, blue: 0.4})
    np.testing.assert_allclose(geometric_median(p)[0].numpy(), AB_BINS[orange], atol=2.0)  # 10 steps: nearly there
    mean = p @ ab_bins_torch().float()
    assert expected_distance(p, geometric_median(p)) < expected_distance(p, mean) - 8  # 47 against 56


def test_median_has_less_expected_error_than_the_mean():
    p = torch.softmax(torch.randn(200, Q, generator=torch.Generator().manual_seed(1)) * 3, dim=1)
    med, mean = geometric_median(p, top=Q, iterations=50), p @ ab_bins_torch().float()
    assert (expected_distance(p, med) <= expected_distance(p, mean) + 1e-3).all()
    assert (expected_distance(p, med) < expected_distance(p, mean) - 0.5).float().mean() > 0.5
    # Its 32 likeliest bins and 10 steps cost under 2% more expected error than the exact median.
    approx = geometric_median(p)
    assert (expected_distance(p, approx) < expected_distance(p, med) * 1.02 + 0.1).float().mean() > 0.9


def test_offsets_undo_training_weights_and_add_rare_colour_weight():
    def offsets(lam, exponent, T=1.0):
        return MedianReadout.from_prior(PRIOR, lam, exponent).offsets(T)

    assert torch.allclose(offsets(1.0, 0.0), torch.zeros(Q))  # unweighted net, raw optimum
    assert torch.allclose(offsets(0.0, 1.0), torch.zeros(Q), atol=1e-5)  # trained as evaluated
    calm, vivid = offsets(0.5, 0.0), offsets(0.5, 1.0)
    rare, common = int(np.argmin(PRIOR)), int(np.argmax(PRIOR))
    assert (vivid - calm)[rare] > (vivid - calm)[common]  # a larger exponent favours rare colours


def test_the_temperature_moves_the_exponent_from_the_cards_at_one_to_one_at_zero():
    readout = MedianReadout.from_prior(PRIOR, 0.5, 0.5)
    exponents = [readout.exponent_at(T) for T in (1.0, 0.38, 1 / 6, 0.02, 0.0)]
    assert exponents[0] == 0.5 and exponents[-1] == 1.0 and exponents == sorted(exponents)
    torch.testing.assert_close(readout.offsets(0.0), MedianReadout.from_prior(PRIOR, 0.5, 1.0).offsets(1.0))


def test_lower_temperature_gives_more_vivid_colour():
    lp = torch.log_softmax(torch.randn(1, Q, 8, 8, generator=torch.Generator().manual_seed(2)) * 3, dim=1)
    readout = MedianReadout.from_prior(PRIOR, 0.5, 0.5)
    chroma = [readout(lp, T).norm(dim=1).mean() for T in (1.0, 0.3, 0.02)]
    assert chroma[0] < chroma[1] < chroma[2]
    assert readout(lp, 1.0).shape == (1, 2, 8, 8)
    torch.testing.assert_close(readout(lp, 1.0), median_of_log_probs(lp, readout.offsets(1.0)))


def test_the_median_of_log_probs_is_that_of_the_belief_itself():
    """The fast path takes the top bins of the logits and a softmax over them alone."""
    g = torch.Generator().manual_seed(5)
    lp = torch.log_softmax(torch.randn(2, Q, 5, 7, generator=g) * 3, dim=1)
    offsets = torch.randn(Q, generator=g)
    belief = torch.softmax(lp + offsets.view(1, Q, 1, 1), dim=1).permute(0, 2, 3, 1).reshape(-1, Q)
    expected = geometric_median(belief).view(2, 5, 7, 2).permute(0, 3, 1, 2)
    torch.testing.assert_close(median_of_log_probs(lp, offsets), expected, atol=1e-3, rtol=0)


@pytest.fixture(scope="module")
def net():
    return untrained_lite_net()


def test_a_card_with_a_median_readout_decodes_every_path_with_it(net):
    card = {"prior": PRIOR.tolist(), "lambda": 0.5, "readout": {"kind": "median", "rarity_exponent": 0.5}}
    col = Colorizer(net, card, device="cpu")
    L = np.tile(np.linspace(20, 80, 64, dtype=np.float32), (48, 1))
    pred = col.predict(L)
    grid = col.ab_grid(pred, 1.0)
    torch.testing.assert_close(grid, col._median(pred.log_probs[None], 1.0)[0])
    assert not torch.allclose(grid, annealed_mean_of_log_probs(pred.log_probs[None], 1.0)[0], atol=0.5)
    # The inspector reports the colour the result shows at a grid cell's centre.
    (w, h), (gw, gh) = pred.image_size, pred.grid_size
    x, y = (3 + 0.5) * w / gw - 0.5, (2 + 0.5) * h / gh - 0.5
    np.testing.assert_allclose(col.inspect(pred, x, y, 1.0).ab, grid[:, 2, 3].numpy(), atol=0.05)
    col.use_readout(None)
    assert "readout" not in col.card
    torch.testing.assert_close(col.ab_grid(pred, 1.0), annealed_mean_of_log_probs(pred.log_probs[None], 1.0)[0])


def test_a_median_readout_needs_the_training_prior(net):
    with pytest.raises(ValueError, match="prior"):
        Colorizer(net, {"readout": {"kind": "median", "rarity_exponent": 0.5}}, device="cpu")
