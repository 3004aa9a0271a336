"""Start-up: a window on screen at once, before torch and the network load.

The real window needs torch (about 1.5 s to import here) and builds its docks; the network then
loads in the worker while the user picks a photo. Until the window is built, a plain stand-in
of the same size and place shows that Colorizer is starting. ``COLORIZER_STARTUP_LOG`` names a
file that receives the time of each milestone (benchmarks/bench_startup.py reads it)."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


def mark(event: str) -> None:
    """Note a start-up milestone (window, ready, colour) for the benchmark; nothing otherwise."""
    log = os.environ.get("COLORIZER_STARTUP_LOG")
    if log:
        with open(log, "a") as f:
            f.write(f"{event} {time.time():.4f}\n")


class StandIn(QWidget):
    """What shows while the window is being built: the title, the last size and place, a line."""

    def __init__(self, settings: QSettings):
        super().__init__()
        self.setWindowTitle("Colorizer")
        self.resize(1280, 800)
        geometry = settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        label = QLabel("Starting Colorizer…")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("color: gray; font-size: 15px;")
        QVBoxLayout(self).addWidget(label)
