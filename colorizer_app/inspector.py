"""The colour inspector: one pixel's 313-bin distribution drawn on the ab plane at that pixel's
lightness, its annealed mean, top modes and entropy. Clicking a cell or a mode chooses it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QRadioButton,
    QScrollArea,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from model.inference.pipeline import PixelReport
from model.lab.bins import AB_BINS, GRID, Q
from model.lab.color import lab_to_rgb

from .words import certainty, certainty_words, colour_name, named_choices

A_RANGE = (-100.0, 110.0)  # plotted extent of a (horizontal) and b (vertical, up = yellow)
B_RANGE = (-120.0, 110.0)
LOG_FLOOR = 1e-4
READABLE_L = (25.0, 85.0)  # near black or white every ab colour looks the same; show hue there


def display_lightness(L: float) -> float:
    """The lightness the inspector draws a pixel's colours at: its own, kept where hues can be told apart."""
    return float(np.clip(L, *READABLE_L))


def bin_colours(L: float) -> np.ndarray:
    """sRGB uint8 (313, 3) of each bin at lightness L."""
    lab = np.column_stack([np.full(len(AB_BINS), L), AB_BINS])
    return (lab_to_rgb(lab) * 255 + 0.5).astype(np.uint8)


def cell_scale(probs: np.ndarray, log_scale: bool) -> np.ndarray:
    """Relative cell size in 0..1 for each bin."""
    if log_scale:
        lo, hi = np.log(LOG_FLOOR), np.log(max(probs.max(), LOG_FLOOR * 1.01))
        return np.clip((np.log(np.maximum(probs, LOG_FLOOR)) - lo) / (hi - lo), 0, 1)
    return np.sqrt(probs / max(probs.max(), 1e-12))  # area proportional to probability


class ABPlane(QWidget):
    binClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.report: PixelReport | None = None
        self.colours = bin_colours(50)
        self.log_scale = False
        self.setMouseTracking(True)
        self.setMinimumSize(140, 140)
        self.setToolTip("Each cell is one of the 313 ab colours at this pixel's lightness (kept within L 25..85, where hues "
            "show); its size shows the probability.")

    def sizeHint(self) -> QSize:
        return QSize(300, 300)

    def set_report(self, report: PixelReport | None, colours: np.ndarray | None = None) -> None:
        self.report = report
        if report is not None:
            self.colours = bin_colours(display_lightness(report.L)) if colours is None else colours
        self.update()

    def set_log_scale(self, on: bool) -> None:
        self.log_scale = on
        self.update()

    # ------------------------------------------------------------------ geometry
    def _plot_rect(self) -> QRectF:
        side = min(self.width(), self.height()) - 16
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _to_widget(self, a: float, b: float) -> QPointF:
        r = self._plot_rect()
        x = r.left() + (a - A_RANGE[0]) / (A_RANGE[1] - A_RANGE[0]) * r.width()
        y = r.bottom() - (b - B_RANGE[0]) / (B_RANGE[1] - B_RANGE[0]) * r.height()
        return QPointF(x, y)

    def bin_at(self, pos: QPointF) -> int | None:
        r = self._plot_rect()
        a = A_RANGE[0] + (pos.x() - r.left()) / r.width() * (A_RANGE[1] - A_RANGE[0])
        b = B_RANGE[0] + (r.bottom() - pos.y()) / r.height() * (B_RANGE[1] - B_RANGE[0])
        d = np.hypot(AB_BINS[:, 0] - a, AB_BINS[:, 1] - b)
        q = int(d.argmin())
        return q if d[q] <= GRID * 0.75 else None

    # ------------------------------------------------------------------ painting
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self._plot_rect()
        p.fillRect(r, self.palette().base())
        p.setPen(QPen(self.palette().mid().color(), 1))
        origin = self._to_widget(0, 0)
        p.drawLine(QPointF(r.left(), origin.y()), QPointF(r.right(), origin.y()))
        p.drawLine(QPointF(origin.x(), r.top()), QPointF(origin.x(), r.bottom()))
        p.setPen(self.palette().text().color())
        p.drawText(r.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "+a")
        p.drawText(r.adjusted(4, 2, -4, -2), Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, "+b")
        cell = r.width() * GRID / (A_RANGE[1] - A_RANGE[0])
        probs = self.report.probs if self.report is not None else np.full(len(AB_BINS), 1.0)
        scale = cell_scale(probs, self.log_scale) if self.report is not None else np.full(len(AB_BINS), 0.25)
        p.setPen(Qt.PenStyle.NoPen)
        for q, (a, b) in enumerate(AB_BINS):
            s = cell * (0.08 + 0.92 * scale[q])
            c = self._to_widget(a, b)
            p.setBrush(QColor(*map(int, self.colours[q])))
            p.drawRect(QRectF(c.x() - s / 2, c.y() - s / 2, s, s))
        if self.report is not None:
            m = self._to_widget(*self.report.ab)
            for colour, width in ((QColor(0, 0, 0), 3.0), (QColor(255, 255, 255), 1.2)):
                p.setPen(QPen(colour, width))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(m, cell * 0.45, cell * 0.45)
                p.drawLine(m - QPointF(cell * 0.8, 0), m + QPointF(cell * 0.8, 0))
                p.drawLine(m - QPointF(0, cell * 0.8), m + QPointF(0, cell * 0.8))
        p.end()

    def mouseMoveEvent(self, event) -> None:
        q = self.bin_at(event.position())
        if q is None or self.report is None:
            QToolTip.hideText()
            return
        a, b = AB_BINS[q]
        QToolTip.showText(event.globalPosition().toPoint(), f"a {a:+.0f}, b {b:+.0f}: {self.report.probs[q] * 100:.2f}%", self)

    def mouseReleaseEvent(self, event) -> None:
        q = self.bin_at(event.position())
        if q is not None and self.report is not None and event.button() == Qt.MouseButton.LeftButton:
            self.binClicked.emit(q)


