import errno

import numpy as np
import pytest
import tifffile
from PIL import Image, ImageCms, ImageOps

from model.io import atomic, images
from model.io.images import ImageLoadError, ImageSaveError, load_image, save_image
from model.io.png16 import decode_png16  # checked against Pillow and the PNG spec in test_png16

from .images import colour, gradient, make_all, make_bad


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return make_all(tmp_path_factory.mktemp("kinds"))


@pytest.mark.parametrize(
    "name, bits, has_alpha, was_colour",
    [
        ("gray.jpg", 8, False, False),
        ("gray.png", 8, False, False),
        ("la.png", 8, True, False),
        ("palette.png", 8, True, False),
        ("rgb.png", 8, False, True),
        ("rgba.png", 8, True, True),
        ("cmyk.jpg", 8, False, True),
        ("gray16.png", 16, False, False),
        ("rgb16.tif", 16, False, False),
        ("gray.tif", 8, False, False),
        ("gray.webp", 8, False, False),
        ("gray.bmp", 8, False, False),
        ("anim.gif", 8, False, False),
        ("unicode naïve – photo ü.png", 8, False, False),
    ],
)
def test_every_kind_loads(files, name, bits, has_alpha, was_colour):
    im = load_image(files[name])
    assert im.L.shape == (48, 64) and im.L.dtype == np.float32
    assert 0 <= im.L.min() and im.L.max() <= 100
    assert im.bits == bits and (im.alpha is not None) == has_alpha and im.was_colour == was_colour


# What each kind holds (tests/images.py) and how far lossy or palette coding may move L.
CONTENT = {"gray.jpg": ("gray", 1.5), "gray.png": ("gray", 0.05), "la.png": ("gray", 0.05), "palette.png": ("gray", 3.0),
           "rgb.png": ("colour", 0.05), "rgba.png": ("colour", 0.05), "cmyk.jpg": ("colour", 3.0),
           "gray16.png": ("gray", 0.05), "rgb16.tif": ("gray", 0.05), "gray.tif": ("gray", 0.05), "gray.webp": ("gray", 1.5),
           "gray.bmp": ("gray", 0.05), "anim.gif": ("gray", 0.05), "unicode naïve – photo ü.png": ("gray", 0.05)}


@pytest.mark.parametrize("name", sorted(CONTENT))
def test_every_kind_yields_the_lightness_of_its_pixels(files, name):
    from skimage.color import rgb2lab

    kind, tolerance = CONTENT[name]
    rgb = np.dstack([gradient()] * 3) if kind == "gray" else colour()
    expected = rgb2lab(rgb / 255.0)[..., 0]  # scikit-image's CIE L*, not ours
    error = np.abs(load_image(files[name]).L - expected)
    assert np.median(error) <= tolerance and np.percentile(error, 95) <= 4 * tolerance + 1  # JPEG rings at the wrap


def test_lightness_matches_between_8_and_16_bit(files):
    a, b = load_image(files["gray.png"]).L, load_image(files["gray16.png"]).L
    np.testing.assert_allclose(a, b, atol=1e-3)
    np.testing.assert_allclose(load_image(files["rgb16.tif"]).L, a, atol=1e-3)


def test_animated_gif_says_first_frame(files):
    assert any("first one" in n for n in load_image(files["anim.gif"]).notes)


def test_exif_rotation_is_applied_and_reset(files):
    im = load_image(files["rotated.jpg"])
    assert im.size == (32, 64)  # 64x32 stored, shown rotated
    exif = Image.Exif()
    exif.load(im.exif)
    assert exif.get(0x0112, 1) == 1
    upright = np.asarray(ImageOps.exif_transpose(Image.open(files["rotated.jpg"])).convert("L"))
    assert np.corrcoef(im.L.ravel(), upright.ravel().astype(float))[0, 1] > 0.99


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_of_arrays_matches_pillow(orientation):
    a = np.arange(12 * 7, dtype=np.uint8).reshape(7, 12)
    exif = Image.Exif()
    exif[0x0112] = orientation
    im = Image.fromarray(a)
    im.info["exif"] = exif.tobytes()
    im.getexif()[0x0112] = orientation
    expected = np.asarray(ImageOps.exif_transpose(im))
    np.testing.assert_array_equal(images._orient(a, orientation), expected)


