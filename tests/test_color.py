import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from skimage import color as skcolor

from model.lab.color import (
    GREY_LEVEL_L,
    lab_to_rgb,
    lab_to_rgb_torch,
    lightness_to_gray_torch,
    nearest_grey_level,
    rgb_to_lab,
    rgb_to_lab_torch,
    round_to_grey_levels_torch,
)

EDGE_COLOURS = np.array(
    [
        [0, 0, 0],
        [1, 1, 1],
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [1, 1, 0],
        [0, 1, 1],
        [1, 0, 1],
        [0.04045, 0.04, 0.0031308],
        [0.5, 0.5, 0.5],
        [1e-4, 0, 0],
    ]
)


def test_numpy_matches_skimage_on_edge_and_random_colours():
    rgb = np.concatenate([EDGE_COLOURS, np.random.default_rng(0).random((5000, 3))])
    np.testing.assert_allclose(rgb_to_lab(rgb), skcolor.rgb2lab(rgb), atol=1e-3)
    lab = skcolor.rgb2lab(rgb)
    np.testing.assert_allclose(lab_to_rgb(lab), skcolor.lab2rgb(lab), atol=1e-3)


def test_torch_matches_numpy_batched_channels_first():
    rgb = np.random.default_rng(1).random((2, 8, 9, 3))
    t = torch.as_tensor(rgb, dtype=torch.float64).permute(0, 3, 1, 2)
    lab_t = rgb_to_lab_torch(t).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(lab_t, skcolor.rgb2lab(rgb), atol=1e-3)
    back = lab_to_rgb_torch(rgb_to_lab_torch(t)).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(back, rgb, atol=1e-3)


def test_torch_float32_round_trip_within_1e3():
    rgb = torch.rand(1, 3, 64, 64)
    back = lab_to_rgb_torch(rgb_to_lab_torch(rgb))
    assert (back - rgb).abs().max() < 1e-3


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (7, 3), elements=st.floats(0, 1)))
def test_round_trip_property(rgb):
    np.testing.assert_allclose(lab_to_rgb(rgb_to_lab(rgb)), rgb, atol=1e-3)


def test_lab_to_rgb_clips_out_of_gamut_colours():
    out = lab_to_rgb(np.array([[50, 120, -120], [100, 0, 0], [0, 0, 0]]))
    assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(out[1], 1, atol=1e-3)
    np.testing.assert_allclose(out[2], 0, atol=1e-6)


def test_lightness_to_gray_has_that_lightness():
    L = torch.linspace(0, 100, 101)
    g = lightness_to_gray_torch(L)
    lab = skcolor.rgb2lab(np.repeat(g.numpy()[:, None], 3, axis=1))
    np.testing.assert_allclose(lab[:, 0], L.numpy(), atol=1e-3)


def test_gray_from_lightness_is_the_grey_of_that_lightness():
    from model.lab.color import gray_from_lightness

    greys = np.arange(256, dtype=np.float64)
    L = rgb_to_lab(np.repeat(greys[:, None], 3, axis=1)[None] / 255.0)[0, :, 0].astype(np.float32)
    np.testing.assert_array_equal(gray_from_lightness(L[None]), greys.astype(np.uint8)[None])  # each grey back exactly
    out_of_range = gray_from_lightness(np.array([[-5.0, 0.0, 100.0, 104.0]], np.float32))
    assert out_of_range.tolist() == [[0, 0, 255, 255]]
    assert lightness_to_gray_torch(torch.tensor([120.0, -20.0])).tolist() == [1.0, 0.0]  # clamped to the sRGB range


def test_nearest_grey_level_returns_each_8_bit_grey_its_own_level():
    levels = np.arange(256, dtype=np.uint8)
    grey_L = skcolor.rgb2lab(np.repeat(levels / 255.0, 3).reshape(256, 1, 3))[:, 0, 0]
    np.testing.assert_allclose(GREY_LEVEL_L, grey_L, atol=1e-3)
    np.testing.assert_array_equal(nearest_grey_level(GREY_LEVEL_L.reshape(16, 16)), levels.reshape(16, 16))
    np.testing.assert_array_equal(nearest_grey_level(np.array([-3.0, 0.1, 99.9, 104.0])), [0, 0, 255, 255])


def test_nearest_grey_level_is_the_nearest_in_lightness():
    L = np.random.default_rng(1).uniform(0, 100, 20000).astype(np.float32)
    q = nearest_grey_level(L)
    gap = np.abs(GREY_LEVEL_L[q] - L)
    best = np.abs(GREY_LEVEL_L[None] - L[:, None]).min(axis=1)
    assert np.all(gap <= best + 0.01 + 1e-4)  # within the lookup's step of the midpoint


def test_round_to_grey_levels_gives_the_nearest_grey_levels_lightness():
    L = torch.from_numpy(np.random.default_rng(2).uniform(-5, 105, (2, 1, 40, 50)).astype(np.float32))
    r = round_to_grey_levels_torch(L)
    assert r.shape == L.shape and set(r.unique().tolist()) <= set(GREY_LEVEL_L.tolist())
    best = np.abs(GREY_LEVEL_L[None] - L.reshape(-1, 1).numpy()).min(axis=1)
    np.testing.assert_allclose((r - L).abs().reshape(-1).numpy(), best, atol=1e-4)  # the nearest, exactly
    assert torch.equal(round_to_grey_levels_torch(r), r)
    # A grey photo's L is already on the levels; a colour photo's L mostly lies between them.
    grey = torch.arange(256.0).view(1, 1, 16, 16).expand(1, 3, 16, 16) / 255
    grey_L = rgb_to_lab_torch(grey)[:, :1]
    torch.testing.assert_close(round_to_grey_levels_torch(grey_L), grey_L, atol=2e-3, rtol=0)
    colour_L = rgb_to_lab_torch(torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(0)))[:, :1]
    assert (round_to_grey_levels_torch(colour_L) - colour_L).abs().gt(0.01).float().mean() > 0.5