def swatch(rgb: np.ndarray, size: int = 18) -> QIcon:
    pm = QPixmap(size, size)
    pm.fill(QColor(*map(int, rgb)))
    return QIcon(pm)


PROMPT = "Click a pixel in either view to see the colours the network considered there."


class Inspector(QWidget):
    """The dock's content: the colours considered at a pixel, in words and on the ab plane, with
    how sure the network was; the Lab figures one click away."""

    modeChosen = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.plane = ABPlane()
        self.plane.binClicked.connect(self.modeChosen)
        self.header = QLabel(PROMPT)
        self.header.setWordWrap(True)
        self.linear = QRadioButton("Linear")
        self.log = QRadioButton("Log")
        self.linear.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.linear)
        group.addButton(self.log)
        self.log.toggled.connect(self.plane.set_log_scale)
        self.modes = QListWidget()
        self.modes.setToolTip("The colours the network found likeliest here; click one to use it for the region that "
                              "believed in it")  # fmt: skip
        self.modes.itemClicked.connect(lambda item: self.modeChosen.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.modes.addItem(QListWidgetItem(swatch(np.zeros(3)), "grey: 0 %"))  # a row as the choices are drawn
        row = self.modes.sizeHintForRow(0)
        self.modes.clear()
        self.modes.setFixedHeight(5 * row + 2 * self.modes.frameWidth() + 2)  # all five choices, no more room
        self.sure_label = QLabel()
        self.sure_bar = QProgressBar()
        self.sure_bar.setRange(0, 100)
        self.sure_bar.setTextVisible(False)
        self.sure_bar.setMaximumHeight(10)
        self.sure_bar.setToolTip("How sure the network was: full when it saw one colour only, empty when every colour "
                                 "was as likely as any other")  # fmt: skip
        self.details = QToolButton()
        self.details.setText("Lab figures")
        self.details.setCheckable(True)
        self.details.setToolTip("Show the CIE Lab numbers: a and b of each colour, the annealed mean, the entropy")
        self.details.toggled.connect(self._refresh)
        self.numbers = QLabel()
        self.numbers.setVisible(False)
        scale_row = QHBoxLayout()
        scale_row.addWidget(QLabel("Cell size:"))
        scale_row.addWidget(self.linear)
        scale_row.addWidget(self.log)
        scale_row.addStretch()
        scale_row.addWidget(self.details)
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.plane, 1)
        column.addLayout(scale_row)
        column.addWidget(QLabel("Colours the network considered here (click one to use it):"))
        column.addWidget(self.modes)
        column.addWidget(self.sure_label)
        column.addWidget(self.sure_bar)
        column.addWidget(self.numbers)
        # Below the header it scrolls on a short screen (1366 x 768) rather than push the window
        # taller than the screen; the wrapped header stays outside, where its height for the
        # width cannot make the scroll area ask for more than it has.
        self.scroll = QScrollArea()
        self.scroll.setWidget(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setMinimumWidth(body.minimumSizeHint().width() + self.scroll.verticalScrollBar().sizeHint().width())
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.scroll, 1)
        self._last: tuple | None = None

    def show_report(self, point: tuple[int, int] | None, report: PixelReport | None, T: float) -> None:
        self._last = (point, report, T)
        self._refresh()

    def _refresh(self) -> None:
        point, report, T = self._last or (None, None, 0.0)
        shown = None if report is None else display_lightness(report.L)
        colours = None if report is None else bin_colours(shown)
        self.plane.set_report(report, colours)
        self.modes.clear()
        lab_figures = self.details.isChecked()
        if report is None:
            self.header.setText(PROMPT)
            self.numbers.clear()
            self.sure_label.clear()
            self.sure_bar.setValue(0)
            return
        for q, name, share in named_choices(report.probs):
            a, b = AB_BINS[q]
            text = f"{name}: {share * 100:.0f} %" + (f"   (a {a:+.0f}, b {b:+.0f})" if lab_figures else "")
            item = QListWidgetItem(swatch(colours[q]), text)
            item.setData(Qt.ItemDataRole.UserRole, q)
            item.setToolTip(f"{share * 100:.1f} % of the network's belief at this pixel is {name}; the likeliest of them, "
                            f"a {a:+.0f}, b {b:+.0f} ({report.probs[q] * 100:.1f} %), is used when clicked")  # fmt: skip
            self.modes.addItem(item)
        self.header.setText(f"Pixel ({point[0]}, {point[1]}): it shows {colour_name(*report.ab)}")
        self.sure_label.setText(f"How sure: {certainty_words(report.entropy)}")
        self.sure_bar.setValue(round(certainty(report.entropy) * 100))
        a, b = report.ab
        note = "" if shown == report.L else f" (colours drawn at L {shown:.0f})"
        self.numbers.setText(
            f"L = {report.L:.1f}{note}\nAnnealed mean at T = {T:.3g}: a {a:+.1f}, b {b:+.1f}\n"
            f"Entropy: {report.entropy:.2f} nats ({report.entropy / np.log(Q) * 100:.0f}% of total doubt)"
        )
        self.numbers.setVisible(lab_figures)
