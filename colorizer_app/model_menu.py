"""The Model menu: the bundled models (the current one checked), the card, a weights file of
one's own, and the device. It only asks; the window loads."""

from __future__ import annotations

import torch
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu

from model.nets.registry import bundled_models


def fill_model_menu(menu: QMenu, window, current_model: str | None, current_device: str) -> None:
    menu.clear()
    models = QActionGroup(menu)
    for entry in bundled_models():
        a = menu.addAction(entry.title)
        a.setCheckable(True)
        a.setChecked(entry.name == current_model)
        a.triggered.connect(lambda _=False, n=entry.name: window.load_model(n))
        models.addAction(a)
    menu.addSeparator()
    menu.addAction(window.actions.card)
    menu.addAction(window.actions.load_weights)
    devices = menu.addMenu("&Device")
    cuda = torch.cuda.is_available()
    group = QActionGroup(menu)
    labels = {
        "auto": f"Auto ({'CUDA' if cuda else 'CPU'})",
        "cpu": "CPU",
        "cuda": f"CUDA ({torch.cuda.get_device_name(0)})" if cuda else "CUDA (none found)",
    }
    for name, label in labels.items():
        a = devices.addAction(label)
        a.setCheckable(True)
        a.setChecked(name == current_device)
        a.setEnabled(name != "cuda" or cuda)
        a.triggered.connect(lambda _=False, n=name: window.set_device(n))
        group.addAction(a)
