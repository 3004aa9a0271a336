"""How the network's input is made, measured on the evaluation's 256x256 truth (Vivid, its
default T): 8-bit grey levels of the full photo resized with its aspect kept, as the app does
(B), or squeezed to 256x256 (C), and the evaluation's own squeezed L rounded to grey levels (D).
Prints the AuCs against Gray, overall, by aspect ratio, for photos up- and downscaled; writes
them with the per-category rows to compare_network_inputs_TAG.json. README's "The network's
input" figures are this script's, run as

    python scripts/compare_network_inputs.py val ../shared/data/val CORPUS/val
    python scripts/compare_network_inputs.py kodak ../shared/data/test/kodak24

(about 35 minutes for val on 2 cores)."""

import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.evaluation.categories import category_of  # noqa: E402
from model.evaluation.evaluate import EVAL_SIZE, _lab  # noqa: E402
from model.evaluation.metrics import AucAccumulator, bootstrap_margin, colourfulness  # noqa: E402
from model.inference.pipeline import Colorizer, network_size  # noqa: E402
from model.io.folders import list_images  # noqa: E402
from model.io.images import load_rgb  # noqa: E402
from model.lab.color import gray_from_lightness, lab_to_rgb_torch, rgb_to_lab_torch  # noqa: E402

VARIANTS = ("B_gray8_aspect", "C_gray8_squeeze", "D_eval_requantised")


def lightness(im: Image.Image) -> np.ndarray:
    rgb = torch.from_numpy(np.asarray(im.convert("RGB")).copy()).permute(2, 0, 1).float()[None] / 255.0
    return rgb_to_lab_torch(rgb)[0, 0].numpy()


def gray8(L: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """L as an 8-bit grey photo, resized as pixels (bicubic), read back as L."""
    return lightness(Image.fromarray(gray_from_lightness(L)).resize(size, Image.BICUBIC))


def main(tag: str, roots: list[str]) -> None:
    torch.set_num_threads(2)
    col = Colorizer.bundled("colorizer-vivid", device="cpu")
    T, prior = col.default_T, np.asarray(col.card["prior"])
    accs = {k: AucAccumulator(prior) for k in ("gray", *VARIANTS)}
    colourful: dict[str, list[float]] = {k: [] for k in ("truth", *VARIANTS)}
    aspects, shorts, cats = [], [], []
    t0 = time.time()
    for root in roots:
        for f in list_images(Path(root)):
            try:
                im = load_rgb(f)
            except OSError as e:
                print("skip", e)
                continue
            squeezed = im.resize((EVAL_SIZE, EVAL_SIZE), Image.BICUBIC)
            L, ab = _lab(torch.from_numpy(np.asarray(squeezed).copy()).permute(2, 0, 1))
            weights = accs["gray"].truth_weights(ab)
            accs["gray"].add(torch.zeros_like(ab), ab, weights)
            colourful["truth"].append(colourfulness(np.asarray(squeezed)))
            full = lightness(im)
            inputs = {
                "B_gray8_aspect": gray8(full, network_size(im.width, im.height, 32)),
                "C_gray8_squeeze": gray8(full, (EVAL_SIZE, EVAL_SIZE)),
                "D_eval_requantised": gray8(L, (EVAL_SIZE, EVAL_SIZE)),
            }
            for k, x in inputs.items():
                pred_ab = col.ab_at(col.predict(x), T, (EVAL_SIZE, EVAL_SIZE))
                accs[k].add(pred_ab[None], ab, weights)
                out = lab_to_rgb_torch(torch.cat([torch.from_numpy(L)[None], pred_ab], 0))
                colourful[k].append(colourfulness((out * 255 + 0.5).permute(1, 2, 0).numpy().astype(np.uint8)))
            aspects.append(im.width / im.height)
            shorts.append(min(im.size))
            cats.append(category_of(f, Path(root)))
            if len(cats) % 100 == 0:
                now = {k: {m: round(v, 2) for m, v in a.result().items()} for k, a in accs.items()}
                print(len(cats), round(time.time() - t0), now, flush=True)

    def rows(idx: np.ndarray) -> dict | None:
        if len(idx) == 0:
            return None
        g = accs["gray"].subset(idx).result()
        r: dict = {"n": len(idx), "gray": g}
        truth = np.median(np.asarray(colourful["truth"])[idx])
        for k in VARIANTS:
            m = accs[k].subset(idx).result()
            r[k] = {**m, "d_raw": m["auc_raw"] - g["auc_raw"], "d_reb": m["auc_rebalanced"] - g["auc_rebalanced"],
                    "colourful": float(np.median(np.asarray(colourful[k])[idx]) / truth)}  # fmt: skip
        return r

    res: dict = {"all": rows(np.arange(len(cats)))}
    light = accs["gray"].light_images()
    res["bounded"] = {k: accs[k].subset(light).result()["auc_rebalanced"] for k in accs}
    for k in VARIANTS:
        res[k + "_ci"] = bootstrap_margin(accs[k], accs["gray"])
    ratio, short = np.maximum(np.asarray(aspects), 1 / np.asarray(aspects)), np.asarray(shorts)
    for lo, hi in ((1, 1.1), (1.1, 1.4), (1.4, 1.6), (1.6, 99)):
        res[f"aspect_{lo}_{hi}"] = rows(np.flatnonzero((ratio >= lo) & (ratio < hi)))
    res["upscaled"], res["downscaled"] = rows(np.flatnonzero(short < 256)), rows(np.flatnonzero(short >= 256))
    res["by_category"] = {c: rows(np.flatnonzero(np.asarray(cats) == c)) for c in sorted(set(cats))}
    Path(f"compare_network_inputs_{tag}.json").write_text(json.dumps(res, indent=1))
    for k, v in res.items():
        if k == "by_category" or v is None:
            continue
        if k.endswith("_ci") or k == "bounded":
            print(k, v)
            continue
        print(k, v["n"], "gray", {m: round(x, 2) for m, x in v["gray"].items()})
        for m in VARIANTS:
            print("   ", m, {q: round(x, 2) for q, x in v[m].items()})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
