"""One inference API from lightness to full-resolution colour, shared by the GUI, the command
line and the evaluation so that all three give the same pixels.

    colorizer = Colorizer.from_file(path)          # or Colorizer.bundled()
    pred = colorizer.predict(image.L)              # the network, once per photo
    rgb = colorizer.compose(pred, image.L, T=0.3)  # any temperature, no network run

A Prediction caches the per-pixel log-probabilities over the 313 bins at 1/4 of the network's
input; every temperature, preview, inspection and mode choice is decoded from it. By default the
network also sees the photo mirrored, and the two distributions are averaged (see ``predict``).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from model.inference.hints import Hint, HintSolver, apply_hints, hinted_cells
from model.lab.annealed import PAPER_T, annealed_mean_of_log_probs, entropy_of_log_probs
from model.lab.bins import AB_BINS, Q
from model.lab.color import GREY_LEVEL_L, lab_to_rgb_torch, nearest_grey_level
from model.lab.look import Look, apply_look, certainty_map, grey_unsure_cells
from model.lab.median import MedianReadout
from model.nets.device import pick_device

NET_SHORT_SIDE = 256  # the scale at which training crops (176 px of ~200-300 px photos) saw objects
NET_MAX_LONG_SIDE = 1024  # panoramas: cap the long side and let the short side shrink
BAND_PIXELS = 1 << 20  # compose in bands of about 1 MP to bound memory


def network_size(width: int, height: int, stride: int) -> tuple[int, int]:
    """Network input (w, h): short side 256, aspect kept, both sides a multiple of the stride."""
    scale = NET_SHORT_SIDE / min(width, height)
    scale = min(scale, NET_MAX_LONG_SIDE / max(width, height))
    return (max(stride, round(width * scale / stride) * stride), max(stride, round(height * scale / stride) * stride))


def network_input(L: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The network's input (h, w) float32 L at ``size`` (w, h): 8-bit grey levels resized as pixels
    (bicubic), read back as lightness, as a scanned print would be. The network learnt from 8-bit
    photos and tells these from a smooth float resize of L (see README, the network's input)."""
    grey = Image.fromarray(nearest_grey_level(L))
    if grey.size != tuple(size):
        grey = grey.resize(size, Image.BICUBIC)
    return GREY_LEVEL_L[np.asarray(grey)]


@dataclass
class ModeEdit:
    """A region of the prediction grid recoloured with one bin instead of the annealed mean."""

    mask: np.ndarray  # (h, w) bool on the 1/4 grid
    bin: int
    at: tuple[float, float] | None = None  # the photo pixel it was chosen at: how it is kept and redone


@dataclass
class Prediction:
    log_probs: torch.Tensor  # (313, h, w) float32 log-probabilities on the CPU
    image_size: tuple[int, int]  # (width, height) of the photo
    net_size: tuple[int, int]
    net_seconds: float
    edits: list[ModeEdit] = field(default_factory=list)
    lightness: np.ndarray | None = None  # (h, w) L on the grid, what the hints follow
    hints: list[Hint] = field(default_factory=list)
    look: Look = field(default_factory=Look)  # saturation, warmth, tint: after everything else
    _solver: HintSolver | None = field(default=None, repr=False, compare=False)
    _blend: tuple | None = field(default=None, repr=False, compare=False)  # (hints, alpha, u) last solved

    @property
    def grid_size(self) -> tuple[int, int]:
        return self.log_probs.shape[2], self.log_probs.shape[1]

    def hint_blend(self) -> tuple[np.ndarray, np.ndarray]:
        """(alpha, u) of the hints on the grid (see model.inference.hints)."""
        if self._solver is None:
            entropy = -(self.log_probs.exp() * self.log_probs).sum(0).numpy()
            self._solver = HintSolver(self.lightness, 1.0 - entropy / np.log(Q))
        hints = tuple(self.hints)
        if self._blend is None or self._blend[0] != hints:  # the temperature and the look do not change it
            cells = hinted_cells(self.hints, self.image_size, self.grid_size)
            self._blend = (hints, *self._solver.blend(cells, [h.ab for h in hints]))
        return self._blend[1], self._blend[2]

    def probabilities(self) -> torch.Tensor:
        return self.log_probs.exp()


@dataclass
class PixelReport:
    probs: np.ndarray  # (313,) summing to 1
    ab: tuple[float, float]  # annealed mean at T
    L: float
    modes: list[tuple[int, float]]  # (bin, probability), most likely first
    entropy: float  # nats


