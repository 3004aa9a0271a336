import pytest

from .scripts import load_script


@pytest.fixture
def release():
    return load_script("release_model")


def test_remeasuring_a_bundled_model_keeps_its_released_prior(release):
    # The .pt carries the trainer's card, whose prior may come from an older sample (Natural's did).
    released = {"prior": [0.25] * 4, "prior_counted_on": 92057}
    trainer_card = {"prior": [0.7, 0.1, 0.1, 0.1]}
    chosen = release.release_prior_card(None, released, trainer_card)
    assert chosen["prior"] == [0.25] * 4 and chosen["prior_counted_on"] == 92057


def test_a_new_release_measures_with_the_weights_own_prior(release):
    trainer_card = {"prior": [0.7, 0.1, 0.1, 0.1]}
    assert release.release_prior_card(None, None, trainer_card) is trainer_card
