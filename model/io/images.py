"""Reading photographs as they arrive and writing results without ever losing a file.

Loading yields the lightness L at full resolution (from 8- or 16-bit data, in sRGB after any
embedded ICC profile is applied), the alpha channel if any, and what the output should keep:
bit depth, ICC profile and EXIF. Saving is atomic: a temporary file in the target folder,
then a rename.
"""

from __future__ import annotations

import functools
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import ExifTags, Image, ImageCms, ImageOps

from model.io.atomic import atomic_write_bytes
from model.io.icc import is_srgb, lightness_from_luminance, srgb16_to_profile, tone_profile
from model.io.png16 import decode_png16, encode_png16
from model.lab.color import rgb_to_lab

SAVE_FORMATS = {"png": ".png", "jpg": ".jpg", "tiff": ".tif", "webp": ".webp"}
SUFFIX_FORMAT = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".tif": "tiff", ".tiff": "tiff", ".webp": "webp"}
COLOUR_CHROMA = 6.0  # mean Lab chroma above which an input counts as a colour photo, not a tinted scan
EXIF_ORIENTATION = 0x0112


class ImageLoadError(OSError):
    """A file that cannot be used as a photo; the message names the file and the reason."""


class ImageSaveError(OSError):
    """A result that could not be written; nothing partial is left behind."""


@dataclass
class LoadedImage:
    path: Path
    L: np.ndarray  # (H, W) float32 in [0, 100], upright
    alpha: np.ndarray | None = None  # (H, W) uint8 or uint16
    bits: int = 8
    icc: bytes | None = None
    exif: bytes | None = None
    was_colour: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.L.shape[1], self.L.shape[0]


