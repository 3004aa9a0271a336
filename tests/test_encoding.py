import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from model.lab.annealed import annealed_mean
from model.lab.bins import AB_BINS, Q, nearest_bin
from model.lab.encoding import soft_encode


def test_rows_sum_to_one_with_k_nonzero_and_most_mass_on_nearest():
    ab = torch.rand(2, 2, 5, 7) * 160 - 80
    z = soft_encode(ab)
    assert z.shape == (2, Q, 5, 7)
    torch.testing.assert_close(z.sum(1), torch.ones(2, 5, 7))
    assert ((z > 0).sum(1) == 10).all()
    assert (z.argmax(1) == nearest_bin(ab)).all()


def test_centre_of_a_bin_weights():
    # At a bin centre the 4 neighbours at distance 10 get exp(-100/50) of the centre's weight.
    z = soft_encode(torch.zeros(1, 2, 1, 1))[0, :, 0, 0]
    ratio = z[120 + 1] / z[120]
    torch.testing.assert_close(ratio, torch.exp(torch.tensor(-2.0)))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 312), st.floats(-4.9, 4.9), st.floats(-4.9, 4.9))
def test_encode_then_small_T_returns_ab_within_half_a_bin(q, da, db):
    ab = torch.tensor(AB_BINS[q] + [da, db]).view(1, 2, 1, 1).float()
    back = annealed_mean(soft_encode(ab), T=0.01)
    assert (back - ab).norm() <= 5.0 * 2**0.5
    assert (annealed_mean(soft_encode(ab), T=0.0) - torch.tensor(AB_BINS[q]).view(1, 2, 1, 1)).abs().max() < 1e-4


def exact_soft_encode(ab, k=10, sigma=5.0):
    """The definition, by brute force over all Q bins."""
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2)
    d2, idx = torch.cdist(flat, torch.as_tensor(AB_BINS)).pow(2).topk(k, dim=1, largest=False)
    w = torch.exp(-(d2 - d2[:, :1]) / (2 * sigma**2))
    return torch.zeros(len(flat), Q).scatter_(1, idx, w / w.sum(1, keepdim=True))


def test_lookup_table_encoding_matches_brute_force():
    ab = torch.rand(1, 2, 60, 60, generator=torch.Generator().manual_seed(0)) * 240 - 120
    z = soft_encode(ab).permute(0, 2, 3, 1).reshape(-1, Q)
    l1 = (z - exact_soft_encode(ab)).abs().sum(1)
    # Only the 10th neighbour can differ (ties under rounding to the table's integer grid), and it weighs little.
    assert l1.mean() < 0.005 and l1.max() < 0.05
