"""The state of one open photo, as the app edits it: plain Python over the pipeline, so that
the GUI stays a thin layer and tests can drive every action without Qt."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from model.inference.hints import DEFAULT_RADIUS, Hint, check_inside
from model.inference.photo_settings import PhotoSettings, apply_settings
from model.inference.pipeline import Colorizer, ModeEdit, PixelReport, Prediction, lightness_index
from model.io.images import ImageSaveError, LoadedImage, save_image, to_8bit
from model.lab.color import gray_from_lightness
from model.lab.look import Look

PREVIEW_MAX_PIXELS = 2_000_000  # the on-screen preview: about a 1920x1080 screen's worth


@dataclass
class View:
    """The photo at preview size, computed once per photo."""

    L: np.ndarray  # (h, w) float32
    L_index: np.ndarray  # lookup-table offsets for the preview
    gray8: np.ndarray  # (h, w) uint8, the original as shown


def preview_size(width: int, height: int, max_pixels: int = PREVIEW_MAX_PIXELS) -> tuple[int, int]:
    scale = min(1.0, (max_pixels / (width * height)) ** 0.5)
    return max(1, round(width * scale)), max(1, round(height * scale))


def side_by_side(before: np.ndarray, after: np.ndarray, gap: float = 0.01) -> np.ndarray:
    """Grey photo (H, W) uint8 and its colourisation (H, W, 3), uint8 or uint16, as one 8-bit
    sRGB image with a white gap of ``gap`` of the width between them: for showing what was done."""
    after = to_8bit(after)
    h, w = before.shape
    g = max(2, round(w * gap))
    out = np.full((h, 2 * w + g, 3), 255, np.uint8)
    out[:, :w] = before[..., None]
    out[:, w + g :] = after
    return out


class Session:
    def __init__(self, colorizer: Colorizer, image: LoadedImage, pred: Prediction, temperature: float | None = None):
        self.colorizer = colorizer
        self.image = image
        self.pred = pred
        self.temperature = colorizer.default_T if temperature is None else temperature
        self.point: tuple[int, int] | None = None
        self.undo_stack: list[tuple] = []  # (modes, hints, look, temperature) before each edit
        self.redo_stack: list[tuple] = []
        w, h = preview_size(*image.size)
        L_small = np.array(Image.fromarray(image.L).resize((w, h), Image.BILINEAR)) if (w, h) != image.size else image.L
        self.view = View(L_small, lightness_index(L_small), gray_from_lightness(L_small))
        self.last_decode_seconds = 0.0
        self.key: str | None = None  # the photo's content key, where its settings are kept
        self._uncertainty: np.ndarray | None = None

    # ------------------------------------------------------------------ rendering
    def preview(self, temperature: float | None = None) -> np.ndarray:
        """RGBX (h, w, 4) at preview size for the current temperature (no network run)."""
        if temperature is not None:
            self.temperature = temperature
        t0 = time.perf_counter()
        out = self.colorizer.preview(self.pred, self.view.L_index, self.temperature)
        self.last_decode_seconds = time.perf_counter() - t0
        return out

    def uncertainty(self) -> np.ndarray:
        """Per-pixel entropy at preview size, normalised to 0..1 (1 = no idea at all). It does not
        depend on the temperature, so it is computed once."""
        if self._uncertainty is None:
            ent = torch.from_numpy(self.colorizer.entropy_map(self.pred) / np.log(313))
            h, w = self.view.L.shape
            up = F.interpolate(ent[None, None].float(), size=(h, w), mode="bilinear", align_corners=False)
            self._uncertainty = up[0, 0].clamp(0, 1).numpy()
        return self._uncertainty

    def full_resolution(self) -> np.ndarray:
        return self.colorizer.compose(self.pred, self.image.L, self.temperature, bits=self.image.bits)

    def save(self, path, quality: int = 92, overwrite_source: bool = False) -> Path:
        return save_image(self.full_resolution(), path, self.image, quality=quality, overwrite_source=overwrite_source)

    def save_before_after(self, path, quality: int = 92) -> Path:
        """The original's grey beside the result, full resolution, 8-bit sRGB."""
        path = Path(path)
        if path.exists() and path.resolve() == self.image.path.resolve():
            raise ImageSaveError(f"{path.name}: refusing to overwrite the original photo")
        return save_image(side_by_side(gray_from_lightness(self.image.L), self.full_resolution()), path, quality=quality)

    # ------------------------------------------------------------------ inspection
    def set_point(self, x: int, y: int) -> tuple[int, int]:
        w, h = self.image.size
        self.point = (min(max(int(x), 0), w - 1), min(max(int(y), 0), h - 1))
        return self.point

    def move_point(self, dx: int, dy: int) -> tuple[int, int] | None:
        if self.point is None:
            return None
        return self.set_point(self.point[0] + dx, self.point[1] + dy)

    def inspect(self) -> PixelReport | None:
        if self.point is None:
            return None
        x, y = self.point
        return self.colorizer.inspect(self.pred, x, y, self.temperature, L=float(self.image.L[y, x]))

    # ------------------------------------------------------------------ settings kept per photo
    def settings(self) -> PhotoSettings:
        modes = [(e.at[0], e.at[1], e.bin) for e in self.pred.edits if e.at is not None]
        return PhotoSettings(self.temperature, self.pred.look, modes, list(self.pred.hints))

    def apply_settings(self, settings: PhotoSettings) -> list[str]:
        """Restore a photo's saved settings (not an undoable edit); returns notes on what was left out."""
        if settings.temperature is not None:
            self.temperature = settings.temperature
        return apply_settings(self.colorizer, self.pred, settings, self.image.size)

    # ------------------------------------------------------------------ edits: modes and hints, undo
    def _state(self) -> tuple:
        return list(self.pred.edits), list(self.pred.hints), self.pred.look, self.temperature

    def _record(self) -> None:
        """Keep the state before an edit (modes and hints together), for Undo."""
        self.undo_stack.append(self._state())
        self.redo_stack.clear()

    def _restore(self, state: tuple) -> None:
        self.pred.edits[:], self.pred.hints[:], self.pred.look, self.temperature = state

    def set_temperature(self, T: float, record: bool = True) -> None:
        """A new temperature; a slider drag records one undo step (its first change)."""
        if record and T != self.temperature:
            self._record()
        self.temperature = T

    def set_look(self, look: Look, record: bool = True) -> None:
        """New saturation, warmth or tint; recorded like the temperature."""
        if record and look != self.pred.look:
            self._record()
        self.pred.look = look

    def choose_mode(self, q: int) -> ModeEdit | None:
        if self.point is None:
            return None
        self._record()
        return self.colorizer.choose_mode(self.pred, *self.point, q)

    def add_hint(self, x: float, y: float, ab: tuple[float, float], radius: float | None = None, record: bool = True) -> int:
        """A hint at photo pixel (x, y); returns its index. A painted stroke records only its first."""
        w, h = self.image.size
        x, y = min(max(float(x), 0.0), w - 1.0), min(max(float(y), 0.0), h - 1.0)
        if record:
            self._record()
        self.pred.hints.append(Hint(x, y, (float(ab[0]), float(ab[1])), DEFAULT_RADIUS if radius is None else float(radius)))
        return len(self.pred.hints) - 1

    def move_hint(self, index: int, x: float, y: float, record: bool = True) -> None:
        """Move a hint; while dragging, only the first move is recorded for Undo."""
        w, h = self.image.size
        if record:
            self._record()
        self.pred.hints[index] = self.pred.hints[index].moved(min(max(x, 0.0), w - 1.0), min(max(y, 0.0), h - 1.0))

    def recolour_hint(self, index: int, ab: tuple[float, float]) -> None:
        self._record()
        self.pred.hints[index] = self.pred.hints[index].recoloured((float(ab[0]), float(ab[1])))

    def delete_hint(self, index: int) -> None:
        self._record()
        del self.pred.hints[index]

    def set_hints(self, hints: list[Hint]) -> None:
        """Replace every hint (e.g. from a hints file); hints off the photo are refused."""
        check_inside(hints, self.image.size)
        self._record()
        self.pred.hints[:] = hints

    def hint_near(self, x: float, y: float, within: float) -> int | None:
        """The index of the hint nearest to (x, y) within ``within`` pixels, if any."""
        best, best_d = None, within
        for i, hint in enumerate(self.pred.hints):
            d = float(np.hypot(hint.x - x, hint.y - y))
            if d <= best_d:
                best, best_d = i, d
        return best

    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    def can_redo(self) -> bool:
        return bool(self.redo_stack)

    def undo(self) -> bool:
        return self._step(self.undo_stack, self.redo_stack)

    def redo(self) -> bool:
        return self._step(self.redo_stack, self.undo_stack)

    def _step(self, source: list, other: list) -> bool:
        """Restore the newest state of ``source``, keeping the current one on ``other``."""
        if not source:
            return False
        other.append(self._state())
        self._restore(source.pop())
        return True
