"""colorizer-eval: the paper's metrics of a model on folders of colour photos, contact sheets and
the real-or-colourised test.

    colorizer-eval --model resources/models/colorizer-vivid.pt --data ../shared/data/val --sweep
    colorizer-eval --model ... --data ../shared/data/test/kodak24 --sheet docs/kodak.png
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from model.cli.common import add_version
from model.errors import UserError, run_command
from model.evaluation import turing
from model.evaluation.categories import category_of
from model.evaluation.evaluate import SWEEP, breakdown_table, choose_temperature, evaluate_set, load_labelled, summary_line
from model.evaluation.hint_curve import hint_curve, hint_curve_figure
from model.evaluation.plots import cmf_figure
from model.evaluation.recognition import ImageNetClassifier
from model.evaluation.sheets import contact_sheet
from model.inference.pipeline import Colorizer
from model.io.folders import list_images
from model.lab.annealed import BRIEF_T, PAPER_T


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="colorizer-eval", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", help="a bundled model's name or a weights file (default: the bundled default)")
    p.add_argument("--data", action="append", help="folder of colour photos (repeatable)")
    p.add_argument("--prior-from", help="weights file whose card holds the prior (default: the model's own)")
    p.add_argument("--sweep", action="store_true", help="temperatures 0.05..1 instead of the default, 1/6 and 0.38")
    p.add_argument("-T", "--temperature", type=float, action="append",
                   help="temperatures to evaluate (repeatable; lower is more vivid)")
    p.add_argument("--sheet", help="write a contact sheet PNG of the --data folders' photos")
    p.add_argument("--category", help="the sheet shows only this category's photos (flowers, faces, food, ...)")
    p.add_argument("--no-truth", action="store_true", help="the sheet's photos are black-and-white (no truth column)")
    p.add_argument("--recognition", action="store_true", help="also ask an ImageNet classifier (needs the train extra)")
    p.add_argument("--turing-html", metavar="OUT.html", help="write the real-or-colourised test of the --data photos as one page")
    p.add_argument("--show-ms", type=int, default=1000, help="how long the test page shows each pair (ms)")
    p.add_argument("--seed", type=int, default=0, help="which side each real photo takes in the test")
    p.add_argument("--turing-answers", nargs="+", metavar="ANSWERS.json", help="pool raters' answers files and report")
    p.add_argument("--hint-curve", metavar="OUT.png", help="AuC with 0..20 colour hints simulated from the truth, plotted")
    p.add_argument("--json", help="write the results here")
    p.add_argument("--limit", type=int, default=0, help="at most this many photos of each --data folder (0: all)")
    add_version(p)
    args = p.parse_args(argv)
    if not args.data and not args.turing_answers:
        p.error("--data is required (except with --turing-answers)")
    return run_command("colorizer-eval", lambda: evaluate_command(args))


def evaluate_command(args: argparse.Namespace) -> int:
    if args.turing_answers:
        try:
            pooled = turing.pool([Path(a) for a in args.turing_answers])
        except turing.AnswersError as e:
            raise UserError(str(e)) from e
        lo, hi = pooled["interval_95"]
        print(json.dumps(pooled, indent=1))
        print(f"\nfooling rate {pooled['fooling_rate'] * 100:.1f}% (95% interval {lo * 100:.1f}..{hi * 100:.1f}%) over "
              f"{pooled['trials']} trials by {pooled['raters']} raters; 50% is perfect, the paper's model 20.4%")  # fmt: skip
        return 0
    for folder in args.data:
        if not Path(folder).is_dir():
            raise UserError(f"--data {folder}: no such folder")
    colorizer = Colorizer.load(args.model)
    prior_card = Colorizer.load(args.prior_from).card if args.prior_from else colorizer.card
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
    if args.hint_curve:
        images, _, _ = load_labelled(args.data, args.limit)
        if not images:
            raise UserError(f"--data {' '.join(args.data)}: no readable photos")
        result = hint_curve(colorizer, images, prior, float(temps[0]), seed=args.seed)
        title = f"{colorizer.card.get('title', 'model')}, T = {temps[0]:.3g}, {len(images)} photos at 256x256"
        hint_curve_figure(result, title, Path(args.hint_curve))
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
        print(json.dumps(result, indent=1))
        print(f"wrote {args.hint_curve}")
        return 0
    classifier = ImageNetClassifier() if args.recognition else None
    images, folders, categories = load_labelled(args.data, args.limit)
    if not images:
        raise UserError(f"--data {' '.join(args.data)}: no readable photos")
    groups = {"by_folder": folders, "by_category": categories}
    curves: dict = {}
    results = evaluate_set(colorizer, images, prior, temps, classifier=classifier, groups=groups, curves=curves)
    if args.sweep:
        results["chosen_T"], results["rule"] = choose_temperature(results["temperatures"])
    text = json.dumps(results, indent=1)
    if args.json:
        Path(args.json).write_text(text + "\n")
        title = f"{colorizer.card.get('title', colorizer.card.get('name', 'model'))} on {len(images)} photos at 256x256"
        print(f"wrote {args.json} and {cmf_figure(curves, title, Path(args.json).with_suffix('.cmf.png'))}")
    else:
        print(text)
    shown_T = results.get("chosen_T") or float(temps[0])
    for group in groups:
        print(f"\n{breakdown_table(results, group, shown_T)}")
    print(f"\nall {len(images)} photos: " + summary_line(results, shown_T))
    return 0




if __name__ == "__main__":
    sys.exit(main())
