import torch

from model.lab.annealed import annealed_distribution, annealed_mean
from model.lab.bins import Q, ab_bins_torch


def random_distribution(shape=(2, Q, 3, 4)):
    return torch.softmax(torch.randn(shape) * 3, dim=1)


def test_T_one_is_plain_expectation():
    z = random_distribution()
    expected = torch.einsum("bqhw,qc->bchw", z, ab_bins_torch())
    torch.testing.assert_close(annealed_mean(z, 1.0), expected, atol=1e-3, rtol=1e-4)


def test_logits_and_probabilities_agree():
    logits = torch.randn(1, Q, 2, 2) * 4
    for T in (0.1, 0.38, 1.0):
        torch.testing.assert_close(
            annealed_mean(logits, T, is_logits=True), annealed_mean(torch.softmax(logits, 1), T), atol=1e-3, rtol=1e-4
        )


def test_T_zero_is_mode_and_small_T_approaches_it():
    logits = torch.randn(2, Q, 3, 4, generator=torch.Generator().manual_seed(0)) * 3
    logits.scatter_add_(1, logits.argmax(1, keepdim=True), torch.ones(2, 1, 3, 4))  # a clear mode: p2/p1 < 1/e
    z = torch.softmax(logits, dim=1)
    mode = ab_bins_torch()[z.argmax(1)].permute(0, 3, 1, 2)
    torch.testing.assert_close(annealed_mean(z, 0.0), mode)
    assert (annealed_mean(z, 0.02) - mode).abs().max() < 1.0


def test_stable_for_extreme_logits_and_zero_probabilities():
    logits = torch.zeros(1, Q, 1, 1)
    logits[0, 5] = 1e4
    assert torch.isfinite(annealed_mean(logits, 0.01, is_logits=True)).all()
    z = torch.zeros(1, Q, 1, 1)
    z[0, 7] = 1
    f = annealed_distribution(z, 0.05)
    assert torch.isfinite(f).all() and f[0, 7] > 0.999


def test_lower_temperature_sharpens():
    z = random_distribution()
    ent = [
        -(annealed_distribution(z, T) * annealed_distribution(z, T).clamp_min(1e-12).log()).sum(1).mean()
        for T in (1.0, 0.38, 0.1)
    ]
    assert ent[0] > ent[1] > ent[2]


def test_defaults_take_probabilities_over_the_channel_dimension():
    from model.lab.annealed import log_probs

    p = torch.softmax(torch.randn(2, Q, 3, 4, generator=torch.Generator().manual_seed(3)), dim=1)
    torch.testing.assert_close(log_probs(p), p.log())  # is_logits=False, dim=1
    torch.testing.assert_close(annealed_distribution(p, 1.0), p)
    torch.testing.assert_close(annealed_distribution(p.log(), 1.0, is_logits=True), p)


def test_temperature_zero_gives_the_one_hot_mode():
    p = torch.softmax(torch.randn(2, Q, 3, 4, generator=torch.Generator().manual_seed(4)), dim=1)
    one_hot = annealed_distribution(p, 0.0)
    assert torch.equal(one_hot.argmax(dim=1), p.argmax(dim=1)) and torch.equal(one_hot.sum(dim=1), torch.ones(2, 3, 4))
    assert set(one_hot.unique().tolist()) == {0.0, 1.0}