class Colorizer:
    def __init__(self, net: nn.Module, card: dict | None = None, device: str = "auto", mirror: bool = True):
        self.card = dict(card or {})
        self.mirror = mirror
        self.device = pick_device(device)
        self.net = net.to(self.device).eval()
        self.stride = max(getattr(net, "STRIDE", 8), 4)
        self.default_T = float(self.card.get("default_T", PAPER_T))
        self.network_calls = 0
        self._lock = threading.Lock()
        self.use_readout(self.card.get("readout"))

    def use_readout(self, readout: dict | None) -> None:
        """How a distribution becomes a colour: the paper's annealed mean (None), or
        ``{"kind": "median", "rarity_exponent": g}`` (model/lab/median.py), which needs the
        card's training prior and lambda. Kept in the card, so a released model carries its own."""
        self._median = None
        if readout is None:
            self.card.pop("readout", None)
            return
        if readout.get("kind") != "median" or not {"prior", "lambda"} <= self.card.keys():
            raise ValueError(f"unknown readout {readout!r}, or a median one without the training prior and lambda in the card")
        prior = np.asarray(self.card["prior"], dtype=np.float64)
        self._median = MedianReadout.from_prior(prior, float(self.card["lambda"]), float(readout["rarity_exponent"]))
        self.card["readout"] = dict(readout)

    def decode(self, lp: torch.Tensor, T: float) -> torch.Tensor:
        """Log-probabilities (B, 313, H, W) -> ab (B, 2, H, W) by this model's readout at T."""
        if self._median is None:
            return annealed_mean_of_log_probs(lp, T)
        return self._median(lp, T)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_file(cls, path, device: str = "auto") -> Colorizer:
        from model.nets.weights import load_net

        net, card = load_net(path)
        card.setdefault("path", str(path))
        return cls(net, card, device)

    @classmethod
    def load(cls, model: str | None = None, device: str = "auto") -> Colorizer:
        """A bundled model by name, or a weights file by path; None: the bundled default."""
        from model.nets.registry import is_bundled

        if model is None or is_bundled(model):
            return cls.bundled(model, device=device)
        return cls.from_file(model, device=device)

    @classmethod
    def bundled(cls, name: str | None = None, device: str = "auto") -> Colorizer:
        from model.nets.registry import bundled_model
        from model.nets.weights import load_net

        entry = bundled_model(name)
        net, own = load_net(entry.weights)
        # The release card speaks for the bundled weights: the file's own card is the trainer's.
        card = {**own, "path": str(entry.weights), **entry.card, "name": entry.name, "source": entry.name}
        return cls(net, card, device)

    # ------------------------------------------------------------------ the network
    def predict(self, L: np.ndarray) -> Prediction:
        """The colour distributions of a full-resolution lightness map (H, W) in [0, 100]: one
        network run, or with ``mirror`` two (the photo and its mirror image)."""
        h, w = L.shape
        nw, nh = network_size(w, h, self.stride)
        small = torch.from_numpy(network_input(L, (nw, nh)))  # a fresh array: no copy needed
        t0 = time.perf_counter()
        with self._lock, torch.inference_mode():
            x = small[None, None].to(self.device)
            log_probs = torch.log_softmax(self.net(x)[0].float(), dim=0).cpu()
            if self.mirror:  # two runs: a batch of two is slower than that on a CPU
                mirrored = torch.log_softmax(self.net(x.flip(-1))[0].float(), dim=0).cpu().flip(-1)
                log_probs = mirror_average(log_probs, mirrored)
            self.network_calls += 1
        gh, gw = log_probs.shape[1:]
        lightness = F.adaptive_avg_pool2d(small[None], (gh, gw))[0].numpy()
        return Prediction(log_probs.clone(), (w, h), (nw, nh), time.perf_counter() - t0, lightness=lightness)

    # ------------------------------------------------------------------ decoding
    def ab_grid(self, pred: Prediction, T: float) -> torch.Tensor:
        """ab (2, h, w) on the prediction grid by the model's readout, with chosen modes applied."""
        ab = self.decode(pred.log_probs[None], T)[0]
        if pred.look.grey_unsure:  # the network's own colour only: modes and hints are the user's, sure by choice
            ab = grey_unsure_cells(ab, certainty_map(pred.log_probs), pred.look.grey_unsure)
        for edit in pred.edits:
            m = torch.from_numpy(edit.mask)
            ab[:, m] = torch.as_tensor(AB_BINS[edit.bin]).view(2, 1)
        if pred.hints:
            alpha, u = pred.hint_blend()
            ab = torch.from_numpy(apply_hints(ab.numpy().astype(np.float64), alpha, u).astype(np.float32))
        return apply_look(ab, pred.look)

    def ab_at(self, pred: Prediction, T: float, size: tuple[int, int]) -> torch.Tensor:
        """ab (2, H, W) bilinearly upsampled to ``size`` (w, h): for metrics at a given size."""
        return upsample_ab(self.ab_grid(pred, T), size)

    def preview(self, pred: Prediction, L_index: np.ndarray, T: float) -> np.ndarray:
        """RGBX uint8 (h, w, 4) at screen size, fast enough for a live slider: a lookup table does
        Lab -> RGB. ``L_index`` is ``lightness_index(L_view)``, computed once per view."""
        h, w = L_index.shape
        scaled = lut_coordinates(self.ab_grid(pred, T))  # affine, so it commutes with upsampling
        return lab_lut_to_rgbx(L_index, F.interpolate(scaled[None], size=(h, w), mode="bilinear", align_corners=False)[0])

    def compose(self, pred: Prediction, L: np.ndarray, T: float, bits: int = 8) -> np.ndarray:
        """The full-resolution result (H, W, 3), uint8 or uint16: the original L plus upsampled ab."""
        return compose_from_grid(self.ab_grid(pred, T), L, bits)

    # ------------------------------------------------------------------ inspection
    def grid_coords(self, pred: Prediction, x: float, y: float) -> tuple[float, float]:
        """Image pixel (x, y) -> continuous grid coordinates (as bilinear upsampling maps them)."""
        (w, h), (gw, gh) = pred.image_size, pred.grid_size
        return (x + 0.5) * gw / w - 0.5, (y + 0.5) * gh / h - 0.5

    def probabilities_at(self, pred: Prediction, x: float, y: float) -> np.ndarray:
        """The 313 probabilities at image pixel (x, y), bilinear from the grid; they sum to 1."""
        gx, gy = self.grid_coords(pred, x, y)
        gw, gh = pred.grid_size
        gx, gy = min(max(gx, 0.0), gw - 1.0), min(max(gy, 0.0), gh - 1.0)
        x0, y0 = int(math.floor(gx)), int(math.floor(gy))
        x1, y1 = min(x0 + 1, gw - 1), min(y0 + 1, gh - 1)
        fx, fy = gx - x0, gy - y0
        lp = pred.log_probs  # only the four cells around the pixel are exponentiated
        mix = (lp[:, y0, x0].exp() * (1 - fx) + lp[:, y0, x1].exp() * fx) * (1 - fy) + (
            lp[:, y1, x0].exp() * (1 - fx) + lp[:, y1, x1].exp() * fx
        ) * fy
        mix = mix.double().numpy()
        return mix / mix.sum()

    def inspect(self, pred: Prediction, x: float, y: float, T: float, L: float = 50.0, top: int = 5) -> PixelReport:
        probs = self.probabilities_at(pred, x, y)
        lp = torch.from_numpy(np.log(np.maximum(probs, 1e-30))).float().view(1, -1, 1, 1)
        ab = self.decode(lp, T)[0, :, 0, 0].tolist()
        order = np.argsort(-probs)[:top]
        entropy = float(-(probs * np.log(np.maximum(probs, 1e-30))).sum())
        return PixelReport(probs, (float(ab[0]), float(ab[1])), float(L), [(int(q), float(probs[q])) for q in order], entropy)

    def entropy_map(self, pred: Prediction) -> np.ndarray:
        """Per-pixel entropy (h, w) in nats on the grid; log(313) = 5.75 is total doubt."""
        return entropy_of_log_probs(pred.log_probs).numpy()

    # ------------------------------------------------------------------ choosing a mode
    def mode_region(self, pred: Prediction, x: float, y: float, q: int, share: float = 0.5) -> np.ndarray:
        """The connected grid cells around pixel (x, y) that believed in bin ``q``: where the
        probability near q (q and bins within 15 ab units) keeps at least ``share`` of its value
        at the clicked pixel."""
        from skimage.measure import label

        near = np.flatnonzero(np.hypot(*(AB_BINS - AB_BINS[q]).T) <= 15)
        mass = pred.probabilities()[near].sum(0).numpy()
        gx, gy = self.grid_coords(pred, x, y)
        gw, gh = pred.grid_size
        cx, cy = int(round(min(max(gx, 0), gw - 1))), int(round(min(max(gy, 0), gh - 1)))
        keep = mass >= share * mass[cy, cx]
        labels = label(keep, connectivity=1)
        return labels == labels[cy, cx]

    def choose_mode(self, pred: Prediction, x: float, y: float, q: int) -> ModeEdit:
        edit = ModeEdit(self.mode_region(pred, x, y, q), int(q), (float(x), float(y)))
        pred.edits.append(edit)
        return edit


