"""Colour hints: a user's colour at a few pixels, spread over the region it belongs to.

On the prediction grid (the network's 1/4-resolution output) we solve one sparse least-squares
problem for a blend weight alpha (1 at a hint, 0 where the network's colour stays) and the hinted
colour times alpha, u = alpha * t:

    sum_i c_i (alpha_i^2 + |u_i|^2) + sum_(i,j) w_ij (|alpha_i - alpha_j|^2 + |u_i - u_j|^2)
    + H sum_(hinted i) (|alpha_i - 1|^2 + |u_i - t_i|^2)

with w_ij = exp(-(L_i - L_j)^2 / (2 sigma_L^2)) between 4-neighbours (Levin, Lischinski & Weiss
2004: colour follows lightness and stops at its edges) and a small pull c_i towards "no hint" that
grows with the network's confidence. The result is ab = (1 - alpha) * network + u: the hinted
colour where alpha is 1, the network's own colour far from hints or across an edge. The matrix
does not depend on the temperature nor on the hints' colours, so it is factorised once per set of
hinted cells; moving the slider or recolouring a hint costs a back-substitution at most.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from model.errors import UserError
from model.lab.color import rgb_to_lab

SIGMA_L = 4.0  # lightness difference (L units) at which neighbours stop sharing a colour
HINT_WEIGHT = 1e4  # hinted cells: the hinted colour, within a fraction of an ab unit
STAY = 2e-4  # the pull towards the network's colour, per unit of its confidence ...
STAY_FLOOR = 0.05  # ... plus this much even where it is unsure
DEFAULT_RADIUS = 3.0  # photo pixels; a hint always covers the grid cells around its pixel
AB_LIMIT = 127.0


@dataclass(frozen=True)
class Hint:
    x: float  # photo pixels, upright as displayed
    y: float
    ab: tuple[float, float]
    radius: float = DEFAULT_RADIUS

    def moved(self, x: float, y: float) -> Hint:
        return Hint(x, y, self.ab, self.radius)

    def recoloured(self, ab: tuple[float, float]) -> Hint:
        return Hint(self.x, self.y, ab, self.radius)

    def to_json(self) -> dict:
        return {"x": round(self.x, 2), "y": round(self.y, 2), "lab": [None, round(self.ab[0], 2), round(self.ab[1], 2)],
                "radius": self.radius}  # fmt: skip


# ----------------------------------------------------------------------------- reading hints
def ab_of_srgb(text: str) -> tuple[float, float]:
    if not isinstance(text, str) or not re.fullmatch(r"#?[0-9a-fA-F]{6}", text.strip()):
        raise UserError(f"colour {text!r}: write sRGB as #rrggbb, e.g. #c03030")
    h = text.strip().lstrip("#")
    rgb = np.array([[[int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]]])
    lab = rgb_to_lab(rgb)[0, 0]
    return float(lab[1]), float(lab[2])


def ab_of_lab(values) -> tuple[float, float]:
    if not isinstance(values, (list, tuple)) or len(values) != 3:
        raise UserError(f"lab {values!r}: give three numbers [L, a, b]")
    L, a, b = values
    for name, v, lo, hi in (("a", a, -AB_LIMIT, AB_LIMIT), ("b", b, -AB_LIMIT, AB_LIMIT)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not lo <= v <= hi:
            raise UserError(f"lab {values!r}: {name} = {v!r} is not a colour (a and b lie within -127..127)")
    if L is not None and (isinstance(L, bool) or not isinstance(L, (int, float)) or not 0 <= L <= 100):
        raise UserError(f"lab {values!r}: L = {L!r} must lie in 0..100 (it is not used: the photo keeps its own L)")
    return float(a), float(b)


def parse_hints(obj) -> list[Hint]:
    """The hints of a JSON document {"hints": [{"x", "y", "srgb" | "lab", "radius"?}, ...]}."""
    if not isinstance(obj, dict) or not isinstance(obj.get("hints"), list):
        raise UserError('a hints file holds {"hints": [{"x": ..., "y": ..., "srgb": "#rrggbb"}, ...]}')
    hints = []
    for n, item in enumerate(obj["hints"], 1):
        where = f"hint {n}"
        if not isinstance(item, dict):
            raise UserError(f"{where}: expected {{'x', 'y', 'srgb' or 'lab'}}, found {item!r}")
        x, y = item.get("x"), item.get("y")
        for name, v in (("x", x), ("y", y)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise UserError(f"{where}: {name} = {v!r} is not a pixel position")
        if ("srgb" in item) == ("lab" in item):
            raise UserError(f"{where}: give its colour as either 'srgb' or 'lab'")
        try:
            ab = ab_of_srgb(item["srgb"]) if "srgb" in item else ab_of_lab(item["lab"])
        except UserError as e:
            raise UserError(f"{where}: {e}") from e
        radius = item.get("radius", DEFAULT_RADIUS)
        if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not 0 <= radius <= 10_000:
            raise UserError(f"{where}: radius = {radius!r} must be a number of pixels, 0..10000")
        hints.append(Hint(float(x), float(y), ab, float(radius)))
    return hints


def load_hints(path: str | Path) -> list[Hint]:
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise UserError(f"--hints {path}: no such file") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise UserError(f"--hints {path}: not a JSON hints file ({e})") from e
    try:
        return parse_hints(obj)
    except UserError as e:
        raise UserError(f"--hints {path}: {e}") from e


def check_inside(hints: list[Hint], size: tuple[int, int]) -> None:
    """Hints must lie on the photo (pixel centres from 0 to width-1, height-1)."""
    w, h = size
    for n, hint in enumerate(hints, 1):
        if not (-0.5 <= hint.x <= w - 0.5 and -0.5 <= hint.y <= h - 0.5):
            raise UserError(f"hint {n} at ({hint.x:g}, {hint.y:g}) lies outside this {w} x {h} photo")


def save_hints(hints: list[Hint], path: str | Path) -> None:
    from model.io.atomic import atomic_write_bytes

    atomic_write_bytes((json.dumps({"hints": [h.to_json() for h in hints]}, indent=1) + "\n").encode(), Path(path))


# ----------------------------------------------------------------------------- the solve
def hinted_cells(hints: list[Hint], image_size: tuple[int, int], grid_size: tuple[int, int]) -> list[np.ndarray]:
    """For each hint, the flat indices of the grid cells it covers: those whose centres lie
    within its radius, and always the (up to) four cells that bilinear upsampling mixes at its
    pixel, so that the pixel itself shows the hinted colour."""
    (w, h), (gw, gh) = image_size, grid_size
    sx, sy = gw / w, gh / h
    ys, xs = np.mgrid[:gh, :gw]
    cells = []
    for hint in hints:
        gx, gy = (hint.x + 0.5) * sx - 0.5, (hint.y + 0.5) * sy - 0.5
        near = np.hypot((xs - gx) / sx, (ys - gy) / sy) <= hint.radius
        x0, y0 = int(np.floor(np.clip(gx, 0, gw - 1))), int(np.floor(np.clip(gy, 0, gh - 1)))
        near[y0 : y0 + 2, x0 : x0 + 2] = True
        cells.append(np.flatnonzero(near))
    return cells


def smoothness_matrix(L: np.ndarray, sigma: float = SIGMA_L) -> sp.csr_matrix:
    """The lightness-weighted graph Laplacian of the grid's 4-neighbourhood."""
    gh, gw = L.shape
    idx = np.arange(gh * gw).reshape(gh, gw)
    rows, cols, weights = [], [], []
    for a, b, La, Lb in ((idx[:, :-1], idx[:, 1:], L[:, :-1], L[:, 1:]), (idx[:-1], idx[1:], L[:-1], L[1:])):
        rows.append(a.ravel())
        cols.append(b.ravel())
        weights.append(np.exp(-((La - Lb).ravel().astype(np.float64) ** 2) / (2 * sigma**2)))
    r, c, wgt = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
    W = sp.coo_matrix((np.concatenate([wgt, wgt]), (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(gh * gw,) * 2)
    return (sp.diags(np.asarray(W.sum(axis=1)).ravel()) - W).tocsr()


class HintSolver:
    """Spreads hints over one prediction grid; keeps the factorisation while only colours change."""

    def __init__(self, L_grid: np.ndarray, confidence: np.ndarray):
        self.shape = L_grid.shape
        self.laplacian = smoothness_matrix(L_grid)
        self.stay = STAY * (STAY_FLOOR + np.clip(confidence, 0, 1)).ravel()
        self._key: tuple | None = None
        self._solve = None

    def blend(self, cells: list[np.ndarray], colours: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        """(alpha (h, w), u (2, h, w)) for hints covering ``cells`` with ``colours``."""
        n = self.laplacian.shape[0]
        mask = np.zeros(n)
        target = np.zeros((n, 2))
        count = np.zeros(n)
        for where, ab in zip(cells, colours):
            mask[where] = HINT_WEIGHT
            target[where] += ab
            count[where] += 1
        hit = count > 0
        target[hit] /= count[hit, None]  # overlapping hints: their mean
        key = tuple(np.flatnonzero(hit).tolist())
        if key != self._key:
            A = (sp.diags(self.stay + mask) + self.laplacian).tocsc()
            self._solve, self._key = spla.factorized(A), key
        rhs = np.column_stack([mask, mask * target[:, 0], mask * target[:, 1]])
        sol = np.column_stack([self._solve(rhs[:, k]) for k in range(3)])
        alpha = np.clip(sol[:, 0], 0, 1).reshape(self.shape)
        u = sol[:, 1:].T.reshape(2, *self.shape)
        return alpha, u


def apply_hints(ab_net: np.ndarray, alpha: np.ndarray, u: np.ndarray) -> np.ndarray:
    """ab on the grid: the hinted colour where alpha is 1, the network's where it is 0."""
    return ab_net * (1 - alpha)[None] + u
