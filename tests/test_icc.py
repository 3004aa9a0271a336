import io
import struct

import numpy as np
import pytest
from PIL import Image, ImageCms

from model.io.icc import SRGB_D50, is_srgb, lightness_from_luminance, srgb16_to_profile, tone_profile
from model.io.images import load_image, save_image
from model.io.png16 import decode_png16, encode_png16
from model.lab.color import rgb_to_lab


def s15(x: float) -> bytes:
    return struct.pack(">i", round(x * 65536))


def gamma_curve(g: float) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, round(g * 256)) + b"\0\0"


def table_curve(values: np.ndarray) -> bytes:
    return b"curv\0\0\0\0" + struct.pack(">I", len(values)) + (values * 65535).round().astype(">u2").tobytes()


def para_srgb() -> bytes:  # the sRGB curve as a type-3 parametric curve
    params = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
    return b"para\0\0\0\0" + struct.pack(">H", 3) + b"\0\0" + b"".join(s15(p) for p in params)


def xyz(v) -> bytes:
    return b"XYZ \0\0\0\0" + b"".join(s15(c) for c in v)


def profile(space: bytes, tags: dict) -> bytes:
    """A minimal ICC v2 display profile, enough for LittleCMS and for us."""
    tags = {b"wtpt": xyz((0.9642, 1.0, 0.8249)), b"desc": b"desc\0\0\0\0" + struct.pack(">I", 5) + b"test\0" + b"\0" * 78, **tags}
    offset, table, data = 132 + 12 * len(tags), b"", b""
    for sig, body in tags.items():
        body += b"\0" * (-len(body) % 4)
        table += struct.pack(">4sII", sig, offset + len(data), len(body))
        data += body
    header = struct.pack(">I4sI", offset + len(data), b"lcms", 0x02100000) + b"mntr" + space + b"XYZ "
    header = (header + b"\0" * 12 + b"acsp").ljust(68, b"\0") + xyz((0.9642, 1.0, 0.8249))[8:]
    return header.ljust(128, b"\0") + struct.pack(">I", len(tags)) + table + data


def grey_profile(curve: bytes) -> bytes:
    return profile(b"GRAY", {b"kTRC": curve})


def rgb_profile(curve: bytes) -> bytes:
    tags = {n: xyz(SRGB_D50[:, i]) for i, n in enumerate((b"rXYZ", b"gXYZ", b"bXYZ"))}
    return profile(b"RGB ", {**tags, b"rTRC": curve, b"gTRC": curve, b"bTRC": curve})


def littlecms_lightness(icc: bytes, mode: str, pixels: np.ndarray) -> np.ndarray:
    src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    t = ImageCms.buildTransform(src, ImageCms.createProfile("sRGB"), mode, "RGB")
    out = np.asarray(ImageCms.applyTransform(Image.fromarray(pixels, mode), t))
    return rgb_to_lab(out.astype(np.float32) / 255)[..., 0]


@pytest.mark.parametrize(
    "curve", [gamma_curve(2.2), gamma_curve(1.0), table_curve(np.linspace(0, 1, 256) ** 1.8), para_srgb()], ids=str
)
def test_grey_profiles_agree_with_littlecms(curve):
    icc = grey_profile(curve)
    ramp = np.arange(256, dtype=np.uint8)[None]
    ours = lightness_from_luminance(tone_profile(icc).lightness_lut(0, 255))
    theirs = littlecms_lightness(icc, "L", ramp)[0]
    np.testing.assert_allclose(ours[16:], theirs[16:], atol=0.5)  # LittleCMS's 8-bit sRGB output steps


