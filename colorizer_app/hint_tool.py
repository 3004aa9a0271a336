"""The hint tool: click or paint on either view to give a colour; drag a marker to move it,
right-click it to recolour or delete it. All edits go through the Session (one undo history);
this class only turns mouse events into those calls and draws the markers."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QMenu

from model.lab.bins import AB_BINS
from model.lab.color import lab_to_rgb, rgb_to_lab

MARKER_L = 65.0  # markers show a hint's colour at this lightness
GRAB_PIXELS = 10  # on screen: a press this close to a marker takes the marker
MAX_RECENT = 8


def display_colour(ab: tuple[float, float], L: float = MARKER_L) -> QColor:
    r, g, b = (np.clip(lab_to_rgb(np.array([[[L, ab[0], ab[1]]]]))[0, 0], 0, 1) * 255).round().astype(int)
    return QColor(int(r), int(g), int(b))


def ab_of_qcolor(colour: QColor) -> tuple[float, float]:
    lab = rgb_to_lab(np.array([[[colour.redF(), colour.greenF(), colour.blueF()]]]))[0, 0]
    return float(lab[1]), float(lab[2])


class HintTool(QObject):
    changed = Signal(bool)  # hints changed; True once a press, drag or menu action is finished
    colourChanged = Signal()

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.colour: tuple[float, float] | None = None  # None: the network's likeliest colour where one clicks
        self.recent: list[tuple[float, float]] = []
        self.radius = 12.0  # photo pixels
        self.selected: int | None = None
        self._dragging: int | None = None  # index of a marker being moved
        self._stroke: list[tuple[float, float]] = []  # points of a stroke being painted
        self._stroke_ab: tuple[float, float] | None = None
        self._moved = False  # a drag records one undo step, at its first move

    @property
    def session(self):
        return self.window.session

    # ------------------------------------------------------------------ colours
    def set_colour(self, ab: tuple[float, float] | None) -> None:
        self.colour = ab
        if ab is not None:
            self.recent = [ab] + [c for c in self.recent if np.hypot(c[0] - ab[0], c[1] - ab[1]) > 1][: MAX_RECENT - 1]
            if self.selected is not None and self.session is not None and self.selected < len(self.session.pred.hints):
                self.session.recolour_hint(self.selected, ab)
                self.changed.emit(True)
        self.colourChanged.emit()

    def choose_colour_dialog(self) -> None:
        start = display_colour(self.colour) if self.colour else QColor(192, 48, 48)
        colour = QColorDialog.getColor(start, self.window, "Hint colour")
        if colour.isValid():
            self.set_colour(ab_of_qcolor(colour))

    def candidate_chosen(self, q: int) -> None:
        """A colour the network considered (from the inspector) becomes the hint colour."""
        self.set_colour((float(AB_BINS[q][0]), float(AB_BINS[q][1])))

    def _colour_at(self, x: float, y: float) -> tuple[float, float]:
        if self.colour is not None:
            return self.colour
        s = self.session
        report = s.colorizer.inspect(s.pred, x, y, s.temperature)
        q = report.modes[0][0]
        return float(AB_BINS[q][0]), float(AB_BINS[q][1])

    # ------------------------------------------------------------------ mouse
    @Slot(float, float, bool)
    def pressed(self, x: float, y: float, eyedropper: bool) -> None:
        s = self.session
        if s is None:
            return
        if eyedropper:  # the colour the photo shows there now
            ab = s.colorizer.inspect(s.pred, x, y, s.temperature).ab
            self.set_colour((round(ab[0], 1), round(ab[1], 1)))
            return
        near = s.hint_near(x, y, GRAB_PIXELS / max(1e-6, self.window.views.views[0].zoom_level()))
        if near is not None:
            self.selected, self._dragging = near, near
            self._moved = False
            self.changed.emit(False)
            return
        self._stroke_ab = self._colour_at(x, y)
        self.selected = s.add_hint(x, y, self._stroke_ab, self.radius)
        self._stroke = [(x, y)]
        self.changed.emit(False)

    @Slot(float, float)
    def dragged(self, x: float, y: float) -> None:
        s = self.session
        if s is None:
            return
        if self._dragging is not None:
            s.move_hint(self._dragging, x, y, record=not self._moved)
            self._moved = True
            self.changed.emit(False)
        elif self._stroke:
            lx, ly = self._stroke[-1]
            if np.hypot(x - lx, y - ly) >= max(2.0, self.radius):  # a stroke: a hint every brush radius
                self.selected = s.add_hint(x, y, self._stroke_ab, self.radius, record=False)
                self._stroke.append((x, y))
                self.changed.emit(False)

    @Slot()
    def released(self) -> None:
        self._dragging, self._stroke = None, []
        self.changed.emit(True)

    @Slot(float, float, object)
    def menu(self, x: float, y: float, global_pos) -> None:
        s = self.session
        if s is None:
            return
        near = s.hint_near(x, y, GRAB_PIXELS / max(1e-6, self.window.views.views[0].zoom_level()))
        if near is None:
            return
        self.selected = near
        self.changed.emit(False)
        menu = QMenu(self.window)
        recolour = menu.addAction("Recolour…")
        delete = menu.addAction("Delete Hint")
        chosen = menu.exec(global_pos)
        if chosen is recolour:
            self.choose_colour_dialog()
        elif chosen is delete:
            self.delete_selected()

    def delete_selected(self) -> None:
        s = self.session
        if s is not None and self.selected is not None and self.selected < len(s.pred.hints):
            s.delete_hint(self.selected)
            self.selected = None
            self.changed.emit(True)

    def markers(self) -> list[tuple[float, float, QColor]]:
        s = self.session
        return [] if s is None else [(h.x, h.y, display_colour(h.ab)) for h in s.pred.hints]
