"""Long work off the GUI thread: a QObject living in a QThread, driven by signals.

Every request carries a job id; results of superseded jobs are dropped, so opening a second
photo while the first computes simply replaces it.
"""

from __future__ import annotations

import itertools
import os
import threading
import traceback

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from model.inference.batch import run_batch
from model.inference.photo_settings import SettingsStore, photo_key
from model.inference.pipeline import Colorizer, lab_lut
from model.inference.session import Session

_JOB_IDS = itertools.count(1)


def new_job_id() -> int:
    """Every request to the worker carries a number unique across kinds (open, render, save, model,
    batch, test); a result is used only if its number is still the latest of its kind."""
    return next(_JOB_IDS)


THUMB_SIZE = 96


def thumbnail_of(path, cache: dict) -> tuple[np.ndarray, str]:
    """A small grey thumbnail of a photo and its settings key, cached by (path, size, mtime)."""
    from model.io.images import load_rgb

    st = os.stat(path)
    tag = (str(path), st.st_size, st.st_mtime_ns)
    if tag not in cache:
        im = load_rgb(path, draft=THUMB_SIZE * 2).convert("L")
        im.thumbnail((THUMB_SIZE, THUMB_SIZE))
        cache[tag] = (np.asarray(im).copy(), photo_key(path))
    return cache[tag]


def describe(exc: BaseException) -> str:
    if isinstance(exc, MemoryError):
        return "Out of memory: the photo is too large for this machine."
    if isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower():
        return "The device ran out of memory; try the CPU from the Model menu."
    return str(exc) or type(exc).__name__


class Worker(QObject):
    opened = Signal(int, object)  # job id, Session
    rendered = Signal(int, object)  # job id, full-resolution RGB
    saved = Signal(int, str)
    modelLoaded = Signal(int, object)  # job id, Colorizer
    batchProgress = Signal(int, int, object)  # job id, count done, Outcome
    batchDone = Signal(int, object)  # job id, list of outcomes
    failed = Signal(int, str, str)  # job id, what, message
    trialsReady = Signal(int, object)  # job id, list of turing.Trial
    thumbnailReady = Signal(int, str, object, bool)  # job id, path, grey thumbnail (h, w) uint8, has saved settings

    def __init__(self):
        super().__init__()
        self.latest_open = 0
        self.latest_strip = 0  # set from the GUI thread: a newer folder stops the thumbnails of the last
        self.thumb_cache: dict = {}
        self.cancel_batch = threading.Event()

    @Slot(int, object, str, float)
    def open(self, job: int, colorizer: Colorizer, path: str, temperature: float) -> None:
        self.latest_open = max(self.latest_open, job)
        try:
            from model.io.images import load_image

            image = load_image(path)
            if job != self.latest_open:
                return  # a newer photo was asked for meanwhile
            pred = colorizer.predict(image.L)
            session = Session(colorizer, image, pred, temperature)
            session.key = photo_key(path)  # its saved settings, kept by content (model.inference.photo_settings)
            saved = SettingsStore().load(session.key)
            if saved is not None:
                session.image.notes += ["its saved settings restored"] + session.apply_settings(saved)
            lab_lut()  # built here, not on the GUI thread at the first slider move
        except Exception as e:  # reported to the user as a dialog, never a crash
            self.failed.emit(job, f"Cannot open {path}", describe(e))
            return
        if job == self.latest_open:
            self.opened.emit(job, session)

    @Slot(int, object)
    def thumbnails(self, job: int, paths) -> None:
        """Filmstrip thumbnails, one signal each as it is made; cached by path, size and time."""
        store = SettingsStore()
        for path in paths:
            if job != self.latest_strip:
                return  # another folder was asked for meanwhile
            try:
                thumb, key = thumbnail_of(path, self.thumb_cache)
                self.thumbnailReady.emit(job, str(path), thumb, store.has(key))
            except Exception:  # a file that cannot be shown keeps its name-only entry
                continue

    @Slot(int, object)
    def render(self, job: int, session: Session) -> None:
        try:
            self.rendered.emit(job, session.full_resolution())
        except Exception as e:
            self.failed.emit(job, "Cannot render the full-resolution result", describe(e))

    @Slot(int, object, str, int, bool)
    def save(self, job: int, session: Session, path: str, quality: int, overwrite_source: bool) -> None:
        try:
            self.saved.emit(job, str(session.save(path, quality=quality, overwrite_source=overwrite_source)))
        except Exception as e:
            self.failed.emit(job, f"Cannot save {path}", describe(e))

    @Slot(int, object, str, int)
    def save_before_after(self, job: int, session: Session, path: str, quality: int) -> None:
        try:
            self.saved.emit(job, str(session.save_before_after(path, quality=quality)))
        except Exception as e:
            self.failed.emit(job, f"Cannot save {path}", describe(e))

    @Slot(int, str, str)
    def load_model(self, job: int, path: str, device: str) -> None:
        try:
            colorizer = Colorizer.load(path, device=device)
            colorizer.card["source"] = path
        except Exception as e:
            self.failed.emit(job, "Cannot load the model", describe(e))
            return
        self.modelLoaded.emit(job, colorizer)

    @Slot(int, object, object, float, int)
    def prepare_trials(self, job: int, colorizer: Colorizer, files, temperature: float, seed: int) -> None:
        """Colourise every photo of a real-or-colourised test before it starts, so no trial waits."""
        from model.evaluation.turing import plan_trials

        try:
            trials = plan_trials(colorizer, files, temperature, seed)
        except Exception as e:
            self.failed.emit(job, "Cannot prepare the test", describe(e))
            return
        self.trialsReady.emit(job, trials)

    @Slot(int, object, object, object)
    def batch(self, job: int, colorizer: Colorizer, jobs, options) -> None:
        self.cancel_batch.clear()
        try:
            outcomes = run_batch(
                colorizer, jobs, options, lambda n, o: self.batchProgress.emit(job, n, o), self.cancel_batch.is_set
            )
        except Exception as e:
            self.failed.emit(job, "The batch stopped", describe(e) + "\n" + traceback.format_exc(limit=2))
            return
        self.batchDone.emit(job, outcomes)


class WorkerThread:
    """Owns the thread and the worker; call stop() on exit."""

    def __init__(self):
        self.thread = QThread()
        self.thread.setObjectName("colorizer-worker")
        self.worker = Worker()
        self.worker.moveToThread(self.thread)
        self.thread.start()

    def stop(self) -> None:
        self.worker.cancel_batch.set()
        self.worker.latest_strip = -1  # thumbnails still being made stop after the one in hand
        self.thread.quit()
        self.thread.wait(10000)
