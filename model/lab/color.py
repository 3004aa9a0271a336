"""sRGB <-> CIE Lab (D65, 2 degree observer), for numpy and torch.

Constants follow scikit-image so that results agree with ``skimage.color`` to 1e-3.
numpy functions take channels-last arrays (..., 3) like skimage; torch functions take
channels-first tensors (..., 3, H, W), as networks do, on any device.
"""

from __future__ import annotations

import numpy as np
import torch

XYZ_FROM_RGB = np.array([[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]])
RGB_FROM_XYZ = np.linalg.inv(XYZ_FROM_RGB)
WHITE_D65 = np.array([0.95047, 1.0, 1.08883])

_EPS = 0.008856  # (6/29)^3: where the Lab cube root becomes linear
_KAPPA = 7.787
_F_EPS = 0.2068966  # 6/29, the same threshold on the f side


# ---------------------------------------------------------------- numpy, channels last
def srgb_to_linear(c):
    return np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)


def _linear_to_srgb_np(c):
    c = np.maximum(c, 0)
    return np.where(c > 0.0031308, 1.055 * np.power(c, 1 / 2.4) - 0.055, 12.92 * c)


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in [0, 1], shape (..., 3) -> Lab, L in [0, 100]."""
    rgb = np.asarray(rgb, dtype=np.float64)
    xyz = srgb_to_linear(rgb) @ XYZ_FROM_RGB.T / WHITE_D65
    f = np.where(xyz > _EPS, np.cbrt(xyz), _KAPPA * xyz + 16 / 116)
    L = 116 * f[..., 1] - 16
    a = 500 * (f[..., 0] - f[..., 1])
    b = 200 * (f[..., 1] - f[..., 2])
    return np.stack([L, a, b], axis=-1)


def lab_to_rgb(lab: np.ndarray) -> np.ndarray:
    """Lab, shape (..., 3) -> sRGB in [0, 1] (out-of-gamut colours clipped)."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16) / 116
    fx = fy + lab[..., 1] / 500
    fz = np.maximum(fy - lab[..., 2] / 200, 0)
    f = np.stack([fx, fy, fz], axis=-1)
    xyz = np.where(f > _F_EPS, f**3, (f - 16 / 116) / _KAPPA) * WHITE_D65
    return np.clip(_linear_to_srgb_np(xyz @ RGB_FROM_XYZ.T), 0, 1)


# The lightness of each 8-bit sRGB grey, darkest first: what an 8-bit photo's L can take.
GREY_LEVEL_L = rgb_to_lab(np.repeat(np.arange(256) / 255.0, 3).reshape(256, 3))[:, 0].astype(np.float32)
_L_STEP = 0.01  # the lookup's resolution in L: exact for 8-bit greys, whose L lie >= 0.13 from a midpoint
_MIDPOINTS = (GREY_LEVEL_L[1:] + GREY_LEVEL_L[:-1]) / 2
_GREY_LEVEL_OF = np.searchsorted(_MIDPOINTS, np.arange(0, 100 + _L_STEP / 2, _L_STEP)).astype(np.uint8)


def nearest_grey_level(L: np.ndarray) -> np.ndarray:
    """The 8-bit sRGB grey (uint8) whose lightness is nearest to each L (to within 0.005),
    through a lookup table, in bands to bound memory."""
    L = np.asarray(L, dtype=np.float32)
    out = np.empty(L.shape, np.uint8)
    flat, dst = L.reshape(-1), out.reshape(-1)
    band = 1 << 20
    for i in range(0, flat.size, band):
        index = flat[i : i + band] * (1 / _L_STEP) + 0.5
        np.clip(index, 0, len(_GREY_LEVEL_OF) - 1, out=index)
        dst[i : i + band] = _GREY_LEVEL_OF[index.astype(np.int32)]
    return out


# ---------------------------------------------------------------- torch, channels first
def _mix(m: np.ndarray, x: torch.Tensor) -> torch.Tensor:
    """Apply a 3x3 matrix over the channel dimension (-3)."""
    mt = torch.as_tensor(m, dtype=x.dtype, device=x.device)
    return torch.einsum("ij,...jhw->...ihw", mt, x)


def rgb_to_lab_torch(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1], shape (..., 3, H, W) -> Lab of the same shape."""
    lin = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055).pow(2.4), rgb / 12.92)
    white = torch.as_tensor(WHITE_D65, dtype=rgb.dtype, device=rgb.device).view(3, 1, 1)
    xyz = _mix(XYZ_FROM_RGB, lin) / white
    f = torch.where(xyz > _EPS, xyz.clamp_min(_EPS).pow(1 / 3), _KAPPA * xyz + 16 / 116)
    fx, fy, fz = f.unbind(-3)
    return torch.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], dim=-3)


def lab_to_rgb_torch(lab: torch.Tensor) -> torch.Tensor:
    """Lab, shape (..., 3, H, W) -> sRGB in [0, 1] (clipped)."""
    L, a, b = lab.unbind(-3)
    fy = (L + 16) / 116
    f = torch.stack([fy + a / 500, fy, (fy - b / 200).clamp_min(0)], dim=-3)
    white = torch.as_tensor(WHITE_D65, dtype=lab.dtype, device=lab.device).view(3, 1, 1)
    xyz = torch.where(f > _F_EPS, f**3, (f - 16 / 116) / _KAPPA) * white
    lin = _mix(RGB_FROM_XYZ, xyz).clamp_min(0)
    srgb = torch.where(lin > 0.0031308, 1.055 * lin.clamp_min(0.0031308).pow(1 / 2.4) - 0.055, 12.92 * lin)
    return srgb.clamp(0, 1)


def lightness_to_gray_torch(L: torch.Tensor) -> torch.Tensor:
    """L in [0, 100] -> the sRGB grey value in [0, 1] that has that lightness (a = b = 0)."""
    fy = (L + 16) / 116
    y = torch.where(fy > _F_EPS, fy**3, (fy - 16 / 116) / _KAPPA)
    y = y.clamp_min(0)
    return torch.where(y > 0.0031308, 1.055 * y.clamp_min(0.0031308).pow(1 / 2.4) - 0.055, 12.92 * y).clamp(0, 1)


def round_to_grey_levels_torch(L: torch.Tensor) -> torch.Tensor:
    """Each L replaced by the lightness of the nearest 8-bit sRGB grey, as the app's input is made:
    the L of a colour pixel lies between those levels by an amount that depends on its colour."""
    levels = torch.as_tensor(GREY_LEVEL_L, device=L.device, dtype=L.dtype)
    return levels[torch.bucketize(L.contiguous(), torch.as_tensor(_MIDPOINTS, device=L.device, dtype=L.dtype))]


def gray_from_lightness(L: np.ndarray) -> np.ndarray:
    """sRGB grey (uint8) with the given lightness, for showing the original."""
    return (lightness_to_gray_torch(torch.from_numpy(L)) * 255 + 0.5).to(torch.uint8).numpy()
