"""Entry point: `colorizer [photo]`."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication


def icon_path() -> Path:
    """The application icon, shipped as package data (packaging/ installs it for desktop launchers)."""
    return Path(str(resources.files("resources") / "icons" / "colorizer.svg"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    parser = argparse.ArgumentParser(prog="colorizer", description="Colorizer: colour for black-and-white photos")
    parser.add_argument("photo", nargs="?", help="a photo to open, or a folder (its first photo)")
    args, qt_args = parser.parse_known_args(argv[1:])
    app = QApplication.instance() or QApplication([argv[0], *qt_args])
    app.setApplicationName("Colorizer")
    app.setOrganizationName("Colorizer")
    app.setWindowIcon(QIcon(str(icon_path())))
    app.setDesktopFileName("colorizer")  # Wayland matches the window to packaging/'s launcher by this
    from .startup import StandIn, mark
    from .theme import apply_theme

    settings = QSettings("Colorizer", "Colorizer")
    apply_theme(app, str(settings.value("theme", "system")))
    stand_in = StandIn(settings)  # on screen before torch is imported
    stand_in.show()
    app.processEvents()
    mark("window")
    from .window import MainWindow  # torch, the networks' code, the docks

    window = MainWindow()
    window.show()
    stand_in.close()
    app.processEvents()
    mark("ready")
    if args.photo:
        window.open_path(args.photo)  # opens once the worker has loaded the network
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
