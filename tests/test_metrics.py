import numpy as np
import pytest
import torch

from model.bins import Q
from model.metrics import AucAccumulator, ab_error, auc, cmf, colourfulness


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
