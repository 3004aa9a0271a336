"""Evaluation as in the paper (section 4.1): AuC of the ab-error CMF, raw and class-rebalanced,
against the Gray and Random baselines, at several temperatures, with colourfulness and colour
casts. The one evaluation path: the trainer validates with it and ``colorizer-eval`` reports it.

Each photo is squeezed to 256x256 for the metrics, as the paper does; results go through the
same pipeline as the app (predict, annealed mean, compose).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from model.evaluation.categories import category_of
from model.evaluation.metrics import HEAVY_SHARE, AucAccumulator, CastCounter, bootstrap_margin, colourfulness
from model.evaluation.recognition import AgreementCounter, ImageNetClassifier
from model.inference.pipeline import Colorizer, compose_from_grid, upsample_ab
from model.io.folders import list_images
from model.io.images import load_rgb
from model.lab.annealed import BRIEF_T, PAPER_T
from model.lab.color import gray_from_lightness, rgb_to_lab_torch

log = logging.getLogger(__name__)
EVAL_SIZE = 256  # the paper's evaluation squeezes every photo to 256x256
SWEEP = (0.05, 0.1, BRIEF_T, 0.2, 0.25, 0.3, PAPER_T, 0.45, 0.6, 0.8, 1.0)


def _lab(rgb: torch.Tensor) -> tuple[np.ndarray, torch.Tensor]:
    lab = rgb_to_lab_torch(rgb.float()[None] / 255.0)[0]
    return lab[0].numpy().astype(np.float32), lab[1:][None]


BASELINES = ("gray", "random")


def method_label(method: str | float) -> str:
    """How a method is named in tables and plots: a baseline's name, or ``T=0.6``."""
    return method if isinstance(method, str) else f"T={method:.3g}"


def method_rows(results: dict) -> dict:
    """The baselines' and each temperature's rows of one result (or one part of it), in that order."""
    return {**{b: results[b] for b in BASELINES if b in results}, **results.get("temperatures", {})}


def evaluate_set(colorizer: Colorizer, images: list[torch.Tensor], prior: np.ndarray, temperatures, baselines: bool = True,
                 seed: int = 0, classifier: ImageNetClassifier | None = None,
                 groups: dict[str, list[str]] | None = None, curves: dict | None = None) -> dict:  # fmt: skip
    """Metrics on photos given as uint8 RGB tensors (3, 256, 256): ``gray`` and ``random`` (with
    ``baselines``) and ``temperatures``, a row per temperature keyed by the float T. With a
    classifier, also how often it recognises each method's photos as it does the originals.
    ``groups`` names ways to split the photos (e.g. "by_folder") with a label per photo; each
    part is reported alone, in the same shape, under that name."""
    temperatures = tuple(float(T) for T in temperatures)
    accs: dict[str | float, AucAccumulator] = {T: AucAccumulator(prior) for T in temperatures}
    colourful = {T: [] for T in temperatures}
    casts = {T: CastCounter() for T in temperatures}
    if baselines:
        accs.update(gray=AucAccumulator(prior), random=AucAccumulator(prior))
    truth_colourful = []
    rng = np.random.default_rng(seed)
    labs = [_lab(rgb) for rgb in images]
    agreement = AgreementCounter()
    for i, (rgb, (L, ab)) in enumerate(zip(images, labs)):
        truth_w = accs[next(iter(accs))].truth_weights(ab)
        truth_rgb = rgb.permute(1, 2, 0).numpy()
        truth_colourful.append(colourfulness(truth_rgb))
        pred = colorizer.predict(L)
        shown = {"gray": np.repeat(gray_from_lightness(L)[..., None], 3, axis=2)} if classifier is not None else {}
        for T in temperatures:
            grid = colorizer.ab_grid(pred, T)  # read out once: the median readout is a third of the time
            pred_ab = upsample_ab(grid, (L.shape[1], L.shape[0]))
            accs[T].add(pred_ab[None], ab, truth_w)
            casts[T].add(np.asarray(pred_ab), ab[0].numpy())
            shown[T] = compose_from_grid(grid, L)
            colourful[T].append(colourfulness(shown[T]))
        if classifier is not None:
            tops = classifier.top([truth_rgb, *shown.values()])
            agreement.add(tops[0], dict(zip(shown, tops[1:])))
        if baselines:
            accs["gray"].add(torch.zeros_like(ab), ab, truth_w)
            other = (i + 1 + rng.integers(len(images) - 1)) % len(images) if len(images) > 1 else i
            accs["random"].add(labs[other][1], ab, truth_w)

    def rows(part: np.ndarray) -> dict:
        truth_median = float(np.median(np.asarray(truth_colourful)[part]))
        out: dict = {"images": len(part), "temperatures": {}}
        for method, acc in accs.items():
            row = {k: round(v, 2) for k, v in acc.subset(part).result().items()}
            if method in colourful:
                row["colourfulness_ratio"] = round(float(np.median(np.asarray(colourful[method])[part])) / truth_median, 3)
                row["cast"] = casts[method].subset(part).result()
                out["temperatures"][method] = row
            else:
                out[method] = row
        return out

    if curves is not None:  # the CMF of each method, for a plot
        curves.update({method_label(method): acc.curves() for method, acc in accs.items()})
    out = rows(np.arange(len(images)))
    light = next(iter(accs.values())).light_images()  # the same photos for every method
    out["images_left_out_of_bounded"] = len(images) - len(light)
    for method, acc in accs.items():
        row = out["temperatures"][method] if method in colourful else out[method]
        row["auc_rebalanced_bounded"] = round(acc.subset(light).result()["auc_rebalanced"], 2)
    if baselines:  # how far the margin over Gray could move with another sample of photos
        for T in temperatures:
            out["temperatures"][T]["vs_gray_90ci"] = bootstrap_margin(accs[T], accs["gray"], seed=seed)
    for method, row in agreement.result().items():
        (out["temperatures"][method] if method in colourful else out.setdefault(method, {}))["recognition"] = row
    if classifier is not None:
        out["recognition_by"] = f"EfficientNet-{classifier.variant.replace('lite', 'Lite')} ImageNet classifier"
    if baselines:
        out["largest_image_share_of_rebalanced_weight"] = round(accs["gray"].largest_image_share(), 3)
    out["truth_colourfulness_median"] = round(float(np.median(truth_colourful)), 2)
    for name, labels in (groups or {}).items():
        labels = np.asarray(labels)
        out[name] = {label: rows(np.flatnonzero(labels == label)) for label in sorted(set(labels.tolist()))}
    return out


