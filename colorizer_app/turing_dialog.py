"""Help > Real or Colourised?: the paper's real-vs-fake test on the user's own colour photos.

A thin view over model.evaluation.turing.TuringRun: set up (folder, temperature, time on screen, number of
photos; the model is the window's), let the worker colourise every photo first, then show each
pair for the chosen time and take Left / Right (keys or buttons), then the fooling rate with its
95 % interval, each photo's outcome, and a CSV to save.
"""

from __future__ import annotations

import random
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from model.evaluation.turing import SIDES, TuringRun
from model.io.atomic import atomic_write_bytes
from model.io.folders import list_images

from .dialogs import _folder_row
from .views import qimage_rgb
from .worker import new_job_id

PAPER_FOOLING_RATE = 20.4  # % for the paper's full model (Zhang et al. 2016, table 1)
SHOWN_PX = 420




class TuringDialog(QDialog):
    requestTrials = Signal(int, object, object, float, int)  # job, colorizer, files, T, seed

    def __init__(self, worker, colorizer, parent=None, folder: str = ""):
        super().__init__(parent)
        self.setWindowTitle("Real or Colourised?")
        self.colorizer, self.run, self.job = colorizer, None, 0
        self.requestTrials.connect(worker.prepare_trials)
        worker.trialsReady.connect(self._on_trials)
        worker.failed.connect(self._on_failed)
        self.hide_timer = QTimer(self, singleShot=True)
        self.hide_timer.timeout.connect(self._hide_pair)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._setup_page(folder))
        self.pages.addWidget(self._trial_page())
        self.pages.addWidget(self._result_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)

    # ------------------------------------------------------------------ pages
    def _setup_page(self, folder: str) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        title = self.colorizer.card.get("title", self.colorizer.card.get("name", "the current model"))
        intro = QLabel(
            "Each trial shows one of your colour photos beside the colourisation of its grey copy, for a moment; the "
            "rater picks the real one. The model and temperature are not shown during the test."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        form.addRow("Model:", QLabel(f"{title} (change it in the Model menu)"))
        self.folder = QLineEdit(folder)
        form.addRow("Colour photos:", _folder_row(self.folder, "Folder of colour photos", self))
        self.temperature = QDoubleSpinBox(decimals=2, minimum=0.02, maximum=1.0, singleStep=0.05)
        self.temperature.setValue(self.colorizer.default_T)
        form.addRow("Temperature:", self.temperature)
        self.seconds = QDoubleSpinBox(decimals=1, minimum=0.2, maximum=10.0, singleStep=0.1, suffix=" s")
        self.seconds.setValue(1.0)
        form.addRow("Shown for:", self.seconds)
        self.count = QSpinBox(minimum=2, maximum=500)
        self.count.setValue(20)
        form.addRow("Photos:", self.count)
        self.status = QLabel("")
        form.addRow(self.status)
        self.start_button = QPushButton("Prepare and start")
        self.start_button.clicked.connect(self.prepare)
        form.addRow(self.start_button)
        return page

    def _trial_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.progress = QLabel("")
        layout.addWidget(self.progress, alignment=Qt.AlignmentFlag.AlignHCenter)
        pair = QHBoxLayout()
        self.shown = {side: QLabel() for side in SIDES}
        for label in self.shown.values():
            label.setFixedSize(SHOWN_PX, SHOWN_PX)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            pair.addWidget(label)
        layout.addLayout(pair)
        layout.addWidget(QLabel("Which one is real?  (Left / Right arrow keys)"), alignment=Qt.AlignmentFlag.AlignHCenter)
        buttons = QHBoxLayout()
        for side, text in (("left", "← Left"), ("right", "Right →")):
            b = QPushButton(text)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the arrow keys must reach the dialog
            b.clicked.connect(lambda _=False, s=side: self.answer(s))
            buttons.addWidget(b)
        layout.addLayout(buttons)
        return page

    def _result_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Photo", "Real side", "Answer", "Fooled"])
        layout.addWidget(self.table)
        save = QPushButton("Save CSV…")
        save.clicked.connect(self._ask_and_save)
        layout.addWidget(save)
        return page

    # ------------------------------------------------------------------ the test
    @Slot()
    def prepare(self) -> None:
        files = list_images(self.folder.text()) if self.folder.text() and Path(self.folder.text()).is_dir() else []
        if len(files) < 2:
            self.status.setText("Choose a folder with at least two colour photos.")
            return
        rng = random.Random()
        files = rng.sample(files, min(self.count.value(), len(files)))
        self.job = new_job_id()
        self.start_button.setEnabled(False)
        self.status.setText(f"Colourising {len(files)} photos…")
        self.requestTrials.emit(self.job, self.colorizer, files, self.temperature.value(), rng.randrange(2**31))

    @Slot(int, object)
    def _on_trials(self, job: int, trials) -> None:
        if job != self.job:
            return
        self.run = TuringRun(trials)
        self.pages.setCurrentIndex(1)
        self.setFocus()
        self._show_current()

    @Slot(int, str, str)
    def _on_failed(self, job: int, what: str, message: str) -> None:
        if job == self.job and self.run is None:
            self.start_button.setEnabled(True)
            self.status.setText(f"{what}: {message}")

    def _show_current(self) -> None:
        t = self.run.current()
        images = {t.real_side: t.real, ("right" if t.real_side == "left" else "left"): t.fake}
        for side, label in self.shown.items():
            pix = QPixmap.fromImage(qimage_rgb(images[side]))
            label.setPixmap(pix.scaled(SHOWN_PX, SHOWN_PX, Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation))  # fmt: skip
        self.progress.setText(f"Photo {len(self.run.answers) + 1} of {len(self.run.trials)}")
        self.hide_timer.start(round(self.seconds.value() * 1000))

    @Slot()
    def _hide_pair(self) -> None:
        for label in self.shown.values():
            label.clear()

    def answer(self, side: str) -> None:
        if self.run is None or self.run.done or self.pages.currentIndex() != 1:
            return
        self.run.answer(side)
        self.hide_timer.stop()
        if self.run.done:
            self._show_result()
        else:
            self._show_current()

    def keyPressEvent(self, event) -> None:
        keys = {Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right"}
        if event.key() in keys and self.pages.currentIndex() == 1:
            self.answer(keys[event.key()])
        else:
            super().keyPressEvent(event)

    def _show_result(self) -> None:
        r = self.run.result()
        lo, hi = r["interval_95"]
        self.summary.setText(
            f"<b>Fooling rate {r['fooling_rate'] * 100:.1f}%</b> (95% interval {lo * 100:.1f}–{hi * 100:.1f}%): the "
            f"colourisation was picked as real in {r['fooled']} of {r['trials']} trials. 50% would mean nobody can "
            f"tell; the paper's model fooled its raters {PAPER_FOOLING_RATE}% of the time."
        )
        self.table.setRowCount(len(self.run.answers))
        for row, a in enumerate(self.run.answers):
            cells = (a["id"], a["real_side"], a["answer"], "yes" if a["answer"] != a["real_side"] else "no")
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.pages.setCurrentIndex(2)

    @Slot()
    def _ask_and_save(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the answers", "real-or-colourised.csv", "CSV (*.csv)")
        if path:
            try:
                self.save_csv(path)
            except OSError as e:
                QMessageBox.warning(self, "Cannot save", f"{path}: {e.strerror or e}")

    def save_csv(self, path: str) -> None:
        atomic_write_bytes(self.run.csv_text().encode("utf-8"), path)
