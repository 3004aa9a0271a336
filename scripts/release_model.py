"""Evaluate trained weights and bundle them with their model card.

    python scripts/release_model.py RUN/best.pt colorizer-vivid --title "Vivid" --default --corpus \
        --val ../shared/data/val --val CORPUS/val --kodak ../shared/data/test/kodak24 --wall-hours 1.2

Sweeps the temperature on the validation set, picks the default by the rule in
model.evaluation.evaluate.choose_temperature, measures Gray, Random and the model on val and Kodak (each
photo squeezed to 256x256), and writes NAME.pt and NAME.json into resources/models.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.evaluation.evaluate import (  # noqa: E402
    SWEEP,
    choose_temperature,
    evaluate_set,
    load_eval_set,
    load_labelled,
    method_label,
)
from model.evaluation.recognition import ImageNetClassifier  # noqa: E402
from model.inference.pipeline import Colorizer  # noqa: E402
from model.io.folders import list_images  # noqa: E402
from model.lab.annealed import BRIEF_T  # noqa: E402
from model.lab.median import describe_readout  # noqa: E402
from model.nets import describe_architecture  # noqa: E402
from model.nets.registry import models_dir  # noqa: E402

SHARED_SOURCES = (
    "the project's shared photo collection (shared/data/train, 5,154 photos): BSDS500, ImageNet samples (ImageNet terms, "
    "non-commercial research), the NIPS 2017 adversarial dev set (CC BY 2.0 per image), hymenoptera, a clothing dataset "
    "(CC0), CamVid, raccoon (MIT), kangaroo, DreamBooth subjects (CC BY 4.0 / Unsplash), Deep Photo Style Transfer "
    "(academic, non-commercial), super-resolution benchmarks (research use) and SUN beach photos (UIUC educational use)"
)
CORPUS_SOURCES = (
    "the large corpus (shared/data/corpus, 86,908 training photos from 16 public repositories): Oxford 102 and Oxford 17 "
    "flowers (research use), Indian and Thai food (none stated), clothing-dataset (CC0 1.0), Clothing Co-Parsing (research "
    "use), Human Action Recognition (none stated), UTKFace and All-Age-Faces (non-commercial research), construction-site "
    "helmets (none stated), Caltech101 (CC BY 4.0), PACS photos (research use), Houses (research use), Intel scenes (none "
    "stated), cats and dogs (research use), cat breeds (none stated)"
)


def data_terms(corpus: bool) -> str:
    sources = SHARED_SOURCES + ("; and " + CORPUS_SOURCES if corpus else "")
    return (f"Trained on {sources}. Most sources state no licence and are research datasets: these weights are for "
            "research / non-commercial use only.")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("weights")
    p.add_argument("name")
    p.add_argument("--title", required=True)
    p.add_argument("--default", action="store_true")
    p.add_argument("--val", action="append", required=True, help="validation folder (repeatable: one set, reported per folder)")
    p.add_argument("--kodak", required=True)
    p.add_argument("--wall-hours", type=float, help="training wall time, all phases")
    p.add_argument("--corpus", action="store_true", help="trained on the large corpus too (its sources go in the card)")
    p.add_argument("--data-note", help="what the training data was, for the card")
    p.add_argument("--notes", default="")
    p.add_argument("--keep-text", action="store_true", help="keep the training facts, notes and (unless given) prior of the "
                   "bundled card NAME.json")  # fmt: skip
    prior_src = p.add_mutually_exclusive_group()
    prior_src.add_argument("--prior-from", help="weights whose card holds the training prior (for the rebalanced AuC)")
    prior_src.add_argument("--prior-counts", help="a prior scan (a run's prior.json) to measure with and put in the card; "
                           "one counted on every training photo pins the rare bins that dominate the rebalanced AuC")
    p.add_argument("--temperatures", type=float, nargs="+", default=list(SWEEP), help="the sweep that picks the default")
    p.add_argument("--median-rarity", type=float, metavar="G",
                   help="read colours out by the median readout with this rarity exponent (model/lab/median.py), "
                   "not the annealed mean")  # fmt: skip
    args = p.parse_args()

    colorizer = Colorizer.load(args.weights, device="cpu")
    card = dict(colorizer.card)
    dst = models_dir()
    # re-evaluating a bundled model: its training story and prior were settled when it was released
    previous = json.loads((dst / f"{args.name}.json").read_text()) if args.keep_text else None
    if args.prior_counts:
        scan = json.loads(Path(args.prior_counts).read_text())
        if "counts" not in scan:
            sys.exit(f"--prior-counts {args.prior_counts}: not a prior scan (a run's prior.json holds 'counts')")
        prior = np.asarray(scan["counts"], dtype=np.float64) / np.sum(scan["counts"])
        card.update(prior=prior.tolist(), prior_counted_on=scan["sampled"] - len(scan["dropped"]))
    else:
        prior_card = release_prior_card(args.prior_from, previous, card)
        prior = np.array(prior_card["prior"])
        if "prior_counted_on" in prior_card:
            card["prior_counted_on"] = prior_card["prior_counted_on"]
    colorizer.card["prior"] = card["prior"] = prior.tolist()
    if args.median_rarity is not None:
        colorizer.use_readout({"kind": "median", "rarity_exponent": args.median_rarity})
        card["readout"] = colorizer.card["readout"]
    val, folders, categories = load_labelled(args.val)
    kodak = load_eval_set(list_images(args.kodak))
    groups = {"by_folder": folders, "by_category": categories}

    sweep_T = tuple(sorted({*args.temperatures, BRIEF_T}))  # the card reports the paper's 1/6 too
    sweep = evaluate_set(colorizer, val, prior, sweep_T, groups=groups)
    chosen, rule = choose_temperature(sweep["temperatures"])
    colorizer.default_T = chosen
    temps = sorted({chosen, BRIEF_T})
    classifier = ImageNetClassifier()  # a second pass at two temperatures: the classifier is the slow part
    recognition = evaluate_set(colorizer, val, prior, temps, baselines=False, classifier=classifier)
    for T in temps:
        sweep["temperatures"][T]["recognition"] = recognition["temperatures"][T]["recognition"]
    sweep["gray"]["recognition"] = recognition["gray"]["recognition"]
    sweep["recognition_by"] = recognition["recognition_by"]
    kodak_res = evaluate_set(colorizer, kodak, prior, temps, classifier=classifier)

    def row(res, T):
        return res["temperatures"][T]

    metrics = {"gray": {"val": sweep["gray"], "kodak24": kodak_res["gray"]},
               "random": {"val": sweep["random"], "kodak24": kodak_res["random"]}}  # fmt: skip
    for T, label in ((chosen, f"ours, default T={chosen:.3g}"), (BRIEF_T, "ours, T=1/6")):
        metrics[label] = {"val": row(sweep, T), "kodak24": row(kodak_res, T)}
    for key in ("bins", "validation", "path", "source"):  # the path is this machine's, not the user's
        card.pop(key, None)
    training = dict(card.get("training", {}))
    training["data"] = args.data_note or "shared/data/train (5,154 photos; terms under Training data and terms)"
    if args.wall_hours:
        training["wall_time_hours_all_phases"] = args.wall_hours
    card.update(
        title=args.title,
        default=args.default,
        architecture=describe_architecture(colorizer.net),
        bins="the 313 ab bins of Zhang et al. (grid 10), sorted by a then b (model/lab/bins.py)",
        default_T=chosen,
        temperature_rule=rule,
        largest_image_share_of_rebalanced_weight={
            "val": sweep["largest_image_share_of_rebalanced_weight"],
            "kodak24": kodak_res["largest_image_share_of_rebalanced_weight"],
        },
        recognition_by=sweep["recognition_by"],
        temperature_sweep_val={method_label(T): row for T, row in sweep["temperatures"].items()},
        metrics=metrics,
        validation_set=f"{len(val)} photos: " + ", ".join(f"{f} ({folders.count(f)})" for f in dict.fromkeys(folders)),
        validation_by_folder=_parts(sweep["by_folder"], chosen),
        validation_by_category=_parts(sweep["by_category"], chosen),
        evaluation="each photo squeezed to 256x256 as in the paper and colourised as the app does (the photo and its "
        "mirror image, their distributions averaged; " + describe_readout(card.get("readout")) + "); AuC of the ab-error "
        "CMF over thresholds 0..150 (%), rebalanced by the inverse smoothed training prior of the ground-truth bin; "
        "colourfulness ratio = median Hasler-Suesstrunk colourfulness of results / of the ground truth",
        data_terms=data_terms(args.corpus),
        training=training,
        notes=args.notes,
    )
    if previous is not None:
        card.update(training=previous["training"], notes=previous["notes"])
    if Path(args.weights).resolve() != (dst / f"{args.name}.pt").resolve():
        shutil.copyfile(args.weights, dst / f"{args.name}.pt")
    (dst / f"{args.name}.json").write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps({"chosen_T": chosen, "metrics": metrics}, indent=1))


def release_prior_card(prior_from: str | None, previous: dict | None, card: dict) -> dict:
    """The card whose prior measures the rebalanced AuC: --prior-from's; when re-measuring a
    bundled model (``previous``, its released card), that card's, since the .pt holds the
    trainer's card, whose prior may be an older sample; else the weights' own."""
    if prior_from:
        return Colorizer.load(prior_from).card
    return previous if previous is not None else card


def _parts(parts: dict, T: float) -> dict:
    """Gray and ours at the default T for each part of the validation set."""
    keep = ("auc_raw", "auc_rebalanced", "colourfulness_ratio", "cast")
    return {
        name: {"photos": r["images"], "gray": {k: r["gray"][k] for k in keep[:2]},
               "ours": {k: r["temperatures"][T][k] for k in keep}}  # fmt: skip
        for name, r in parts.items()
    }


if __name__ == "__main__":
    main()