def mirror_average(log_probs: torch.Tensor, mirrored: torch.Tensor) -> torch.Tensor:
    """The mixture of two (Q, h, w) distributions, given and returned as log-probabilities: the
    photo's and its mirror image's (flipped back). The network is not mirror-symmetric, and the
    average of its two guesses is the better guess: on val +0.13 raw AuC, +0.10 bounded
    rebalanced at T 1 (Vivid, 2,043 photos), for twice the network time."""
    return torch.logaddexp(log_probs, mirrored) - math.log(2)


def upsample_ab(ab: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """ab (2, h, w) bilinearly upsampled to ``size`` (w, h)."""
    return F.interpolate(ab[None], size=(size[1], size[0]), mode="bilinear", align_corners=False)[0]


def compose_from_grid(ab: torch.Tensor, L: np.ndarray, bits: int = 8) -> np.ndarray:
    """The original L (H, W) plus an ab grid upsampled to it -> RGB (H, W, 3), uint8 or uint16,
    a band of rows at a time."""
    H, W = L.shape
    ab_rows = _RowUpsampler(ab, W, H)
    out = np.empty((H, W, 3), np.uint16 if bits == 16 else np.uint8)
    band = max(1, BAND_PIXELS // W)
    scale = 65535.0 if bits == 16 else 255.0
    for y0 in range(0, H, band):
        y1 = min(H, y0 + band)
        Lb = torch.from_numpy(np.ascontiguousarray(L[y0:y1], dtype=np.float32))[None]
        lab = torch.cat([Lb, ab_rows(y0, y1)], dim=0)
        rgb = lab_to_rgb_torch(lab)
        out[y0:y1] = (rgb * scale + 0.5).permute(1, 2, 0).numpy().astype(out.dtype)
    return out


class _RowUpsampler:
    """Bilinear upsampling (as F.interpolate, align_corners=False) of a small ab grid, one band
    of rows at a time, so full-resolution ab never sits in memory whole."""

    def __init__(self, ab: torch.Tensor, W: int, H: int):
        self.h = ab.shape[1]
        self.H = H
        self.ab_x = F.interpolate(ab[None], size=(self.h, W), mode="bilinear", align_corners=False)[0]

    def __call__(self, y0: int, y1: int) -> torch.Tensor:
        y = torch.arange(y0, y1, dtype=torch.float64)
        src = ((y + 0.5) * self.h / self.H - 0.5).clamp_min(0)
        i0 = src.floor().long().clamp_max(self.h - 1)
        i1 = (i0 + 1).clamp_max(self.h - 1)
        wy = (src - i0).float().view(1, -1, 1)
        return self.ab_x[:, i0] * (1 - wy) + self.ab_x[:, i1] * wy


# ---------------------------------------------------------------------- fast Lab -> RGB
_LUT: np.ndarray | None = None
_LUT_LOCK = threading.Lock()
LUT_AB_STEP = 2  # ab quantised to 2 units (colour error under 1.5 Delta E): invisible in a preview


def lab_lut() -> np.ndarray:
    """Packed sRGB (R | G << 8 | B << 16, as RGBX bytes) for every L in 0..100 and a, b in
    -128..126 step 2: 6.6 MB, built once in about 0.3 s."""
    global _LUT
    with _LUT_LOCK:
        if _LUT is None:
            L = torch.arange(101, dtype=torch.float32).view(-1, 1, 1).expand(101, 128, 128)
            ab = torch.arange(128, dtype=torch.float32) * LUT_AB_STEP - 128
            a = ab.view(1, -1, 1).expand(101, 128, 128)
            b = ab.view(1, 1, -1).expand(101, 128, 128)
            rgb = lab_to_rgb_torch(torch.stack([L, a, b]).reshape(3, 101 * 128, 128))
            rgbx = torch.cat([(rgb * 255 + 0.5).to(torch.uint8), torch.full_like(rgb[:1], 255, dtype=torch.uint8)])
            _LUT = np.ascontiguousarray(rgbx.reshape(4, -1).T.numpy()).view(np.uint32).ravel()
    return _LUT


def lightness_index(L: np.ndarray) -> np.ndarray:
    """The lookup table's row offset for each pixel's L; computed once per view, reused per T."""
    return (np.clip(L + 0.5, 0, 100.99).astype(np.int32)) * (128 * 128)


def lut_coordinates(ab: torch.Tensor) -> torch.Tensor:
    """ab -> continuous lookup-table coordinates (rounding included)."""
    return (ab + (128 + LUT_AB_STEP / 2)) / LUT_AB_STEP


def lab_lut_to_rgbx(L_index: np.ndarray, ab_coords: torch.Tensor) -> np.ndarray:
    """Approximate Lab -> sRGB through the lookup table: RGBX uint8 (h, w, 4), alpha byte 255.
    ``ab_coords`` is ``lut_coordinates(ab)`` (2, h, w)."""
    idx = np.clip(ab_coords.numpy(), 0, 127.99).astype(np.int32)  # numpy: far faster here than torch's int ops
    idx[0] *= 128
    idx[0] += idx[1]
    idx[0] += L_index
    return lab_lut()[idx[0]].view(np.uint8).reshape(*L_index.shape, 4)
