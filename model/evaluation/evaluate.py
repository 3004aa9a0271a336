"""Evaluation as in the paper (section 4.1): AuC of the ab-error CMF, raw and class-rebalanced,
against the Gray and Random baselines, a temperature sweep, colourfulness, contact sheets.

    colorizer-eval --model resources/models/colorizer-vivid.pt --data ../shared/data/val --sweep
    colorizer-eval --model ... --data ../shared/data/test/kodak24 --sheet docs/kodak.png

Each photo is squeezed to 256x256 for the metrics, as the paper does; results go through the
same pipeline as the app (predict, annealed mean, compose).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from model.evaluation import turing
from model.evaluation.categories import category_of
from model.evaluation.metrics import AucAccumulator, CastCounter, bootstrap_margin, colourfulness
from model.evaluation.plots import cmf_figure
from model.evaluation.recognition import AgreementCounter, ImageNetClassifier
from model.inference.pipeline import Colorizer
from model.io.folders import list_images
from model.io.images import load_image, load_rgb
from model.lab.annealed import BRIEF_T, PAPER_T
from model.lab.color import gray_from_lightness, rgb_to_lab_torch

log = logging.getLogger(__name__)
EVAL_SIZE = 256  # the paper's evaluation squeezes every photo to 256x256
SWEEP = (0.05, 0.1, BRIEF_T, 0.2, 0.25, 0.3, PAPER_T, 0.45, 0.6, 0.8, 1.0)


def _lab(rgb: torch.Tensor) -> tuple[np.ndarray, torch.Tensor]:
    lab = rgb_to_lab_torch(rgb.float()[None] / 255.0)[0]
    return lab[0].numpy().astype(np.float32), lab[1:][None]


def evaluate_set(colorizer: Colorizer, images: list[torch.Tensor], prior: np.ndarray, temperatures, baselines: bool = True,
                 seed: int = 0, classifier: ImageNetClassifier | None = None,
                 groups: dict[str, list[str]] | None = None, curves: dict | None = None) -> dict:  # fmt: skip
    """Metrics per method on photos given as uint8 RGB tensors (3, 256, 256); with a classifier,
    also how often it recognises each method's photos as it does the originals. ``groups`` names
    ways to split the photos (e.g. "by_folder", "by_category") with a label per photo; each part
    is reported alone under that name."""
    accs = {f"T={T:.3g}": AucAccumulator(prior) for T in temperatures}
    colourful = {k: [] for k in accs}
    casts = {k: CastCounter() for k in accs}
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
            key = f"T={T:.3g}"
            pred_ab = colorizer.ab_at(pred, T, (L.shape[1], L.shape[0]))
            accs[key].add(pred_ab[None], ab, truth_w)
            casts[key].add(np.asarray(pred_ab), ab[0].numpy())
            shown[key] = colorizer.compose(pred, L, T)
            colourful[key].append(colourfulness(shown[key]))
        if classifier is not None:
            tops = classifier.top([truth_rgb, *shown.values()])
            agreement.add(tops[0], dict(zip(shown, tops[1:])))
        if baselines:
            accs["gray"].add(torch.zeros_like(ab), ab, truth_w)
            other = (i + 1 + rng.integers(len(images) - 1)) % len(images) if len(images) > 1 else i
            accs["random"].add(labs[other][1], ab, truth_w)

    def rows(part: np.ndarray) -> dict:
        truth_median = float(np.median(np.asarray(truth_colourful)[part]))
        out = {}
        for key, acc in accs.items():
            out[key] = {k: round(v, 2) for k, v in acc.subset(part).result().items()}
            if key in colourful:
                ratio = float(np.median(np.asarray(colourful[key])[part])) / truth_median
                out[key]["colourfulness_ratio"] = round(ratio, 3)
                out[key]["cast"] = casts[key].subset(part).result()
        out["images"] = len(part)
        return out

    if curves is not None:  # the CMF of each method, for a plot
        curves.update({key: acc.curves() for key, acc in accs.items()})
    everything = np.arange(len(images))
    out = rows(everything)
    if baselines:  # how far the margin over Gray could move with another sample of photos
        for key in colourful:
            out[key]["vs_gray_90ci"] = bootstrap_margin(accs[key], accs["gray"], seed=seed)
    for key, row in agreement.result().items():
        out.setdefault(key, {})["recognition"] = row
    if classifier is not None:
        out["recognition_by"] = f"EfficientNet-{classifier.variant.replace('lite', 'Lite')} ImageNet classifier"
    if baselines:
        out["largest_image_share_of_rebalanced_weight"] = round(accs["gray"].largest_image_share(), 3)
    out["truth_colourfulness_median"] = round(float(np.median(truth_colourful)), 2)
    for name, labels in (groups or {}).items():
        labels = np.asarray(labels)
        out[name] = {label: rows(np.flatnonzero(labels == label)) for label in sorted(set(labels.tolist()))}
    return out


def breakdown_table(result: dict, group: str, method: str) -> str:
    """A plain-text table of one method against Gray for each part of ``group`` (e.g. by_category)."""
    head = f"{group.removeprefix('by_'):<24} {'photos':>6}  {'Gray raw/rebal':>15}  {method + ' raw/rebal':>22}  " \
           f"{'margin raw/rebal':>17}  {'colourful':>9}  {'neutral tinted':>14}"  # fmt: skip
    lines = [head, "-" * len(head)]
    for label, r in result[group].items():
        g, m = r["gray"], r[method]
        lines.append(
            f"{label:<24} {r['images']:>6}  {g['auc_raw']:>7.2f}/{g['auc_rebalanced']:<7.2f}  "
            f"{m['auc_raw']:>14.2f}/{m['auc_rebalanced']:<7.2f}  "
            f"{m['auc_raw'] - g['auc_raw']:>+8.2f}/{m['auc_rebalanced'] - g['auc_rebalanced']:<+8.2f}  "
            f"{m['colourfulness_ratio']:>9.2f}  {m['cast']['neutral_tinted_share'] * 100:>13.1f}%"
        )
    return "\n".join(lines)


def choose_temperature(sweep: dict) -> tuple[float, str]:
    """The T with the best sum of raw and rebalanced AuC among those whose colourfulness lies
    within 0.8..1.2 of the truth's (neither washed out nor garish); the rule is stated in the model card."""
    rows = {float(k[2:]): v for k, v in sweep.items() if k.startswith("T=")}
    ok = {T: v for T, v in rows.items() if 0.8 <= v["colourfulness_ratio"] <= 1.2} or rows
    best = max(ok, key=lambda T: ok[T]["auc_raw"] + ok[T]["auc_rebalanced"])
    return best, "max of AuC raw + AuC rebalanced on val, among T with colourfulness 0.8..1.2 x truth"