def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(im: Image.Image, icc: bytes | None, notes: list[str]) -> Image.Image:
    """Apply an embedded RGB or CMYK ICC profile so that the network sees sRGB."""
    if not icc or im.mode not in ("RGB", "CMYK"):
        return im  # grey data: _lightness_from_gray applies grey profiles
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(im, src, _srgb_profile(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError) as e:
        notes.append(f"ICC profile ignored ({e})")
        return im


def _orient(arr: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation to a pixel array, as ImageOps.exif_transpose does to an image."""
    ops = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.swapaxes(0, 1),
        6: lambda a: a[::-1].swapaxes(0, 1),
        7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
        8: lambda a: a[:, ::-1].swapaxes(0, 1),
    }
    return np.ascontiguousarray(ops[orientation](arr)) if orientation in ops else arr


def _lightness_from_rgb(rgb: np.ndarray, maxval: float, luts: list[np.ndarray] | None = None) -> tuple[np.ndarray, float]:
    """L (H, W) float32 and mean chroma, in bands to bound memory on huge scans. With ``luts``
    (per channel, the luminance of each code value through an embedded profile) L comes from
    them; the chroma, which only tells colour from grey, is read as sRGB either way."""
    h = rgb.shape[0]
    L = np.empty(rgb.shape[:2], np.float32)
    chroma_sum = 0.0
    band = max(1, 1_000_000 // max(1, rgb.shape[1]))
    for y in range(0, h, band):
        rows = rgb[y : y + band]
        lab = rgb_to_lab(rows.astype(np.float32) / maxval)
        if luts is None:
            L[y : y + band] = lab[..., 0]
        else:
            L[y : y + band] = lightness_from_luminance(sum(lut[rows[..., c]] for c, lut in enumerate(luts)))
        chroma_sum += float(np.hypot(lab[..., 1], lab[..., 2]).sum())
    return L, chroma_sum / max(1, L.size)


def _profile_luminance(icc: bytes | None, space: str, maxval: int, notes: list[str]) -> list[np.ndarray] | None:
    """Per channel, the luminance of each code value 0..maxval through the embedded grey or RGB
    matrix/TRC profile, which LittleCMS in Pillow cannot apply to grey or 16-bit data; None: read as sRGB."""
    if not icc or icc[16:20].decode("latin-1").strip() != space:
        return None  # no profile, or one for another colour space (grey JPEGs often carry an RGB one)
    profile = tone_profile(icc)
    if profile is None:
        notes.append("ICC profile not applied (not a matrix/TRC profile): read as sRGB")
        return None
    with np.errstate(all="ignore"):
        luts = [profile.lightness_lut(c, maxval) for c in range(len(profile.curves))]
    if not all(np.isfinite(lut).all() for lut in luts):
        notes.append("ICC profile not applied (its tone curve is damaged): read as sRGB")
        return None
    return luts


def _lightness_from_gray(gray: np.ndarray, maxval: int, icc: bytes | None, notes: list[str]) -> np.ndarray:
    """L of grey values through a lookup table (exact for 8 and 16 bit): the profile's tone curve,
    or sRGB's."""
    luts = _profile_luminance(icc, "GRAY", maxval, notes)
    if luts is not None:
        lut = lightness_from_luminance(luts[0])
    else:
        levels = np.arange(maxval + 1, dtype=np.float64) / maxval
        lut = rgb_to_lab(np.repeat(levels[:, None], 3, axis=1))[:, 0].astype(np.float32)
    return lut[gray]


def _read_tiff16(path: Path) -> np.ndarray | None:
    """16-bit TIFF pixels (H, W) or (H, W, C) of the first page via tifffile, which Pillow cannot
    read losslessly. Planar ("per channel") files come as (C, H, W) and are turned pixel-interleaved."""
    import tifffile

    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages[0]
            arr = page.asarray()
            planar = int(page.planarconfig) == 2 and page.samplesperpixel > 1
    except Exception:
        return None
    if planar and arr.ndim == 3:
        arr = np.moveaxis(arr, 0, -1)
    if arr.dtype != np.uint16 or arr.ndim not in (2, 3):
        return None
    return arr


def _gray_by_range(gray: np.ndarray, kind: str, notes: list[str]) -> np.ndarray:
    """Grey data that is not 0..65535 (float, signed, 32-bit) as 0..65535: floats in 0..1 as
    they are meant, anything else stretched from its own darkest to its lightest value."""
    g = np.asarray(gray, dtype=np.float64)
    finite = np.isfinite(g)
    if not finite.any():
        raise ImageLoadError("no finite pixel values")
    lo, hi = float(g[finite].min()), float(g[finite].max())
    if kind == "float" and lo >= 0 and hi <= 1:
        scaled = g
    elif kind == "int" and lo >= 0 and hi <= 65535:
        return np.where(finite, g, 0).astype(np.int64)
    else:
        scaled = (g - lo) / (hi - lo) if hi > lo else np.zeros_like(g)
        notes.append(f"{kind} data from {lo:.4g} to {hi:.4g}: stretched to black..white")
    return (np.where(finite, scaled, 0).clip(0, 1) * 65535 + 0.5).astype(np.int64)


def _read_png16(path: Path, notes: list[str]) -> np.ndarray | None:
    """Colour (or grey + alpha) 16-bit PNG pixels, which Pillow truncates to 8 bits."""
    with open(path, "rb") as f:
        head = f.read(26)
    if len(head) < 26 or head[24] != 16 or head[25] not in (2, 4, 6):  # IHDR bit depth, colour type
        return None
    arr = decode_png16(path.read_bytes())
    if arr is None:
        notes.append("an interlaced 16-bit PNG: read at 8 bits")
    return arr


MAX_ASPECT = 100  # a 100:1 strip is already no photograph; a 2,000,000 x 1 "image" decodes for minutes


def _over_limit() -> str:
    return f"over the decompression-bomb limit of {Image.MAX_IMAGE_PIXELS:,} pixels"


def check_dimensions(name: str, width: int, height: int) -> None:
    """Refuse, from the header alone, sizes that no photograph has: too many pixels (one limit:
    Pillow's, which it only warns about up to twice over) or an absurd aspect ratio."""
    if Image.MAX_IMAGE_PIXELS and width * height > Image.MAX_IMAGE_PIXELS:
        raise ImageLoadError(f"{name}: image too large: {width}x{height} is {width * height:,} pixels, {_over_limit()}")
    if min(width, height) < 1 or max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageLoadError(f"{name}: {width}x{height} pixels is not a photograph (sides differ by more than {MAX_ASPECT}:1)")


def load_image(path: str | os.PathLike) -> LoadedImage:
    """Open any photo upright; raises ImageLoadError naming the file on any failure."""
    path = Path(path)
    notes: list[str] = []
    try:
        if path.stat().st_size == 0:
            raise ImageLoadError(f"{path.name}: empty file (0 bytes)")
        with Image.open(path) as im:
            check_dimensions(path.name, *im.size)  # before anything is decoded
            if getattr(im, "n_frames", 1) > 1:
                notes.append(f"{im.n_frames} frames: the first one is used")
            im.seek(0)
            icc = im.info.get("icc_profile")
            orientation = im.getexif().get(EXIF_ORIENTATION, 1)
            arr16 = _read_tiff16(path) if im.format == "TIFF" and im.mode in ("I;16", "I;16B", "RGB", "RGBA") else None
            if im.format == "PNG":
                arr16 = _read_png16(path, notes)
            im.load()
            upright = ImageOps.exif_transpose(im)
            exif = upright.getexif()
            exif_bytes = None
            if len(exif):
                exif[EXIF_ORIENTATION] = 1  # the output is written upright
                exif_bytes = exif.tobytes()
    except ImageLoadError:
        raise
    except Image.DecompressionBombError as e:  # Pillow refuses at open past twice the limit
        raise ImageLoadError(f"{path.name}: image too large: {_over_limit()}") from e
    except FileNotFoundError as e:
        raise ImageLoadError(f"{path.name}: file not found") from e
    except Exception as e:  # truncated, corrupt or unknown formats raise many types
        raise ImageLoadError(f"{path.name}: cannot read image ({type(e).__name__}: {e})") from e

    alpha = None
    if arr16 is not None:
        bits = 16
        arr16 = _orient(arr16, orientation)
        if arr16.ndim == 3 and arr16.shape[2] in (2, 4):
            alpha, arr16 = arr16[..., -1], arr16[..., :-1]
        if arr16.ndim == 3 and arr16.shape[2] == 1:
            arr16 = arr16[..., 0]
        if arr16.ndim == 2:
            L, chroma = _lightness_from_gray(arr16, 65535, icc, notes), 0.0
        else:
            L, chroma = _lightness_from_rgb(arr16, 65535, _profile_luminance(icc, "RGB", 65535, notes))
    elif upright.mode in ("I;16", "I;16B", "I;16L", "I", "I;16S", "F"):
        bits = 16
        try:
            gray = _gray_by_range(np.asarray(upright), "float" if upright.mode == "F" else "int", notes)
        except ImageLoadError as e:
            raise ImageLoadError(f"{path.name}: cannot read image ({e})") from e
        L, chroma = _lightness_from_gray(gray, 65535, icc, notes), 0.0
    else:
        bits = 8
        mode = upright.mode
        if mode == "P":
            upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
        elif mode == "PA":
            upright = upright.convert("RGBA")
        if upright.mode in ("RGBA", "LA"):
            alpha = np.asarray(upright.getchannel("A"))
        if mode == "CMYK" and not icc:
            notes.append("CMYK converted to RGB without a profile")
        if upright.mode in ("L", "LA", "1"):
            gray = np.asarray(upright.convert("L"))
            L, chroma = _lightness_from_gray(gray, 255, icc, notes), 0.0
        else:
            rgb_im = _to_srgb(upright.convert("CMYK" if mode == "CMYK" else "RGB"), icc, notes).convert("RGB")
            L, chroma = _lightness_from_rgb(np.asarray(rgb_im), 255)
    was_colour = chroma >= COLOUR_CHROMA
    if was_colour:
        notes.append("already a colour photo: recoloured from its lightness")
    return LoadedImage(path, L.astype(np.float32), alpha, bits, icc, exif_bytes, was_colour, notes)


@functools.lru_cache(maxsize=64)
def _is_srgb_icc(icc: bytes) -> bool:
    """Most photos embed one of a few sRGB profiles: skip the conversion, which would only add noise."""
    profile = tone_profile(icc)
    return profile is not None and is_srgb(profile)


def load_rgb(path: str | os.PathLike, draft: int | None = None) -> Image.Image:
    """A colour photo as the truth for training and evaluation: upright 8-bit sRGB (an embedded
    RGB or CMYK profile applied). ``draft``: only about that many pixels a side are needed, so a
    JPEG may be decoded at 1/2..1/8 scale. Raises ImageLoadError naming the file."""
    path = Path(path)
    try:
        with Image.open(path) as im:
            check_dimensions(path.name, *im.size)
            if draft:
                im.draft("RGB", (draft, draft))
            icc = im.info.get("icc_profile")
            upright = ImageOps.exif_transpose(im)
            rgb = upright.convert("CMYK" if upright.mode == "CMYK" else "RGB")
    except ImageLoadError:
        raise
    except Exception as e:  # truncated, corrupt or unknown formats raise many types
        raise ImageLoadError(f"{path}: cannot read image ({type(e).__name__}: {e})") from e
    if icc and not _is_srgb_icc(icc):
        rgb = _to_srgb(rgb, icc, [])
    return rgb.convert("RGB")


# ------------------------------------------------------------------------------------ saving
def to_8bit(pixels: np.ndarray) -> np.ndarray:
    """8-bit values of 8- or 16-bit pixels, rounded to the nearest (65535 -> 255, 32896 -> 128)."""
    if pixels.dtype == np.uint8:
        return pixels
    return ((pixels.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def format_for(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIX_FORMAT:
        raise ValueError(f"{Path(path).name}: unknown output format {suffix!r}; use one of .png .jpg .tif .webp")
    return SUFFIX_FORMAT[suffix]


def _encode(rgb: np.ndarray, alpha: np.ndarray | None, fmt: str, quality: int, icc: bytes | None, exif: bytes | None) -> bytes:
    """Encode an (H, W, 3) uint8/uint16 result; returns the file's bytes."""
    sixteen = rgb.dtype == np.uint16
    if sixteen and fmt in ("jpg", "webp"):  # these formats hold 8 bits only
        rgb, sixteen = to_8bit(rgb), False
    if alpha is not None and fmt != "jpg":
        if sixteen:
            a = alpha.astype(np.uint16) * 257 if alpha.dtype == np.uint8 else alpha
        else:
            a = to_8bit(alpha)
        pixels = np.dstack([rgb, a])
    else:
        pixels = rgb
    if sixteen and fmt == "png":
        return encode_png16(pixels, icc, exif)
    if sixteen and fmt == "tiff":
        import tifffile

        buf = io.BytesIO()
        extratags = [(34675, "B", len(icc), icc, True)] if icc else []
        tifffile.imwrite(
            buf,
            pixels,
            photometric="rgb",
            compression="zlib",
            extrasamples=["unassalpha"] if pixels.shape[2] == 4 else None,
            extratags=extratags,
        )
        return buf.getvalue()
    im = Image.fromarray(pixels)
    buf = io.BytesIO()
    options: dict = {}
    if icc:
        options["icc_profile"] = icc
    if exif and fmt in ("jpg", "png", "webp", "tiff"):
        options["exif"] = exif
    if fmt == "jpg":
        im.save(buf, "JPEG", quality=quality, subsampling=0 if quality >= 90 else 2, **options)
    elif fmt == "png":
        im.save(buf, "PNG", compress_level=6, **options)
    elif fmt == "webp":
        im.save(buf, "WEBP", quality=quality, **options)
    else:
        im.save(buf, "TIFF", compression="tiff_deflate", **options)
    return buf.getvalue()


def output_icc(source: LoadedImage) -> bytes | None:
    """The profile to embed: the source's own if it describes RGB, else sRGB when it had one."""
    if not source.icc:
        return None
    try:
        prof = ImageCms.ImageCmsProfile(io.BytesIO(source.icc))
        if prof.profile.xcolor_space.strip() == "RGB":
            return source.icc
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None
    return _srgb_profile().tobytes()


def _into_profile(rgb: np.ndarray, icc: bytes) -> np.ndarray:
    """sRGB pixels -> the same colours in an RGB profile's space; ValueError where we cannot.
    LittleCMS (in Pillow) converts 8-bit data only; 16-bit goes through the profile's matrix and
    tone curves (model.io.icc), which covers the matrix/TRC profiles scanners write (Adobe RGB,
    ProPhoto, linear)."""
    if rgb.dtype == np.uint8:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return np.asarray(ImageCms.profileToProfile(Image.fromarray(rgb), _srgb_profile(), src, outputMode="RGB"))
    profile = tone_profile(icc)
    if profile is None or profile.space != "RGB":
        raise ValueError("a 16-bit result can go only into a matrix/TRC RGB profile")
    return rgb if is_srgb(profile) else srgb16_to_profile(rgb, profile)


JPEG_EXIF_LIMIT = 65533  # one APP1 segment (Pillow's own check); PNG, TIFF and WebP have no such limit
BULKY_EXIF = ((0x8769, 0x927C, "MakerNote"), (0x8769, 0x9286, "UserComment"), (None, 0x02BC, "XMP"),
              (None, 0x9C9C, "XPComment"), (None, 0x8773, "ICC profile"))  # fmt: skip


def fit_exif(exif: bytes | None, fmt: str, notes: list[str]) -> bytes | None:
    """EXIF that a JPEG can hold: the bulky tags (maker notes, comments, XMP), then any tag over
    1 KB, are dropped until it fits; what was dropped is said in ``notes``."""
    if exif is None or fmt != "jpg" or len(exif) <= JPEG_EXIF_LIMIT:
        return exif
    size = f"{len(exif) / 1024:.0f} KB"
    try:
        e = Image.Exif()
        e.load(exif)
        dropped = []
        for ifd_tag, tag, name in BULKY_EXIF:
            ifd = e.get_ifd(ifd_tag) if ifd_tag else e
            if tag in ifd:
                del ifd[tag]
                dropped.append(name)
        data = e.tobytes()
        for tag in list(e):
            if len(data) <= JPEG_EXIF_LIMIT:
                break
            if len(repr(e[tag])) > 1024:
                del e[tag]
                dropped.append(ExifTags.TAGS.get(tag, f"tag 0x{tag:04x}"))
                data = e.tobytes()
    except Exception:  # a damaged block: nothing of it can be kept reliably
        data, dropped = b"", []
    if dropped and len(data) <= JPEG_EXIF_LIMIT:
        notes.append(f"EXIF ({size}) too long for JPEG: dropped {', '.join(dropped)}, kept the rest")
        return data
    notes.append(f"EXIF ({size}) too long for JPEG: left out")
    return None


def save_image(
    rgb: np.ndarray,
    path: str | os.PathLike,
    source: LoadedImage | None = None,
    quality: int = 92,
    overwrite_source: bool = False,
    fmt: str | None = None,
    notes: list[str] | None = None,
) -> Path:
    """Save a result (H, W, 3) in sRGB, keeping the source's alpha, ICC profile and EXIF (what of
    it the format can hold; ``notes`` gets what could not be kept)."""
    path = Path(path)
    fmt = fmt or format_for(path)
    if source is not None and not overwrite_source and path.exists() and path.resolve() == source.path.resolve():
        raise ImageSaveError(f"{path.name}: refusing to overwrite the original photo")
    icc = output_icc(source) if source else None
    if icc and source and source.icc == icc:
        # The result is sRGB; bring it into the source's RGB space so that the embedded profile is
        # true. Where that cannot be done, the result is labelled sRGB instead.
        try:
            rgb = _into_profile(rgb, icc)
        except (ImageCms.PyCMSError, OSError, ValueError):
            icc = _srgb_profile().tobytes()
    exif = fit_exif(source.exif if source else None, fmt, [] if notes is None else notes)
    data = _encode(rgb, source.alpha if source else None, fmt, quality, icc, exif)
    if not path.parent.is_dir():
        raise ImageSaveError(f"{path.parent}: output folder does not exist")
    try:
        atomic_write_bytes(data, path)
    except OSError as e:
        raise ImageSaveError(f"{path.name}: cannot write ({e.strerror or e})") from e
    return path
