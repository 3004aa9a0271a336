"""Image views: original and colourised side by side with synchronised zoom and pan, or one
view with a draggable before/after split line. Scene coordinates are the photo's pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPixmapItem, QGraphicsRectItem, QGraphicsScene, QGraphicsView

from model.io.images import to_8bit

CLICK_SLOP = 4  # pixels a press may move and still count as a click


def qimage_gray(gray: np.ndarray) -> QImage:
    gray = np.ascontiguousarray(gray)
    h, w = gray.shape
    return QImage(gray.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def qimage_rgbx(rgbx: np.ndarray) -> QImage:
    rgbx = np.ascontiguousarray(rgbx)
    h, w, _ = rgbx.shape
    return QImage(rgbx.data, w, h, 4 * w, QImage.Format.Format_RGBX8888).copy()


def qimage_rgb(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(to_8bit(rgb))
    h, w, _ = rgb.shape
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class Marker(QGraphicsItem):
    """The inspected pixel: a ring that keeps its size on screen at any zoom."""

    def boundingRect(self) -> QRectF:
        return QRectF(-9, -9, 18, 18)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        for colour, width in ((QColor(0, 0, 0, 200), 3.5), (QColor(255, 255, 255), 1.5)):
            painter.setPen(QPen(colour, width))
            painter.drawEllipse(QPointF(0, 0), 6, 6)
            painter.drawLine(QPointF(-9, 0), QPointF(-6, 0))
            painter.drawLine(QPointF(6, 0), QPointF(9, 0))


class HintMarker(QGraphicsItem):
    """A colour hint: a disc of its colour with a dark and a light ring, constant size on screen."""

    def __init__(self, colour: QColor, selected: bool):
        super().__init__()
        self.colour, self.selected = colour, selected
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(9)

    def boundingRect(self) -> QRectF:
        return QRectF(-10, -10, 20, 20)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = 8 if self.selected else 6
        painter.setBrush(self.colour)
        painter.setPen(QPen(QColor(0, 0, 0, 220), 2.5))
        painter.drawEllipse(QPointF(0, 0), r, r)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(255, 255, 255), 1.2))
        painter.drawEllipse(QPointF(0, 0), r - 1.5, r - 1.5)


class ImageView(QGraphicsView):
    pixelClicked = Signal(int, int)
    # the hint tool: press, drag and release in photo pixels (float); a right click asks for a menu
    hintPressed = Signal(float, float, bool)  # x, y, eyedropper (Alt held)
    hintDragged = Signal(float, float)
    hintReleased = Signal()
    hintMenu = Signal(float, float, object)  # x, y, global position
    zoomRequested = Signal(float, object)  # factor, anchor in scene coordinates
    nudged = Signal(int, int)  # arrow keys move the inspected pixel instead of scrolling

    ARROWS = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1)}

    def __init__(self, role: str, parent=None):
        super().__init__(parent)
        self.role = role  # "original" | "colour" | "split"
        self.setScene(QGraphicsScene(self))
        self.setBackgroundBrush(self.palette().window())
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.colour_item = QGraphicsPixmapItem()
        self.colour_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.clip = QGraphicsRectItem()
        self.clip.setPen(Qt.PenStyle.NoPen)
        self.clip.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        self.original_item = QGraphicsPixmapItem(self.clip)
        self.original_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.split_line = self.scene().addLine(0, 0, 0, 1, QPen(QColor(255, 255, 255), 0))
        self.marker = Marker()
        for item in (self.colour_item, self.clip):
            self.scene().addItem(item)
        self.scene().addItem(self.marker)
        self.marker.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.marker.setVisible(False)
        self.marker.setZValue(10)
        self.split_line.setZValue(5)
        self.image_size = (0, 0)
        self.split = 0.5
        self._press = None
        self._dragging_split = False
        self.hint_mode = False
        self._hint_drag = False
        self.hint_items: list[HintMarker] = []
        self.set_role(role)

    # ------------------------------------------------------------------ content
    def set_role(self, role: str) -> None:
        self.role = role
        self.colour_item.setVisible(role in ("colour", "split"))
        self.clip.setVisible(role in ("original", "split"))
        self.split_line.setVisible(role == "split")
        self._layout_split()

    def set_original(self, image: QImage, size: tuple[int, int]) -> None:
        self.image_size = size
        self.original_item.setPixmap(QPixmap.fromImage(image))
        self.original_item.setScale(size[0] / max(1, image.width()))
        self.scene().setSceneRect(QRectF(0, 0, *size))
        self._layout_split()

    def set_colour(self, image: QImage) -> None:
        self.colour_item.setPixmap(QPixmap.fromImage(image))
        self.colour_item.setScale(self.image_size[0] / max(1, image.width()))

    def colour_image(self) -> QImage:
        return self.colour_item.pixmap().toImage()

    def set_marker(self, point: tuple[int, int] | None) -> None:
        self.marker.setVisible(point is not None)
        if point is not None:
            self.marker.setPos(point[0] + 0.5, point[1] + 0.5)

    def set_hints(self, hints: list[tuple[float, float, QColor]], selected: int | None) -> None:
        """Draw the hints: (x, y, display colour) each; ``selected`` is drawn larger."""
        for item in self.hint_items:
            self.scene().removeItem(item)
        self.hint_items = []
        for i, (x, y, colour) in enumerate(hints):
            item = HintMarker(colour, i == selected)
            item.setPos(x + 0.5, y + 0.5)
            self.scene().addItem(item)
            self.hint_items.append(item)

    def set_hint_mode(self, on: bool) -> None:
        self.hint_mode = on
        self.setDragMode(QGraphicsView.DragMode.NoDrag if on else QGraphicsView.DragMode.ScrollHandDrag)

    def _photo_point(self, event) -> QPointF | None:
        p = self.mapToScene(event.position().toPoint())
        w, h = self.image_size
        return p if w and 0 <= p.x() < w and 0 <= p.y() < h else None

    def set_split(self, fraction: float) -> None:
        self.split = min(max(fraction, 0.0), 1.0)
        self._layout_split()

    def _layout_split(self) -> None:
        w, h = self.image_size
        x = w * self.split if self.role == "split" else w
        self.clip.setRect(QRectF(0, 0, x, h))
        self.split_line.setLine(x, 0, x, h)

    # ------------------------------------------------------------------ zoom and pan
    def zoom_level(self) -> float:
        return self.transform().m11()

    def set_zoom(self, level: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``level`` (screen pixels per photo pixel), keeping ``anchor`` where it is on screen."""
        level = min(max(level, 0.01), 64.0)
        anchor = anchor if anchor is not None else self.mapToScene(self.viewport().rect().center())
        before = self.mapFromScene(anchor)
        self.setTransform(QTransform.fromScale(level, level))
        after = self.mapFromScene(anchor)
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + after.x() - before.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + after.y() - before.y())

    def fit(self) -> None:
        if self.image_size[0]:
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def wheelEvent(self, event) -> None:
        factor = 1.25 ** (event.angleDelta().y() / 120)
        self.zoomRequested.emit(factor, self.mapToScene(event.position().toPoint()))

    def keyPressEvent(self, event) -> None:
        if self.marker.isVisible() and event.key() in self.ARROWS:
            self.nudged.emit(*self.ARROWS[event.key()])
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ clicks and the split line
    def _near_split(self, pos) -> bool:
        if self.role != "split":
            return False
        line_x = self.mapFromScene(QPointF(self.image_size[0] * self.split, 0)).x()
        return abs(pos.x() - line_x) <= 6

    def mousePressEvent(self, event) -> None:
        if self.hint_mode and not self._near_split(event.position().toPoint()):
            p = self._photo_point(event)
            if p is not None and event.button() == Qt.MouseButton.LeftButton:
                alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
                self._hint_drag = not alt
                self.hintPressed.emit(p.x() - 0.5, p.y() - 0.5, alt)
            elif p is not None and event.button() == Qt.MouseButton.RightButton:
                self.hintMenu.emit(p.x() - 0.5, p.y() - 0.5, event.globalPosition().toPoint())
            return
        self._press = event.position().toPoint()
        if event.button() == Qt.MouseButton.LeftButton and self._near_split(self._press):
            self._dragging_split = True
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._hint_drag:
            p = self.mapToScene(event.position().toPoint())
            w, h = self.image_size
            self.hintDragged.emit(min(max(p.x(), 0.5), w - 0.5) - 0.5, min(max(p.y(), 0.5), h - 0.5) - 0.5)
            return
        if self._dragging_split:
            x = self.mapToScene(event.position().toPoint()).x()
            self.set_split(x / max(1, self.image_size[0]))
            return
        pos = event.position().toPoint()
        self.viewport().setCursor(Qt.CursorShape.SplitHCursor if self._near_split(pos) else Qt.CursorShape.CrossCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._hint_drag:
            self._hint_drag = False
            self.hintReleased.emit()
            return
        if self._dragging_split:
            self._dragging_split = False
            return
        super().mouseReleaseEvent(event)
        pos = event.position().toPoint()
        if self._press is not None and (pos - self._press).manhattanLength() <= CLICK_SLOP and self.image_size[0]:
            p = self.mapToScene(pos)
            if 0 <= p.x() < self.image_size[0] and 0 <= p.y() < self.image_size[1]:
                self.pixelClicked.emit(int(p.x()), int(p.y()))
        self._press = None
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)


class ViewGroup:
    """Keeps several views on the same zoom and scroll position."""

    def __init__(self, *views: ImageView):
        self.views = views
        for v in views:
            v.zoomRequested.connect(self.zoom_by)
            for bar in (v.horizontalScrollBar(), v.verticalScrollBar()):
                bar.valueChanged.connect(lambda _value, src=v: self._sync_scroll(src))

    def _sync_scroll(self, src: ImageView) -> None:
        for v in self.views:
            if v is not src:
                v.horizontalScrollBar().setValue(src.horizontalScrollBar().value())
                v.verticalScrollBar().setValue(src.verticalScrollBar().value())

    def zoom_by(self, factor: float, anchor=None) -> None:
        self.set_zoom(self.views[0].zoom_level() * factor, anchor)

    def set_zoom(self, level: float, anchor=None) -> None:
        for v in self.views:
            v.set_zoom(level, anchor)
        self._sync_scroll(self.views[0])

    def fit(self) -> None:
        self.views[0].fit()
        level = self.views[0].zoom_level()
        for v in self.views[1:]:
            v.set_zoom(level)
            v.fit()
        self._sync_scroll(self.views[0])