def test_rgb_matrix_profiles_agree_with_littlecms_and_srgb_is_unchanged():
    icc = rgb_profile(gamma_curve(1.0))
    rgb = np.random.default_rng(0).integers(40, 256, (16, 16, 3)).astype(np.uint8)
    profile_ = tone_profile(icc)
    Y = sum(profile_.lightness_lut(c, 255)[rgb[..., c]] for c in range(3))
    np.testing.assert_allclose(lightness_from_luminance(Y), littlecms_lightness(icc, "RGB", rgb), atol=0.6)
    srgb = tone_profile(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    Y = sum(srgb.lightness_lut(c, 255)[rgb[..., c]] for c in range(3))
    np.testing.assert_allclose(lightness_from_luminance(Y), rgb_to_lab(rgb.astype(np.float32) / 255)[..., 0], atol=0.05)


def test_grey_photos_are_read_through_their_grey_profile(tmp_path):
    linear = grey_profile(gamma_curve(1.0))
    grey = np.full((8, 8), 128, np.uint8)
    Image.fromarray(grey).save(tmp_path / "plain.png")
    Image.fromarray(grey).save(tmp_path / "linear.png", icc_profile=linear)
    Image.fromarray(grey.astype(np.uint16) * 257).save(tmp_path / "linear16.png", icc_profile=linear)
    assert load_image(tmp_path / "plain.png").L[0, 0] == pytest.approx(53.6, abs=0.1)  # sRGB grey 128
    assert load_image(tmp_path / "linear.png").L[0, 0] == pytest.approx(76.2, abs=0.1)  # half the light
    sixteen = load_image(tmp_path / "linear16.png")
    assert sixteen.bits == 16 and sixteen.L[0, 0] == pytest.approx(76.2, abs=0.1)


def test_16_bit_rgb_is_read_through_its_rgb_profile(tmp_path):
    arr = np.full((4, 4, 3), 32768, np.uint16)
    (tmp_path / "linear48.png").write_bytes(encode_png16(arr, icc=rgb_profile(gamma_curve(1.0))))
    image = load_image(tmp_path / "linear48.png")
    assert image.bits == 16 and image.L[0, 0] == pytest.approx(76.1, abs=0.2)


def test_profiles_we_cannot_apply_are_noted_or_ignored(tmp_path):
    grey = np.full((8, 8), 128, np.uint8)
    Image.fromarray(grey).save(tmp_path / "lut.png", icc_profile=profile(b"GRAY", {}))  # no tone curve
    image = load_image(tmp_path / "lut.png")
    assert image.L[0, 0] == pytest.approx(53.6, abs=0.1) and any("ICC profile not applied" in n for n in image.notes)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(grey).save(tmp_path / "rgb_profile_on_grey.jpg", icc_profile=srgb)  # common in the wild
    image = load_image(tmp_path / "rgb_profile_on_grey.jpg")
    assert not any("ICC" in n for n in image.notes)


def test_damaged_profiles_are_not_applied():
    bad_para = b"para\0\0\0\0" + struct.pack(">H", 1) + b"\0\0" + s15(2.2) + s15(0.0) + s15(0.0)  # a = 0
    assert tone_profile(grey_profile(bad_para)) is None
    assert tone_profile(grey_profile(gamma_curve(2.2))[:140]) is None  # cut inside the tag table
    assert tone_profile(b"not a profile" * 20) is None


def test_a_curve_that_gives_no_number_is_not_applied(tmp_path):
    negative_gamma = b"para\0\0\0\0" + struct.pack(">H", 0) + b"\0\0" + s15(-2.0)  # 0 ** -2 is infinite
    Image.fromarray(np.full((8, 8), 128, np.uint8)).save(tmp_path / "bad.png", icc_profile=grey_profile(negative_gamma))
    image = load_image(tmp_path / "bad.png")
    assert image.L[0, 0] == pytest.approx(53.6, abs=0.1) and any("damaged" in n for n in image.notes)


ADOBE_D50 = np.array([[0.6097, 0.2053, 0.1492], [0.3111, 0.6257, 0.0632], [0.0195, 0.0609, 0.7446]])


def wide_profile() -> bytes:  # Adobe RGB (1998)-like: wider primaries, gamma 2.2
    tags = {n: xyz(ADOBE_D50[:, i]) for i, n in enumerate((b"rXYZ", b"gXYZ", b"bXYZ"))}
    return profile(b"RGB ", {**tags, b"rTRC": gamma_curve(2.2), b"gTRC": gamma_curve(2.2), b"bTRC": gamma_curve(2.2)})


def test_16_bit_conversion_into_a_profile_agrees_with_littlecms():
    icc = wide_profile()
    rgb = np.random.default_rng(2).integers(0, 256, (32, 32, 3)).astype(np.uint8)
    src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    theirs = np.asarray(ImageCms.profileToProfile(Image.fromarray(rgb), ImageCms.createProfile("sRGB"), src))
    ours = srgb16_to_profile(rgb.astype(np.uint16) * 257, tone_profile(icc)) / 257
    off = np.abs(ours - theirs)
    assert np.mean(off <= 1) > 0.99  # LittleCMS's 8-bit rounding...
    assert off.max() <= 3  # ...and its precomputed tables, coarse near black where gamma 2.2 is steep
    assert np.abs(ours - rgb).max() > 10  # and the conversion did change the numbers
    sixteen = np.random.default_rng(3).integers(0, 65536, (64, 64, 3)).astype(np.uint16)
    c = sixteen / 65535
    primaries = np.round(ADOBE_D50 * 65536) / 65536  # as the profile stores them
    linear = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92) @ np.linalg.solve(primaries, SRGB_D50).T
    exact = np.clip(linear, 0, 1) ** (256 / 563) * 65535  # the profile's gamma, 563/256, inverted
    assert np.abs(srgb16_to_profile(sixteen, tone_profile(icc)) - exact).max() <= 1  # full 16-bit precision


def test_srgb_profiles_are_recognised_and_others_are_not():
    assert is_srgb(tone_profile(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()))
    assert not is_srgb(tone_profile(wide_profile()))
    assert not is_srgb(tone_profile(rgb_profile(gamma_curve(1.0))))  # sRGB primaries, linear tone


def test_16_bit_results_are_saved_in_the_source_profile(tmp_path):
    linear = rgb_profile(gamma_curve(1.0))
    (tmp_path / "scan.png").write_bytes(encode_png16(np.full((4, 4, 3), 20000, np.uint16), icc=linear))
    source = load_image(tmp_path / "scan.png")
    result = np.zeros((4, 4, 3), np.uint16)
    result[..., 0], result[..., 1], result[..., 2] = 40000, 30000, 20000  # sRGB codes
    save_image(result, tmp_path / "out.png", source)
    assert Image.open(tmp_path / "out.png").info.get("icc_profile") == linear
    saved = decode_png16((tmp_path / "out.png").read_bytes())
    expected = ((np.array([40000, 30000, 20000]) / 65535 + 0.055) / 1.055) ** 2.4 * 65535  # linear light
    np.testing.assert_allclose(saved[0, 0], expected, atol=2)
    again = load_image(tmp_path / "out.png")  # read back through the profile: the result's own L
    assert again.L[0, 0] == pytest.approx(rgb_to_lab(result[:1, :1] / 65535)[0, 0, 0], abs=0.05)
