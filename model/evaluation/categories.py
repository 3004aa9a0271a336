"""What a validation photo shows, from the folder of its set: the corpus's nine categories
(corpus README), with the shared collection's sets placed in the nearest one."""

from __future__ import annotations

from pathlib import Path

CATEGORY_OF_SET = {
    # the corpus
    "Oxford102": "flowers", "Oxford17": "flowers",
    "IndianFood": "food", "ThaiFood": "food",
    "Clothing": "clothing",
    "CCP": "people", "HAR": "people", "Helmet": "people",
    "UTKFace": "faces", "AAF": "faces",
    "Caltech101": "objects", "PACSphoto": "objects",
    "Houses": "buildings",
    "Intel": "scenes",
    "CatsDogsUdemy": "animals", "Chanakya": "animals",
    # the shared collection (shared/data/README.md)
    "clothing_small": "clothing", "clothing_small_b": "clothing",
    "hymenoptera": "animals", "kangaroo": "animals", "raccoon200": "animals",
    "imagenet_det200_x5": "objects", "nips17_imagenet_compatible": "objects", "dreambooth_subjects": "objects",
    "set5": "objects", "set14": "objects", "mcmaster18": "objects", "live1_color": "objects",
    "bsds500": "scenes", "camvid": "scenes", "deep_photo_style": "scenes", "sun_hays80": "scenes",
    "sun_lscolor_beach_matches": "scenes",
    "urban100": "buildings",
}  # fmt: skip


def set_of(path: Path, root: Path) -> str:
    """The set folder a photo lies in under ``root`` (the root's own name for loose photos)."""
    rel = Path(path).relative_to(root)
    return rel.parts[0] if len(rel.parts) > 1 else Path(root).name


def category_of(path: Path, root: Path) -> str:
    """A category name; a set this table does not know is its own category."""
    return category_of_set(set_of(path, root))


def category_of_set(name: str) -> str:
    """The category of a set folder's name; a set this table does not know is its own category."""
    return CATEGORY_OF_SET.get(name, name)
