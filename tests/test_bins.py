import numpy as np
import torch

from model.lab.bins import AB_BINS, Q, nearest_bin, nearest_bin_np

B_RANGES = {-90: (50, 90, 5), -80: (20, 90, 8), 0: (-70, 100, 18), 60: (-110, 80, 20), 100: (-90, 0, 10)}


def test_count_order_and_zero_index():
    assert Q == 313 and AB_BINS.shape == (313, 2)
    assert np.array_equal(AB_BINS, np.array(sorted(AB_BINS.tolist())))  # sorted by a, then b
    assert tuple(AB_BINS[120]) == (0, 0)
    assert len({tuple(x) for x in AB_BINS.tolist()}) == 313


def test_b_ranges_per_a_are_the_released_set():
    for a, (lo, hi, n) in B_RANGES.items():
        bs = AB_BINS[AB_BINS[:, 0] == a, 1]
        assert (bs.min(), bs.max(), len(bs)) == (lo, hi, n)
        assert np.all(np.diff(bs) == 10)


def test_nearest_bin():
    ab = torch.tensor([[0.0, 0.0], [3.0, -4.0], [-88.0, 62.0]]).T.reshape(1, 2, 1, 3)
    idx = nearest_bin(ab)[0, 0]
    assert idx[0] == 120 and idx[1] == 120
    assert tuple(AB_BINS[idx[2]]) == (-90, 60)
    assert nearest_bin_np(np.array([[0.0, 0.0], [-88.0, 62.0]])).tolist() == [120, int(idx[2])]


def test_nearest_bin_is_exact_in_and_far_out_of_gamut():
    g = torch.Generator().manual_seed(0)
    ab = torch.rand(1, 2, 300, 300, generator=g) * 300 - 150  # real colours stay within about +-110
    got = nearest_bin(ab).flatten()
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2).double()
    d = ((flat[:, None, :] - torch.as_tensor(AB_BINS, dtype=torch.float64)[None]) ** 2).sum(-1)
    best = d.min(dim=1).values
    assert torch.equal(d.gather(1, got[:, None])[:, 0], best)  # the nearest (or tied with it)
