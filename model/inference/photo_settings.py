"""Per-photo settings kept between sessions: temperature, adjustments, chosen modes and hints.

They live in Colorizer's own store, one small JSON file per photo named by the SHA-256 of the
photo's bytes, never beside or inside the photo: archives are often read-only or shared, a
sidecar clutters a photographer's folders, and a content key follows the photo through renames
and moves (an edited photo is a new photo, whose old settings would not fit it anyway). The app,
Export Folder and ``colorize`` all read the same store.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from model.errors import UserError
from model.inference.hints import Hint, check_inside, parse_hints
from model.io.atomic import atomic_write_bytes
from model.lab.bins import Q
from model.lab.look import Look
from model.nets.weights import check_temperature

FORMAT = "colorizer-photo-settings/1"


def settings_dir() -> Path:
    """$COLORIZER_SETTINGS_DIR, else $XDG_DATA_HOME/colorizer/photos (~/.local/share/...)."""
    if os.environ.get("COLORIZER_SETTINGS_DIR"):
        return Path(os.environ["COLORIZER_SETTINGS_DIR"])
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return data / "colorizer" / "photos"


def photo_key(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class PhotoSettings:
    temperature: float | None = None
    look: Look = field(default_factory=Look)
    modes: list[tuple[float, float, int]] = field(default_factory=list)  # (x, y, bin) as chosen
    hints: list[Hint] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.temperature is None and self.look.is_identity and not self.modes and not self.hints

    def to_json(self) -> dict:
        return {"format": FORMAT, "temperature": self.temperature,
                "look": asdict(self.look),
                "modes": [list(m) for m in self.modes], "hints": [h.to_json() for h in self.hints]}  # fmt: skip

    @classmethod
    def from_json(cls, obj) -> PhotoSettings:
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise UserError("not a photo settings file")
        T = obj.get("temperature")
        look = obj.get("look") or {}
        modes = obj.get("modes") or []
        if not isinstance(look, dict) or not isinstance(modes, list):
            raise UserError("damaged photo settings")
        try:
            parsed_modes = [(float(x), float(y), int(q)) for x, y, q in modes]
        except (TypeError, ValueError) as e:
            raise UserError("damaged photo settings (modes)") from e
        return cls(None if T is None else check_temperature(T, "the saved temperature"),
                   Look(**{f.name: float(look[f.name]) for f in fields(Look) if f.name in look}),
                   parsed_modes, parse_hints({"hints": obj.get("hints") or []}))  # fmt: skip


class SettingsStore:
    def __init__(self, folder: str | os.PathLike | None = None):
        self.folder = Path(folder) if folder is not None else settings_dir()

    def file_for(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def load(self, key: str) -> PhotoSettings | None:
        """The photo's settings, or None (none saved, or a damaged file, which is then ignored)."""
        try:
            return PhotoSettings.from_json(json.loads(self.file_for(key).read_text(encoding="utf-8")))
        except (OSError, ValueError, UserError, TypeError):
            return None

    def save(self, key: str, settings: PhotoSettings) -> None:
        """Keep (or, when empty, forget) a photo's settings; raises OSError if the store cannot be written."""
        target = self.file_for(key)
        if settings.is_empty:
            target.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(json.dumps(settings.to_json(), indent=1).encode(), target)

    def is_empty(self) -> bool:
        """Nothing kept yet (a batch then need not hash its photos to look them up)."""
        return not self.folder.is_dir() or next(self.folder.glob("*.json"), None) is None

    def has(self, key: str) -> bool:
        return self.file_for(key).exists()


def apply_settings(colorizer, pred, settings: PhotoSettings, image_size: tuple[int, int]) -> list[str]:
    """Put a photo's saved look, mode choices and hints on its prediction (the temperature is the
    caller's to use); returns notes on what did not fit this photo and was left out."""
    notes = []
    pred.look = settings.look
    w, h = image_size
    for x, y, q in settings.modes:
        if 0 <= x < w and 0 <= y < h and 0 <= q < Q:
            colorizer.choose_mode(pred, x, y, q)
        else:
            notes.append(f"a saved mode choice at ({x:g}, {y:g}) does not fit this photo")
    try:
        check_inside(settings.hints, image_size)
        pred.hints[:] = settings.hints
    except UserError as e:
        notes.append(f"saved hints left out: {e}")
    return notes
