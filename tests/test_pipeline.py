import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from model.cli.colorize import main as colorize
from model.inference import pipeline
from model.inference.pipeline import Colorizer, _RowUpsampler, lightness_index, network_input, network_size
from model.io.images import load_image
from model.lab.bins import AB_BINS, Q
from model.lab.color import GREY_LEVEL_L, lab_to_rgb_torch
from model.nets.registry import bundled_model, bundled_models

from .images import colour, make_all
from .synthetic import untrained_lite_net


@pytest.fixture(scope="module")
def colorizer():
    return Colorizer(untrained_lite_net(), {"default_T": 0.3}, device="cpu")


@pytest.fixture
def photo(tmp_path):
    return load_image(make_all(tmp_path)["rgb.png"])


def test_network_size_keeps_aspect_and_stride():
    assert network_size(4000, 3000, 32) == (352, 256)
    assert network_size(3000, 4000, 8) == (256, 344)
    w, h = network_size(10000, 500, 32)
    assert max(w, h) <= 1024 and w % 32 == h % 32 == 0


def test_network_input_is_the_grey_photo_resized_as_pixels(tmp_path):
    # what the network saw in training: 8-bit pixels resized, not a float resize of L
    pixels = np.random.default_rng(2).integers(0, 256, (90, 130), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "grey.png")
    L = load_image(tmp_path / "grey.png").L
    expected = GREY_LEVEL_L[np.asarray(Image.fromarray(pixels).resize((64, 32), Image.BICUBIC))]
    np.testing.assert_array_equal(network_input(L, (64, 32)), expected)
    np.testing.assert_array_equal(network_input(L, (130, 90)), GREY_LEVEL_L[pixels])  # at its size: unchanged


def test_network_input_of_a_smooth_lightness_takes_8_bit_levels():
    L = np.linspace(0, 100, 300 * 200, dtype=np.float32).reshape(200, 300)
    small = network_input(L, (96, 64))
    assert small.shape == (64, 96) and small.dtype == np.float32
    assert np.isin(small, GREY_LEVEL_L).all()
    assert np.abs(small - np.asarray(Image.fromarray(L).resize((96, 64), Image.BICUBIC))).max() < 0.6


def test_decoding_at_new_temperatures_runs_no_network(colorizer, photo):
    calls = colorizer.network_calls
    pred = colorizer.predict(photo.L)
    assert colorizer.network_calls == calls + 1
    outs = [colorizer.compose(pred, photo.L, T) for T in (0.05, 0.38, 1.0)]
    colorizer.preview(pred, lightness_index(photo.L), 0.2)
    colorizer.inspect(pred, 3, 4, 0.5)
    assert colorizer.network_calls == calls + 1
    assert outs[0].shape == (48, 64, 3) and outs[0].dtype == np.uint8
    assert not np.array_equal(outs[0], outs[2])  # temperature changes colour


def test_full_resolution_result_and_16_bit(colorizer, tmp_path):
    files = make_all(tmp_path)
    for name in ("gray16.png", "rgb16.tif"):
        im = load_image(files[name])
        out = colorizer.compose(colorizer.predict(im.L), im.L, 0.38, bits=im.bits)
        assert out.shape == (48, 64, 3) and out.dtype == np.uint16


def test_compose_keeps_original_lightness_and_equals_exact_conversion(colorizer, photo):
    pred = colorizer.predict(photo.L)
    out = colorizer.compose(pred, photo.L, 0.38)
    ab = colorizer.ab_at(pred, 0.38, photo.size)
    exact = lab_to_rgb_torch(torch.cat([torch.from_numpy(photo.L)[None], ab]))
    np.testing.assert_allclose(out.astype(float), exact.permute(1, 2, 0).numpy() * 255, atol=0.51)


def test_band_upsampler_equals_interpolate():
    ab = torch.randn(2, 5, 7)
    full = F.interpolate(ab[None], size=(37, 53), mode="bilinear", align_corners=False)[0]
    rows = _RowUpsampler(ab, 53, 37)
    torch.testing.assert_close(torch.cat([rows(0, 10), rows(10, 11), rows(11, 37)], dim=1), full)


def test_banded_compose_equals_single_band(colorizer, photo, monkeypatch):
    pred = colorizer.predict(photo.L)
    whole = colorizer.compose(pred, photo.L, 0.5)
    monkeypatch.setattr(pipeline, "BAND_PIXELS", 64 * 5)
    np.testing.assert_array_equal(colorizer.compose(pred, photo.L, 0.5), whole)


def test_preview_is_close_to_exact(colorizer, photo):
    pred = colorizer.predict(photo.L)
    rgbx = colorizer.preview(pred, lightness_index(photo.L), 0.38)
    exact = colorizer.compose(pred, photo.L, 0.38)
    assert rgbx.shape == (48, 64, 4) and (rgbx[..., 3] == 255).all()
    assert np.abs(rgbx[..., :3].astype(int) - exact.astype(int)).max() <= 6


def test_inspector_probabilities(colorizer, photo):
    pred = colorizer.predict(photo.L)
    rep = colorizer.inspect(pred, 10, 20, 0.38, L=55)
    assert rep.probs.shape == (Q,) and rep.probs.sum() == pytest.approx(1.0)
    assert rep.modes[0][1] == pytest.approx(rep.probs.max()) and len(rep.modes) == 5
    assert 0 <= rep.entropy <= np.log(Q) + 1e-9
    # At the centre of a grid cell the probabilities are exactly that cell's.
    (w, h), (gw, gh) = pred.image_size, pred.grid_size
    gx, gy = 3, 2
    x, y = (gx + 0.5) * w / gw - 0.5, (gy + 0.5) * h / gh - 0.5
    np.testing.assert_allclose(
        colorizer.probabilities_at(pred, x, y), pred.probabilities()[:, gy, gx].double().numpy(), atol=1e-6
    )
    # T -> 0 gives the mode's colour.
    mode_report = colorizer.inspect(pred, x, y, 0.0)
    assert mode_report.ab == tuple(AB_BINS[mode_report.modes[0][0]])


