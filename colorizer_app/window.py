"""The main window: views, temperature, inspector, menus. Thin: every computation is a call
into model.inference.session / model.inference.pipeline, and the network runs in the worker thread."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import numpy as np
import qtawesome as qta
import torch
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QToolButton,
)

from model.inference.batch import UserError, check_output_folder, plan_jobs
from model.inference.pipeline import Colorizer
from model.inference.session import Session
from model.io.folders import neighbour_photo
from model.io.images import SUFFIX_FORMAT
from model.nets.registry import bundled_models, is_bundled

from .dialogs import BatchProgress, ExportDialog, ModelCardDialog, card_html
from .inspector import Inspector
from .theme import THEMES, apply_theme
from .turing_dialog import TuringDialog
from .views import ImageView, ViewGroup, qimage_gray, qimage_rgb, qimage_rgbx
from .widgets import TemperatureControl
from .worker import WorkerThread

OPEN_FILTER = "Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.bmp *.gif);;All files (*)"
SAVE_FILTER = "PNG (*.png);;JPEG (*.jpg);;TIFF (*.tif);;WebP (*.webp)"
FULL_RES_LIVE_LIMIT = 12_000_000  # above this, the views keep the preview and saving renders full size
MAX_RECENT = 8


class MainWindow(QMainWindow):
    requestOpen = Signal(int, object, str, float)
    requestRender = Signal(int, object)
    requestSave = Signal(int, object, str, int, bool)
    requestSaveBeforeAfter = Signal(int, object, str, int)
    requestModel = Signal(int, str, str)
    requestBatch = Signal(int, object, object, object)

    def __init__(self, settings: QSettings | None = None):
        super().__init__()
        self.settings = settings or QSettings("Colorizer", "Colorizer")
        self.setWindowTitle("Colorizer")
        self.setAcceptDrops(True)
        self.colorizer: Colorizer | None = None
        self.session: Session | None = None
        self.turing_dialog: TuringDialog | None = None
        self.job = 0
        self.render_job = 0
        self.copy_job: int | None = None
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
        self._build_views()
        self._build_controls()
        self._build_actions()
        self._build_status()
        self.preview_timer = QTimer(self)
        self.preview_timer.setSingleShot(True)
        self.preview_timer.timeout.connect(self.refresh_preview)
        self.resize(1280, 800)
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("windowState")
        if state is not None:
            self.restoreState(state)
        self._set_model(self._initial_colorizer())

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
        self.hint.adjustSize()

    def _build_controls(self) -> None:
        self.temperature = TemperatureControl()
        self.temperature.changed.connect(self._on_temperature_drag)
        self.temperature.released.connect(self._on_temperature_released)
        self.inspector = Inspector()
        self.inspector.modeChosen.connect(self.choose_mode)
        self.inspector_dock = QDockWidget("Colour inspector", self)
        self.inspector_dock.setObjectName("inspector")
        self.inspector_dock.setWidget(self.inspector)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector_dock)

    def _action(self, text, slot, shortcut=None, icon=None, tip=None, checkable=False) -> QAction:
        a = QAction(text, self)
        if icon:
            a.setIcon(qta.icon(icon, color=self.palette().text().color()))
        if shortcut:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.setCheckable(checkable)
        a.triggered.connect(slot)
        return a

    def _build_actions(self) -> None:
        SK = QKeySequence.StandardKey
        self.open_action = self._action("&Open…", self.open_dialog, SK.Open, "fa5s.folder-open", "Open a photo (Ctrl+O)")
        self.save_action = self._action(
            "Save &As…", self.save_dialog, "Ctrl+Shift+S", "fa5s.save", "Save the full-resolution result"
        )
        self.before_after_action = self._action(
            "Save &Before/After…", self.save_before_after_dialog, None, None, "Save the grey photo beside its colourisation"
        )
        self.export_action = self._action(
            "&Export Folder…", self.export_folder, "Ctrl+E", "fa5s.images", "Colourise a whole folder"
        )
        self.next_action = self._action(
            "&Next Photo in Folder", lambda: self.step_photo(1), "PgDown", "fa5s.arrow-right", "Next photo (Page Down)"
        )
        self.previous_action = self._action(
            "&Previous Photo in Folder", lambda: self.step_photo(-1), "PgUp", "fa5s.arrow-left", "Previous photo (Page Up)"
        )
        quit_action = self._action("&Quit", self.close, SK.Quit)
        self.copy_action = self._action("&Copy Result", self.copy_result, SK.Copy, "fa5s.copy", "Copy the result (Ctrl+C)")
        self.undo_action = self._action("&Undo Mode Choice", self.undo, SK.Undo, "fa5s.undo")
        self.redo_action = self._action(
            "&Redo Mode Choice", self.redo, [QKeySequence("Ctrl+Shift+Z"), QKeySequence(SK.Redo)], "fa5s.redo"
        )
        self.split_action = self._action(
            "&Split View", self.toggle_split, "Ctrl+T", "fa5s.columns", "One view with a before/after line", True
        )
        self.zoom_in_action = self._action(
            "Zoom &In", lambda: self.views.zoom_by(1.25), [QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")], "fa5s.search-plus"
        )
        self.zoom_out_action = self._action("Zoom &Out", lambda: self.views.zoom_by(0.8), "Ctrl+-", "fa5s.search-minus")
        self.fit_action = self._action("&Fit to Window", self.views.fit, "Ctrl+0", "fa5s.expand", "Fit to window (Ctrl+0)")
        self.actual_action = self._action(
            "&Actual Size", lambda: self.views.set_zoom(1.0), "Ctrl+1", "fa5s.compress", "Actual size (Ctrl+1)"
        )
        self.overlay_action = self._action(
            "&Uncertainty Overlay",
            self.toggle_overlay,
            "Ctrl+U",
            "fa5s.question-circle",
            "Shade the result where the network was unsure",
            True,
        )
        self.card_action = self._action("Model &Card…", self.show_model_card)
        self.load_model_action = self._action("&Load Weights File…", self.load_weights_dialog)
        about_action = self._action("&About Colorizer", self.about)
        self.turing_action = self._action("&Real or Colourised? Test…", self.real_or_colourised)
        for a in (
            self.save_action,
            self.before_after_action,
            self.copy_action,
            self.undo_action,
            self.redo_action,
            self.next_action,
            self.previous_action,
        ):
            a.setEnabled(False)

        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addAction(self.previous_action)
        file_menu.addAction(self.next_action)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.before_after_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.copy_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        view_menu = bar.addMenu("&View")
        for a in (
            self.split_action,
            self.overlay_action,
            None,
            self.zoom_in_action,
            self.zoom_out_action,
            self.fit_action,
            self.actual_action,
        ):
            view_menu.addAction(a) if a else view_menu.addSeparator()
        view_menu.addAction(self.inspector_dock.toggleViewAction())
        theme_menu = view_menu.addMenu("&Theme")
        self.theme_group = QActionGroup(self)
        current_theme = str(self.settings.value("theme", "system"))
        for name in THEMES:
            a = theme_menu.addAction(name.capitalize())
            a.setCheckable(True)
            a.setChecked(name == current_theme)
            a.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            self.theme_group.addAction(a)
        self.model_menu = bar.addMenu("&Model")
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.turing_action)
        help_menu.addAction(about_action)

        tools = self.addToolBar("Main")
        tools.setObjectName("main-toolbar")
        for a in (
            self.open_action,
            self.save_action,
            self.export_action,
            None,
            self.split_action,
            self.overlay_action,
            self.fit_action,
            self.actual_action,
            None,
        ):
            tools.addAction(a) if a else tools.addSeparator()
        tools.addWidget(self.temperature)
        self._fill_recent_menu()

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
    def _initial_colorizer(self) -> Colorizer | None:
        name = self.settings.value("model")
        try:
            return Colorizer.load(name if isinstance(name, str) and is_bundled(name) else None, device=self.device)
        except Exception as e:
            message = f"The bundled model could not be loaded: {e}"
            QTimer.singleShot(0, lambda: self.show_error("No model", message))
            return None

    def _set_model(self, colorizer: Colorizer | None) -> None:
        self.colorizer = colorizer
        self._fill_model_menu()
        if colorizer is None:
            return
        self.temperature.set_default(colorizer.default_T)
        saved_T = self.settings.value("temperature")
        self.temperature.set_value(float(saved_T) if saved_T is not None else colorizer.default_T)
        self.device_label.setText(f"Device: {colorizer.device.type.upper()}")
        if self.session is not None:
            self.open_path(str(self.session.image.path))

    def _fill_model_menu(self) -> None:
        m = self.model_menu
        m.clear()
        group = QActionGroup(self)
        current = self.colorizer.card.get("name") if self.colorizer else None
        for entry in bundled_models():
            a = m.addAction(entry.title)
            a.setCheckable(True)
            a.setChecked(entry.name == current)
            a.triggered.connect(lambda _=False, n=entry.name: self.load_model(n))
            group.addAction(a)
        m.addSeparator()
        m.addAction(self.card_action)
        m.addAction(self.load_model_action)
        devices = m.addMenu("&Device")
        cuda = torch.cuda.is_available()
        dgroup = QActionGroup(self)
        labels = {
            "auto": f"Auto ({'CUDA' if cuda else 'CPU'})",
            "cpu": "CPU",
            "cuda": f"CUDA ({torch.cuda.get_device_name(0)})" if cuda else "CUDA (none found)",
        }
        for name, label in labels.items():
            a = devices.addAction(label)
            a.setCheckable(True)
            a.setChecked(name == self.device)
            a.setEnabled(name != "cuda" or cuda)
            a.triggered.connect(lambda _=False, n=name: self.set_device(n))
            dgroup.addAction(a)

    def load_model(self, name_or_path: str) -> None:
        self.job += 1
        self._busy(True)
        self.requestModel.emit(self.job, name_or_path, self.device)

    def set_device(self, device: str) -> None:
        self.device = device
        self.settings.setValue("device", device)
        if self.colorizer is not None:
            self.load_model(self.colorizer.card.get("source", self.colorizer.card.get("path", "")))

    def _on_model_loaded(self, job: int, colorizer: Colorizer) -> None:
        self._busy(False)
        if is_bundled(colorizer.card.get("name", "")):
            self.settings.setValue("model", colorizer.card["name"])
        self._set_model(colorizer)
        self.statusBar().showMessage(f"Model: {colorizer.card.get('title', colorizer.card.get('name', 'weights file'))}", 5000)

    def load_weights_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load weights", self._last_folder(), "Weights (*.pt *.pth);;All files (*)")
        if path:
            self.load_model(path)

    def show_model_card(self) -> None:
        if self.colorizer is not None:
            ModelCardDialog(self.colorizer.card, self).exec()

    # ------------------------------------------------------------------ opening
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open photo", self._last_folder(), OPEN_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str) -> None:
        if self.colorizer is None:
            self.show_error("No model", "Load a model from the Model menu first.")
            return
        self.job += 1
        self._busy(True)
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

    def cancel_open(self) -> None:
        self.job += 1  # the running job's result will be ignored
        self._busy(False)
        self.statusBar().showMessage("Cancelled", 3000)

    def _on_opened(self, job: int, session: Session) -> None:
        if job != self.job:
            return
        self._busy(False)
        self.session = session
        self.render_job += 1  # a render still running for the previous photo must not land on this one
        self.hint.hide()
        image = session.image
        self.original_view.set_original(qimage_gray(session.view.gray8), image.size)
        self.colour_view.set_original(qimage_gray(session.view.gray8), image.size)
        self.refresh_preview()
        self.views.fit()
        for a in (self.save_action, self.before_after_action, self.copy_action, self.next_action, self.previous_action):
            a.setEnabled(True)
        self._update_undo()
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
        self.settings.setValue("lastFolder", str(image.path.parent))
        self._request_full_resolution()

    def _on_failed(self, job: int, what: str, message: str) -> None:
        if job == self.job:
            self._busy(False)
        self.show_error(what, message)

    def show_error(self, title: str, message: str) -> None:
        self.statusBar().showMessage(title, 5000)
        QMessageBox.critical(self, title, message)

    def _busy(self, on: bool) -> None:
        self.busy.setVisible(on)
        self.cancel_button.setVisible(on)

    # ------------------------------------------------------------------ temperature and rendering
    def _on_temperature_drag(self, T: float) -> None:
        self.settings.setValue("temperature", T)
        if self.session is not None:
            self.session.temperature = T
            self.preview_timer.start(0)  # coalesce: only the latest value is drawn

    def _on_temperature_released(self, T: float) -> None:
        if self.session is not None:
            self.session.temperature = T
            self.refresh_preview()
            self._request_full_resolution()

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
        self.render_job += 1
        self.requestRender.emit(self.render_job, s)

    def _on_rendered(self, job: int, rgb: np.ndarray) -> None:
        if job == self.copy_job:
            self.copy_job = None
            QApplication.clipboard().setImage(qimage_rgb(rgb))
            self.statusBar().showMessage(f"Copied the {rgb.shape[1]} × {rgb.shape[0]} result", 4000)
        live = self.session is not None and self.session.image.L.size <= FULL_RES_LIVE_LIMIT
        if job == self.render_job and live and not self.overlay_on:
            self.colour_view.set_colour(qimage_rgb(rgb))

    def copy_result(self) -> None:
        """The full-resolution result to the clipboard, rendered off the GUI thread."""
        if self.session is None:
            return
        self.render_job += 1
        self.copy_job = self.render_job
        self.statusBar().showMessage("Copying…")
        self.requestRender.emit(self.render_job, self.session)

    def toggle_overlay(self, on: bool) -> None:
        self.overlay_on = on
        self.refresh_preview()
        self._request_full_resolution()

    def toggle_split(self, on: bool) -> None:
        self.original_view.setVisible(not on)
        self.colour_view.set_role("split" if on else "colour")

    # ------------------------------------------------------------------ inspection and modes
    def inspect_pixel(self, x: int, y: int) -> None:
        if self.session is None:
            return
        point = self.session.set_point(x, y)
        for v in (self.original_view, self.colour_view):
            v.set_marker(point)
        self.inspector.show_report(point, self.session.inspect(), self.session.temperature)

    def nudge_point(self, dx: int, dy: int) -> None:
        if self.session is not None and self.session.point is not None:
            self.inspect_pixel(*self.session.move_point(dx, dy))

    def keyPressEvent(self, event) -> None:
        if event.key() in ImageView.ARROWS:
            self.nudge_point(*ImageView.ARROWS[event.key()])
            return
        super().keyPressEvent(event)

    def choose_mode(self, q: int) -> None:
        if self.session is None or self.session.point is None:
            return
        self.session.choose_mode(q)
        self._after_edit()

    def undo(self) -> None:
        if self.session is not None and self.session.undo():
            self._after_edit()

    def redo(self) -> None:
        if self.session is not None and self.session.redo():
            self._after_edit()

    def _after_edit(self) -> None:
        self._update_undo()
        self.refresh_preview()
        self._request_full_resolution()

    def _update_undo(self) -> None:
        s = self.session
        self.undo_action.setEnabled(bool(s and s.can_undo()))
        self.redo_action.setEnabled(bool(s and s.can_redo()))

    # ------------------------------------------------------------------ saving and export
    def save_dialog(self) -> None:
        s = self.session
        if s is None:
            return
        src = s.image.path
        ext = src.suffix if src.suffix.lower() in SUFFIX_FORMAT else ".png"
        suggestion = str(Path(self._last_folder("lastSaveFolder")) / f"{src.stem}_color{ext}")
        path, _ = QFileDialog.getSaveFileName(self, "Save colourised photo", suggestion, SAVE_FILTER)
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
        self.job += 1
        self._busy(True)
        self.requestSave.emit(self.job, s, str(target), quality, True)  # asked above if it is the original
        self.settings.setValue("lastSaveFolder", str(target.parent))

    def save_before_after_dialog(self) -> None:
        s = self.session
        if s is None:
            return
        suggestion = str(Path(self._last_folder("lastSaveFolder")) / f"{s.image.path.stem}_before_after.jpg")
        path, _ = QFileDialog.getSaveFileName(self, "Save before and after", suggestion, SAVE_FILTER)
        if path:
            self.save_before_after_to(path)

    def save_before_after_to(self, path: str, quality: int = 92) -> None:
        if self.session is None:
            return
        target = Path(path) if Path(path).suffix.lower() in SUFFIX_FORMAT else Path(path).with_suffix(".jpg")
        self.job += 1
        self._busy(True)
        self.requestSaveBeforeAfter.emit(self.job, self.session, str(target), quality)
        self.settings.setValue("lastSaveFolder", str(target.parent))

    def _on_saved(self, job: int, path: str) -> None:
        if job == self.job:
            self._busy(False)
        self.statusBar().showMessage(f"Saved {path}", 8000)

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
        self.job += 1
        self.batch_job = self.job
        self.batch_dialog = BatchProgress(len(jobs), self)
        self.batch_dialog.canceled.connect(self.threads.worker.cancel_batch.set)
        self.batch_dialog.show()
        self.requestBatch.emit(self.job, self.colorizer, jobs, options)

    def _on_batch_progress(self, job: int, done: int, outcome) -> None:
        if getattr(self, "batch_dialog", None) is not None:
            self.batch_dialog.advance(done, outcome.source)

    def _on_batch_done(self, job: int, outcomes) -> None:
        self.batch_dialog.close()
        self.last_batch = outcomes
        counts = {s: sum(o.status == s for o in outcomes) for s in ("done", "skipped", "failed")}
        text = f"Done {counts['done']}, skipped {counts['skipped']}, failed {counts['failed']}."
        failures = [f"{Path(o.source).name}: {o.reason}" for o in outcomes if o.status == "failed"]
        box = QMessageBox(
            QMessageBox.Icon.Warning if failures else QMessageBox.Icon.Information, "Export finished", text, parent=self
        )
        if failures:
            box.setDetailedText("\n".join(failures))
        box.open()
        self.batch_result_box = box

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

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.open_path(paths[0])

    def real_or_colourised(self) -> None:
        """The paper's real-vs-fake test on a folder of the user's colour photos, with this model."""
        if self.colorizer is None:
            return
        folder = str(self.session.image.path.parent) if self.session else ""
        if self.turing_dialog is not None:
            self.turing_dialog.deleteLater()  # its connections to the worker go with it
        self.turing_dialog = TuringDialog(self.threads.worker, self.colorizer, self, folder)
        self.turing_dialog.show()

    def about(self) -> None:
        card = self.colorizer.card if self.colorizer else {}
        QMessageBox.about(
            self,
            "About Colorizer",
            f"<h3>Colorizer {app_version()}</h3><p>Colour for black-and-white photographs, after Zhang, Isola &amp; "
            "Efros, <i>Colorful Image Colorization</i> (ECCV 2016).</p><p>The code is MIT-licensed; the bundled "
            "weights are for research / non-commercial use only.</p>" + card_html(card),
        )

    def closeEvent(self, event) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.setValue("temperature", self.temperature.value())
        self.threads.stop()
        super().closeEvent(event)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.session is None:
            self.hint.move(10, 10)


def app_version() -> str:
    try:
        return metadata.version("colorizer")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(development)"


def shade_uncertainty(rgbx: np.ndarray, uncertainty: np.ndarray) -> np.ndarray:
    """Blend towards magenta where the network was unsure (entropy near its maximum)."""
    u = (uncertainty[..., None] ** 2 * 0.75).astype(np.float32)
    tint = np.array([230, 0, 200, 255], np.float32)
    out = rgbx.astype(np.float32) * (1 - u) + tint * u
    return out.astype(np.uint8)
