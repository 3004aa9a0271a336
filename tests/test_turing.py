import base64
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from model.cli.evaluate import main as evaluate_main
from model.evaluation import turing
from model.inference.pipeline import Colorizer
from model.nets import LiteColorNet

from .images import colour


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A test page over four photos, with its trials as the page holds them."""
    root = tmp_path_factory.mktemp("turing")
    files = []
    for i in range(4):
        files.append(root / f"p{i}.png")
        Image.fromarray(np.roll(colour(64, 48), 9 * i, axis=1)).save(files[-1])
    torch.manual_seed(0)
    colorizer = Colorizer(LiteColorNet(channels=16).eval(), {"name": "tiny"}, device="cpu")
    trials = turing.plan_trials(colorizer, files, 1.0, seed=3)
    out = turing.write_html(trials, root / "test.html", "t1", show_ms=700)
    text = out.read_text()
    data = json.loads(re.search(r"const TRIALS = (\[.*?\]), SHOW_MS", text, re.S).group(1).replace("<\\/", "</"))
    return out, text, trials, data


def _decode(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"), dtype=float)


def test_sides_are_random_and_balanced():
    for n in (10, 11, 100):
        sides = turing.balanced_sides(n, seed=1)
        assert abs(sides.count("left") - sides.count("right")) <= n % 2
    assert turing.balanced_sides(100, 1) == turing.balanced_sides(100, 1) != turing.balanced_sides(100, 2)
    firsts = [turing.balanced_sides(10, s)[0] for s in range(200)]
    assert 70 < firsts.count("left") < 130  # not always the same side first


def test_the_page_shows_the_real_photo_on_its_recorded_side(page):
    _, _, trials, data = page
    for t, d in zip(trials, data):
        real = np.asarray(Image.fromarray(t.real), dtype=float)
        shown_real, shown_fake = (d["left"], d["right"]) if d["real_side"] == "left" else (d["right"], d["left"])
        assert np.abs(_decode(shown_real) - real).mean() < np.abs(_decode(shown_fake) - real).mean()
        assert d["real_side"] == t.real_side


def test_the_page_is_self_contained(page):
    _, text, _, _ = page
    assert "http:" not in text and "https:" not in text and "<link" not in text and 'src="//' not in text
    assert "SHOW_MS = 700" in text


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page's script")
def test_answers_are_recorded_against_the_right_side_and_pooled(page, tmp_path):
    out, text, _, data = page
    script = text[text.index("<script>") + 8 : text.index("</script>")]
    (tmp_path / "page.js").write_text(script)
    rater = Path(__file__).parent / "js" / "rater.js"
    run = ["node", str(rater), str(tmp_path / "page.js"), "L,R,bl,br"]
    saved = subprocess.run(run, capture_output=True, text=True, check=True)
    doc = json.loads(saved.stdout)
    assert doc["test_id"] == "t1" and [t["answer"] for t in doc["trials"]] == ["left", "right", "left", "right"]
    assert [t["real_side"] for t in doc["trials"]] == [d["real_side"] for d in data]
    (tmp_path / "a.json").write_text(saved.stdout)
    (tmp_path / "b.json").write_text(saved.stdout)
    pooled = turing.pool([tmp_path / "a.json", tmp_path / "b.json"])
    fooled = sum(t["answer"] != t["real_side"] for t in doc["trials"])
    assert pooled["trials"] == 8 and pooled["fooled"] == 2 * fooled and pooled["raters"] == 2


def test_wilson_interval_for_known_counts():
    lo, hi = turing.wilson_interval(20, 100)
    assert round(lo, 4) == 0.1334 and round(hi, 4) == 0.2888  # p = 0.2, n = 100, by hand: 0.21110 +- 0.07773
    assert turing.wilson_interval(0, 10)[0] == 0 and turing.wilson_interval(10, 10)[1] == pytest.approx(1)


def test_damaged_answers_are_rejected_with_a_clear_message(tmp_path, capsys):
    good = {"format": turing.ANSWERS_FORMAT, "test_id": "t1", "trials": [{"id": "a", "real_side": "left", "answer": "right"}]}
    cases = {
        "text.json": "not json at all",
        "other.json": json.dumps({"format": "something else", "trials": []}),
        "empty.json": json.dumps({**good, "trials": []}),
        "broken.json": json.dumps({**good, "trials": [{"id": "a", "real_side": "up", "answer": "left"}]}),
    }
    messages = {"text.json": "not a readable answers file", "other.json": "not an answers file",
                "empty.json": "no answered trials", "broken.json": "trial 1 is damaged"}  # fmt: skip
    for name, body in cases.items():
        (tmp_path / name).write_text(body)
        with pytest.raises(turing.AnswersError, match=messages[name]):
            turing.pool([tmp_path / name])
    (tmp_path / "t1.json").write_text(json.dumps(good))
    (tmp_path / "t2.json").write_text(json.dumps({**good, "test_id": "t2"}))
    with pytest.raises(turing.AnswersError, match="different tests"):
        turing.pool([tmp_path / "t1.json", tmp_path / "t2.json"])
    assert evaluate_main(["--turing-answers", str(tmp_path / "broken.json")]) == 2
    assert "trial 1 is damaged" in capsys.readouterr().err
    assert evaluate_main(["--turing-answers", str(tmp_path / "t1.json")]) == 0
    assert "fooling rate 100.0%" in capsys.readouterr().out
