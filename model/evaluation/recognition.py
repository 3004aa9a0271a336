"""Semantic interpretability, the paper's second test (section 4.1): does an off-the-shelf
ImageNet classifier recognise a colourised photo as it recognises the colour original?

The paper measures VGG's accuracy against ImageNet labels; most of our photos carry no label,
so we measure agreement instead: the share of photos whose class on the original (the
classifier's top-1) is among its top 5 on the photo shown. Gray shows what removing colour
costs; a colourisation that puts meaningful colour back should win some of it back.
The classifier is EfficientNet-Lite2 with its ImageNet weights (the train extra), a network
our models never trained.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from model.nets.efficientnet_lite import EfficientNetLite, load_imagenet_state_dict, rgb_to_input

CLASSIFIER = "lite2"
INPUT_SIZE = 256  # our evaluation photos' size; close to Lite2's native 260


class ImageNetClassifier:
    def __init__(self, variant: str = CLASSIFIER):
        self.variant = variant
        self.net = EfficientNetLite(variant)
        self.net.load_state_dict(load_imagenet_state_dict(variant), strict=True)
        self.net.eval()

    @torch.inference_mode()
    def top(self, images: list[np.ndarray], k: int = 5) -> np.ndarray:
        """uint8 RGB photos (H, W, 3) -> the k most likely classes of each, (N, k)."""
        x = torch.stack([torch.from_numpy(np.ascontiguousarray(im)).permute(2, 0, 1).float() for im in images])
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear", align_corners=False, antialias=True)
        return self.net(rgb_to_input(x)).topk(k, dim=1).indices.numpy()


class AgreementCounter:
    """Per method: how often the original's top-1 class is in the method's top 5 (and is its top 1)."""

    def __init__(self):
        self.counts: dict[str, np.ndarray] = {}
        self.photos = 0

    def add(self, truth_top: np.ndarray, shown_tops: dict[str, np.ndarray]) -> None:
        self.photos += 1
        label = truth_top[0]
        for name, top in shown_tops.items():
            self.counts.setdefault(name, np.zeros(2, np.int64))
            self.counts[name] += [label in top[:5], label == top[0]]

    def result(self) -> dict[str, dict[str, float]]:
        return {
            name: {"top5_agreement": round(100.0 * c[0] / self.photos, 1), "top1_agreement": round(100.0 * c[1] / self.photos, 1)}
            for name, c in self.counts.items()
        }
