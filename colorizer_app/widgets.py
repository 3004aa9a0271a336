"""Small widgets: the temperature slider on a log scale with the model's default marked, the
adjustments (saturation, warmth, tint) and the filmstrip of the folder."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap, QPolygonF
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QWidget,
)

T_MIN, T_MAX = 0.02, 1.0
STEPS = 1000


def slider_to_T(value: int) -> float:
    return T_MIN * (T_MAX / T_MIN) ** (value / STEPS)


def T_to_slider(T: float) -> int:
    T = min(max(T, T_MIN), T_MAX)
    return round(math.log(T / T_MIN) / math.log(T_MAX / T_MIN) * STEPS)


class MarkedSlider(QSlider):
    """A slider with a small triangle under the model's default value."""

    def __init__(self):
        super().__init__(Qt.Orientation.Horizontal)
        self.mark: int | None = None

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.mark is None:
            return
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        groove = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, self)
        handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, self)
        span = groove.width() - handle.width()
        x = groove.left() + handle.width() / 2 + span * (self.mark - self.minimum()) / max(1, self.maximum() - self.minimum())
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(230, 120, 20))
        y = self.height() - 1
        p.drawPolygon(QPolygonF([QPointF(x, y - 6), QPointF(x - 5, y), QPointF(x + 5, y)]))
        p.end()


class TemperatureControl(QWidget):
    """Vivid (0.02, near the mode) to calm (1, the mean); emits while dragging and on release."""

    changed = Signal(float)
    released = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.slider = MarkedSlider()
        self.slider.setRange(0, STEPS)
        self.slider.setMinimumWidth(220)
        self.slider.setToolTip("Temperature of the annealed mean: left is vivid (the mode), right is calm (the mean)")
        self.value_label = QLabel()
        self.value_label.setMinimumWidth(70)
        self.reset_button = QToolButton()
        self.reset_button.setText("Default")
        self.reset_button.setToolTip("Reset the temperature to the model's default")
        self.default_T = 0.38
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(QLabel("Vivid"))
        layout.addWidget(self.slider)
        layout.addWidget(QLabel("Calm"))
        layout.addWidget(self.value_label)
        layout.addWidget(self.reset_button)
        self.slider.valueChanged.connect(self._on_value)
        self.slider.sliderReleased.connect(lambda: self.released.emit(self.value()))
        self.reset_button.clicked.connect(self.reset)

    def value(self) -> float:
        return slider_to_T(self.slider.value())

    def set_value(self, T: float) -> None:
        self.slider.setValue(T_to_slider(T))
        self._show(T)

    def set_default(self, T: float) -> None:
        self.default_T = T
        self.slider.mark = T_to_slider(T)
        self.reset_button.setToolTip(f"Reset the temperature to the model's default, T = {T:.3g}")
        self.slider.update()

    def reset(self) -> None:
        self.set_value(self.default_T)
        self.released.emit(self.value())

    def _show(self, T: float) -> None:
        self.value_label.setText(f"T = {T:.3f}")

    def _on_value(self, value: int) -> None:
        T = slider_to_T(value)
        self._show(T)
        self.changed.emit(T)
        if not self.slider.isSliderDown():
            self.released.emit(T)  # keyboard and clicks: no drag to wait for


