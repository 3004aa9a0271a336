"""Lightness through an embedded matrix/TRC ICC profile, and 16-bit results back into it, for
what Pillow's LittleCMS cannot transform: grey images and 16-bit data. Grey scans often carry a
grey profile whose tone curve is far from sRGB's (a press "dot gain" curve, say); reading them
as sRGB grey would shift every tone of the result.

Only the profile's tone curves (kTRC, or rTRC/gTRC/bTRC) and, for RGB, its primaries
(rXYZ/gXYZ/bXYZ) are used: enough for L, which depends on luminance alone, and for a relative
colorimetric transform from sRGB. LUT-based profiles are not handled (None), and the caller
keeps reading the data as sRGB.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from model.lab.color import srgb_to_linear

# sRGB primaries adapted to the ICC's D50 (columns R, G, B; rows X, Y, Z), as sRGB profiles hold them,
# and the D65 luminance row that model.lab.color uses: they map a profile's linear RGB to our L.
SRGB_D50 = np.array([[0.4361, 0.3851, 0.1431], [0.2225, 0.7169, 0.0606], [0.0139, 0.0971, 0.7141]])
SRGB_Y_D65 = np.array([0.2126, 0.7152, 0.0722])


@dataclass
class ToneProfile:
    space: str  # "GRAY" or "RGB"
    curves: list  # per channel: a function of an array in [0, 1] -> linear light
    luminance: np.ndarray  # per channel: weight of its linear value in our (sRGB, D65) luminance
    to_xyz: np.ndarray | None = None  # RGB: linear RGB -> D50 XYZ (columns: the primaries)

    def lightness_lut(self, channel: int, maxval: int) -> np.ndarray:
        """L contribution table: luminance share of each code value 0..maxval of one channel."""
        return self.luminance[channel] * self.curves[channel](np.arange(maxval + 1, dtype=np.float64) / maxval)


def _s15(b: bytes) -> float:
    return struct.unpack(">i", b)[0] / 65536.0


def _curve(data: bytes):
    kind = data[:4]
    if kind == b"curv":
        (n,) = struct.unpack(">I", data[8:12])
        if n == 0:
            return lambda x: x
        if n == 1:
            gamma = struct.unpack(">H", data[12:14])[0] / 256.0
            return lambda x: np.power(x, gamma)
        table = np.frombuffer(data[12 : 12 + 2 * n], ">u2").astype(np.float64) / 65535.0
        if len(table) != n:
            raise ValueError("short curve")
        return lambda x: np.interp(x, np.linspace(0, 1, n), table)
    if kind == b"para":
        (ftype,) = struct.unpack(">H", data[8:10])
        count = {0: 1, 1: 3, 2: 4, 3: 5, 4: 7}[ftype]
        g, a, b, c, d, e, f = ([_s15(data[12 + 4 * i : 16 + 4 * i]) for i in range(count)] + [0.0] * 7)[:7]
        if ftype == 0:
            return lambda x: np.power(x, g)
        if ftype in (1, 2):
            offset = c if ftype == 2 else 0.0
            start = -b / a
            return lambda x: np.where(x >= start, np.power(np.maximum(a * x + b, 0), g) + offset, offset)
        if ftype == 3:
            return lambda x: np.where(x >= d, np.power(np.maximum(a * x + b, 0), g), c * x)
        return lambda x: np.where(x >= d, np.power(np.maximum(a * x + b, 0), g) + e, c * x + f)
    raise ValueError(f"unknown curve type {kind!r}")


def tone_profile(icc: bytes | None) -> ToneProfile | None:
    """The tone curves and luminance weights of a grey or RGB matrix/TRC profile, else None."""
    if not icc or len(icc) < 132:
        return None
    try:
        space = icc[16:20].decode("ascii").strip()
        (count,) = struct.unpack(">I", icc[128:132])
        tags = {}
        for i in range(count):
            sig, off, size = struct.unpack(">4sII", icc[132 + 12 * i : 144 + 12 * i])
            tags[sig] = icc[off : off + size]
        if space == "GRAY" and b"kTRC" in tags:
            return ToneProfile("GRAY", [_curve(tags[b"kTRC"])], np.array([1.0]))
        names = (b"rTRC", b"gTRC", b"bTRC", b"rXYZ", b"gXYZ", b"bXYZ")
        if space == "RGB" and all(n in tags for n in names):
            primaries = np.array([[_s15(tags[n][8 + 4 * k : 12 + 4 * k]) for k in range(3)] for n in names[3:]]).T
            weights = SRGB_Y_D65 @ np.linalg.solve(SRGB_D50, primaries)  # profile RGB -> XYZ -> sRGB -> our Y
            return ToneProfile("RGB", [_curve(tags[n]) for n in names[:3]], weights, primaries)
    except (ValueError, KeyError, ZeroDivisionError, struct.error, UnicodeDecodeError, np.linalg.LinAlgError):
        return None
    return None


def lightness_from_luminance(Y: np.ndarray) -> np.ndarray:
    """CIE L* of relative luminance (white = 1), float32."""
    t = np.clip(Y, 0, 1)
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return (116 * f - 16).astype(np.float32)


def is_srgb(profile: ToneProfile) -> bool:
    """An RGB profile that is sRGB up to rounding: converting into it would only add noise."""
    x = np.linspace(0, 1, 1024)
    return (
        profile.to_xyz is not None
        and np.allclose(profile.to_xyz, SRGB_D50, atol=2e-3)
        and all(np.allclose(curve(x), srgb_to_linear(x), atol=2e-4) for curve in profile.curves)
    )


def srgb16_to_profile(rgb: np.ndarray, profile: ToneProfile) -> np.ndarray:
    """16-bit sRGB (H, W, 3) -> the same colours in an RGB matrix/TRC profile's space, 16-bit
    (relative colorimetric; colours outside its gamut are clipped). Row blocks bound the memory."""
    to_profile = np.linalg.solve(profile.to_xyz, SRGB_D50).T.astype(np.float32)
    decode = srgb_to_linear(np.arange(65536) / 65535).astype(np.float32)
    # Each tone curve is inverted once into a table indexed by sqrt(linear light): fine near black,
    # where gamma curves are steep, and a lookup per pixel instead of a search.
    steps = 1 << 18
    linear_at = (np.arange(steps + 1) / steps) ** 2
    codes = np.linspace(0, 1, 65536)
    tables = []
    for curve in profile.curves:
        light = np.maximum.accumulate(curve(codes))  # monotone, so interpolation inverts it
        tables.append(np.rint(np.interp(linear_at, light, codes) * 65535).astype(np.uint16))
    out = np.empty(rgb.shape, np.uint16)
    rows = max(1, 1_000_000 // max(1, rgb.shape[1]))
    for top in range(0, rgb.shape[0], rows):
        linear = decode[rgb[top : top + rows]] @ to_profile
        index = np.rint(np.sqrt(np.clip(linear, 0, 1)) * steps).astype(np.int32)
        for c in range(3):
            out[top : top + rows, :, c] = tables[c][index[..., c]]
    return out
