"""The window's commands as QActions (text, shortcut, icon, tip) and where they appear: the menu
bar and the toolbar. No behaviour here: each action calls a MainWindow slot."""

from __future__ import annotations

import qtawesome as qta
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow

from .theme import THEMES

SK = QKeySequence.StandardKey


def make_action(window: QMainWindow, text, slot, shortcut=None, icon=None, tip=None, checkable=False) -> QAction:
    a = QAction(text, window)
    if icon:
        a.setIcon(qta.icon(icon, color=window.palette().text().color()))
        a.setProperty("icon_name", icon)  # to redraw it in a new theme's colour
    if shortcut:
        a.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
    if tip:
        a.setToolTip(tip)
        a.setStatusTip(tip)
    a.setCheckable(checkable)
    a.triggered.connect(slot)
    return a


class Actions:
    """Every command of the main window, by name (tests trigger them as a user would)."""

    def __init__(self, w):
        def act(*args, **kw) -> QAction:
            return make_action(w, *args, **kw)

        self.open = act("&Open…", w.open_dialog, SK.Open, "fa5s.folder-open", "Open a photo (Ctrl+O)")
        self.save = act("Save &As…", w.save_dialog, "Ctrl+Shift+S", "fa5s.save", "Save the full-resolution result")
        self.before_after = act("Save &Before/After…", w.save_before_after_dialog, "Ctrl+B", None,
                                "Save the grey photo beside its colourisation")  # fmt: skip
        self.export = act("&Export Folder…", w.export_folder, "Ctrl+E", "fa5s.images", "Colourise a whole folder")
        self.next = act("&Next Photo in Folder", lambda: w.step_photo(1), "PgDown", "fa5s.arrow-right", "Next photo (Page Down)")
        self.previous = act("&Previous Photo in Folder", lambda: w.step_photo(-1), "PgUp", "fa5s.arrow-left",
                            "Previous photo (Page Up)")  # fmt: skip
        self.quit = act("&Quit", w.close, SK.Quit)
        self.copy = act("&Copy Result", w.copy_result, SK.Copy, "fa5s.copy", "Copy the result (Ctrl+C)")
        self.undo = act("&Undo", w.undo, SK.Undo, "fa5s.undo")
        self.redo = act("&Redo", w.redo, [QKeySequence("Ctrl+Shift+Z"), QKeySequence(SK.Redo)], "fa5s.redo")
        self.split = act("&Split View", w.toggle_split, "Ctrl+T", "fa5s.columns", "One view with a before/after line", True)
        self.zoom_in = act("Zoom &In", lambda: w.views.zoom_by(1.25), [QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")],
                           "fa5s.search-plus")  # fmt: skip
        self.zoom_out = act("Zoom &Out", lambda: w.views.zoom_by(0.8), "Ctrl+-", "fa5s.search-minus")
        self.fit = act("&Fit to Window", w.views.fit, "Ctrl+0", "fa5s.expand", "Fit to window (Ctrl+0)")
        self.actual = act("&Actual Size", lambda: w.views.set_zoom(1.0), "Ctrl+1", "fa5s.compress", "Actual size (Ctrl+1)")
        self.overlay = act("&Uncertainty Overlay", w.toggle_overlay, "Ctrl+U", "fa5s.cloud",
                           "Shade in magenta where the network was least sure of the colour (Ctrl+U)", True)  # fmt: skip
        self.card = act("Model &Card…", w.show_model_card)
        self.load_weights = act("&Load Weights File…", w.load_weights_dialog)
        self.about = act("&About Colorizer", w.about)
        self.turing = act("&Real or Colourised? Test…", w.real_or_colourised)
        self.hint = act("&Hint Tool", w.toggle_hint_tool, "H", "fa5s.paint-brush",
                        "Colour hints: click or paint a stroke to give a colour; Alt-click takes the colour shown there; "
                        "drag a marker to move it, right-click it to recolour or delete it (H)", True)  # fmt: skip
        self.hint_colour = act("Hint &Colour…", w.hint_tool.choose_colour_dialog, "Shift+H", "fa5s.palette",
                               "Choose the colour the hint tool paints (Shift+H)")  # fmt: skip
        self.network_colour = act("The Network's &Likeliest Colour", lambda: w.hint_tool.set_colour(None), None, None,
                                  "Each hint takes the colour the network thought likeliest where you click")  # fmt: skip
        self.delete_hint = act("&Delete Hint", w.hint_tool.delete_selected, "Del")
        self.clear_hints = act("C&lear Hints", w.clear_hints)
        self.load_hints = act("Load &Hints…", w.load_hints_dialog)
        self.save_hints = act("Save H&ints…", w.save_hints_dialog)
        self.need_photo = (self.save, self.before_after, self.copy, self.next, self.previous, self.load_hints,
                           self.save_hints, self.clear_hints)  # enabled once one is open
        for a in (*self.need_photo, self.undo, self.redo):
            a.setEnabled(False)

    def recolour_icons(self, colour) -> None:
        for a in vars(self).values():
            if isinstance(a, QAction) and a.property("icon_name"):
                a.setIcon(qta.icon(a.property("icon_name"), color=colour))


def build_menus_and_toolbar(w, a: Actions, current_theme: str):
    """The menu bar and toolbar; returns (recent-files menu, model menu's place, theme group)."""
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(a.open)
    recent_menu = file_menu.addMenu("Open &Recent")
    add_all(file_menu, a.previous, a.next, None, a.save, a.before_after, a.export, None, a.load_hints, a.save_hints, None,
            a.quit)
    add_all(bar.addMenu("&Edit"), a.copy, None, a.undo, a.redo, None, a.hint, a.hint_colour, a.network_colour,
            a.delete_hint, a.clear_hints)
    view_menu = bar.addMenu("&View")
    add_all(view_menu, a.split, a.overlay, None, a.zoom_in, a.zoom_out, a.fit, a.actual)
    view_menu.addAction(w.inspector_dock.toggleViewAction())
    view_menu.addAction(w.adjustments_dock.toggleViewAction())
    view_menu.addAction(w.filmstrip_dock.toggleViewAction())
    theme_menu = view_menu.addMenu("&Theme")
    theme_group = QActionGroup(w)
    for name in THEMES:
        t = theme_menu.addAction(name.capitalize())
        t.setCheckable(True)
        t.setChecked(name == current_theme)
        t.triggered.connect(lambda _=False, n=name: w.set_theme(n))
        theme_group.addAction(t)
    model_menu = bar.addMenu("&Model")
    add_all(bar.addMenu("&Help"), a.turing, a.about)
    tools = w.addToolBar("Main")
    tools.setObjectName("main-toolbar")
    add_all(tools, a.open, a.save, a.export, None, a.split, a.overlay, a.fit, a.actual, None, a.hint)
    tools.addWidget(w.hint_colour_button)
    tools.addWidget(w.brush)
    tools.addSeparator()
    tools.addWidget(w.temperature)
    return recent_menu, model_menu, theme_group


def add_all(container, *actions) -> None:
    """Actions in order; None is a separator."""
    for action in actions:
        container.addAction(action) if action else container.addSeparator()
