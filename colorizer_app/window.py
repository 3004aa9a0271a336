"""The main window: views, temperature, inspector, menus. Thin: every computation is a call
into model.inference.session / model.inference.pipeline, and the network runs in the worker thread."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import qtawesome as qta
from PySide6.QtCore import QEvent, QSettings, QSize, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices, QIcon, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSpinBox,
    QSplitter,
    QToolButton,
)

from model import package_version
from model.errors import UserError
from model.inference.batch import check_output_folder, plan_jobs
from model.inference.hints import load_hints, save_hints
from model.inference.photo_settings import SettingsStore
from model.inference.pipeline import Colorizer
from model.inference.session import Session
from model.io.folders import neighbour_photo, photos_in
from model.io.images import SUFFIX_FORMAT
from model.nets.registry import bundled_models, is_bundled

from .actions import Actions, build_menus_and_toolbar
from .dialogs import BatchProgress, ExportDialog, ModelCardDialog
from .hint_tool import HintTool, display_colour
from .inspector import Inspector
from .model_menu import fill_model_menu
from .startup import mark
from .theme import apply_theme
from .turing_dialog import TuringDialog
from .views import ImageView, ViewGroup, qimage_gray, qimage_rgb, qimage_rgbx
from .widgets import AdjustmentsPanel, Filmstrip, TemperatureControl
from .worker import WorkerThread, new_job_id

OPEN_FILTER = "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp *.gif);;All files (*)"
SAVE_FILTER = "PNG (*.png);;JPEG (*.jpg *.jpeg);;TIFF (*.tif *.tiff);;WebP (*.webp)"
FULL_RES_LIVE_LIMIT = 12_000_000  # above this, the views keep the preview and saving renders full size
MAX_RECENT = 8
HINTS_FILTER = "Colour hints (*.json);;All files (*)"


class MainWindow(QMainWindow):
    requestOpen = Signal(int, object, str, float)
    requestRender = Signal(int, object)
    requestSave = Signal(int, object, str, int, bool)
    requestSaveBeforeAfter = Signal(int, object, str, int)
    requestModel = Signal(int, str, str)
    requestBatch = Signal(int, object, object, object)
    requestThumbnails = Signal(int, object)

    def __init__(self, settings: QSettings | None = None):
        super().__init__()
        self.settings = settings or QSettings("Colorizer", "Colorizer")
        self.setWindowTitle("Colorizer")
        self.setAcceptDrops(True)
        self.colorizer: Colorizer | None = None
        self.session: Session | None = None
        self.turing_dialog: TuringDialog | None = None
        self.job = 0  # the latest open or save: the busy bar and status line follow it
        self.render_job = 0
        self.model_job = 0
        self.copy_job: int | None = None
        self.batch_job: int | None = None  # batches run beside opens and saves: their own job number
        self.batch_dialog: BatchProgress | None = None
        self.batch_result_box: QMessageBox | None = None
        self.batch_outdir: Path | None = None
        self.open_folder_button = None
        self.model_loading = False
        self.pending_open: str | None = None
        self.overlay_on = False
        self.device = str(self.settings.value("device", "auto"))
        self.threads = WorkerThread()
        w = self.threads.worker
        self.requestOpen.connect(w.open)
        self.requestRender.connect(w.render)
        self.requestSave.connect(w.save)
        self.requestSaveBeforeAfter.connect(w.save_before_after)
        self.requestModel.connect(w.load_model)
        self.requestBatch.connect(w.batch)
        w.opened.connect(self._on_opened)
        w.rendered.connect(self._on_rendered)
        w.saved.connect(self._on_saved)
        w.modelLoaded.connect(self._on_model_loaded)
        w.failed.connect(self._on_failed)
        w.batchProgress.connect(self._on_batch_progress)
        w.batchDone.connect(self._on_batch_done)
        self.strip_threads = WorkerThread()  # thumbnails in their own thread: opening a photo never waits for them
        self.requestThumbnails.connect(self.strip_threads.worker.thumbnails)
        self.strip_threads.worker.thumbnailReady.connect(self._on_thumbnail)
        self.strip_folder: Path | None = None
        self.strip_job = 0
        self._build_views()
        self._build_controls()
        self._build_actions()
        self._build_status()
        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.timeout.connect(self.refresh_preview)
        screen = QApplication.primaryScreen()
        room = screen.availableGeometry().size() if screen is not None else QSize(1600, 1000)
        # 1280 x 900, or nine tenths of a smaller screen (a 1366 x 768 laptop), never past its edge
        self.resize(min(1280, room.width() * 9 // 10), min(900, room.height() * 9 // 10))
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("windowState")
        if state is not None:
            self.restoreState(state)
        self._fill_model_menu()
        self._load_initial_model()  # in the worker: the window is usable (and a photo can be picked) meanwhile

    # ------------------------------------------------------------------ construction
    def _build_views(self) -> None:
        self.original_view = ImageView("original")
        self.colour_view = ImageView("colour")
        self.views = ViewGroup(self.original_view, self.colour_view)
        for v in (self.original_view, self.colour_view):
            v.pixelClicked.connect(self.inspect_pixel)
            v.nudged.connect(self.nudge_point)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.original_view)
        self.splitter.addWidget(self.colour_view)
        self.setCentralWidget(self.splitter)
        self.hint = QLabel("Open a black-and-white photo (Ctrl+O) or drop one here.", self.colour_view)
        self.hint.setStyleSheet("color: gray; font-size: 15px; padding: 20px;")
        self.hint.setWordWrap(True)  # the view narrows when docks open beside it
        self.hint.ensurePolished()
        self.overlay_legend = QLabel(
            "<span style='background-color: rgb(230,0,200)'>&nbsp;&nbsp;&nbsp;&nbsp;</span> least sure of the colour "
            "in this photo &nbsp; <span style='background-color: rgb(200,140,190)'>&nbsp;&nbsp;&nbsp;&nbsp;</span> "
            "less sure &nbsp; clear: the surest 75 %", self.colour_view)  # fmt: skip
        self.overlay_legend.setStyleSheet("background: rgba(255,255,255,215); color: black; padding: 4px; border-radius: 3px;")
        self.overlay_legend.ensurePolished()  # its style sheet's padding counts in what it measures
        self.legend_width = self.overlay_legend.sizeHint().width()  # one line, when the view is wide enough
        self.overlay_legend.setWordWrap(True)  # else wrapped: a narrow view cut it off mid-word
        self.overlay_legend.hide()
        self.colour_view.installEventFilter(self)  # places both labels when the view resizes

    def _build_controls(self) -> None:
        self.hint_tool = HintTool(self)
        for v in (self.original_view, self.colour_view):
            v.hintPressed.connect(self.hint_tool.pressed)
            v.hintDragged.connect(self.hint_tool.dragged)
            v.hintReleased.connect(self.hint_tool.released)
            v.hintMenu.connect(self.hint_tool.menu)
        self.hint_tool.changed.connect(self._on_hints_changed)
        self.hint_tool.colourChanged.connect(self._show_hint_colour)
        self.hint_colour_button = QToolButton()
        self.hint_colour_button.setToolTip("The colour the hint tool paints")
        self.hint_colour_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.hint_colour_button.setMenu(QMenu(self.hint_colour_button))
        self.brush = QSpinBox()
        self.brush.setRange(0, 500)
        self.brush.setValue(int(self.hint_tool.radius))
        self.brush.setPrefix("Brush ")
        self.brush.setSuffix(" px")
        self.brush.setToolTip("How far around each hint its colour is held (photo pixels); strokes drop a hint every brush size")
        self.brush.valueChanged.connect(lambda v: setattr(self.hint_tool, "radius", float(v)))
        self.temperature = TemperatureControl()
        self.temperature.changed.connect(self._on_temperature_drag)
        self.temperature.released.connect(self._on_temperature_released)
        self.inspector = Inspector()
        self.inspector.modeChosen.connect(self._on_candidate_chosen)
        self.adjustments = AdjustmentsPanel()
        self.adjustments.changed.connect(self._on_look_changed)
        self.adjustments.released.connect(self._request_full_resolution)
        self.adjustments.released.connect(self._store_settings)
        self.adjustments_dock = QDockWidget("Adjustments", self)
        self.adjustments_dock.setObjectName("adjustments")
        self.adjustments_dock.setWidget(self.adjustments)
        self.inspector_dock = QDockWidget("Colour inspector", self)
        self.inspector_dock.setObjectName("inspector")
        self.inspector_dock.setWidget(self.inspector)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.adjustments_dock)
        # the adjustments need only their rows; every spare pixel goes to the inspector's plane
        self.resizeDocks([self.inspector_dock, self.adjustments_dock], [1000, 1], Qt.Orientation.Vertical)
        self.filmstrip = Filmstrip()
        self.filmstrip.photoChosen.connect(self.open_path)
        self.filmstrip_dock = QDockWidget("Filmstrip", self)
        self.filmstrip_dock.setObjectName("filmstrip")
        self.filmstrip_dock.setWidget(self.filmstrip)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.filmstrip_dock)
        self._temperature_recorded = False

    def _build_actions(self) -> None:
        self.actions = Actions(self)
        theme = str(self.settings.value("theme", "system"))
        self.recent_menu, self.model_menu, self.theme_group = build_menus_and_toolbar(self, self.actions, theme)
        self._fill_recent_menu()
        self._show_hint_colour()

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.size_label, self.device_label, self.net_label, self.decode_label = QLabel(), QLabel(), QLabel(), QLabel()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_open)
        for wdg in (self.busy, self.cancel_button, self.size_label, self.device_label, self.net_label, self.decode_label):
            sb.addPermanentWidget(wdg)

    # ------------------------------------------------------------------ models
    def _load_initial_model(self) -> None:
        name = self.settings.value("model")
        try:
            entries, problem = bundled_models(), "the installation is incomplete"
        except (OSError, ValueError) as e:
            entries, problem = [], str(e)
        if not entries:
            message = f"No bundled model was found ({problem})."
            QTimer.singleShot(0, lambda: self.show_error("No model", message))
            return
        self.load_model(name if isinstance(name, str) and is_bundled(name) else entries[0].name)
        self.statusBar().showMessage("Loading the model…")

    def _set_model(self, colorizer: Colorizer | None) -> None:
        self.colorizer = colorizer
        self._fill_model_menu()
        if colorizer is None:
            return
        self.temperature.set_default(colorizer.default_T)
        saved_T = self.settings.value("temperature")
        self.temperature.set_value(float(saved_T) if saved_T is not None else colorizer.default_T)
        self.device_label.setText(f"Device: {colorizer.device.type.upper()}")
        if self.session is not None:  # the same photo through the new network; its settings come from the store
            self.open_path(str(self.session.image.path))

    def _fill_model_menu(self) -> None:
        current = self.colorizer.card.get("name") if self.colorizer else None
        fill_model_menu(self.model_menu, self, current, self.device)

    def load_model(self, name_or_path: str) -> None:
        self.model_loading = True
        self.model_job = new_job_id()
        self._busy(True)
        self.requestModel.emit(self.model_job, name_or_path, self.device)

    def set_device(self, device: str) -> None:
        self.device = device
        self.settings.setValue("device", device)
        if self.colorizer is not None:
            self.load_model(self.colorizer.card.get("source", self.colorizer.card.get("path", "")))

    @Slot(int, object)
    def _on_model_loaded(self, job: int, colorizer: Colorizer) -> None:
        if job != self.model_job:  # another model was asked for since
            return
        self.model_loading = False
        self._busy(False)
        if is_bundled(colorizer.card.get("name", "")):
            self.settings.setValue("model", colorizer.card["name"])
        self._set_model(colorizer)
        self.statusBar().showMessage(f"Model: {colorizer.card.get('title', colorizer.card.get('name', 'weights file'))}", 5000)
        if self.pending_open is not None:  # a photo asked for while the network was loading
            path, self.pending_open = self.pending_open, None
            self.open_path(path)

    @Slot()
    def load_weights_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load weights", self._last_folder(), "Weights (*.pt *.pth);;All files (*)")
        if path:
            self.load_model(path)

    @Slot()
    def show_model_card(self) -> None:
        if self.colorizer is not None:
            ModelCardDialog(self.colorizer.card, self).exec()

    # ------------------------------------------------------------------ opening
    @Slot()
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open photo", self._last_folder(), OPEN_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        if Path(path).is_dir():  # a folder (named at start or dropped): its first photo; the filmstrip shows the rest
            photos = photos_in(path)
            if not photos:
                self.show_error("No photos", f"{Path(path).name or path} holds no photos (JPEG, PNG, TIFF, WebP, BMP or GIF).")
                return
            path = str(photos[0])
        if self.colorizer is None:
            if self.model_loading:
                self.pending_open = path
                self.statusBar().showMessage(f"{Path(path).name} opens once the model is loaded…")
                return
            self.show_error("No model", "Load a model from the Model menu first.")
            return
        self.job = new_job_id()
        self._busy(True, cancellable=True)
        self.statusBar().showMessage(f"Colourising {Path(path).name}…")
        self.requestOpen.emit(self.job, self.colorizer, path, self.temperature.value())

    def step_photo(self, step: int) -> None:
        """Open the next (or previous) photo of the current one's folder."""
        if self.session is None:
            return
        target = neighbour_photo(self.session.image.path, step)
        if target is None:
            self.statusBar().showMessage(f"No {'later' if step > 0 else 'earlier'} photo in this folder", 4000)
            return
        self.open_path(str(target))

    @Slot()
    def cancel_open(self) -> None:
        self.job = new_job_id()  # the running job's result will be ignored
        self._busy(False)
        self.statusBar().showMessage("Cancelled", 3000)

    @Slot(int, object)
    def _on_opened(self, job: int, session: Session) -> None:
        if job != self.job:
            return
        self._busy(False)
        self.session = session
        self.render_job = new_job_id()  # a render still running for the previous photo must not land on this one
        self.hint.hide()
        image = session.image
        self.original_view.set_original(qimage_gray(session.view.gray8), image.size)
        self.colour_view.set_original(qimage_gray(session.view.gray8), image.size)
        self.refresh_preview()
        mark("colour")
        self.views.fit()
        for a in self.actions.need_photo:
            a.setEnabled(True)
        self._update_undo()
        self.hint_tool.selected = None
        self._redraw_hints()
        self._show_session_settings()
        self.inspector.show_report(None, None, session.temperature)
        for v in (self.original_view, self.colour_view):
            v.set_marker(None)
        w, h = image.size
        notes = f"  ({'; '.join(image.notes)})" if image.notes else ""
        self.size_label.setText(f"{w} × {h}, {image.bits}-bit")
        self.net_label.setText(f"Network: {session.pred.net_seconds * 1000:.0f} ms")
        self.setWindowTitle(f"{image.path.name} – Colorizer")
        self.statusBar().showMessage(f"Opened {image.path.name}{notes}", 8000)
        self._add_recent(str(image.path))
        self._show_filmstrip(image.path)
        self.settings.setValue("lastFolder", str(image.path.parent))
        self._request_full_resolution()

    @Slot(int, str, str)
    def _on_failed(self, job: int, what: str, message: str) -> None:
        if job in (self.job, self.model_job):
            self._busy(False)
        if job == self.model_job:
            self.model_loading, self.pending_open = False, None
        self.show_error(what, message)

    def show_error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(title, 5000)
        QMessageBox.critical(self, title, message)

    def _busy(self, on: bool, cancellable: bool = False) -> None:
        """The busy bar; Cancel only for opening, the one job whose result can be dropped (a save
        or a model load runs to its end)."""
        self.busy.setVisible(on)
        self.cancel_button.setVisible(on and cancellable)

    # ------------------------------------------------------------------ temperature and rendering
    @Slot(float)
    def _on_temperature_drag(self, T: float) -> None:
        self.settings.setValue("temperature", T)
        if self.session is not None:
            self.session.set_temperature(T, record=not self._temperature_recorded)  # one undo step per drag
            self._temperature_recorded = True
            self._update_undo()
            self.preview_timer.start(0)  # coalesce: only the latest value is drawn

    @Slot(float)
    def _on_temperature_released(self, T: float) -> None:
        self._temperature_recorded = False
        if self.session is not None:
            self.session.set_temperature(T, record=False)
            self._store_settings()
            self.refresh_preview()
            self._request_full_resolution()

    @Slot()
    def refresh_preview(self) -> None:
        s = self.session
        if s is None:
            return
        rgbx = s.preview()
        if self.overlay_on:
            rgbx = shade_uncertainty(rgbx, s.uncertainty())
        self.colour_view.set_colour(qimage_rgbx(rgbx))
        self.decode_label.setText(f"Decode: {s.last_decode_seconds * 1000:.0f} ms")
        if s.point is not None:
            self.inspector.show_report(s.point, s.inspect(), s.temperature)

    def _request_full_resolution(self) -> None:
        s = self.session
        if s is None or self.overlay_on or s.image.L.size > FULL_RES_LIVE_LIMIT or s.image.L.size == s.view.L.size:
            return
        self.render_job = new_job_id()
        self.requestRender.emit(self.render_job, s)

    @Slot(int, object)
    def _on_rendered(self, job: int, rgb: np.ndarray) -> None:
        if job == self.copy_job:
            self.copy_job = None
            QApplication.clipboard().setImage(qimage_rgb(rgb))
            self.statusBar().showMessage(f"Copied the {rgb.shape[1]} × {rgb.shape[0]} result", 4000)
        live = self.session is not None and self.session.image.L.size <= FULL_RES_LIVE_LIMIT
        if job == self.render_job and live and not self.overlay_on:
            self.colour_view.set_colour(qimage_rgb(rgb))

    @Slot()
    def copy_result(self) -> None:
        """The full-resolution result to the clipboard, rendered off the GUI thread."""
        if self.session is None:
            return
        self.render_job = new_job_id()
        self.copy_job = self.render_job
        self.statusBar().showMessage("Copying…")
        self.requestRender.emit(self.render_job, self.session)

    @Slot(bool)
    def toggle_overlay(self, on: bool) -> None:
        self.overlay_on = on
        self.overlay_legend.setVisible(on)
        self._place_legend()
        self.refresh_preview()
        self._request_full_resolution()

    @Slot(bool)
    def toggle_split(self, on: bool) -> None:
        self.original_view.setVisible(not on)
        self.colour_view.set_role("split" if on else "colour")

    # ------------------------------------------------------------------ inspection and modes
    @Slot(int, int)
    def inspect_pixel(self, x: int, y: int) -> None:
        if self.session is None:
            return
        point = self.session.set_point(x, y)
        for v in (self.original_view, self.colour_view):
            v.set_marker(point)
        self.inspector.show_report(point, self.session.inspect(), self.session.temperature)

    @Slot(int, int)
    def nudge_point(self, dx: int, dy: int) -> None:
        if self.session is not None and self.session.point is not None:
            self.inspect_pixel(*self.session.move_point(dx, dy))

    def keyPressEvent(self, event) -> None:
        if event.key() in ImageView.ARROWS:
            self.nudge_point(*ImageView.ARROWS[event.key()])
            return
        super().keyPressEvent(event)

    @Slot(int)
    def choose_mode(self, q: int) -> None:
        if self.session is None or self.session.point is None:
            return
        self.session.choose_mode(q)
        self._after_edit()

    @Slot()
    def undo(self) -> None:
        if self.session is not None and self.session.undo():
            self._after_edit()

    @Slot()
    def redo(self) -> None:
        if self.session is not None and self.session.redo():
            self._after_edit()

    def _show_session_settings(self) -> None:
        """The slider and the adjustments show the session's values (after opening, Undo, Redo)."""
        s = self.session
        self.temperature.blockSignals(True)
        self.temperature.set_value(s.temperature)
        self.temperature.blockSignals(False)
        self.adjustments.set_look(s.pred.look)

    def _store_settings(self) -> None:
        """Keep this photo's settings for the next time it is opened or exported."""
        s = self.session
        if s is None or s.key is None:
            return
        try:
            SettingsStore().save(s.key, s.settings())
        except OSError as e:
            self.statusBar().showMessage(f"Settings not kept: {e}", 8000)
            return
        self.filmstrip.mark(s.image.path, not s.settings().is_empty)

    # ------------------------------------------------------------------ filmstrip
    def _show_filmstrip(self, path: Path) -> None:
        if path.parent != self.strip_folder:  # a new folder: names now, thumbnails as they come
            self.strip_folder = path.parent
            photos = photos_in(path.parent)
            self.filmstrip.set_photos(photos)
            self.strip_job = new_job_id()
            self.strip_threads.worker.latest_strip = self.strip_job
            self.requestThumbnails.emit(self.strip_job, photos)
        self.filmstrip.set_current(path)

    @Slot(int, str, object, bool)
    def _on_thumbnail(self, job: int, path: str, thumb, has_settings: bool) -> None:
        if job == self.strip_job:
            self.filmstrip.set_thumbnail(Path(path), thumb, has_settings)

    @Slot(object, bool)
    def _on_look_changed(self, look, starts: bool) -> None:
        if self.session is not None:
            self.session.set_look(look, record=starts)
            self._update_undo()
            self.preview_timer.start(0)

    def _after_edit(self) -> None:
        if self.session is not None:  # Undo may have changed the temperature or the look: show them
            self._show_session_settings()
            self._store_settings()
        self._redraw_hints()
        self._update_undo()
        self.refresh_preview()
        self._request_full_resolution()

    def _update_undo(self) -> None:
        s = self.session
        self.actions.undo.setEnabled(bool(s and s.can_undo()))
        self.actions.redo.setEnabled(bool(s and s.can_redo()))

    # ------------------------------------------------------------------ colour hints
    @Slot(bool)
    def toggle_hint_tool(self, on: bool) -> None:
        for v in (self.original_view, self.colour_view):
            v.set_hint_mode(on)
        self.statusBar().showMessage("Hint tool: click or paint to give a colour; Alt-click takes the colour shown; "
                                     "right-click a marker to recolour or delete it" if on else "", 8000)  # fmt: skip

    @Slot(int)
    def _on_candidate_chosen(self, q: int) -> None:
        """A candidate colour clicked in the inspector: the hint colour with the hint tool, else a mode."""
        if self.actions.hint.isChecked():
            self.hint_tool.candidate_chosen(q)
        else:
            self.choose_mode(q)

    @Slot(bool)
    def _on_hints_changed(self, finished: bool) -> None:
        self._redraw_hints()
        self._update_undo()
        self.preview_timer.start(0)  # coalesce: a stroke redraws once per event loop turn
        if finished:
            self._store_settings()
            self._request_full_resolution()

    def _redraw_hints(self) -> None:
        markers = self.hint_tool.markers()
        for v in (self.original_view, self.colour_view):
            v.set_hints(markers, self.hint_tool.selected)

    def _show_hint_colour(self) -> None:
        tool, button = self.hint_tool, self.hint_colour_button
        if tool.colour is None:
            button.setIcon(qta.icon("fa5s.magic", color=self.palette().text().color()))
            button.setText("Likeliest")
        else:
            pixmap = QPixmap(18, 18)
            pixmap.fill(display_colour(tool.colour))
            button.setIcon(QIcon(pixmap))
        menu = button.menu()
        menu.clear()
        menu.addAction(self.actions.network_colour)
        menu.addAction(self.actions.hint_colour)
        if tool.recent:
            menu.addSection("Recent colours")
        for ab in tool.recent:
            pixmap = QPixmap(14, 14)
            pixmap.fill(display_colour(ab))
            menu.addAction(QIcon(pixmap), f"a {ab[0]:+.0f}  b {ab[1]:+.0f}", lambda ab=ab: tool.set_colour(ab))

    @Slot()
    def clear_hints(self) -> None:
        if self.session is not None and self.session.pred.hints:
            self._replace_hints([])

    @Slot()
    def load_hints_dialog(self) -> None:
        if self.session is None:
            return
        path, _ = QFileDialog.getOpenFileName(self, "Load hints", str(self.session.image.path.parent), HINTS_FILTER)
        if path:
            self.load_hints_from(path)

    def load_hints_from(self, path: str) -> None:
        try:
            self._replace_hints(load_hints(path))  # a hint off the photo is refused too
        except UserError as e:
            self.show_error("Cannot use these hints", str(e))

    def _replace_hints(self, hints) -> None:
        """One undoable step that swaps the photo's whole set of hints."""
        self.session.set_hints(hints)
        self.hint_tool.selected = None
        self._on_hints_changed(True)

    @Slot()
    def save_hints_dialog(self) -> None:
        if self.session is None:
            return
        suggestion = str(self.session.image.path.with_name(f"{self.session.image.path.stem}_hints.json"))
        path, _ = QFileDialog.getSaveFileName(self, "Save hints", suggestion, HINTS_FILTER)
        if path:
            try:
                save_hints(self.session.pred.hints, path)
            except OSError as e:
                self.show_error("Cannot save the hints", str(e))
                return
            count = len(self.session.pred.hints)
            self.statusBar().showMessage(f"Saved {count} hints to {path} (colorize --hints reads them)", 8000)

    # ------------------------------------------------------------------ saving and export
    @Slot()
    def save_dialog(self) -> None:
        s = self.session
        if s is None:
            return
        src = s.image.path
        ext = src.suffix.lower() if src.suffix.lower() in SUFFIX_FORMAT else ".png"
        folder = self.settings.value("lastSaveFolder") or str(src.parent)  # first save: beside the photo
        suggestion = str(Path(folder) / f"{src.stem}_color{ext}")
        path, _ = QFileDialog.getSaveFileName(self, "Save colourised photo", suggestion, SAVE_FILTER, filter_for(ext))
        if path:
            self.save_to(path)

    def save_to(self, path: str, quality: int = 92) -> None:
        s = self.session
        if s is None:
            return
        target = Path(path)
        if target.suffix.lower() not in SUFFIX_FORMAT:
            target = target.with_suffix(".png")
        if target.exists() and target.resolve() == s.image.path.resolve():
            answer = QMessageBox.question(
                self, "Replace the original?", f"{target.name} is the original photo. Replace it with the colourised version?"
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.job = new_job_id()
        self._busy(True)
        self.requestSave.emit(self.job, s, str(target), quality, True)  # asked above if it is the original
        self.settings.setValue("lastSaveFolder", str(target.parent))

    @Slot()
    def save_before_after_dialog(self) -> None:
        s = self.session
        if s is None:
            return
        folder = self.settings.value("lastSaveFolder") or str(s.image.path.parent)
        suggestion = str(Path(folder) / f"{s.image.path.stem}_before_after.jpg")
        path, _ = QFileDialog.getSaveFileName(self, "Save before and after", suggestion, SAVE_FILTER, filter_for(".jpg"))
        if path:
            self.save_before_after_to(path)

    def save_before_after_to(self, path: str, quality: int = 92) -> None:
        if self.session is None:
            return
        target = Path(path) if Path(path).suffix.lower() in SUFFIX_FORMAT else Path(path).with_suffix(".jpg")
        self.job = new_job_id()
        self._busy(True)
        self.requestSaveBeforeAfter.emit(self.job, self.session, str(target), quality)
        self.settings.setValue("lastSaveFolder", str(target.parent))

    @Slot(int, str)
    def _on_saved(self, job: int, path: str) -> None:
        if job != self.job:  # the file is written all the same, but a newer job owns the status bar
            return
        self._busy(False)
        self.statusBar().showMessage(f"Saved {path}", 8000)

    @Slot()
    def export_folder(self) -> None:
        if self.colorizer is None:
            self.show_error("No model", "Load a model from the Model menu first.")
            return
        dialog = ExportDialog(self, self._last_folder(), self.temperature.value())
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        self.start_batch(dialog.input_edit.text(), dialog.output_edit.text(), dialog.options())

    def start_batch(self, input_folder: str, output_folder: str, options) -> None:
        try:
            outdir = Path(output_folder)
            check_output_folder(outdir)
            jobs = plan_jobs([input_folder], outdir, options)
        except (UserError, OSError) as e:
            self.show_error("Cannot export", str(e))
            return
        self.batch_job = new_job_id()
        self.batch_outdir = outdir
        self.batch_dialog = BatchProgress(len(jobs), self)
        self.batch_dialog.canceled.connect(self.threads.worker.cancel_batch.set)
        self.batch_dialog.show()
        self.requestBatch.emit(self.batch_job, self.colorizer, jobs, options)

    @Slot(int, int, object)
    def _on_batch_progress(self, job: int, done: int, outcome) -> None:
        if job == self.batch_job and self.batch_dialog is not None:
            self.batch_dialog.advance(done, outcome.source)

    @Slot(int, object)
    def _on_batch_done(self, job: int, outcomes) -> None:
        if job != self.batch_job:
            return
        if self.batch_dialog is not None:
            self.batch_dialog.close()
            self.batch_dialog = None
        counts = {s: sum(o.status == s for o in outcomes) for s in ("done", "skipped", "failed")}
        text = f"Done {counts['done']}, skipped {counts['skipped']}, failed {counts['failed']}."
        failures = [f"{Path(o.source).name}: {o.reason}" for o in outcomes if o.status == "failed"]
        box = QMessageBox(
            QMessageBox.Icon.Warning if failures else QMessageBox.Icon.Information, "Export finished", text, parent=self
        )
        if failures:
            box.setDetailedText("\n".join(failures))
        self.open_folder_button = box.addButton("Open Folder", QMessageBox.ButtonRole.ActionRole)
        self.open_folder_button.clicked.connect(lambda: self.open_in_file_manager(self.batch_outdir))
        box.addButton(QMessageBox.StandardButton.Close)
        box.open()
        self.batch_result_box = box

    def open_in_file_manager(self, folder: Path) -> bool:
        """Show a folder in the desktop's file manager (xdg-open and the like, through Qt)."""
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # ------------------------------------------------------------------ settings, recent files, drops
    def _last_folder(self, key: str = "lastFolder") -> str:
        return str(self.settings.value(key, str(Path.home())))

    def _recent(self) -> list[str]:
        recent = self.settings.value("recent") or []
        return [recent] if isinstance(recent, str) else list(recent)  # one entry comes back as a string

    def _add_recent(self, path: str) -> None:
        recent = [p for p in self._recent() if p != path]
        self.settings.setValue("recent", [path, *recent][:MAX_RECENT])
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self._recent()
        for p in recent:
            self.recent_menu.addAction(Path(p).name, lambda p=p: self.open_path(p)).setToolTip(p)
        self.recent_menu.setEnabled(bool(recent))

    def set_theme(self, name: str) -> None:
        self.settings.setValue("theme", name)
        apply_theme(QApplication.instance(), name)
        self.refresh_theme()

    def refresh_theme(self) -> None:
        """Icons and photo areas follow the palette now, not at the next start."""
        palette = QApplication.instance().palette()  # the window's own follows only after the event loop turns
        self.actions.recolour_icons(palette.text().color())
        for v in (self.original_view, self.colour_view):
            v.setBackgroundBrush(palette.window())
        self._show_hint_colour()

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_path(paths[0])

    @Slot()
    def real_or_colourised(self) -> None:
        """The paper's real-vs-fake test on a folder of the user's colour photos, with this model."""
        if self.colorizer is None:
            return
        folder = str(self.session.image.path.parent) if self.session else ""
        if self.turing_dialog is not None:
            self.turing_dialog.deleteLater()  # its connections to the worker go with it
        self.turing_dialog = TuringDialog(self.threads.worker, self.colorizer, self, folder)
        self.turing_dialog.show()

    @Slot()
    def about(self) -> None:
        card = self.colorizer.card if self.colorizer else {}
        model = html.escape(str(card.get("title", card.get("name", "none loaded"))))
        QMessageBox.about(
            self,
            "About Colorizer",
            f"<h3>Colorizer {package_version()}</h3><p>Colour for black-and-white photographs, after Zhang, Isola &amp; "
            "Efros, <i>Colorful Image Colorization</i> (ECCV 2016).</p><p>The code is MIT-licensed; the bundled "
            f"weights are for research / non-commercial use only.</p><p>Model: {model}. Its card (training data and "
            "their terms, evaluation): Model &gt; Model Card.</p>",
        )

    def closeEvent(self, event) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.setValue("temperature", self.temperature.value())
        self.threads.stop()
        self.strip_threads.stop()
        super().closeEvent(event)

    def _place_legend(self) -> None:
        legend = self.overlay_legend
        width = max(120, min(self.legend_width, self.colour_view.width() - 16))
        legend.setFixedWidth(width)
        legend.setFixedHeight(legend.heightForWidth(width))
        legend.move(8, max(0, self.colour_view.height() - legend.height() - 8))

    def eventFilter(self, watched, event) -> bool:
        # The result view resizes on its own too (docks laid out, shown or hidden): its labels follow.
        if watched is self.colour_view and event.type() == QEvent.Type.Resize:
            self._place_legend()
            self.hint.move(10, 10)
            self.hint.setFixedWidth(max(120, self.colour_view.width() - 20))
            self.hint.setFixedHeight(self.hint.heightForWidth(self.hint.width()))
        return super().eventFilter(watched, event)


def filter_for(ext: str) -> str:
    """The save dialog's filter that shows files like the suggested name (else they are hidden)."""
    return next((f for f in SAVE_FILTER.split(";;") if f"*{ext.lower()}" in f or (ext == ".jpeg" and "*.jpg" in f)),
                SAVE_FILTER.split(";;")[0])  # fmt: skip


def shade_uncertainty(rgbx: np.ndarray, uncertainty: np.ndarray) -> np.ndarray:
    """Blend towards magenta where the network was least sure, on this photo's own scale: its
    surest 75 % of pixels stay clear and the shade grows to its least sure (a whole photo is
    usually above half of the total doubt, which would shade everything)."""
    lo, hi = np.percentile(uncertainty, [75, 99])
    u = np.clip((uncertainty - lo) / max(hi - lo, 1e-6), 0, 1)[..., None].astype(np.float32) * 0.8
    tint = np.array([230, 0, 200, 255], np.float32)
    out = rgbx.astype(np.float32) * (1 - u) + tint * u
    return out.astype(np.uint8)