def test_entropy_map(colorizer, photo):
    pred = colorizer.predict(photo.L)
    ent = colorizer.entropy_map(pred)
    assert ent.shape == pred.log_probs.shape[1:] and (ent >= -1e-5).all() and (ent <= np.log(Q) + 1e-4).all()


def test_choosing_a_mode_recolours_the_region_and_undo_restores(colorizer, photo):
    pred = colorizer.predict(photo.L)
    before = colorizer.compose(pred, photo.L, 0.38)
    q = colorizer.inspect(pred, 30, 20, 0.38).modes[1][0]
    edit = colorizer.choose_mode(pred, 30, 20, q)
    assert edit.mask.any()
    after = colorizer.compose(pred, photo.L, 0.38)
    assert not np.array_equal(before, after)
    grid = colorizer.ab_grid(pred, 0.38)
    assert torch.allclose(grid[:, torch.from_numpy(edit.mask)], torch.tensor(AB_BINS[q]).view(2, 1))
    pred.edits.remove(edit)
    np.testing.assert_array_equal(colorizer.compose(pred, photo.L, 0.38), before)


def test_bundled_model_is_listed_and_loads():
    entries = bundled_models()
    assert entries and entries[0].card.get("default")
    c = Colorizer.bundled(device="cpu")
    assert c.card["name"] == bundled_model().name and 0 < c.default_T <= 1


def test_a_bundled_model_uses_the_temperature_its_card_chose():
    # The weights file carries the trainer's own card (its best validation T); the release card's
    # rule chose the default, and that is what the app and colorize must use.
    for entry in bundled_models():
        c = Colorizer.bundled(entry.name, device="cpu")
        assert c.default_T == entry.card["default_T"] and c.card["default_T"] == entry.card["default_T"]


def test_command_line_gives_the_same_pixels_as_the_api(tmp_path):
    src = tmp_path / "in" / "photo.png"
    src.parent.mkdir()
    Image.fromarray(colour(80, 60)).convert("L").save(src)
    assert colorize([str(src), "-o", str(tmp_path / "out"), "-T", "0.3", "--format", "png", "--no-progress"]) == 0
    c = Colorizer.bundled(device="cpu")
    im = load_image(src)
    expected = c.compose(c.predict(im.L), im.L, 0.3)
    got = np.asarray(Image.open(tmp_path / "out" / "photo_color.png"))
    np.testing.assert_array_equal(got, expected)


def test_side_by_side_puts_the_grey_photo_beside_the_result():
    from model.inference.session import side_by_side

    grey = np.full((10, 100), 40, np.uint8)
    result = np.zeros((10, 100, 3), np.uint16)
    result[..., 0] = 65535  # a 16-bit red result comes out as 8-bit red
    both = side_by_side(grey, result)
    assert both.shape == (10, 202, 3) and both.dtype == np.uint8
    assert (both[:, :100] == 40).all() and (both[:, 100:102] == 255).all()
    assert (both[:, 102:, 0] == 255).all() and (both[:, 102:, 1:] == 0).all()


def test_before_after_is_saved_at_full_resolution_and_spares_the_original(colorizer, tmp_path):
    from model.inference.session import Session
    from model.io.images import ImageSaveError
    from model.lab.color import gray_from_lightness

    image = load_image(make_all(tmp_path)["gray.png"])
    session = Session(colorizer, image, colorizer.predict(image.L))
    out = session.save_before_after(tmp_path / "ba.png")
    saved = np.asarray(Image.open(out))
    w, h = image.size
    assert saved.shape == (h, 2 * w + 2, 3)
    np.testing.assert_array_equal(saved[:, :w, 0], gray_from_lightness(image.L))
    np.testing.assert_array_equal(saved[:, w + 2 :], session.full_resolution())
    before = image.path.read_bytes()
    with pytest.raises(ImageSaveError, match="refusing to overwrite"):
        session.save_before_after(image.path)
    assert image.path.read_bytes() == before


def test_mirror_averaging_makes_the_prediction_mirror_symmetric(colorizer):
    L = np.random.default_rng(3).random((64, 96), dtype=np.float32) * 100
    plain = Colorizer(colorizer.net, {}, device="cpu", mirror=False)
    a, b = colorizer.predict(L).log_probs, colorizer.predict(np.ascontiguousarray(L[:, ::-1])).log_probs
    torch.testing.assert_close(a, b.flip(-1), atol=1e-4, rtol=1e-4)  # the mirrored photo gets the mirrored colours
    single, mirrored = plain.predict(L).log_probs, plain.predict(np.ascontiguousarray(L[:, ::-1])).log_probs
    assert (single - mirrored.flip(-1)).abs().max() > 1e-2  # which the network alone does not do
    mixture = (single.exp() + mirrored.flip(-1).exp()) / 2  # the average of the two distributions
    torch.testing.assert_close(a.exp(), mixture, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(a.exp().sum(0), torch.ones(a.shape[1:]), atol=1e-5, rtol=0)
