import numpy as np
import torch

from model.lab.bins import AB_BINS, Q, nearest_bin

# The released gamut, row by row: for each a, the lowest and highest b and how many bins (step 10).
B_RANGES = {-90: (50, 90, 5), -80: (20, 90, 8), -70: (0, 90, 10), -60: (-20, 90, 12), -50: (-30, 100, 14),
            -40: (-40, 100, 15), -30: (-50, 100, 16), -20: (-50, 100, 16), -10: (-60, 100, 17), 0: (-70, 100, 18),
            10: (-80, 90, 18), 20: (-80, 90, 18), 30: (-90, 90, 19), 40: (-100, 90, 20), 50: (-100, 80, 19),
            60: (-110, 80, 20), 70: (-110, 80, 20), 80: (-110, 70, 19), 90: (-110, 70, 19), 100: (-90, 0, 10)}


def test_count_order_and_zero_index():
    assert Q == Q and AB_BINS.shape == (Q, 2)
    assert np.array_equal(AB_BINS, np.array(sorted(AB_BINS.tolist())))  # sorted by a, then b
    assert tuple(AB_BINS[120]) == (0, 0)
    assert len({tuple(x) for x in AB_BINS.tolist()}) == Q


def test_b_ranges_per_a_are_the_released_set():
    assert sorted(set(AB_BINS[:, 0].tolist())) == sorted(B_RANGES)  # every row, none extra
    for a, (lo, hi, n) in B_RANGES.items():
        bs = AB_BINS[AB_BINS[:, 0] == a, 1]
        assert (bs.min(), bs.max(), len(bs)) == (lo, hi, n)
        assert np.all(np.diff(bs) == 10)


def test_nearest_bin():
    ab = torch.tensor([[0.0, 0.0], [3.0, -4.0], [-88.0, 62.0]]).T.reshape(1, 2, 1, 3)
    idx = nearest_bin(ab)[0, 0]
    assert idx[0] == 120 and idx[1] == 120
    assert tuple(AB_BINS[idx[2]]) == (-90, 60)


def test_nearest_bin_is_exact_in_and_far_out_of_gamut():
    g = torch.Generator().manual_seed(0)
    ab = torch.rand(1, 2, 300, 300, generator=g) * 300 - 150  # real colours stay within about +-110
    got = nearest_bin(ab).flatten()
    flat = ab.permute(0, 2, 3, 1).reshape(-1, 2).double()
    d = ((flat[:, None, :] - torch.as_tensor(AB_BINS, dtype=torch.float64)[None]) ** 2).sum(-1)
    best = d.min(dim=1).values
    assert torch.equal(d.gather(1, got[:, None])[:, 0], best)  # the nearest (or tied with it)


def test_the_candidate_table_is_exact_for_every_integer_ab_when_built_afresh():
    from model.lab import bins

    bins._candidates.clear()  # build it here, not from an earlier test's cache
    k = bins.NEAREST_CANDIDATES
    table = bins.nearest_candidates(k)
    grid = torch.arange(-bins.AB_LIMIT, bins.AB_LIMIT, dtype=torch.float64)
    points = torch.stack(torch.meshgrid(grid, grid, indexing="ij"), dim=-1).view(-1, 2)
    assert table.shape == (256, 256, k) and table.dtype == torch.int64
    distances = torch.cdist(points, torch.as_tensor(AB_BINS, dtype=torch.float64))
    first = distances.gather(1, table.view(-1, k)[:, :1])[:, 0]
    assert torch.equal(first, distances.min(dim=1).values)  # nearest first (ties at midpoints either way)
    assert bins.nearest_candidates(k) is table  # cached
