"""Which files are photos, and the photos of folders: sorted trees for training and evaluation,
one folder in the order a file manager shows it for stepping through scans. No torch here:
listing a folder must stay cheap."""

from __future__ import annotations

import os
import re
from pathlib import Path

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp", ".gif"})
# Photo formats that people keep in their folders and that we cannot read: said, not passed over.
UNSUPPORTED_SUFFIXES = {".avif": "AVIF", ".heic": "HEIC", ".heif": "HEIF", ".jxl": "JPEG XL", ".dng": "DNG raw",
                        ".cr2": "Canon raw", ".nef": "Nikon raw", ".arw": "Sony raw", ".psd": "Photoshop"}  # fmt: skip


def is_photo_name(path: Path) -> bool:
    return path.suffix.lower() in PHOTO_SUFFIXES


def list_images(root: str | os.PathLike, recursive: bool = True) -> list[Path]:
    """The photo files under ``root`` (its subfolders too, unless ``recursive`` is off), sorted."""
    root = Path(root)
    pattern = root.rglob("*") if recursive else root.glob("*")
    return sorted(p for p in pattern if is_photo_name(p) and p.is_file())


def list_many(roots: list[str | os.PathLike]) -> list[Path]:
    """The photos of several folders, each folder's in sorted order."""
    return [f for root in roots for f in list_images(root)]


def natural_key(name: str) -> list:
    """'scan2' sorts before 'scan10', case aside."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name.casefold())]


def photos_in(folder: str | os.PathLike) -> list[Path]:
    """Photo files of a folder (not its subfolders), hidden files skipped, in natural order."""
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    photos = [p for p in entries if is_photo_name(p) and not p.name.startswith(".") and p.is_file()]
    return sorted(photos, key=lambda p: natural_key(p.name))


def neighbour_photo(path: str | os.PathLike, step: int) -> Path | None:
    """The photo ``step`` places after ``path`` in its folder (before, if negative); None past either end.
    ``path`` itself need not be there any more: the order tells where it was."""
    path = Path(path)
    photos = photos_in(path.parent)
    keys = [natural_key(p.name) for p in photos]
    here = natural_key(path.name)
    if path in photos:
        i = photos.index(path) + step
    else:  # removed or renamed meanwhile: count from where it would sort
        i = sum(k < here for k in keys) + (step - 1 if step > 0 else step)
    return photos[i] if 0 <= i < len(photos) else None
