"""Copy trained weights into package data with their model card.

python scripts/bundle_model.py RUN/best.pt NAME --title "..." [--default] [--extra card_extra.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.registry import models_dir  # noqa: E402
from model.weights import load_net  # noqa: E402

DATA_TERMS = (
    "Trained on ../shared/data/train: public research photo datasets (BSDS500, ImageNet samples, NIPS 2017 "
    "adversarial dev set (CC BY 2.0), hymenoptera, clothing (CC0), CamVid, raccoon (MIT), kangaroo, DreamBooth "
    "(CC BY 4.0 / Unsplash), Deep Photo Style Transfer, super-resolution benchmarks, SUN beach photos). Most sources "
    "state no licence and are research datasets: these weights are for research / non-commercial use only."
)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("weights")
    p.add_argument("name")
    p.add_argument("--title", required=True)
    p.add_argument("--default", action="store_true")
    p.add_argument("--extra", help="JSON merged into the card (evaluation results, temperature sweep)")
    args = p.parse_args()
    _, card = load_net(args.weights)  # proves the file loads
    card.pop("bins", None)
    card.update({"title": args.title, "default": args.default, "data_terms": DATA_TERMS,
                 "bins": "the 313 ab bins of Zhang et al. (grid 10), order sorted by a then b (model/bins.py)"})  # fmt: skip
    if args.extra:
        card.update(json.loads(Path(args.extra).read_text()))
    dst = models_dir()
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.weights, dst / f"{args.name}.pt")
    (dst / f"{args.name}.json").write_text(json.dumps(card, indent=1) + "\n")
    print(f"bundled {args.name}: {(dst / f'{args.name}.pt').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
