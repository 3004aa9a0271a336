import numpy as np
import pytest
import torch
from PIL import Image

from model.bins import Q
from model.evaluate import choose_temperature, contact_sheet, evaluate_set
from model.nets import LiteColorNet
from model.pipeline import Colorizer

from .images import colour


@pytest.fixture(scope="module")
def colorizer():
    torch.manual_seed(0)
    return Colorizer(LiteColorNet(channels=16).eval(), {"default_T": 0.3, "title": "tiny"}, device="cpu")


def test_evaluate_set_reports_baselines_intervals_and_colourfulness(colorizer):
    rng = np.random.default_rng(0)
    images = [torch.from_numpy(rng.integers(0, 256, (3, 64, 64), dtype=np.uint8)) for _ in range(4)]
    images.append(torch.full((3, 64, 64), 128, dtype=torch.uint8))  # a grey photo: Gray is perfect on it
    res = evaluate_set(colorizer, images, np.ones(Q), temperatures=(0.3, 1.0))
    assert res["images"] == 5 and set(res) >= {"T=0.3", "T=1", "gray", "random"}
    row = res["T=1"]
    assert 0 < row["auc_raw"] <= 100 and row["colourfulness_ratio"] > 0
    lo, hi = row["vs_gray_90ci"]["raw_90ci"]
    assert lo <= row["auc_raw"] - res["gray"]["auc_raw"] + 0.01 and hi >= lo
    assert 0.2 <= res["largest_image_share_of_rebalanced_weight"] <= 1


def test_temperature_rule_skips_garish_settings():
    sweep = {
        "T=0.1": {"auc_raw": 90, "auc_rebalanced": 70, "colourfulness_ratio": 1.6},  # best AuC, but garish
        "T=0.5": {"auc_raw": 88, "auc_rebalanced": 65, "colourfulness_ratio": 1.2},
        "T=1": {"auc_raw": 89, "auc_rebalanced": 60, "colourfulness_ratio": 0.9},
    }
    assert choose_temperature(sweep)[0] == 0.5


def test_contact_sheet_packs_portrait_and_landscape_photos_into_rows(colorizer, tmp_path):
    files = []
    for i, (w, h) in enumerate([(96, 64), (48, 96)] * 6):
        files.append(tmp_path / f"{i}.png")
        Image.fromarray(colour(w, h)).save(files[-1])
    out = contact_sheet(colorizer, files, 0.3, tmp_path / "sheet.png", with_truth=True, width=1000, height=60)
    sheet = Image.open(out)
    # Tiles are 3 thumbnails of 60 px height: 90*3 + 8 = 278 and 30*3 + 8 = 98 px wide; four fit in
    # a row (10 + 278 + 16 + 98 + 16 + 278 + 16 + 98 + 10 = 820 px), so 12 photos take 3 rows.
    assert sheet.size == (820, 26 + 3 * (60 + 10) + 10)
    assert np.asarray(sheet.convert("L"))[26:, :].min() < 250  # photos were drawn
