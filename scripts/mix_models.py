"""Pack trained weights files into one mixture (model/nets/mixture.py) for release_model.py.

    python scripts/mix_models.py OUT.pt resources/models/colorizer-vivid.pt RUN/last.pt --weights 1 1

The card keeps each member's training facts in order; the first member's card gives the rest
(prior, lambda, readout), which release_model.py then measures and replaces.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.nets import MixtureNet, describe_architecture  # noqa: E402
from model.nets.weights import export_weights, load_net  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("members", nargs="+", help="two or more weights files")
    p.add_argument("--weights", type=float, nargs="+", help="each member's share (default: equal)")
    args = p.parse_args()
    weights = args.weights or [1.0] * len(args.members)
    if len(weights) != len(args.members):
        sys.exit(f"{len(args.members)} members but {len(weights)} weights")
    loaded = [load_net(m) for m in args.members]
    mix = MixtureNet.of([net for net, _ in loaded], weights)
    first = loaded[0][1]
    card = {k: v for k, v in first.items() if k not in ("training", "metrics", "validation", "path", "source")}
    card["training"] = {"members": [{"file": Path(m).name, "architecture": describe_architecture(net), **c.get("training", {})}
                                    for m, (net, c) in zip(args.members, loaded)]}  # fmt: skip
    export_weights(mix, args.out, card)
    print(f"wrote {args.out}: {describe_architecture(mix)}")


if __name__ == "__main__":
    main()