# ------------------------------------------------------------------------------ contact sheets
def _thumb(im: Image.Image, height: int) -> Image.Image:
    return im.resize((max(1, round(im.width * height / im.height)), height), Image.LANCZOS)


def contact_sheet(colorizer: Colorizer, files: list[Path], T: float, out: Path, with_truth: bool, width: int = 2000,
                  height: int = 150) -> Path:  # fmt: skip
    """input | result (| truth) for each photo, packed into rows of at most ``width`` pixels so
    that portrait and landscape photos leave no gaps; the result is the app's own output."""
    tiles = []
    for f in files:
        image = load_image(f)
        result = Image.fromarray(colorizer.compose(colorizer.predict(image.L), image.L, T))
        gray = Image.fromarray(gray_from_lightness(image.L)).convert("RGB")  # what the network saw
        parts = [gray, result] + ([Image.open(f).convert("RGB")] if with_truth else [])
        thumbs = [_thumb(p, height) for p in parts]
        tile = Image.new("RGB", (sum(t.width for t in thumbs) + 4 * (len(thumbs) - 1), height), "white")
        x = 0
        for t in thumbs:
            tile.paste(t, (x, 0))
            x += t.width + 4
        tiles.append(tile)
    margin, gap, header = 10, 16, 26
    rows: list[list[Image.Image]] = [[]]
    for tile in tiles:
        used = sum(t.width + gap for t in rows[-1])
        if rows[-1] and margin + used + tile.width + margin > width:
            rows.append([])
        rows[-1].append(tile)
    sheet_w = max(margin * 2 + sum(t.width for t in r) + gap * (len(r) - 1) for r in rows)
    sheet = Image.new("RGB", (sheet_w, header + len(rows) * (height + margin) + margin), "white")
    draw = ImageDraw.Draw(sheet)
    labels = "input | result | truth" if with_truth else "input | result"
    title = colorizer.card.get("title", colorizer.card.get("name", ""))
    draw.text((margin, 8), f"{labels}   (T = {T:.3g}, {title})", fill="black")
    for r, row in enumerate(rows):
        x = margin
        for tile in row:
            sheet.paste(tile, (x, header + r * (height + margin)))
            x += tile.width + gap
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, optimize=True)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="colorizer-eval", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", help="weights file (default: the bundled model)")
    p.add_argument("--data", action="append", help="folder of colour photos (repeatable)")
    p.add_argument("--prior-from", help="weights file whose card holds the prior (default: the model's own)")
    p.add_argument("--sweep", action="store_true", help="temperatures 0.05..1 instead of the default, 1/6 and 0.38")
    p.add_argument("-T", "--temperature", type=float, action="append", help="temperatures to evaluate")
    p.add_argument("--sheet", help="write a contact sheet PNG of the --data folders' photos")
    p.add_argument("--category", help="the sheet shows only this category's photos (flowers, faces, food, ...)")
    p.add_argument("--no-truth", action="store_true", help="the sheet's photos are black-and-white (no truth column)")
    p.add_argument("--recognition", action="store_true", help="also ask an ImageNet classifier (needs the train extra)")
    p.add_argument("--turing-html", metavar="OUT.html", help="write the real-or-colourised test of the --data photos as one page")
    p.add_argument("--show-ms", type=int, default=1000, help="how long the test page shows each pair (ms)")
    p.add_argument("--seed", type=int, default=0, help="which side each real photo takes in the test")
    p.add_argument("--turing-answers", nargs="+", metavar="ANSWERS.json", help="pool raters' answers files and report")
    p.add_argument("--json", help="write the results here")
    p.add_argument("--limit", type=int, default=0)
    args = p.parse_args(argv)
    if args.turing_answers:
        try:
            pooled = turing.pool([Path(a) for a in args.turing_answers])
        except turing.AnswersError as e:
            print(f"colorizer-eval: error: {e}", file=sys.stderr)
            return 2
        lo, hi = pooled["interval_95"]
        print(json.dumps(pooled, indent=1))
        print(f"\nfooling rate {pooled['fooling_rate'] * 100:.1f}% (95% interval {lo * 100:.1f}..{hi * 100:.1f}%) over "
              f"{pooled['trials']} trials by {pooled['raters']} raters; 50% is perfect, the paper's model 20.4%")  # fmt: skip
        return 0
    if not args.data:
        p.error("--data is required (except with --turing-answers)")
    colorizer = Colorizer.from_file(args.model, device="auto") if args.model else Colorizer.bundled()
    prior_card = Colorizer.from_file(args.prior_from).card if args.prior_from else colorizer.card
    if "prior" not in prior_card:
        prior_card = Colorizer.bundled().card
    prior = np.array(prior_card["prior"])
    temps = tuple(args.temperature) if args.temperature else SWEEP if args.sweep else (colorizer.default_T, BRIEF_T, PAPER_T)
    if args.turing_html:
        files = [f for r in args.data for f in list_images(r)][: args.limit or None]
        T = temps[0]
        test_id = f"{colorizer.card.get('name', 'model')}-T{T:.3g}-seed{args.seed}-{len(files)}"
        trials = turing.plan_trials(colorizer, files, T, args.seed)
        out = turing.write_html(trials, Path(args.turing_html), test_id, args.show_ms)
        print(f"wrote {out}: {len(trials)} trials, {args.show_ms} ms each (test {test_id})")
        return 0
    if args.sheet:
        roots = map(Path, args.data)
        files = [f for r in roots for f in list_images(r) if not args.category or category_of(f, r) == args.category]
        if args.limit and len(files) > args.limit:  # spread over every set of the category, not its first folder
            files = files[:: len(files) // args.limit][: args.limit]
        contact_sheet(colorizer, files, temps[0], Path(args.sheet), with_truth=not args.no_truth)
        print(f"wrote {args.sheet}")
        return 0
    classifier = ImageNetClassifier() if args.recognition else None
    images, folders, categories = load_labelled(args.data, args.limit)
    groups = {"by_folder": folders, "by_category": categories}
    curves: dict = {}
    results = evaluate_set(colorizer, images, prior, temps, classifier=classifier, groups=groups, curves=curves)
    if args.sweep:
        results["chosen_T"], results["rule"] = choose_temperature(results)
    text = json.dumps(results, indent=1)
    if args.json:
        Path(args.json).write_text(text + "\n")
        title = f"{colorizer.card.get('title', colorizer.card.get('name', 'model'))} on {len(images)} photos at 256x256"
        print(f"wrote {args.json} and {cmf_figure(curves, title, Path(args.json).with_suffix('.cmf.png'))}")
    else:
        print(text)
    method = f"T={(results.get('chosen_T') or temps[0]):.3g}"
    for group in groups:
        print(f"\n{breakdown_table(results, group, method)}")
    print(f"\nall {len(images)} photos: " + _summary(results, method))
    return 0


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


def _summary(results: dict, method: str) -> str:
    g, m = results["gray"], results[method]
    cast = m["cast"]
    return (f"{method} AuC raw {m['auc_raw']:.2f} ({m['auc_raw'] - g['auc_raw']:+.2f} vs Gray), rebalanced "
            f"{m['auc_rebalanced']:.2f} ({m['auc_rebalanced'] - g['auc_rebalanced']:+.2f}), colourfulness "
            f"{m['colourfulness_ratio']:.2f} x truth, median ab {cast['median_ab']} (truth {cast['truth_median_ab']}), "
            f"neutral pixels strongly tinted {cast['neutral_tinted_share'] * 100:.1f}%")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
