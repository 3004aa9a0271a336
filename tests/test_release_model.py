import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "release_model.py"


@pytest.fixture
def release(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("release_model", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "models_dir", lambda: tmp_path)
    return module


def test_remeasuring_a_bundled_model_keeps_its_released_prior(release, tmp_path):
    # The .pt carries the trainer's card, whose prior may come from an older sample (Natural's did).
    (tmp_path / "colorizer-x.json").write_text(json.dumps({"prior": [0.25] * 4, "prior_counted_on": 92057}))
    trainer_card = {"prior": [0.7, 0.1, 0.1, 0.1]}
    args = SimpleNamespace(prior_from=None, keep_text=True, name="colorizer-x")
    chosen = release.release_prior_card(args, trainer_card)
    assert chosen["prior"] == [0.25] * 4 and chosen["prior_counted_on"] == 92057


def test_a_new_release_measures_with_the_weights_own_prior(release):
    trainer_card = {"prior": [0.7, 0.1, 0.1, 0.1]}
    args = SimpleNamespace(prior_from=None, keep_text=False, name="colorizer-x")
    assert release.release_prior_card(args, trainer_card) is trainer_card
