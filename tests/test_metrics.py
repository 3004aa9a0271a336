import numpy as np
import pytest
import torch

from model.evaluation.metrics import AucAccumulator, ab_error, auc, bootstrap_margin, cmf, colourfulness
from model.lab.bins import AB_BINS, Q


def test_perfect_prediction_is_100():
    assert auc(np.zeros(100)) == 100.0
    acc = AucAccumulator(np.ones(Q))
    ab = torch.randn(1, 2, 8, 8) * 30
    acc.add(ab, ab)
    assert acc.result() == {"auc_raw": 100.0, "auc_rebalanced": 100.0}


@pytest.mark.parametrize("e", [0.5, 10.0, 37.2, 150.0, 200.0])
def test_constant_error_matches_hand_formula(e):
    # Thresholds 0..150: the CMF is 1 from ceil(e) on, so AuC = (151 - ceil(e)) / 151.
    expected = max(0, 151 - int(np.ceil(e))) / 151 * 100
    assert auc(np.full(50, e)) == pytest.approx(expected)
    acc = AucAccumulator(np.ones(Q))
    true = torch.zeros(1, 2, 4, 4)
    pred = true.clone()
    pred[:, 0] = e
    acc.add(pred, true)
    assert acc.result()["auc_raw"] == pytest.approx(expected)


def test_ab_error_is_euclidean():
    assert ab_error(torch.tensor([3.0, 4.0]).view(1, 2, 1, 1), torch.zeros(1, 2, 1, 1)).item() == 5.0


def test_rebalanced_weights_by_ground_truth_bin_not_prediction():
    prior = np.full(Q, 1.0)
    prior[120] = 1000.0  # grey is common, so grey pixels weigh little
    true = torch.zeros(1, 2, 1, 2)
    true[0, :, 0, 1] = torch.tensor([60.0, 60.0])  # a rare colour
    pred = true.clone()
    pred[0, 0, 0, 1] += 100.0  # only the rare pixel is wrong
    acc = AucAccumulator(prior)
    acc.add(pred, true)
    r = acc.result()
    assert r["auc_raw"] == pytest.approx((100 + (151 - 100) / 151 * 100) / 2)
    assert r["auc_rebalanced"] < r["auc_raw"] - 20  # the rare ground truth dominates
    # Swapping which pixel is wrong: the error now sits on the common grey truth.
    pred2 = true.clone()
    pred2[0, 0, 0, 0] += 100.0
    acc2 = AucAccumulator(prior)
    acc2.add(pred2, true)
    assert acc2.result()["auc_rebalanced"] > acc2.result()["auc_raw"] + 20


def test_cmf_weighted():
    c = cmf(np.array([0.0, 10.0]), np.array([3.0, 1.0]))
    assert c[0] == 0.75 and c[10] == 1.0


def test_colourfulness():
    grey = np.full((8, 8, 3), 128.0)
    assert colourfulness(grey) == 0
    red = np.zeros((8, 8, 3))
    red[..., 0] = 255
    assert colourfulness(red) == pytest.approx(0.3 * np.hypot(255, 127.5))


def test_accumulated_images_match_the_exact_auc_of_all_pixels():
    gen = torch.Generator().manual_seed(0)
    prior = np.random.default_rng(0).uniform(0.1, 10, Q)
    acc = AucAccumulator(prior)
    errors, weights = [], []
    for _ in range(3):
        true = torch.randn(1, 2, 6, 7, generator=gen) * 40
        pred = true + torch.randn(1, 2, 6, 7, generator=gen) * 60
        acc.add(pred, true)
        errors.append(ab_error(pred, true).flatten().numpy())
        weights.append(acc.truth_weights(true))
    r = acc.result()
    assert r["auc_raw"] == pytest.approx(auc(np.concatenate(errors)))
    assert r["auc_rebalanced"] == pytest.approx(auc(np.concatenate(errors), np.concatenate(weights)))


def test_bootstrap_margin_and_the_weight_of_one_image():
    gen = torch.Generator().manual_seed(1)
    ours, base = AucAccumulator(np.ones(Q)), AucAccumulator(np.ones(Q))
    for i in range(20):
        true = torch.randn(1, 2, 4, 4 if i else 40, generator=gen) * 30  # image 0 is ten times larger
        ours.add(true + 3 + 4 * (i % 3), true)  # images differ in how well they go: resampling moves the margin
        base.add(true + 20, true)
    ci = bootstrap_margin(ours, base, n=200)
    lo, hi = ci["raw_90ci"]
    assert 0 < lo < hi  # better on every image: the interval excludes 0, and has a width
    same = bootstrap_margin(base, base, n=50)
    assert same["raw_90ci"] == [0.0, 0.0] and same["rebalanced_90ci"] == [0.0, 0.0]
    assert ours.largest_image_share() == pytest.approx(160 / (160 + 19 * 16), rel=0.01)  # near-equal weights
    with pytest.raises(ValueError):
        bootstrap_margin(ours, AucAccumulator(np.ones(Q)))


def test_the_bounded_figure_leaves_out_a_photo_that_holds_most_of_the_weight():
    prior = np.ones(Q)
    prior[np.hypot(*(AB_BINS - [-60, 60]).T) < 35] = 1e-6  # greens the prior never saw
    acc = AucAccumulator(prior)
    gen = torch.Generator().manual_seed(0)
    for i in range(30):
        true = torch.randn(1, 2, 4, 4, generator=gen) * 10
        if i == 7:
            true[:] = torch.tensor([-60.0, 60.0]).view(1, 2, 1, 1)
        acc.add(true + (50 if i == 7 else 2), true)  # the rare photo is badly coloured
    assert acc.largest_image_share() > 0.5
    assert list(acc.light_images()) == [i for i in range(30) if i != 7]
    rest = acc.subset(acc.light_images()).result()["auc_rebalanced"]
    assert rest > acc.result()["auc_rebalanced"] + 20  # the one photo had dragged the figure down
    few = AucAccumulator(np.ones(Q))
    for _ in range(5):
        few.add(torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, 2))
    assert list(few.light_images()) == [0, 1, 2, 3, 4]  # 5 photos: each holds 20% by right