class AdjustmentsPanel(QWidget):
    """Saturation, warmth, tint and greying of unsure colour: live while dragging, one undo step per drag."""

    changed = Signal(object, bool)  # Look, whether this change starts an edit (for undo)
    released = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        from PySide6.QtWidgets import QGridLayout

        self.sliders: dict[str, QSlider] = {}
        self.labels: dict[str, QLabel] = {}
        grid = QGridLayout(self)
        rows = (("saturation", "Saturation", 0, 300, 100, "How colourful: 100 % unchanged, 0 % grey"),
                ("warmth", "Warmth", -60, 60, 0, "Towards yellow (+) or blue (-): corrects a cold or a sepia cast"),
                ("tint", "Tint", -60, 60, 0, "Towards magenta (+) or green (-): corrects a green or a purple cast"),
                ("grey_unsure", "Grey unsure", 0, 100, 0, "Greys the colour where the network was less sure than usual (the "
                 "uncertainty overlay's magenta): tames blotches on walls and backgrounds. 0 % off"))  # fmt: skip
        for row, (key, text, lo, hi, default, tip) in enumerate(rows):
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(lo, hi)
            slider.setValue(default)
            slider.setToolTip(tip)
            slider.setProperty("default", default)
            label = QLabel()
            label.setMinimumWidth(44)
            grid.addWidget(QLabel(text), row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(label, row, 2)
            slider.valueChanged.connect(self._on_value)
            slider.sliderPressed.connect(self._on_press)
            slider.sliderReleased.connect(self.released.emit)
            self.sliders[key], self.labels[key] = slider, label
        self.reset_button = QToolButton()
        self.reset_button.setText("Reset")
        self.reset_button.setToolTip("Saturation 100 %, no warmth, no tint, nothing greyed")
        self.reset_button.clicked.connect(self.reset)
        grid.addWidget(self.reset_button, len(rows), 2)
        self._pressed = False
        self._show()

    def look(self):
        from model.lab.look import Look

        s = self.sliders
        return Look(s["saturation"].value() / 100, float(s["warmth"].value()), float(s["tint"].value()),
                    s["grey_unsure"].value() / 100)

    def set_look(self, look) -> None:
        """Show a look (e.g. after Undo or opening a photo) without reporting it as a change."""
        values = {"saturation": round(look.saturation * 100), "warmth": round(look.warmth), "tint": round(look.tint),
                  "grey_unsure": round(look.grey_unsure * 100)}
        for key, slider in self.sliders.items():
            slider.blockSignals(True)
            slider.setValue(values[key])
            slider.blockSignals(False)
        self._show()

    def reset(self) -> None:
        from model.lab.look import Look

        self.set_look(Look())
        self.changed.emit(self.look(), True)
        self.released.emit()

    def _show(self) -> None:
        s = self.sliders
        self.labels["saturation"].setText(f"{s['saturation'].value()} %")
        self.labels["warmth"].setText(f"{s['warmth'].value():+d}")
        self.labels["tint"].setText(f"{s['tint'].value():+d}")
        self.labels["grey_unsure"].setText(f"{s['grey_unsure'].value()} %")

    def _on_press(self) -> None:
        self._pressed = True

    def _on_value(self, _value: int) -> None:
        self._show()
        dragging = any(s.isSliderDown() for s in self.sliders.values())
        starts = self._pressed or not dragging  # a drag's first change, or a key press or click
        self._pressed = False
        self.changed.emit(self.look(), starts)
        if not dragging:
            self.released.emit()


class Filmstrip(QListWidget):
    """The photos of the open photo's folder as thumbnails; the current one selected, those with
    saved settings marked with an orange corner. Thumbnails arrive from a worker thread."""

    photoChosen = Signal(str)
    THUMB = 96

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListWidget.Movement.Static)
        self.setIconSize(QSize(self.THUMB, self.THUMB))
        self.setFixedHeight(self.THUMB + 52)
        self.setUniformItemSizes(True)
        self.setToolTip("The photos of this folder; an orange corner marks those with saved settings")
        self.items: dict[Path, QListWidgetItem] = {}
        self.thumbs: dict[Path, QPixmap] = {}
        self.marked: set[Path] = set()
        self.itemClicked.connect(lambda item: self.photoChosen.emit(item.data(Qt.ItemDataRole.UserRole)))

    def set_photos(self, paths: list[Path]) -> None:
        self.clear()
        self.items, self.thumbs, self.marked = {}, {}, set()
        blank = QPixmap(self.THUMB, self.THUMB)
        blank.fill(QColor(128, 128, 128, 60))
        for path in paths:
            item = QListWidgetItem(QIcon(blank), path.name)
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            item.setToolTip(str(path))
            item.setSizeHint(QSize(self.THUMB + 16, self.THUMB + 40))
            self.addItem(item)
            self.items[path] = item

    def set_thumbnail(self, path: Path, gray, has_settings: bool) -> None:
        if path not in self.items:
            return
        h, w = gray.shape
        image = QImage(np.ascontiguousarray(gray).data, w, h, w, QImage.Format.Format_Grayscale8).copy()
        self.thumbs[path] = QPixmap.fromImage(image)
        self.mark(path, has_settings)

    def mark(self, path: Path, has_settings: bool) -> None:
        item = self.items.get(path)
        if item is None:
            return
        (self.marked.add if has_settings else self.marked.discard)(path)
        base = self.thumbs.get(path)
        if base is None:
            return
        pixmap = base.copy()
        if has_settings:
            p = QPainter(pixmap)
            p.setBrush(QColor(230, 120, 20))
            p.setPen(Qt.PenStyle.NoPen)
            p.drawPolygon(QPolygonF([QPointF(pixmap.width() - 22, 0), QPointF(pixmap.width(), 0), QPointF(pixmap.width(), 22)]))
            p.end()
        item.setIcon(QIcon(pixmap))

    def set_current(self, path: Path) -> None:
        item = self.items.get(path)
        if item is not None:
            self.setCurrentItem(item)
            self.scrollToItem(item)
