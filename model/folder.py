"""The photos of a folder in the order a file manager shows them, for stepping through scans."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .batch import INPUT_SUFFIXES


def natural_key(name: str) -> list:
    """'scan2' sorts before 'scan10', case aside."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name.casefold())]


def photos_in(folder: str | os.PathLike) -> list[Path]:
    """Photo files of a folder (not its subfolders), hidden files skipped, in natural order."""
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return []
    photos = [p for p in entries if p.suffix.lower() in INPUT_SUFFIXES and not p.name.startswith(".") and p.is_file()]
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
