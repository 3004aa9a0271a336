"""Start the app on a real photo, click a pixel, and save a screenshot of the screen.

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshot.py PHOTO docs/screenshot.png [X,Y] [HINTS.json]

X,Y (fractions of the photo) is the pixel clicked for the inspector; with a hints file (as
colorize --hints reads it) the hint tool is on and the hints are applied.

Runs with Qt's xcb platform on a virtual X screen, as a person would see the window.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from colorizer_app.window import MainWindow  # noqa: E402


def wait(app, condition, seconds=60.0):
    end = time.time() + seconds
    while not condition() and time.time() < end:
        app.processEvents()
        time.sleep(0.01)


def main() -> None:
    photo, out = sys.argv[1], Path(sys.argv[2])
    point = tuple(map(float, sys.argv[3].split(","))) if len(sys.argv) > 3 else (0.5, 0.35)
    hints = sys.argv[4] if len(sys.argv) > 4 else None
    app = QApplication([sys.argv[0]])
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings)
    w.resize(1560, 940)
    w.move(20, 20)
    w.show()
    w.open_path(photo)
    wait(app, lambda: w.session is not None)
    wait(app, lambda: False, 1.0)
    view = w.colour_view
    iw, ih = w.session.image.size
    pos = view.mapFromScene(iw * point[0], ih * point[1])
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    wait(app, lambda: False, 1.0)
    if hints:
        w.actions.hint.trigger()
        w.load_hints_from(hints)
        w.hint_tool.selected = 0
        w._redraw_hints()
        wait(app, lambda: False, 2.0)
    shot = app.primaryScreen().grabWindow(0)
    out.parent.mkdir(parents=True, exist_ok=True)
    shot.save(str(out))
    print(f"saved {out} ({shot.width()}x{shot.height()})")
    w.close()


if __name__ == "__main__":
    main()
