import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from model.io.images import ImageLoadError, load_image
from model.io.png16 import decode_png16, encode_png16


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def png_with_every_filter(arr: np.ndarray, interlace: int = 0) -> bytes:
    """A 16-bit PNG whose rows cycle through the five filters, as adaptive encoders mix them.
    Written from the spec, independently of the decoder under test."""
    h, w, c = arr.shape
    bpp = 2 * c
    x = arr.astype(">u2").view(np.uint8).reshape(h, w * bpp).astype(np.int32)
    a = np.pad(x, ((0, 0), (bpp, 0)))[:, :-bpp]  # left neighbour, 0 off the edge
    b = np.pad(x, ((1, 0), (0, 0)))[:-1]  # the byte above
    c_ = np.pad(b, ((0, 0), (bpp, 0)))[:, :-bpp]  # above-left
    predictors = [np.zeros_like(x), a, b, (a + b) // 2, paeth(a, b, c_)]
    filters = np.arange(h) % 5
    rows = [np.concatenate([[f], (x[i] - predictors[f][i]) % 256]) for i, f in enumerate(filters)]
    return png_from_rows(np.stack(rows).astype(np.uint8), w, c, interlace)


def png_from_rows(rows: np.ndarray, w: int, c: int, interlace: int = 0) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ctype = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    ihdr = struct.pack(">IIBBBBB", w, len(rows), 16, ctype, 0, 0, interlace)
    idat = chunk(b"IDAT", zlib.compress(rows.tobytes()))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b"")


@pytest.mark.parametrize("channels", [2, 3, 4])
def test_every_filter_decodes_losslessly(channels):
    arr = np.random.default_rng(channels).integers(0, 65536, (23, 17, channels)).astype(np.uint16)
    arr[5:9] = arr[5:9] // 7  # smooth and noisy stretches give Paeth all three of its choices
    np.testing.assert_array_equal(decode_png16(png_with_every_filter(arr)), arr)
    few = np.random.default_rng(channels).integers(0, 4, (23, 17, channels)).astype(np.uint16) * 257
    np.testing.assert_array_equal(decode_png16(png_with_every_filter(few)), few)  # Paeth's ties


def test_the_test_writer_agrees_with_pillow(tmp_path):
    # Pillow decodes these files too, at 8 bits: its high bytes must match ours.
    arr = np.random.default_rng(0).integers(0, 65536, (20, 30, 3)).astype(np.uint16)
    (tmp_path / "rgb48.png").write_bytes(png_with_every_filter(arr))
    with Image.open(tmp_path / "rgb48.png") as im:
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), (arr >> 8).astype(np.uint8))


def test_our_writer_round_trips():
    arr = np.random.default_rng(1).integers(0, 65536, (9, 11, 4)).astype(np.uint16)
    np.testing.assert_array_equal(decode_png16(encode_png16(arr)), arr)


def test_load_image_keeps_all_16_bits_of_a_48_bit_png(tmp_path):
    # Two photos that differ only in their low bytes: an 8-bit reader could not tell them apart.
    base = np.random.default_rng(2).integers(0, 256, (16, 24, 3)).astype(np.uint16) * 256
    for name, low in (("low0.png", 0), ("low255.png", 255)):
        (tmp_path / name).write_bytes(png_with_every_filter(base + low))
    a, b = load_image(tmp_path / "low0.png"), load_image(tmp_path / "low255.png")
    assert a.bits == b.bits == 16
    assert (b.L > a.L).all()


def test_alpha_of_a_64_bit_png_comes_through(tmp_path):
    arr = np.random.default_rng(3).integers(0, 65536, (8, 8, 4)).astype(np.uint16)
    (tmp_path / "rgba64.png").write_bytes(png_with_every_filter(arr))
    np.testing.assert_array_equal(load_image(tmp_path / "rgba64.png").alpha, arr[..., 3])


def test_damaged_16_bit_png_gets_a_clear_message(tmp_path):
    data = png_with_every_filter(np.zeros((30, 30, 3), np.uint16) + 999)
    idat = data.index(b"IDAT")
    (tmp_path / "cut.png").write_bytes(data[: idat + 30])
    with pytest.raises(ImageLoadError, match="cut.png"):
        load_image(tmp_path / "cut.png")
    rows = np.zeros((2, 1 + 2 * 6), np.uint8)
    rows[1, 0] = 7
    with pytest.raises(ValueError, match="unknown filter"):
        decode_png16(png_from_rows(rows, 2, 3))


def test_interlaced_and_8_bit_pngs_are_left_to_pillow():
    assert decode_png16(png_with_every_filter(np.zeros((4, 4, 3), np.uint16), interlace=1)) is None
    assert decode_png16(b"not a png") is None
