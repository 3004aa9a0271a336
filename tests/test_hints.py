"""Colour hints: the hinted colour fills its region, stops at an edge, and nothing else changes."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from model.errors import UserError
from model.inference.hints import Hint, load_hints, parse_hints
from model.inference.pipeline import Colorizer
from model.lab.bins import Q
from model.lab.color import lab_to_rgb, rgb_to_lab
from model.nets import LiteColorNet


@pytest.fixture(scope="module")
def colorizer():
    torch.manual_seed(0)
    return Colorizer(LiteColorNet(channels=16).eval(), {"default_T": 0.38}, device="cpu")


def two_regions(w: int = 256, h: int = 192) -> np.ndarray:
    """A dark left half and a light right half, split by a sharp vertical edge at x = w/2."""
    L = np.full((h, w), 30.0, np.float32)
    L[:, w // 2 :] = 75.0
    return L


def ab_full(colorizer, pred, L, T=0.38) -> np.ndarray:
    return colorizer.ab_at(pred, T, (L.shape[1], L.shape[0])).numpy()


def test_a_hint_colours_its_region_and_stops_at_the_edge(colorizer):
    L = two_regions()
    pred = colorizer.predict(L)
    before = ab_full(colorizer, pred, L)
    red = (55.0, 40.0)
    pred.hints = [Hint(40, 96, red)]
    after = ab_full(colorizer, pred, L)
    assert np.abs(after[:, 96, 40] - red).max() <= 2.0  # the hinted pixel has the hinted colour
    left = after[:, 20:-20, 10:100]  # the hinted region, away from the edge
    assert np.abs(left - np.array(red)[:, None, None]).max() < 8.0
    right = np.s_[:, :, 150:]  # beyond the edge (and past the one grid cell bilinear upsampling shares)
    assert np.abs(after[right] - before[right]).max() < 1.0


def test_no_hints_is_exactly_the_hint_free_result(colorizer):
    L = two_regions()
    pred = colorizer.predict(L)
    plain = colorizer.compose(pred, L, 0.38)
    pred.hints = [Hint(40, 96, (50.0, 50.0))]
    assert not np.array_equal(colorizer.compose(pred, L, 0.38), plain)
    pred.hints = []
    np.testing.assert_array_equal(colorizer.compose(pred, L, 0.38), plain)


def test_the_temperature_still_works_with_hints_in_place(colorizer):
    L = two_regions()
    pred = colorizer.predict(L)
    pred.hints = [Hint(40, 96, (55.0, 40.0))]
    cold, warm = ab_full(colorizer, pred, L, 0.1), ab_full(colorizer, pred, L, 1.0)
    assert np.abs(cold[:, 96, 40] - warm[:, 96, 40]).max() < 0.5  # the hint holds at any T
    assert np.abs(cold[:, :, 200:] - warm[:, :, 200:]).max() > 0.01  # the network's part follows T


def test_two_hints_of_two_colours_keep_to_their_own_sides(colorizer):
    L = two_regions()
    pred = colorizer.predict(L)
    red, blue = (55.0, 40.0), (10.0, -50.0)
    pred.hints = [Hint(40, 96, red), Hint(200, 96, blue)]
    after = ab_full(colorizer, pred, L)
    assert np.abs(after[:, 96, 60] - red).max() < 4 and np.abs(after[:, 96, 230] - blue).max() < 4


def test_the_hints_file_form_of_the_issue_is_read():
    hints = parse_hints({"hints": [{"x": 120, "y": 80, "srgb": "#c03030"}, {"x": 300, "y": 40, "lab": [60, 10, -40]}]})
    expected_a, expected_b = rgb_to_lab(np.array([[[0xC0, 0x30, 0x30]]]) / 255.0)[0, 0, 1:]
    assert hints[0].x == 120 and hints[0].y == 80 and hints[0].ab == pytest.approx((expected_a, expected_b))
    assert hints[1].ab == (10.0, -40.0)
    rgb = lab_to_rgb(np.array([[[50.0, *hints[0].ab]]]))[0, 0]
    assert rgb[0] > rgb[1] + 0.2  # red, as #c03030 is


@pytest.mark.parametrize("bad, words", [
    ({"hints": [{"x": 1, "y": 2, "srgb": "#c0303"}]}, "#rrggbb"),
    ({"hints": [{"x": 1, "y": 2, "lab": [60, 300, 0]}]}, "is not a colour"),
    ({"hints": [{"x": 1, "y": 2, "lab": [60, float("nan"), 0]}]}, "is not a colour"),
    ({"hints": [{"x": "left", "y": 2, "srgb": "#c03030"}]}, "not a pixel position"),
    ({"hints": [{"x": 1, "y": 2}]}, "either 'srgb' or 'lab'"),
    ({"hint": []}, "a hints file holds"),
    ({"hints": [{"x": 1, "y": 2, "srgb": "#c03030", "radius": -3}]}, "radius"),
])  # fmt: skip
def test_malformed_hints_and_impossible_colours_are_refused(bad, words):
    with pytest.raises(UserError, match=words):
        parse_hints(bad)


def test_a_hints_file_that_is_not_json_is_refused(tmp_path):
    (tmp_path / "h.json").write_text("{hints: oops")
    with pytest.raises(UserError, match="not a JSON hints file"):
        load_hints(tmp_path / "h.json")
    (tmp_path / "ok.json").write_text(json.dumps({"hints": [{"x": 5, "y": 6, "srgb": "#204080", "radius": 12}]}))
    assert load_hints(tmp_path / "ok.json")[0].radius == 12


def test_a_hint_outside_the_photo_is_refused(colorizer):
    from model.inference.hints import check_inside

    check_inside([Hint(255, 191, (0, 0))], (256, 192))
    with pytest.raises(UserError, match="outside this 256 x 192 photo"):
        check_inside([Hint(300, 40, (0, 0))], (256, 192))


def test_q_bins_are_what_the_solver_sees(colorizer):
    pred = colorizer.predict(two_regions())
    assert pred.log_probs.shape[0] == Q and pred.lightness.shape == pred.log_probs.shape[1:]
    assert abs(float(pred.lightness[:, :5].mean()) - 30) < 1 and abs(float(pred.lightness[:, -5:].mean()) - 75) < 1


def test_colorize_applies_a_hints_file_at_full_resolution(tmp_path):
    from PIL import Image

    from model.cli.colorize import main as colorize

    L = two_regions(512, 384)
    gray = np.round(lab_to_rgb(np.dstack([L, np.zeros_like(L), np.zeros_like(L)]))[..., 0] * 255).astype(np.uint8)
    Image.fromarray(gray).save(tmp_path / "scan.png")
    (tmp_path / "hints.json").write_text(json.dumps({"hints": [{"x": 80, "y": 190, "srgb": "#c03030"}]}))
    run = [str(tmp_path / "scan.png"), "--device", "cpu", "--no-progress", "--format", "png"]
    assert colorize([*run, "-o", str(tmp_path / "plain")]) == 0
    assert colorize([*run, "-o", str(tmp_path / "hinted"), "--hints", str(tmp_path / "hints.json")]) == 0
    plain = np.asarray(Image.open(tmp_path / "plain" / "scan_color.png")).astype(int)
    hinted = np.asarray(Image.open(tmp_path / "hinted" / "scan_color.png")).astype(int)
    r, g, b = hinted[190, 80]
    assert r > g + 40 and r > b + 40  # the hinted pixel is red, as asked
    assert np.abs(hinted[:, 320:] - plain[:, 320:]).max() <= 2  # the other side of the edge is the network's


def test_colorize_refuses_a_bad_hints_file_and_a_hint_off_the_photo(tmp_path, capsys):
    from PIL import Image

    from model.cli.colorize import main as colorize

    Image.fromarray(np.full((48, 64), 120, np.uint8)).save(tmp_path / "small.png")
    (tmp_path / "bad.json").write_text('{"hints": [{"x": 1, "y": 1, "srgb": "red"}]}')
    run = [str(tmp_path / "small.png"), "--device", "cpu", "--no-progress", "-o", str(tmp_path / "out")]
    assert colorize([*run, "--hints", str(tmp_path / "bad.json")]) == 2
    assert "hint 1: colour 'red'" in capsys.readouterr().err and not (tmp_path / "out").exists()
    (tmp_path / "far.json").write_text('{"hints": [{"x": 500, "y": 10, "srgb": "#c03030"}]}')
    assert colorize([*run, "--hints", str(tmp_path / "far.json")]) == 1  # that photo fails, with the reason
    assert "outside this 64 x 48 photo" in capsys.readouterr().out


def test_session_undo_and_redo_cover_hints_and_modes(colorizer):
    from model.inference.session import Session
    from model.io.images import LoadedImage

    L = two_regions()
    session = Session(colorizer, LoadedImage(path=None, L=L), colorizer.predict(L))
    i = session.add_hint(40, 96, (55.0, 40.0))
    session.move_hint(i, 50, 100)
    session.recolour_hint(i, (10.0, -50.0))
    assert session.pred.hints == [Hint(50, 100, (10.0, -50.0))]
    session.undo()
    assert session.pred.hints[0].ab == (55.0, 40.0)
    session.undo()
    assert (session.pred.hints[0].x, session.pred.hints[0].y) == (40, 96)
    session.delete_hint(0)
    assert session.pred.hints == [] and not session.can_redo()
    session.undo()
    session.redo()
    assert session.pred.hints == []
    session.set_point(200, 96)
    session.choose_mode(int(session.inspect().modes[0][0]))
    assert len(session.pred.edits) == 1
    session.undo()
    assert session.pred.edits == [] and session.pred.hints == []


def test_simulated_hints_from_the_truth_raise_the_auc(colorizer, tmp_path):
    from model.evaluation.hint_curve import hint_curve, hint_curve_figure

    rng = np.random.default_rng(0)
    images = []
    for _ in range(3):  # flat colour blocks: true colours a few hints can find
        lab = np.zeros((64, 64, 3))
        lab[..., 0] = 60
        lab[:, :32, 1:] = rng.uniform(-40, 40, 2)
        lab[:, 32:, 1:] = rng.uniform(-40, 40, 2)
        rgb = np.round(lab_to_rgb(lab) * 255).astype(np.uint8)
        images.append(torch.from_numpy(rgb).permute(2, 0, 1))
    result = hint_curve(colorizer, images, np.ones(Q), 0.38, counts=(0, 2, 10))
    raw = [result["hints"][n]["auc_raw"] for n in (0, 2, 10)]
    assert raw[0] < raw[1] < raw[2] and result["margin"]["raw_90ci"][0] > 0
    png = hint_curve_figure(result, "test", tmp_path / "curve.png")
    assert Image.open(png).size == (560, 340)


def test_saved_hints_read_back_the_same(tmp_path):
    from model.inference.hints import save_hints

    hints = [Hint(12.5, 40, (55.25, -3.5), 20.0), Hint(0, 0, (-10.0, 60.0))]
    save_hints(hints, tmp_path / "h.json")
    assert load_hints(tmp_path / "h.json") == hints


def test_look_adjusts_saturation_warmth_and_tint_and_undoes_with_the_temperature(colorizer):
    from model.inference.session import Session
    from model.io.images import LoadedImage
    from model.lab.look import Look

    L = two_regions()
    session = Session(colorizer, LoadedImage(path=None, L=L), colorizer.predict(L), temperature=0.38)
    plain = ab_full(colorizer, session.pred, L)
    session.set_look(Look(saturation=0.0, warmth=12.0, tint=-5.0))
    grey_warm = ab_full(colorizer, session.pred, L)
    np.testing.assert_allclose(grey_warm[0], -5.0, atol=1e-4)  # every pixel: a = tint
    np.testing.assert_allclose(grey_warm[1], 12.0, atol=1e-4)  # b = warmth
    session.set_look(Look(saturation=2.0))
    np.testing.assert_allclose(ab_full(colorizer, session.pred, L), 2 * plain, atol=1e-3)
    session.set_temperature(0.9)
    session.undo()
    assert session.temperature == 0.38 and session.pred.look == Look(saturation=2.0)
    session.undo()
    session.undo()
    assert session.pred.look == Look() and not session.can_undo()
    with pytest.raises(UserError, match="saturation"):
        Look(saturation=-1)


def test_grey_unsure_greys_only_the_less_sure_cells_and_leaves_hints_alone(colorizer):
    from model.lab.look import TYPICAL_CERTAINTY, Look, certainty_map

    L = two_regions()
    pred = colorizer.predict(L)
    sure = certainty_map(pred.log_probs)
    lo, hi = float(sure.min()), float(sure.max())
    assert 0 <= lo < hi <= 1
    # the left half of the grid made sure (nearly one colour), the right half as the untrained net left it
    peaked = pred.log_probs.clone()
    half = peaked.shape[2] // 2
    peaked[:, :, :half] = -30.0
    peaked[200, :, :half] = 0.0
    peaked = torch.log_softmax(peaked, dim=0)
    pred.log_probs = peaked
    sure = certainty_map(peaked)
    plain = colorizer.ab_grid(pred, 0.38)
    pred.look = Look(grey_unsure=1.0)
    greyed = colorizer.ab_grid(pred, 0.38)
    keep = (sure / TYPICAL_CERTAINTY).clamp(max=1)
    torch.testing.assert_close(greyed, plain * keep, atol=1e-4, rtol=1e-4)  # hue kept, chroma x certainty / typical
    assert (keep[:, :half] == 1).all() and (keep[:, half:] < 0.5).all()
    pred.look = Look(grey_unsure=0.5)
    torch.testing.assert_close(colorizer.ab_grid(pred, 0.38), plain * (1 - 0.5 * (1 - keep)), atol=1e-4, rtol=1e-4)
    pred.hints = [Hint(200, 96, (40.0, 30.0))]  # the user's colour is not greyed
    pred.look = Look()
    hinted = colorizer.ab_grid(pred, 0.38)
    pred.look = Look(grey_unsure=1.0)
    gx, gy = (round(c) for c in colorizer.grid_coords(pred, 200, 96))
    torch.testing.assert_close(colorizer.ab_grid(pred, 0.38)[:, gy, gx], hinted[:, gy, gx], atol=0.5, rtol=0)
    with pytest.raises(UserError, match="grey_unsure"):
        Look(grey_unsure=1.5)
    assert not Look(grey_unsure=0.2).is_identity


def test_colorize_takes_the_look_options(tmp_path, capsys):
    from model.cli.colorize import main as colorize

    Image.fromarray(np.full((48, 64), 120, np.uint8)).save(tmp_path / "grey.png")
    run = [str(tmp_path / "grey.png"), "--device", "cpu", "--no-progress", "--format", "png"]
    assert colorize([*run, "-o", str(tmp_path / "flat"), "--saturation", "0", "--warmth", "25"]) == 0
    r, g, b = np.asarray(Image.open(tmp_path / "flat" / "grey_color.png")).reshape(-1, 3).mean(0)
    assert r > b + 20 and g > b + 10  # grey made warm: yellowish everywhere
    assert colorize([*run, "-o", str(tmp_path / "bad"), "--tint", "500"]) == 2
    assert colorize([*run, "-o", str(tmp_path / "bad"), "--grey-unsure", "2"]) == 2
    err = capsys.readouterr().err
    assert "tint 500.0: must be a number from -60 to 60" in err and "grey_unsure 2.0: must be a number from 0 to 1" in err


def test_photo_settings_are_kept_by_content_and_used_by_colorize(tmp_path, capsys):
    from model.cli.colorize import main as colorize
    from model.inference.photo_settings import PhotoSettings, SettingsStore, photo_key
    from model.lab.look import Look

    L = two_regions(128, 96)
    gray = np.round(lab_to_rgb(np.dstack([L, np.zeros_like(L), np.zeros_like(L)]))[..., 0] * 255).astype(np.uint8)
    Image.fromarray(gray).save(tmp_path / "scan.png")
    store = SettingsStore()
    hint = Hint(20, 48, (10.0, -60.0))
    run = [str(tmp_path / "renamed.png"), "--device", "cpu", "--no-progress", "--format", "png"]
    (tmp_path / "renamed.png").write_bytes((tmp_path / "scan.png").read_bytes())  # same content, same settings
    store.save(photo_key(tmp_path / "scan.png"), PhotoSettings(0.5, Look(), [], [hint]))
    assert colorize([*run, "-o", str(tmp_path / "unwarmed")]) == 0
    mine = PhotoSettings(0.5, Look(warmth=20.0, grey_unsure=0.3), [], [hint])
    store.save(photo_key(tmp_path / "scan.png"), mine)
    assert store.load(photo_key(tmp_path / "renamed.png")) == mine
    capsys.readouterr()
    assert colorize([*run, "-o", str(tmp_path / "own")]) == 0
    assert "its own saved settings (T 0.5, 1 hints, 0 modes)" in capsys.readouterr().out
    own = np.asarray(Image.open(tmp_path / "own" / "renamed_color.png")).astype(int)
    r, g, b = own[48, 20]
    assert b > r + 30  # the saved blue hint (b -60, warmed by 20: still blue)
    assert colorize([*run, "-o", str(tmp_path / "plain"), "--ignore-saved"]) == 0
    plain = np.asarray(Image.open(tmp_path / "plain" / "renamed_color.png")).astype(int)

    def yellowness(rgb):
        return float(((rgb[..., 0] + rgb[..., 1]) / 2 - rgb[..., 2]).mean())

    unwarmed = np.asarray(Image.open(tmp_path / "unwarmed" / "renamed_color.png")).astype(int)
    assert yellowness(own[:, 100:]) > yellowness(unwarmed[:, 100:]) + 10  # the saved warmth, away from the hint
    store.file_for(photo_key(tmp_path / "scan.png")).write_text("{damaged")
    assert store.load(photo_key(tmp_path / "scan.png")) is None  # ignored, not a crash
    store.save(photo_key(tmp_path / "scan.png"), PhotoSettings())  # nothing left to keep: forgotten
    assert not store.has(photo_key(tmp_path / "scan.png"))
    assert colorize([*run, "-o", str(tmp_path / "fresh")]) == 0
    fresh = np.asarray(Image.open(tmp_path / "fresh" / "renamed_color.png")).astype(int)
    assert np.array_equal(plain, fresh) and not np.array_equal(plain, own)  # --ignore-saved: as if none were kept


def test_a_batch_hashes_no_photo_while_no_settings_are_kept(tmp_path, monkeypatch):
    from model.cli.colorize import main as colorize
    from model.inference import batch

    Image.fromarray(np.full((48, 64), 120, np.uint8)).save(tmp_path / "grey.png")
    monkeypatch.setattr(batch, "photo_key", lambda path: pytest.fail("hashed a photo for an empty store"))
    assert colorize([str(tmp_path / "grey.png"), "-o", str(tmp_path / "out"), "--device", "cpu", "--no-progress"]) == 0
