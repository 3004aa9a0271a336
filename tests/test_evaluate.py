import numpy as np
import pytest
import torch
from PIL import Image

from model.evaluation.evaluate import choose_temperature, evaluate_set, method_label, method_rows
from model.evaluation.sheets import contact_sheet
from model.inference.pipeline import Colorizer
from model.lab.bins import Q
from model.nets import LiteColorNet

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
    assert res["images"] == 5 and set(res["temperatures"]) == {0.3, 1.0} and {"gray", "random"} <= set(res)
    row = res["temperatures"][1.0]
    assert 0 < row["auc_raw"] <= 100 and row["colourfulness_ratio"] > 0
    lo, hi = row["vs_gray_90ci"]["raw_90ci"]
    assert lo <= row["auc_raw"] - res["gray"]["auc_raw"] + 0.01 and hi >= lo
    assert 0.2 <= res["largest_image_share_of_rebalanced_weight"] <= 1
    assert res["images_left_out_of_bounded"] == 0  # five photos: each holds its share by right
    assert row["auc_rebalanced_bounded"] == row["auc_rebalanced"]


def test_evaluation_reads_each_temperature_out_once_per_photo(colorizer, monkeypatch):
    # The metrics and the composed photo share one readout (the median readout is a third of the time).
    calls = []
    decode = colorizer.decode
    monkeypatch.setattr(colorizer, "decode", lambda lp, T: calls.append(T) or decode(lp, T))
    rng = np.random.default_rng(1)
    images = [torch.from_numpy(rng.integers(0, 256, (3, 32, 32), dtype=np.uint8)) for _ in range(2)]
    res = evaluate_set(colorizer, images, np.ones(Q), temperatures=(0.3, 1.0), baselines=False)
    assert sorted(calls) == [0.3, 0.3, 1.0, 1.0] and res["images"] == 2


def test_temperature_rule_skips_garish_settings():
    sweep = {
        0.1: {"auc_raw": 90, "auc_rebalanced": 70, "colourfulness_ratio": 1.6},  # best AuC, but garish
        0.5: {"auc_raw": 88, "auc_rebalanced": 65, "colourfulness_ratio": 1.2},
        1.0: {"auc_raw": 89, "auc_rebalanced": 60, "colourfulness_ratio": 0.9},
    }
    assert choose_temperature(sweep)[0] == 0.5
    sweep[1.0]["auc_rebalanced_bounded"] = 66  # without the photo that held most of the weight
    sweep[0.5]["auc_rebalanced_bounded"] = 64
    T, rule = choose_temperature(sweep)
    assert T == 1.0 and "10%" in rule


def test_temperature_rule_breaks_near_ties_towards_fewer_wrong_colours():
    # Session 18's release: T 0.38 ahead of T 1 by under 0.01, with 1.5 less raw AuC.
    sweep = {
        0.38: {"auc_raw": 88.89, "auc_rebalanced": 73.85, "auc_rebalanced_bounded": 74.97, "colourfulness_ratio": 1.08},
        1.0: {"auc_raw": 90.40, "auc_rebalanced": 70.74, "auc_rebalanced_bounded": 73.46, "colourfulness_ratio": 0.87},
    }
    assert choose_temperature(sweep)[0] == 1.0
    sweep[0.38]["auc_rebalanced_bounded"] = 75.5  # now 0.53 ahead: a real gain, not a tie
    T, rule = choose_temperature(sweep)
    assert T == 0.38 and "tie" in rule


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


def test_cast_counter_sees_a_tint_on_neutral_pixels():
    from model.evaluation.metrics import CastCounter

    truth = np.zeros((2, 8, 8))
    truth[:, :4] = 30.0  # half the photo colourful, half neutral
    tinted, faithful = CastCounter(), CastCounter()
    tinted.add(truth + np.array([2.0, 20.0])[:, None, None], truth)  # a yellow cast over everything
    faithful.add(truth.copy(), truth)
    assert tinted.result()["neutral_tinted_share"] == 1.0 and faithful.result()["neutral_tinted_share"] == 0.0
    assert tinted.result()["median_ab"] == [17.0, 35.0] and tinted.result()["truth_median_ab"] == [15.0, 15.0]


def test_each_group_is_reported_as_if_evaluated_alone(colorizer):
    rng = np.random.default_rng(1)
    images = [torch.from_numpy(rng.integers(0, 256, (3, 32, 32), dtype=np.uint8)) for _ in range(5)]
    labels = ["a", "b", "a", "b", "b"]
    res = evaluate_set(colorizer, images, np.ones(Q), (1.0,), baselines=False, groups={"by_set": labels})
    alone = evaluate_set(colorizer, [images[i] for i in (1, 3, 4)], np.ones(Q), (1.0,), baselines=False)
    assert res["by_set"]["b"]["images"] == 3 and res["by_set"]["a"]["images"] == 2
    for key in ("auc_raw", "auc_rebalanced", "colourfulness_ratio", "cast"):
        assert res["by_set"]["b"]["temperatures"][1.0][key] == alone["temperatures"][1.0][key]
    assert res["by_set"]["a"]["temperatures"][1.0]["auc_raw"] != alone["temperatures"][1.0]["auc_raw"]


def test_colorizer_eval_prints_a_table_per_folder_and_category(tmp_path, capsys, monkeypatch):
    from model.cli import evaluate
    from model.nets.weights import export_weights

    from .synthetic import write_scenes

    write_scenes(tmp_path / "corpus" / "val" / "Oxford17", 2, seed=0, size=64)
    write_scenes(tmp_path / "corpus" / "val" / "HAR", 3, seed=1, size=64)
    write_scenes(tmp_path / "data" / "val" / "hymenoptera", 2, seed=2, size=64)
    torch.manual_seed(0)
    export_weights(LiteColorNet(channels=16), tmp_path / "w.pt", {"prior": [1.0] * Q, "default_T": 1.0})
    data = ["--data", str(tmp_path / "corpus" / "val"), "--data", str(tmp_path / "data" / "val")]
    assert evaluate.main(["--model", str(tmp_path / "w.pt"), *data, "--json", str(tmp_path / "r.json")]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines() if line and line.split()[0].isalpha()}
    assert rows["flowers"] == "2" and rows["people"] == "3" and rows["animals"] == "2"
    assert "corpus/val" in out and "data/val" in out and "all 7 photos" in out


def test_cmf_curves_average_to_the_auc_and_are_plotted(colorizer, tmp_path):
    from model.evaluation.plots import cmf_figure

    rng = np.random.default_rng(2)
    images = [torch.from_numpy(rng.integers(0, 256, (3, 32, 32), dtype=np.uint8)) for _ in range(3)]
    curves: dict = {}
    res = evaluate_set(colorizer, images, np.ones(Q), (1.0,), curves=curves)
    assert set(curves) == {"T=1", "gray", "random"}
    for key, c in curves.items():
        assert c.shape == (2, 151) and np.all(np.diff(c, axis=1) >= 0) and c[:, -1].max() <= 1
        row = {method_label(m): r for m, r in method_rows(res).items()}[key]
        assert np.allclose(c.mean(axis=1) * 100, [row["auc_raw"], row["auc_rebalanced"]], atol=0.006)
    png = np.asarray(Image.open(cmf_figure(curves, "t", tmp_path / "c.png")).convert("RGB"))
    assert (np.abs(png.astype(int) - [31, 119, 180]).sum(axis=2) == 0).sum() > 100  # the T=1 line is drawn
