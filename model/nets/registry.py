"""The models a user can pick: those bundled in package data, and weights files of their own."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from model.errors import UserError


@dataclass
class ModelEntry:
    name: str
    weights: Path
    card: dict

    @property
    def title(self) -> str:
        return self.card.get("title", self.name)


def models_dir() -> Path:
    return Path(str(resources.files("resources") / "models"))


def bundled_models() -> list[ModelEntry]:
    """Each bundled model is NAME.pt with its model card NAME.json; the default comes first."""
    entries = []
    for card_path in sorted(models_dir().glob("*.json")):
        weights = card_path.with_suffix(".pt")
        if weights.exists():
            entries.append(ModelEntry(card_path.stem, weights, json.loads(card_path.read_text())))
    return sorted(entries, key=lambda e: (not e.card.get("default", False), e.name))


def is_bundled(name: str) -> bool:
    return name in {e.name for e in bundled_models()}


def bundled_model(name: str | None = None) -> ModelEntry:
    entries = bundled_models()
    if not entries:
        raise FileNotFoundError(f"no bundled model found in {models_dir()}; the installation is incomplete")
    if name is None:
        return entries[0]
    for e in entries:
        if e.name == name:
            return e
    raise UserError(f"no bundled model {name!r}; available: {', '.join(e.name for e in entries)}")
