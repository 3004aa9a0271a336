"""Evaluate trained weights and bundle them with their model card.

    python scripts/release_model.py RUN/best.pt colorizer-vivid --title "Vivid" --default \
        --val ../shared/data/val --kodak ../shared/data/test/kodak24 --wall-hours 1.2

Sweeps the temperature on the validation set, picks the default by the rule in
model.evaluate.choose_temperature, measures Gray, Random and the model on val and Kodak (each
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

from model.annealed import BRIEF_T, PAPER_T  # noqa: E402
from model.data import list_images, load_eval_set  # noqa: E402
from model.evaluate import SWEEP, choose_temperature, evaluate_set  # noqa: E402
from model.nets import describe_architecture  # noqa: E402
from model.pipeline import Colorizer  # noqa: E402
from model.recognition import ImageNetClassifier  # noqa: E402
from model.registry import models_dir  # noqa: E402

DATA_TERMS = (
    "Trained on the project's shared photo collection: BSDS500, ImageNet samples (ImageNet terms, non-commercial research), "
    "the NIPS 2017 adversarial dev set (CC BY 2.0 per image), hymenoptera, a clothing dataset (CC0), CamVid, raccoon (MIT), "
    "kangaroo, DreamBooth subjects (CC BY 4.0 / Unsplash), Deep Photo Style Transfer (academic, non-commercial), "
    "super-resolution benchmarks (research use) and SUN beach photos (UIUC educational use). Most sources state no licence "
    "and are research datasets: these weights are for research / non-commercial use only."
)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("weights")
    p.add_argument("name")
    p.add_argument("--title", required=True)
    p.add_argument("--default", action="store_true")
    p.add_argument("--val", required=True)
    p.add_argument("--kodak", required=True)
    p.add_argument("--wall-hours", type=float, help="training wall time, all phases")
    p.add_argument("--notes", default="")
    p.add_argument("--keep-text", action="store_true", help="keep the training facts and notes of the bundled card NAME.json")
    p.add_argument("--prior-from", help="weights whose card holds the training prior (for the rebalanced AuC)")
    args = p.parse_args()

    colorizer = Colorizer.from_file(args.weights, device="cpu")
    card = dict(colorizer.card)
    prior_card = Colorizer.from_file(args.prior_from).card if args.prior_from else card
    prior = np.array(prior_card["prior"])
    val = load_eval_set(list_images(args.val))
    kodak = load_eval_set(list_images(args.kodak))

    classifier = ImageNetClassifier()
    sweep = evaluate_set(colorizer, val, prior, SWEEP, classifier=classifier)
    chosen, rule = choose_temperature(sweep)
    colorizer.default_T = chosen
    temps = sorted({chosen, BRIEF_T, PAPER_T})
    kodak_res = evaluate_set(colorizer, kodak, prior, temps, classifier=classifier)

    def row(res, T):
        return res[f"T={T:.3g}"]

    metrics = {"gray": {"val": sweep["gray"], "kodak24": kodak_res["gray"]},
               "random": {"val": sweep["random"], "kodak24": kodak_res["random"]}}  # fmt: skip
    for T, label in ((chosen, f"ours, default T={chosen:.3g}"), (BRIEF_T, "ours, T=1/6"), (PAPER_T, "ours, T=0.38")):
        metrics[label] = {"val": row(sweep, T), "kodak24": row(kodak_res, T)}
    for key in ("bins", "validation", "path", "source"):  # the path is this machine's, not the user's
        card.pop(key, None)
    training = dict(card.get("training", {}))
    training["data"] = "../shared/data/train (5,154 photos, see data_terms)"
    if args.wall_hours:
        training["wall_time_hours_all_phases"] = args.wall_hours
    card.update(
        title=args.title,
        default=args.default,
        architecture=describe_architecture(colorizer.net),
        bins="the 313 ab bins of Zhang et al. (grid 10), sorted by a then b (model/bins.py)",
        default_T=chosen,
        temperature_rule=rule,
        largest_image_share_of_rebalanced_weight={
            "val": sweep["largest_image_share_of_rebalanced_weight"],
            "kodak24": kodak_res["largest_image_share_of_rebalanced_weight"],
        },
        recognition_by=sweep["recognition_by"],
        temperature_sweep_val={k: v for k, v in sweep.items() if k.startswith("T=")},
        metrics=metrics,
        evaluation="each photo squeezed to 256x256 as in the paper; AuC of the ab-error CMF over thresholds 0..150 (%), "
        "rebalanced by the inverse smoothed training prior of the ground-truth bin; colourfulness ratio = median "
        "Hasler-Suesstrunk colourfulness of results / of the ground truth",
        data_terms=DATA_TERMS,
        training=training,
        notes=args.notes,
    )
    dst = models_dir()
    if args.keep_text:  # re-evaluating a bundled model: its training story was written when it was released
        previous = json.loads((dst / f"{args.name}.json").read_text())
        card.update(training=previous["training"], notes=previous["notes"])
    if Path(args.weights).resolve() != (dst / f"{args.name}.pt").resolve():
        shutil.copyfile(args.weights, dst / f"{args.name}.pt")
    (dst / f"{args.name}.json").write_text(json.dumps(card, indent=1) + "\n")
    print(json.dumps({"chosen_T": chosen, "metrics": metrics}, indent=1))


if __name__ == "__main__":
    main()
