"""Actions, menus and the toolbar of the main window (kept apart from its layout and slots).

Single-letter shortcuts (A, R, J, K, ...) are window shortcuts: text boxes claim printable keys
first, so typing in a turn or the search box never approves or skips an example.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from ftcurate.gui.style import icon

if TYPE_CHECKING:
    from ftcurate.gui.window_api import WindowApi


def _act(w: WindowApi, key: str, text: str, slot, shortcut=None, icon_name: str | None = None,
         tip: str | None = None, needs_project: bool = True) -> QAction:
    a = QAction(text, w)
    a.setObjectName(f"action_{key}")
    if shortcut is not None:
        if isinstance(shortcut, (list, tuple)):
            a.setShortcuts([QKeySequence(s) for s in shortcut])
        else:
            a.setShortcut(QKeySequence(shortcut))
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if icon_name:
        a.setIcon(icon(icon_name))
    if tip:
        a.setStatusTip(tip)
        a.setToolTip(f"{tip} ({a.shortcut().toString()})" if shortcut else tip)
    a.triggered.connect(lambda _=False: slot())
    a.setProperty("needs_project", needs_project)
    w.actions_by_key[key] = a
    w.addAction(a)  # shortcuts work even when the menu bar is hidden
    return a


def _open_labels(w: WindowApi) -> None:
    from ftcurate.gui.labels_dialog import open_labels_dialog

    w.labels_dialog = open_labels_dialog(w)


def build_actions(w: WindowApi) -> None:
    """Create every action of `w` in `w.actions_by_key` and the menus, grouped for the shortcut sheet."""
    c = w.controller
    S = QKeySequence.StandardKey
    file_ = [
        _act(w, "new", "&New Project…", w.new_project, S.New, "new", "Create a new project file", False),
        _act(w, "open", "&Open Project…", w.open_project, S.Open, "open", "Open a project file", False),
        _act(w, "import", "&Import Files…", w.import_files, "Ctrl+I", "import",
             "Import support logs, FAQs, catalogs or fine-tuning files"),
        _act(w, "close", "&Close Project", w.close_project, "Ctrl+W"),
        _act(w, "settings", "&Settings…", w.open_settings, "Ctrl+,", None, "Models, checks and house voice",
             False),
        _act(w, "quit", "&Quit", w.close, "Ctrl+Q", needs_project=False),
    ]
    undo = _act(w, "undo", "&Undo", c.undo, "Ctrl+Z", "undo", "Undo the last edit")
    redo = _act(w, "redo", "&Redo", c.redo, ["Ctrl+Shift+Z", "Ctrl+Y"], "redo", "Redo")
    for a in (undo, redo):
        a.setProperty("needs_project", False)
        a.setEnabled(False)

    def undo_changed() -> None:  # the actions show the project's history, whoever changed it
        st = c.undo_status()
        undo.setEnabled(bool(st and st.can_undo))
        redo.setEnabled(bool(st and st.can_redo))
        # fixed text keeps the toolbar steady; what would be undone goes in the tooltip
        undo.setToolTip(f"Undo: {st.undo_text}" if st and st.can_undo else "Undo")
        redo.setToolTip(f"Redo: {st.redo_text}" if st and st.can_redo else "Redo")

    c.undoChanged.connect(undo_changed)
    edit = [undo, redo,
            _act(w, "find", "&Find…", w.find, "Ctrl+F", None, "Search examples"),
            _act(w, "clear_filters", "Clear Filters", w.filter_bar_clear, "Ctrl+Shift+F")]
    review = [
        _act(w, "approve", "&Approve", w.approve, "A", "approve", "Approve the selected examples"),
        _act(w, "reject", "&Reject", w.reject, "R", "reject", "Reject the selected examples"),
        _act(w, "unreview", "Mark &Unreviewed", w.unreview, "U"),
        _act(w, "label", "Set &Label…", w.bulk_label, "L"),
        _act(w, "next", "&Next Example", lambda: w.move(1), "J"),
        _act(w, "prev", "&Previous Example", lambda: w.move(-1), "K"),
        _act(w, "next_flagged", "Next &Flagged Example", lambda: w.move_flagged(1), "N", "flag"),
        _act(w, "prev_flagged", "Previous Flagged Example", lambda: w.move_flagged(-1), "Shift+N"),
        _act(w, "resolve_clusters", "Resolve Duplicate/Conflict Clusters", w.resolve_clusters),
        _act(w, "labels", "Manage La&bels…", lambda: _open_labels(w), None, None,
             "Merge or rename labels; see suggested merges"),
    ]
    checks = [
        _act(w, "run_checks", "Run &All Checks", w.run_checks, "F5", "checks", "Run every quality check"),
    ]
    export = [_act(w, "export", "&Export Dataset…", w.export, "Ctrl+E", "export", "Write train/test files"),
              _act(w, "export_train", "Export && &Train", w.export_and_train, "Ctrl+Shift+T", None,
                   "Export with safe defaults (OpenAI chat format, 10 % test) and start training")]
    train = [_act(w, "train", "&Train…", lambda: w.show_panel("train"), "Ctrl+T", "train",
                  "Fine-tune a LoRA adapter locally"),
             _act(w, "compare", "&Compare Models", lambda: w.show_panel("compare"))]
    view = [_act(w, "view_review", "&Review", lambda: w.show_panel("review"), "Ctrl+1")]
    for i, spec in enumerate(w.panel_specs, start=2):
        view.append(_act(w, f"view_{spec.key}", spec.title, lambda k=spec.key: w.show_panel(k), f"Ctrl+{i}"))
    view.append(_act(w, "toggle_detail", "Show &Detail Pane", w.toggle_detail, "Ctrl+D"))
    view.append(_act(w, "reload", "Re&load", c.reload, "Ctrl+Shift+R"))
    help_ = [_act(w, "shortcuts", "&Keyboard Shortcuts", w.show_shortcuts, ["F1", "Ctrl+/"],
                  needs_project=False),
             _act(w, "about", "&About ftcurate", w.about, needs_project=False)]
    w.actions_by_key["toggle_detail"].setCheckable(True)
    w.actions_by_key["toggle_detail"].setChecked(True)

    bar = w.menuBar()
    groups = [("File", file_), ("Edit", edit), ("Review", review), ("Checks", checks), ("Export", export),
              ("Train", train), ("View", view), ("Help", help_)]
    for title, actions in groups:
        menu = bar.addMenu(f"&{title}")
        menu.setObjectName(f"menu_{title.lower()}")
        for a in actions:
            menu.addAction(a)
            if a is file_[1]:
                w.recent_menu = QMenu("Open &Recent", menu)
                w.recent_menu.setObjectName("menu_recent")
                menu.addMenu(w.recent_menu)
            if a in (file_[2], file_[3], edit[1], review[3], review[7]):
                menu.addSeparator()
        if title == "Checks":
            menu.addSeparator()
            w.checks_menu = menu.addMenu("Run One Check")
            w.checks_menu.setObjectName("menu_one_check")
            w.checks_menu.aboutToShow.connect(w.fill_checks_menu)
        if title == "Review":
            w.bulk_menu_host = menu.addMenu("Bulk Actions on Selection")
            w.bulk_menu_host.aboutToShow.connect(w.fill_bulk_menu)
    w.shortcut_groups = groups

    tb = QToolBar("Main", w)
    tb.setObjectName("mainToolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for key in ("new", "open", None, "import", "run_checks", "export", "train", None, "undo", "redo",
                None, "approve", "reject"):
        if key is None:
            tb.addSeparator()
        else:
            tb.addAction(w.actions_by_key[key])
    w.addToolBar(tb)
