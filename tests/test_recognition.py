import numpy as np
import pytest
import skimage.data
import torch

from model.evaluation.evaluate import evaluate_set
from model.evaluation.recognition import AgreementCounter, ImageNetClassifier
from model.inference.pipeline import Colorizer
from model.lab.bins import Q
from model.nets import LiteColorNet

CATS = {281, 282, 283, 284, 285}

pytestmark = pytest.mark.train_extra  # the classifier is the ImageNet-trained encoder


@pytest.fixture(scope="module")
def classifier():
    return ImageNetClassifier()


def test_agreement_counts_the_originals_class_in_top5_and_top1():
    counter = AgreementCounter()
    counter.add(np.array([7, 1, 2, 3, 4]), {"a": np.array([7, 0, 0, 0, 0]), "b": np.array([0, 7, 0, 0, 0])})
    counter.add(np.array([9, 1, 2, 3, 4]), {"a": np.array([1, 2, 3, 4, 5]), "b": np.array([9, 0, 0, 0, 0])})
    assert counter.result() == {
        "a": {"top5_agreement": 50.0, "top1_agreement": 50.0},
        "b": {"top5_agreement": 100.0, "top1_agreement": 50.0},
    }


def test_classifier_sees_a_cat_in_colour_and_in_grey(classifier):
    cat = skimage.data.chelsea()
    grey = np.repeat(cat.mean(-1, keepdims=True).astype(np.uint8), 3, axis=-1)
    tops = classifier.top([cat, grey])
    assert tops.shape == (2, 5) and tops[0, 0] in CATS and set(tops[1]) & CATS


def test_evaluate_set_reports_recognition_per_method(classifier):
    torch.manual_seed(0)
    colorizer = Colorizer(LiteColorNet(channels=16).eval(), {"default_T": 0.3}, device="cpu")
    cat = torch.from_numpy(skimage.data.chelsea()[:256, :256].copy()).permute(2, 0, 1)
    coffee = torch.from_numpy(skimage.data.coffee()[:256, :256].copy()).permute(2, 0, 1)
    res = evaluate_set(colorizer, [cat, coffee], np.ones(Q), temperatures=(1.0,), classifier=classifier)
    for row in (res["gray"]["recognition"], res["temperatures"][1.0]["recognition"]):
        assert row["top1_agreement"] in (0.0, 50.0, 100.0) and row["top1_agreement"] <= row["top5_agreement"]
    assert "Lite2" in res["recognition_by"]
