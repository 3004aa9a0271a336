import io
import struct

import numpy as np
import pytest
from PIL import Image, ImageCms

from model.color import rgb_to_lab
from model.icc import SRGB_D50, lightness_from_luminance, tone_profile
from model.imageio import load_image
from model.png16 import encode_png16


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
