import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings, Qt, QTimer

from colorizer_app import window as window_module
from colorizer_app.window import MainWindow
from model.cli.colorize import main as colorize
from model.inference.batch import BatchOptions
from model.inference.pipeline import Colorizer

from .images import colour, gradient


def qimage_array(img) -> np.ndarray:
    img = img.convertToFormat(img.Format.Format_RGBX8888)
    ptr = img.constBits()
    rows = np.frombuffer(ptr, np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return rows[:, : img.width() * 4].reshape(img.height(), img.width(), 4).copy()  # the buffer dies with img


@pytest.fixture
def photo(tmp_path):
    p = tmp_path / "photo.png"
    Image.fromarray(colour(160, 120)).convert("L").save(p)
    return p


@pytest.fixture
def errors(monkeypatch):
    seen = []
    monkeypatch.setattr(window_module.QMessageBox, "critical", lambda parent, title, text: seen.append((title, text)))
    return seen


@pytest.fixture
def win(qtbot, tmp_path, errors):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.resize(1280, 900)  # a desktop's size: offscreen's virtual screen is 800 x 600
    w.show()
    qtbot.waitUntil(lambda: w.colorizer is not None, timeout=30000)  # the worker loads the network after the window shows
    yield w
    w.threads.stop()
    w.strip_threads.stop()


def open_and_wait(qtbot, w, path):
    before = w.session
    w.open_path(str(path))
    qtbot.waitUntil(lambda: w.session is not before and w.session is not None, timeout=30000)


def test_open_shows_result_of_the_right_size(qtbot, win, photo):
    open_and_wait(qtbot, win, photo)
    assert win.session.image.size == (160, 120)
    img = win.colour_view.colour_image()
    assert (img.width(), img.height()) == (160, 120)
    assert win.colour_view.scene().sceneRect().width() == 160
    assert "160 × 120" in win.size_label.text()


def test_slider_redecodes_without_network_and_matches_pipeline(qtbot, win, photo):
    open_and_wait(qtbot, win, photo)
    calls = win.session.colorizer.network_calls
    for T in (0.05, 0.9):
        win.temperature.set_value(T)
        qtbot.waitUntil(lambda: abs(win.session.temperature - win.temperature.value()) < 1e-9)
        qtbot.wait(20)
        shown = qimage_array(win.colour_view.colour_image())
        expected = win.session.colorizer.preview(win.session.pred, win.session.view.L_index, win.temperature.value())
        np.testing.assert_array_equal(shown[..., :3], expected[..., :3])
    assert win.session.colorizer.network_calls == calls


def test_clicking_a_pixel_fills_the_inspector(qtbot, win, photo):
    open_and_wait(qtbot, win, photo)
    view = win.colour_view
    pos = view.mapFromScene(40.5, 30.5)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert win.session.point == (40, 30)
    report = win.inspector.plane.report
    assert report is not None and report.probs.sum() == pytest.approx(1.0)
    expected = win.session.colorizer.inspect(win.session.pred, 40, 30, win.session.temperature)
    np.testing.assert_allclose(report.probs, expected.probs)
    assert win.inspector.modes.count() == 5 and win.colour_view.marker.isVisible()
    assert not win.inspector.modes.verticalScrollBar().isVisible()  # the five choices show without scrolling
    qtbot.keyClick(view, Qt.Key.Key_Right)  # the clicked view has focus: arrows move the point, not the scroll
    assert win.session.point == (41, 30)
    qtbot.keyClick(win, Qt.Key.Key_Down)
    assert win.session.point == (41, 31)


def test_choosing_a_mode_recolours_and_undo_restores(qtbot, win, photo):
    open_and_wait(qtbot, win, photo)
    win.inspect_pixel(80, 60)
    before = qimage_array(win.colour_view.colour_image()).copy()
    item = win.inspector.modes.item(1)
    win.inspector.modes.itemClicked.emit(item)
    after = qimage_array(win.colour_view.colour_image()).copy()
    assert not np.array_equal(before, after) and win.actions.undo.isEnabled()
    win.actions.undo.trigger()
    np.testing.assert_array_equal(qimage_array(win.colour_view.colour_image()), before)
    win.actions.redo.trigger()
    np.testing.assert_array_equal(qimage_array(win.colour_view.colour_image()), after)


def test_save_writes_full_resolution_with_the_chosen_mode(qtbot, win, photo, tmp_path):
    open_and_wait(qtbot, win, photo)
    win.inspect_pixel(80, 60)
    win.choose_mode(win.session.inspect().modes[1][0])
    out = tmp_path / "saved.png"
    win.save_to(str(out))
    qtbot.waitUntil(out.exists, timeout=20000)
    saved = np.asarray(Image.open(out))
    assert saved.shape == (120, 160, 3)
    np.testing.assert_array_equal(saved, win.session.full_resolution())


def test_corrupt_file_gives_an_error_and_the_app_stays_usable(qtbot, win, photo, tmp_path, errors):
    bad = tmp_path / "bad.jpg"
    bad.write_text("not an image")
    win.open_path(str(bad))
    qtbot.waitUntil(lambda: bool(errors), timeout=20000)
    assert "bad.jpg" in errors[0][0] + errors[0][1]
    open_and_wait(qtbot, win, photo)
    assert win.session.image.path == photo


def test_the_empty_view_hint_stays_inside_the_view_as_docks_open_and_close(qtbot, win):
    hint = win.hint.geometry()
    assert win.hint.isVisible() and hint.right() < win.colour_view.width()
    wide = win.colour_view.width()
    win.inspector_dock.hide()  # the view widens without the window resizing
    win.adjustments_dock.hide()
    qtbot.waitUntil(lambda: win.colour_view.width() > wide, timeout=5000)
    assert win.hint.geometry().right() > hint.right()  # it follows the view
    win.inspector_dock.show()
    win.adjustments_dock.show()
    qtbot.waitUntil(lambda: win.colour_view.width() == wide, timeout=5000)
    assert win.hint.geometry().right() < win.colour_view.width()


def test_the_window_fits_a_short_laptop_screen_and_the_inspector_scrolls_there(qtbot, win, tmp_path):
    from PySide6.QtWidgets import QApplication

    fresh = MainWindow(QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(fresh)
    room = QApplication.primaryScreen().availableGeometry()  # 800 x 600 offscreen
    assert fresh.width() <= room.width() and fresh.height() <= room.height()  # it opens within the screen
    fresh.threads.stop()
    fresh.strip_threads.stop()
    assert win.minimumSizeHint().height() <= 640  # a 1366 x 768 screen, less its panels and title bar
    win.resize(1200, 660)
    qtbot.waitUntil(lambda: win.inspector.scroll.verticalScrollBar().maximum() > 0, timeout=5000)
    assert win.inspector.modes.height() == win.inspector.modes.minimumHeight()  # scrolled to, never squeezed


def test_a_folder_opens_its_first_photo_and_an_empty_one_says_so(qtbot, win, tmp_path, errors):
    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("scan10.png", "scan2.png"):
        Image.fromarray(colour(80, 60)).convert("L").save(scans / name)
    (scans / "notes.txt").write_text("not a photo")
    open_and_wait(qtbot, win, scans)
    assert win.session.image.path == scans / "scan2.png" and not errors  # the order a file manager shows
    empty = tmp_path / "empty"
    empty.mkdir()
    win.open_path(str(empty))
    assert errors and errors[0][0] == "No photos" and "empty" in errors[0][1]
    assert win.session.image.path == scans / "scan2.png"  # the open photo stays


def test_gui_stays_responsive_while_the_worker_runs(qtbot, win, tmp_path):
    big = tmp_path / "big.png"
    Image.fromarray(np.tile(gradient(400, 300), (8, 8))).save(big)  # 3200 x 2400
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    open_and_wait(qtbot, win, big)
    timer.stop()
    assert len(ticks) >= 5  # the event loop kept turning while the photo loaded and the network ran


def test_second_photo_replaces_the_first(qtbot, win, photo, tmp_path):
    second = tmp_path / "second.png"
    Image.fromarray(gradient(90, 70)).save(second)
    win.open_path(str(photo))
    win.open_path(str(second))
    qtbot.waitUntil(lambda: win.session is not None and win.session.image.path == second, timeout=30000)
    qtbot.wait(300)
    assert win.session.image.path == second


def test_split_view_and_overlay(qtbot, win, photo):
    open_and_wait(qtbot, win, photo)
    plain = qimage_array(win.colour_view.colour_image()).copy()
    win.actions.split.trigger()
    assert win.colour_view.role == "split" and not win.original_view.isVisible()
    win.colour_view.set_split(0.25)
    assert win.colour_view.clip.rect().width() == pytest.approx(40)
    win.actions.overlay.trigger()
    assert not np.array_equal(qimage_array(win.colour_view.colour_image()), plain)


def test_export_folder_runs_in_the_worker_with_the_same_pixels_as_the_cli(qtbot, win, photo, tmp_path):
    out_app, out_cli = tmp_path / "app", tmp_path / "cli"
    win.start_batch(str(photo.parent), str(out_app), BatchOptions(temperature=0.3, fmt="png"))
    qtbot.waitUntil(lambda: win.batch_result_box is not None, timeout=30000)
    assert win.batch_result_box.text() == "Done 1, skipped 0, failed 0." and win.batch_dialog is None
    assert colorize([str(photo), "-o", str(out_cli), "-T", "0.3", "--format", "png", "--no-progress"]) == 0
    np.testing.assert_array_equal(
        np.asarray(Image.open(out_app / "photo_color.png")), np.asarray(Image.open(out_cli / "photo_color.png"))
    )


def test_settings_are_remembered(qtbot, tmp_path, photo, errors):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.temperature.set_value(0.2)
    open_and_wait(qtbot, w, photo)
    w.close()
    w2 = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w2)
    qtbot.waitUntil(lambda: w2.colorizer is not None, timeout=30000)
    assert w2.temperature.value() == pytest.approx(0.2, rel=0.01)
    assert w2.recent_menu.actions()[0].toolTip() == str(photo)
    assert w2._last_folder() == str(photo.parent)
    w2.close()


def test_zoom_is_synchronised(qtbot, win, photo):
    open_and_wait(qtbot, win, photo)
    win.actions.actual.trigger()
    assert win.original_view.zoom_level() == win.colour_view.zoom_level() == 1.0
    win.actions.zoom_in.trigger()
    assert win.original_view.zoom_level() == pytest.approx(1.25) and win.colour_view.zoom_level() == pytest.approx(1.25)
    win.colour_view.horizontalScrollBar().setValue(7)
    assert win.original_view.horizontalScrollBar().value() == win.colour_view.horizontalScrollBar().value()


def test_model_card_shows_terms_metrics_and_sweep():
    from colorizer_app.dialogs import card_html
    from model.nets.registry import bundled_models

    for entry in bundled_models():
        html = card_html(entry.card)
        assert "non-commercial" in html and "Temperature sweep" in html and "kodak24" in html
        assert "90% interval" in html and "of the weight in val" in html
        assert "Lite2 ImageNet classifier" in html and "names the result as it names the original" in html
        assert entry.card["default_T"] in [float(k[2:]) for k in entry.card["temperature_sweep_val"]]
        assert "<b>Readout</b>" in html and ("geometric median" in html) == ("readout" in entry.card)


def test_model_card_training_record_reads_as_words():
    from colorizer_app.dialogs import training_facts

    facts = dict(training_facts({"images_seen": 80000, "wall_time_s": 5079, "lr": 0.0001, "wall_time_s_all_phases": 61529,
                                 "data": "photos"}))  # fmt: skip
    assert facts == {"Images seen": "80,000", "Wall time": "1 h 25 min", "Learning rate": "0.0001",
                     "Wall time (all phases)": "17 h 5 min", "Data": "photos"}  # fmt: skip


def test_page_down_steps_through_the_folder(qtbot, win, tmp_path):
    for name in ("scan1.png", "scan2.png", "scan10.png"):
        Image.fromarray(gradient(64, 48)).save(tmp_path / name)
    assert not win.actions.next.isEnabled()
    open_and_wait(qtbot, win, tmp_path / "scan2.png")
    win.colour_view.setFocus()  # the key must reach the action, not scroll the view
    qtbot.keyClick(win.colour_view, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: win.session.image.path.name == "scan10.png", timeout=30000)
    win.actions.next.trigger()  # the last one: stays, says so
    assert win.session.image.path.name == "scan10.png" and "No later photo" in win.statusBar().currentMessage()
    win.actions.previous.trigger()
    qtbot.waitUntil(lambda: win.session.image.path.name == "scan2.png", timeout=30000)


def test_copy_puts_the_full_resolution_result_on_the_clipboard(qtbot, win, photo):
    from PySide6.QtWidgets import QApplication

    open_and_wait(qtbot, win, photo)
    QApplication.clipboard().clear()
    win.actions.copy.trigger()
    qtbot.waitUntil(lambda: not QApplication.clipboard().image().isNull(), timeout=30000)
    copied = qimage_array(QApplication.clipboard().image())[..., :3]
    np.testing.assert_array_equal(copied, win.session.full_resolution())
    assert "Copied the 160 × 120 result" in win.statusBar().currentMessage()


def test_a_render_for_the_previous_photo_does_not_land_on_the_next(qtbot, win, photo, tmp_path):
    open_and_wait(qtbot, win, photo)
    stale_job = win.render_job  # as if a full-resolution render of this photo were still running
    other = tmp_path / "other.png"
    Image.fromarray(gradient(160, 120)).save(other)
    open_and_wait(qtbot, win, other)
    before = qimage_array(win.colour_view.colour_image())
    win._on_rendered(stale_job, np.zeros((120, 160, 3), np.uint8))
    np.testing.assert_array_equal(qimage_array(win.colour_view.colour_image()), before)


def test_inspector_shows_the_hues_of_near_black_pixels(qtbot, win, tmp_path):
    from colorizer_app.inspector import bin_colours

    grey = np.full((64, 96), 128, np.uint8)
    grey[:, :48] = 3  # the left half near black
    Image.fromarray(grey).save(tmp_path / "dark.png")
    open_and_wait(qtbot, win, tmp_path / "dark.png")
    win.inspect_pixel(10, 30)
    win.inspector.details.setChecked(True)  # the Lab figures, one click away
    assert win.inspector.numbers.text().startswith("L = 0.8 (colours drawn at L 25)")  # grey 3 is L 0.82
    np.testing.assert_array_equal(win.inspector.plane.colours, bin_colours(25))
    win.inspect_pixel(80, 30)  # mid grey: drawn at its own lightness, no note
    assert "drawn at" not in win.inspector.numbers.text()
    np.testing.assert_array_equal(win.inspector.plane.colours, bin_colours(win.inspector.plane.report.L))


def test_about_names_the_version_and_the_terms_of_the_weights(win, monkeypatch):
    shown = []
    monkeypatch.setattr(window_module.QMessageBox, "about", lambda parent, title, text: shown.append(text))
    win.about()
    from importlib import metadata

    assert f"Colorizer {metadata.version('colorizer')}" in shown[0] and "non-commercial" in shown[0]


def test_before_after_is_saved_from_the_file_menu(qtbot, win, photo, tmp_path):
    assert not win.actions.before_after.isEnabled()  # nothing open yet
    open_and_wait(qtbot, win, photo)
    assert win.actions.before_after.isEnabled()
    win.save_before_after_to(str(tmp_path / "both"))  # no suffix: JPEG
    out = tmp_path / "both.jpg"
    qtbot.waitUntil(out.exists, timeout=20000)
    assert Image.open(out).size == (2 * 160 + 2, 120)


def test_real_or_colourised_test_runs_from_the_help_menu(qtbot, win, tmp_path):
    folder = tmp_path / "colour"
    folder.mkdir()
    for i in range(4):
        Image.fromarray(np.roll(colour(80, 60), 11 * i, axis=1)).save(folder / f"c{i}.png")
    qtbot.waitUntil(lambda: win.colorizer is not None, timeout=30000)
    win.actions.turing.trigger()
    dialog = win.turing_dialog
    dialog.folder.setText(str(folder))
    dialog.seconds.setValue(5.0)
    dialog.count.setValue(3)
    dialog.start_button.click()
    qtbot.waitUntil(lambda: dialog.run is not None, timeout=60000)  # colourised in the worker first
    assert dialog.pages.currentIndex() == 1 and len(dialog.run.trials) == 3
    assert dialog.shown["left"].pixmap() is not None and not dialog.shown["left"].pixmap().isNull()
    first = dialog.run.current()
    qtbot.keyClick(dialog, Qt.Key.Key_Left)
    assert dialog.run.answers[0] == {"id": first.id, "real_side": first.real_side, "answer": "left"}
    qtbot.keyClick(dialog, Qt.Key.Key_Right)
    dialog.hide_timer.timeout.emit()  # the time on screen runs out: the pair is hidden, the answer still counts
    assert dialog.shown["left"].pixmap() is None or dialog.shown["left"].pixmap().isNull()
    qtbot.keyClick(dialog, Qt.Key.Key_Left)
    assert dialog.pages.currentIndex() == 2 and dialog.table.rowCount() == 3
    fooled = sum(a["answer"] != a["real_side"] for a in dialog.run.answers)
    assert f"in {fooled} of 3 trials" in dialog.summary.text() and "95% interval" in dialog.summary.text()
    dialog.save_csv(str(tmp_path / "answers.csv"))
    lines = (tmp_path / "answers.csv").read_text().splitlines()
    assert lines[0] == "photo,real_side,answer,fooled" and len(lines) == 4
    assert sum(int(line.rsplit(",", 1)[1]) for line in lines[1:]) == fooled


def test_a_superseded_model_load_or_batch_result_is_ignored(qtbot, win):
    vivid = win.colorizer
    natural = Colorizer.bundled("colorizer-natural", device="cpu")
    win.load_model("colorizer-natural")
    stale = win.model_job
    win.load_model("colorizer-vivid")  # asked again before the first answer came
    win._on_model_loaded(stale, natural)
    assert win.colorizer is vivid  # the first answer is no longer wanted
    win._on_model_loaded(win.model_job, natural)
    assert win.colorizer is natural
    win.batch_job = 7
    win._on_batch_done(6, [])  # a batch the window no longer waits for
    assert win.batch_result_box is None


def test_cancel_is_offered_only_for_opening(qtbot, win, photo, tmp_path):
    win.load_model("colorizer-vivid")
    assert win.busy.isVisibleTo(win) and not win.cancel_button.isVisibleTo(win)  # a model load runs to its end
    qtbot.waitUntil(lambda: not win.busy.isVisibleTo(win), timeout=30000)
    win.open_path(str(photo))
    assert win.cancel_button.isVisibleTo(win)
    qtbot.waitUntil(lambda: win.session is not None, timeout=30000)
    win.save_to(str(tmp_path / "out.png"))
    assert win.busy.isVisibleTo(win) and not win.cancel_button.isVisibleTo(win)
    qtbot.waitUntil(lambda: (tmp_path / "out.png").exists(), timeout=30000)


def test_hint_tool_paints_moves_recolours_and_undoes(qtbot, win, photo, tmp_path):
    from model.inference.hints import load_hints

    win.open_path(str(photo))
    qtbot.waitUntil(lambda: win.session is not None, timeout=30000)
    win.actions.hint.trigger()
    view = win.colour_view
    before = view.colour_image().copy()
    win.hint_tool.set_colour((50.0, 40.0))  # a red
    view.hintPressed.emit(40.0, 60.0, False)
    view.hintDragged.emit(70.0, 60.0)  # a stroke: more hints along it
    view.hintReleased.emit()
    hints = list(win.session.pred.hints)
    assert len(hints) >= 2 and all(h.ab == (50.0, 40.0) for h in hints) and len(view.hint_items) == len(hints)
    qtbot.waitUntil(lambda: view.colour_image() != before, timeout=10000)
    pixel = view.colour_image().pixelColor(40, 60)
    assert pixel.red() > pixel.green() + 30  # the photo follows the hint
    win.actions.undo.trigger()  # the whole stroke is one step
    assert win.session.pred.hints == []
    win.actions.redo.trigger()
    view.hintPressed.emit(40.0, 60.0, False)  # on a marker: takes it
    view.hintDragged.emit(45.0, 65.0)
    view.hintReleased.emit()
    assert (win.session.pred.hints[0].x, win.session.pred.hints[0].y) == (45.0, 65.0)
    win.hint_tool.set_colour((-20.0, -40.0))  # recolours the selected marker
    assert win.session.pred.hints[0].ab == (-20.0, -40.0)
    win.actions.delete_hint.trigger()
    assert len(win.session.pred.hints) == len(hints) - 1
    hints_file = tmp_path / "h.json"
    from model.inference.hints import save_hints

    save_hints(win.session.pred.hints, hints_file)
    win.clear_hints()
    assert win.session.pred.hints == []
    win.load_hints_from(str(hints_file))
    assert len(win.session.pred.hints) == len(load_hints(hints_file))
    win.inspector.modeChosen.emit(200)  # with the tool on, a candidate becomes the hint colour
    assert win.hint_tool.colour is not None and win.session.pred.edits == []


def test_a_bad_hints_file_is_refused_and_the_photo_keeps_its_hints(qtbot, win, photo, tmp_path, errors):
    win.open_path(str(photo))
    qtbot.waitUntil(lambda: win.session is not None, timeout=30000)
    win.session.add_hint(10, 10, (40.0, 0.0))
    (tmp_path / "far.json").write_text('{"hints": [{"x": 9000, "y": 10, "srgb": "#c03030"}]}')
    win.load_hints_from(str(tmp_path / "far.json"))
    assert errors and "outside this 160 x 120 photo" in errors[-1][1] and len(win.session.pred.hints) == 1


def test_hints_survive_a_model_switch(qtbot, win, photo):
    win.open_path(str(photo))
    qtbot.waitUntil(lambda: win.session is not None, timeout=30000)
    win.session.add_hint(30, 40, (40.0, 30.0))
    win._on_hints_changed(True)  # as the hint tool does: kept with the photo's settings
    first = win.session
    win.load_model("colorizer-natural")
    qtbot.waitUntil(lambda: win.session is not first, timeout=30000)
    assert win.colorizer.card["name"] == "colorizer-natural" and [h.ab for h in win.session.pred.hints] == [(40.0, 30.0)]


def test_adjustments_and_the_temperature_are_live_and_undoable(qtbot, win, photo):
    from model.lab.look import Look

    win.open_path(str(photo))
    qtbot.waitUntil(lambda: win.session is not None, timeout=30000)
    T0 = win.session.temperature
    win.adjustments.sliders["saturation"].setValue(0)  # as a key press would: one step
    assert win.session.pred.look == Look(saturation=0.0)
    qtbot.waitUntil(lambda: abs(win.colour_view.colour_image().pixelColor(80, 60).saturation()) < 8, timeout=10000)
    win.adjustments.sliders["grey_unsure"].setValue(40)
    assert win.session.pred.look == Look(saturation=0.0, grey_unsure=0.4)
    assert win.adjustments.labels["grey_unsure"].text() == "40 %"
    win.actions.undo.trigger()
    win.adjustments.sliders["warmth"].setValue(30)
    win.temperature.set_value(0.9)
    assert win.session.temperature == pytest.approx(0.9, abs=0.01)
    win.actions.undo.trigger()
    assert win.session.temperature == pytest.approx(T0, abs=0.01) and win.temperature.value() == pytest.approx(T0, abs=0.01)
    win.actions.undo.trigger()
    assert win.session.pred.look == Look(saturation=0.0) and win.adjustments.sliders["warmth"].value() == 0
    win.actions.undo.trigger()
    assert win.session.pred.look == Look() and win.adjustments.sliders["saturation"].value() == 100


def test_inspector_speaks_plainly_and_forgets_the_last_pixel(qtbot, win, photo):
    from colorizer_app.words import certainty_words, colour_name

    assert colour_name(0, 0) == "grey" and colour_name(10, -50) == "blue" and colour_name(-40, 40) == "green"
    assert certainty_words(0.1) == "very sure" and certainty_words(5.7) == "guessing"
    open_and_wait(qtbot, win, photo)
    win.inspect_pixel(20, 30)
    first = win.inspector.modes.item(0).text()
    assert re.fullmatch(r"[a-z -]+: \d+ %", first)  # 'deep blue: 23 %', no Lab figures until asked
    assert win.inspector.sure_label.text().startswith("How sure: ")
    assert not win.inspector.numbers.isVisible()
    win.open_path(str(photo))  # reopening (as Page Down or a model switch do) clears the old pixel
    qtbot.waitUntil(lambda: win.inspector.modes.count() == 0, timeout=30000)
    assert win.inspector.header.text().startswith("Click a pixel")


def test_inspector_names_each_colour_once_with_its_bins_summed_share():
    from colorizer_app.words import BIN_NAMES, named_choices
    from model.lab.bins import Q

    oranges = [q for q in range(Q) if BIN_NAMES[q] == "orange"][:3]
    blue = BIN_NAMES.index("blue")
    probs = np.zeros(Q)
    probs[oranges] = 0.25, 0.35, 0.2
    probs[blue] = 0.195
    probs[BIN_NAMES.index("green")] = 0.005
    choices = named_choices(probs)
    assert [(n, round(s, 3)) for _, n, s in choices] == [("orange", 0.8), ("blue", 0.195)]  # green: under 1 %
    assert choices[0][0] == oranges[1] and choices[1][0] == blue  # each name stands for its likeliest bin
    flat = named_choices(np.full(Q, 1 / Q))
    assert len(flat) == 5 and len({n for _, n, _ in flat}) == 5


def test_uncertainty_overlay_shades_only_the_least_sure_part_and_has_a_legend(qtbot, win, photo):
    from colorizer_app.window import shade_uncertainty

    rgbx = np.full((10, 10, 4), 128, np.uint8)
    doubt = np.linspace(0.55, 0.75, 100).reshape(10, 10)  # a whole photo above half of the total doubt
    shaded = shade_uncertainty(rgbx, doubt)
    assert (shaded == rgbx).all(axis=2).sum() >= 75  # its surest 75 % stay clear
    assert shaded[9, 9, 1] < 60  # its least sure pixel is strongly magenta (green channel gone)
    open_and_wait(qtbot, win, photo)
    win.actions.overlay.trigger()
    assert win.overlay_legend.isVisibleTo(win) and "least sure" in win.overlay_legend.text()
    one_line = win.overlay_legend.height()
    win.resize(700, win.height())  # a narrow view: the legend wraps inside it rather than running off its edge
    qtbot.waitUntil(lambda: win.colour_view.width() < win.legend_width, timeout=5000)
    legend = win.overlay_legend.geometry()
    assert legend.right() < win.colour_view.width() and legend.bottom() < win.colour_view.height()
    assert win.overlay_legend.height() > one_line
    win.actions.overlay.trigger()
    assert not win.overlay_legend.isVisibleTo(win)


def test_rough_edges_about_save_filter_theme_and_export_folder(qtbot, win, monkeypatch):
    from colorizer_app.dialogs import ExportDialog
    from colorizer_app.window import filter_for

    shown = []
    monkeypatch.setattr(window_module.QMessageBox, "about", lambda parent, title, text: shown.append(text))
    win.about()
    assert len(shown[0]) < 700 and "Model Card" in shown[0]  # the card is one menu away, not inside the box
    assert filter_for(".jpg") == "JPEG (*.jpg *.jpeg)" and filter_for(".tif").startswith("TIFF")
    win.set_theme("dark")
    icon = win.actions.open.icon().pixmap(16, 16).toImage()
    lightest = max(icon.pixelColor(x, y).lightness() for x in range(16) for y in range(16) if icon.pixelColor(x, y).alpha())
    assert lightest > 180  # drawn in the dark palette's light text colour at once
    assert win.colour_view.backgroundBrush().color().lightness() < 80
    win.set_theme("light")
    dialog = ExportDialog(win, "/photos/a")
    dialog.input_edit.setText("/photos/b")  # typed: the output follows
    assert dialog.output_edit.text() == "/photos/b/colorized"
    dialog.output_edit.textEdited.emit("/elsewhere")  # the user's own choice stays
    dialog.output_edit.setText("/elsewhere")
    dialog.input_edit.setText("/photos/c")
    assert dialog.output_edit.text() == "/elsewhere"


def test_a_photos_settings_come_back_when_it_is_reopened(qtbot, win, photo, tmp_path):
    from model.lab.look import Look

    open_and_wait(qtbot, win, photo)
    win.session.add_hint(30, 40, (40.0, 30.0))
    win._on_hints_changed(True)
    win.adjustments.sliders["warmth"].setValue(15)
    win.temperature.set_value(0.8)
    other = tmp_path / "other.png"
    Image.fromarray(colour(80, 60)).convert("L").save(other)
    open_and_wait(qtbot, win, other)
    assert win.session.pred.hints == [] and win.adjustments.look() == Look()  # another photo: its own (none)
    open_and_wait(qtbot, win, photo)
    s = win.session
    assert [h.ab for h in s.pred.hints] == [(40.0, 30.0)] and s.pred.look == Look(warmth=15.0)
    assert s.temperature == pytest.approx(0.8, abs=0.01) and win.temperature.value() == pytest.approx(0.8, abs=0.01)
    assert win.adjustments.sliders["warmth"].value() == 15 and not s.can_undo()


def test_filmstrip_shows_the_folder_marks_settings_and_opens_a_photo(qtbot, win, tmp_path):
    for i in range(3):
        Image.fromarray(colour(80 + 10 * i, 60)).convert("L").save(tmp_path / f"scan{i + 1}.png")
    open_and_wait(qtbot, win, tmp_path / "scan2.png")
    strip = win.filmstrip
    assert [strip.item(i).text() for i in range(strip.count())] == ["scan1.png", "scan2.png", "scan3.png"]
    assert strip.currentItem().text() == "scan2.png"
    qtbot.waitUntil(lambda: len(strip.thumbs) == 3, timeout=30000)  # made off the GUI thread
    assert strip.marked == set()
    win.session.add_hint(10, 10, (30.0, 30.0))
    win._on_hints_changed(True)  # kept: the strip marks it
    assert strip.marked == {tmp_path / "scan2.png"}
    strip.itemClicked.emit(strip.item(2))
    qtbot.waitUntil(lambda: win.session is not None and win.session.image.path.name == "scan3.png", timeout=30000)
    assert strip.currentItem().text() == "scan3.png"


def test_export_offers_to_open_the_output_folder(qtbot, win, photo, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(window_module.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    win.start_batch(str(photo.parent), str(tmp_path / "out"), BatchOptions(fmt="png"))
    qtbot.waitUntil(lambda: win.batch_result_box is not None, timeout=30000)
    win.open_folder_button.click()
    assert opened == [str(tmp_path / "out")]


def test_a_photo_asked_for_while_the_network_loads_opens_when_it_is_ready(qtbot, tmp_path, photo, errors):
    w = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    assert w.colorizer is None and w.model_loading  # the window came first
    w.open_path(str(photo))  # e.g. from the command line or a drop, at once
    qtbot.waitUntil(lambda: w.session is not None, timeout=30000)
    assert w.session.image.path == photo and not errors
    w.close()


def test_the_stand_in_window_shows_before_torch_is_imported():
    import subprocess
    import sys

    code = ("import sys; from PySide6.QtWidgets import QApplication; from PySide6.QtCore import QSettings; "
            "app = QApplication([]); from colorizer_app.startup import StandIn; StandIn(QSettings('x', 'y')).show(); "
            "print('torch' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False")


def test_save_as_suggests_the_photos_folder_and_a_filter_that_shows_the_name(qtbot, win, photo, monkeypatch):
    asked = []

    def dialog(parent, title, suggestion, filters, selected):
        asked.append((suggestion, selected))
        return "", ""

    monkeypatch.setattr(window_module.QFileDialog, "getSaveFileName", dialog)
    open_and_wait(qtbot, win, photo)
    win.save_dialog()
    suggestion, selected = asked[0]
    assert Path(suggestion).parent == photo.parent and suggestion.endswith("photo_color.png") and selected.startswith("PNG")
    win.save_before_after_dialog()
    assert asked[1][0].endswith("photo_before_after.jpg") and asked[1][1].startswith("JPEG")
    assert win.actions.before_after.shortcut().toString() == "Ctrl+B"