def selection_score(row: dict) -> float:
    """What checkpoints and temperatures are chosen by: raw AuC plus rebalanced AuC, the latter
    without photos that hold over HEAVY_SHARE of the rebalanced weight (where it was measured)."""
    return row["auc_raw"] + row.get("auc_rebalanced_bounded", row["auc_rebalanced"])


def best_temperature(results: dict) -> float:
    """The temperature with the best selection score: how the trainer keeps checkpoints."""
    rows = results["temperatures"]
    return max(rows, key=lambda T: selection_score(rows[T]))


def breakdown_table(result: dict, group: str, T: float) -> str:
    """A plain-text table of the model at T against Gray for each part of ``group`` (e.g. by_category)."""
    name = method_label(T)
    head = f"{group.removeprefix('by_'):<24} {'photos':>6}  {'Gray raw/rebal':>15}  {name + ' raw/rebal':>22}  " \
           f"{'margin raw/rebal':>17}  {'colourful':>9}  {'neutral tinted':>14}"  # fmt: skip
    lines = [head, "-" * len(head)]
    for label, r in result[group].items():
        g, m = r["gray"], r["temperatures"][T]
        lines.append(
            f"{label:<24} {r['images']:>6}  {g['auc_raw']:>7.2f}/{g['auc_rebalanced']:<7.2f}  "
            f"{m['auc_raw']:>14.2f}/{m['auc_rebalanced']:<7.2f}  "
            f"{m['auc_raw'] - g['auc_raw']:>+8.2f}/{m['auc_rebalanced'] - g['auc_rebalanced']:<+8.2f}  "
            f"{m['colourfulness_ratio']:>9.2f}  {m['cast']['neutral_tinted_share'] * 100:>13.1f}%"
        )
    return "\n".join(lines)


# Selection scores closer than this are a tie: below the raw AuC's own 90% interval (about 0.5 wide on val).
TIE_MARGIN = 0.25


def choose_temperature(rows: dict[float, dict]) -> tuple[float, str]:
    """The T with the best selection score among those whose colourfulness lies within 0.8..1.2 of
    the truth's (neither washed out nor garish); on a tie, the one with the higher raw AuC (fewer
    confidently wrong colours). The rule is stated in the model card."""
    ok = {T: v for T, v in rows.items() if 0.8 <= v["colourfulness_ratio"] <= 1.2} or rows
    top = max(selection_score(v) for v in ok.values())
    tied = [T for T, v in ok.items() if selection_score(v) >= top - TIE_MARGIN]
    best = max(tied, key=lambda T: ok[T]["auc_raw"])
    return best, (f"max of AuC raw + AuC rebalanced on val (without photos holding over {HEAVY_SHARE:.0%} of the "
                  "rebalanced weight), among T with colourfulness 0.8..1.2 x truth; scores within "
                  f"{TIE_MARGIN} of the best tie, and of those the highest raw AuC wins")  # fmt: skip


def load_eval_set(files: list[Path], size: int = EVAL_SIZE) -> list[torch.Tensor]:
    """Each photo squeezed to size x size as the paper evaluates; uint8 RGB tensors (3, size, size).
    A photo that cannot be read is left out, with a warning."""
    out = []
    for f in files:
        try:
            im = load_rgb(f).resize((size, size), Image.BICUBIC)
        except OSError as e:
            log.warning("skipping %s", e)
            continue
        out.append(torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1))
    return out


def load_labelled(roots: list[str], limit: int = 0) -> tuple[list[torch.Tensor], list[str], list[str]]:
    """The photos of several folders at 256x256, each with its folder's and its category's name."""
    images, folders, categories = [], [], []
    for root in map(Path, roots):
        for f in list_images(root)[: limit or None]:
            for image in load_eval_set([f]):  # none for a photo that cannot be read (a warning says so)
                images.append(image)
                folders.append(f"{root.parent.name}/{root.name}")
                categories.append(category_of(f, root))
    return images, folders, categories


def summary_line(results: dict, T: float) -> str:
    g, m, method = results["gray"], results["temperatures"][T], method_label(T)
    cast = m["cast"]
    return (f"{method} AuC raw {m['auc_raw']:.2f} ({m['auc_raw'] - g['auc_raw']:+.2f} vs Gray), rebalanced "
            f"{m['auc_rebalanced']:.2f} ({m['auc_rebalanced'] - g['auc_rebalanced']:+.2f}), colourfulness "
            f"{m['colourfulness_ratio']:.2f} x truth, median ab {cast['median_ab']} (truth {cast['truth_median_ab']}), "
            f"neutral pixels strongly tinted {cast['neutral_tinted_share'] * 100:.1f}%")  # fmt: skip


