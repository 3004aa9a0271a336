import numpy as np
import torch

from model.lab.bins import Q
from model.lab.encoding import soft_encode
from model.lab.rebalance import count_bins, pixel_weights, rebalance_weights, smooth_prior


def skewed_prior():
    p = np.random.default_rng(0).random(Q) ** 8
    p[120] = 50  # grey dominates, as in photos
    return p


def test_smoothing_keeps_mass_and_spreads_it():
    p = np.zeros(Q)
    p[120] = 1
    s = smooth_prior(p)
    assert np.isclose(s.sum(), 1)
    assert 0 < s[121] < s[120] and s[200] >= 0


def test_expected_weight_is_one_under_smoothed_prior():
    p = skewed_prior()
    for lam in (0.0, 0.25, 0.5, 0.9):
        w = rebalance_weights(p, lam)
        assert np.isclose((smooth_prior(p) * w).sum(), 1.0)
    w = rebalance_weights(p, 0.5)
    assert w[120] < 1 < w.max()  # common colours down, rare ones up


def test_lambda_one_turns_rebalancing_off():
    np.testing.assert_allclose(rebalance_weights(skewed_prior(), 1.0), np.ones(Q))


def test_pixel_weight_is_weight_of_most_likely_bin():
    w = torch.arange(Q, dtype=torch.float32)
    z = soft_encode(torch.tensor([[[[0.0, 31.0]], [[0.0, -58.0]]]]))
    v = pixel_weights(z, w)
    assert v.shape == (1, 1, 2) and v[0, 0, 0] == 120 and v[0, 0, 1] == z[0, :, 0, 1].argmax()


def test_count_bins():
    ab = torch.zeros(1, 2, 3, 4)
    c = count_bins(ab)
    assert c[120] == 12 and c.sum() == 12


def test_smoothing_is_a_gaussian_of_sigma_5_in_ab_units():
    from model.lab.bins import AB_BINS

    q = int(np.flatnonzero((AB_BINS == [0, 0]).all(1))[0])  # a bin with neighbours on all sides
    delta = np.zeros(Q)
    delta[q] = 1.0
    s = smooth_prior(delta)
    right = int(np.flatnonzero((AB_BINS == [10, 0]).all(1))[0])
    diagonal = int(np.flatnonzero((AB_BINS == [10, 10]).all(1))[0])
    assert abs(s.sum() - 1) < 1e-12
    assert abs(s[right] / s[q] - np.exp(-2)) < 1e-9  # exp(-10**2 / (2 * 5**2))
    assert abs(s[diagonal] / s[q] - np.exp(-4)) < 1e-9  # distance sqrt(200): exp(-200 / 50)


def test_rebalancing_weights_follow_the_formula():
    rng = np.random.default_rng(0)
    prior = rng.random(Q) ** 4
    lam = 0.5
    p = smooth_prior(prior)
    expected = 1 / ((1 - lam) * p + lam / Q)
    expected /= (p * expected).sum()  # E_p[w] = 1
    np.testing.assert_allclose(rebalance_weights(prior, lam), expected, rtol=1e-10)
    np.testing.assert_allclose(rebalance_weights(prior, 0.0) * p, np.full(Q, 1 / Q), rtol=1e-9)  # lambda 0: w = 1 / (Q p)


def test_smoothing_keeps_each_bins_mass_even_at_the_gamut_edge():
    from model.lab.bins import AB_BINS

    edge = int(np.flatnonzero((AB_BINS == [-90, 90]).all(1))[0])  # a corner: few neighbours to spread to
    centre = int(np.flatnonzero((AB_BINS == [40, -40]).all(1))[0])
    prior = np.zeros(Q)
    prior[[edge, centre]] = 1.0
    near_edge = np.hypot(*(AB_BINS - AB_BINS[edge]).T) < 40
    assert abs(smooth_prior(prior)[near_edge].sum() - 0.5) < 1e-6