def test_bad_files_get_clear_errors(tmp_path):
    bad = make_bad(tmp_path)
    with pytest.raises(ImageLoadError, match="empty.jpg: empty file"):
        load_image(bad["empty.jpg"])
    with pytest.raises(ImageLoadError, match="text.jpg: cannot read image"):
        load_image(bad["text.jpg"])
    with pytest.raises(ImageLoadError, match="truncated.jpg"):
        load_image(bad["truncated.jpg"])
    with pytest.raises(ImageLoadError, match="file not found"):
        load_image(tmp_path / "gone.png")


def test_decompression_bomb_names_the_limit(tmp_path, monkeypatch):
    Image.fromarray(gradient(100, 100)).save(tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2000)
    with pytest.raises(ImageLoadError, match="bomb.png: image too large.*limit of 2,000 pixels"):
        load_image(tmp_path / "bomb.png")


def test_16_bit_round_trips_png_and_tiff(tmp_path):
    rgb = (np.random.default_rng(0).random((9, 11, 3)) * 65535).astype(np.uint16)
    save_image(rgb, tmp_path / "out.png")
    np.testing.assert_array_equal(decode_png16((tmp_path / "out.png").read_bytes()), rgb)
    save_image(rgb, tmp_path / "out.tif")
    np.testing.assert_array_equal(tifffile.imread(tmp_path / "out.tif"), rgb)


def test_16_bit_png_keeps_icc_and_exif(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    src = tmp_path / "in.tif"
    Image.fromarray(gradient().astype(np.uint16) * 257).save(src, tiffinfo={34675: srgb})
    image = load_image(src)
    image.icc, image.exif = srgb, exif.tobytes()
    rgb = (np.random.default_rng(1).random((48, 64, 3)) * 65535).astype(np.uint16)
    save_image(rgb, tmp_path / "out.png", image)
    back = Image.open(tmp_path / "out.png")
    assert back.info.get("icc_profile") == srgb and back.getexif().get(0x010F) == "Camera maker"
    np.testing.assert_array_equal(decode_png16((tmp_path / "out.png").read_bytes()), rgb)


def test_alpha_is_carried_through(files, tmp_path):
    src = load_image(files["rgba.png"])
    rgb = np.zeros((48, 64, 3), np.uint8)
    save_image(rgb, tmp_path / "a.png", src)
    back = Image.open(tmp_path / "a.png")
    assert back.mode == "RGBA"
    np.testing.assert_array_equal(np.asarray(back)[..., 3], src.alpha)
    save_image(rgb, tmp_path / "a.jpg", src)  # JPEG has no alpha: dropped, file still written
    assert Image.open(tmp_path / "a.jpg").mode == "RGB"


def test_icc_profile_is_kept(tmp_path):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(gradient()).convert("RGB").save(tmp_path / "p.jpg", icc_profile=srgb)
    src = load_image(tmp_path / "p.jpg")
    save_image(np.zeros((48, 64, 3), np.uint8), tmp_path / "o.png", src)
    assert Image.open(tmp_path / "o.png").info.get("icc_profile") == srgb


def test_never_overwrites_the_original(files, tmp_path):
    src = load_image(files["gray.png"])
    before = files["gray.png"].read_bytes()
    with pytest.raises(ImageSaveError, match="refusing to overwrite"):
        save_image(np.zeros((48, 64, 3), np.uint8), files["gray.png"], src)
    assert files["gray.png"].read_bytes() == before


def test_failed_write_leaves_nothing(tmp_path, monkeypatch):
    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    with pytest.raises(ImageSaveError, match="No space left"):
        save_image(np.zeros((4, 4, 3), np.uint8), tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


def test_16_to_8_bit_rounds_to_the_nearest_value_everywhere():
    x = np.arange(65536, dtype=np.uint16)
    np.testing.assert_array_equal(images.to_8bit(x), np.floor(x / 257 + 0.5).astype(np.uint8))  # not x >> 8
    assert images.to_8bit(np.array([65280], np.uint16))[0] == 254  # truncation would say 255
