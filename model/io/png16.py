"""16-bit colour PNG, both ways: Pillow reads and writes only grey PNGs at 16 bits (RGB and
grey+alpha come back as 8 bits), and archivists' scans are often 48-bit.

Only what a photo needs: non-interlaced files of bit depth 16; anything else is left to Pillow.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # PNG colour type -> samples per pixel


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png16(arr: np.ndarray, icc: bytes | None = None, exif: bytes | None = None) -> bytes:
    """(H, W, C) uint16, C in 1..4 -> PNG bytes: Sub-filtered rows, zlib, with the ICC profile
    (iCCP) and EXIF (eXIf) chunks."""
    h, w, c = arr.shape
    color_type = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    raw = arr.astype(">u2").reshape(h, w * c).view(np.uint8).reshape(h, w * c * 2)
    bpp = 2 * c
    sub = raw.copy()
    sub[:, bpp:] = raw[:, bpp:] - raw[:, :-bpp]  # uint8 arithmetic wraps mod 256 as PNG wants
    rows = np.concatenate([np.ones((h, 1), np.uint8), sub], axis=1)
    header = struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0)
    meta = b""
    if icc:
        meta += _chunk(b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc))
    if exif:
        meta += _chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif)
    idat = _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
    return SIGNATURE + _chunk(b"IHDR", header) + meta + idat + _chunk(b"IEND", b"")


def _chunks(data: bytes):
    pos = len(SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        yield kind, data[pos + 8 : pos + 8 + length]
        pos += 12 + length


def unfilter(filtered: np.ndarray, filters: np.ndarray) -> np.ndarray:
    """Undo PNG's per-row filters. filtered (H, W, bpp) uint8, filters (H,) in 0..4.

    A byte depends on its left, upper and upper-left neighbours (Average and Paeth), so the
    rows cannot be undone one at a time in numpy; every anti-diagonal of pixels can, because
    its pixels only depend on earlier anti-diagonals: H + W - 1 vectorised steps.
    """
    h, w, _ = filtered.shape
    out = np.zeros((h + 1, w + 1, filtered.shape[2]), np.uint8)  # a zero row and column for the borders
    f = filters.astype(np.int16)
    for d in range(h + w - 1):
        i = np.arange(max(0, d - w + 1), min(h, d + 1))
        j = d - i
        a, b, c = (out[i + 1, j].astype(np.int16), out[i, j + 1].astype(np.int16), out[i, j].astype(np.int16))
        fi = f[i][:, None]
        pa, pb, pc = np.abs(b - c), np.abs(a - c), np.abs(a + b - 2 * c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        pred = np.select([fi == 1, fi == 2, fi == 3, fi == 4], [a, b, (a + b) >> 1, paeth], 0)
        out[i + 1, j + 1] = (filtered[i, j] + pred) & 255
    return out[1:, 1:]


def decode_png16(data: bytes) -> np.ndarray | None:
    """PNG bytes -> (H, W, C) uint16 for a non-interlaced 16-bit file, else None.
    Raises ValueError on a damaged one."""
    if not data.startswith(SIGNATURE):
        return None
    header, idat = None, []
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body[:13])
        elif kind == b"IDAT":
            idat.append(body)
    if header is None:
        raise ValueError("PNG without a header")
    w, h, depth, color_type, _, _, interlace = header
    if depth != 16 or interlace != 0 or color_type not in CHANNELS:
        return None
    c = CHANNELS[color_type]
    bpp = 2 * c
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise ValueError(f"damaged PNG data ({e})") from e
    if len(raw) < h * (1 + w * bpp):
        raise ValueError("truncated PNG data")
    rows = np.frombuffer(raw, np.uint8, h * (1 + w * bpp)).reshape(h, 1 + w * bpp)
    if rows[:, 0].max(initial=0) > 4:
        raise ValueError("PNG row with an unknown filter")
    pixels = np.ascontiguousarray(unfilter(rows[:, 1:].reshape(h, w, bpp), rows[:, 0]))
    return pixels.view(">u2").reshape(h, w, c).astype(np.uint16)
