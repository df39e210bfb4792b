"""Main window shell: open/recent/errors, title and counts, screens, shortcut sheet, screenshot, lazy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QMessageBox

from ftcurate.gui.app import make_app, run_app, settle
from ftcurate.gui.main_window import MainWindow
from ftcurate.gui.panels import LazyPanel, PanelSpec


def test_opens_project_and_shows_examples(window, gui_project):
    assert window.stack.currentWidget() is window.project_page
    assert window.model.rowCount() == 24
    assert window.windowTitle().startswith("review.ftcurate — saved")
    assert "24 examples" in window.counts_label.text()
    assert "with open flags" in window.counts_label.text()
    # the first example is selected and shown in the detail pane
    assert window.detail.current_id() == 1
    assert [ed.toPlainText() for ed in window.detail.editors] == [
        "Where is my order FH-1001?", "Your order left the warehouse on Monday."]
    assert window.recent_projects()[0] == str(gui_project)


def test_model_serves_only_display_roles_and_badges(window):
    from PySide6.QtCore import Qt

    from ftcurate.gui.examples_model import FLAGS_COL, INPUT_COL, STATUS_COL, FlagBadgesRole

    m = window.model
    row = m.row_of(5)
    assert m.data(m.index(row, INPUT_COL)) == "Do you ship to Canada?"
    assert m.data(m.index(row, STATUS_COL)) == "Unreviewed"
    assert m.data(m.index(row, INPUT_COL), Qt.ItemDataRole.SizeHintRole) is None
    assert m.data(m.index(row, INPUT_COL), Qt.ItemDataRole.FontRole) is None
    badges = dict(m.data(m.index(row, FLAGS_COL), FlagBadgesRole))
    assert badges == {"conflicts": 4, "exact_duplicate": 3}  # worst severity rank per check
    # the ignored tone flag of example 1 is not an open flag: no badge
    assert m.data(m.index(m.row_of(1), FLAGS_COL), FlagBadgesRole) == []
    assert window.table.verticalHeader().sectionResizeMode(0).name == "Fixed"


def test_open_corrupt_file_shows_error_and_stays_on_welcome(qtbot, tmp_path):
    make_app()
    w = MainWindow()
    qtbot.addWidget(w)
    bad = tmp_path / "broken.ftcurate"
    bad.write_bytes(b"this is not a database at all" * 10)
    handle = w.open_path(bad)
    settle(w)
    assert handle.state == "failed"
    boxes = [b for b in w.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and "not an ftcurate project" in boxes[0].text()
    assert "broken.ftcurate" in boxes[0].text()
    assert w.stack.currentWidget() is w.welcome
    assert w.controller.project is None
    for b in boxes:
        b.close()


def test_new_project_and_close(qtbot, tmp_path):
    make_app()
    w = MainWindow()
    qtbot.addWidget(w)
    w.controller.new_project(tmp_path / "fresh")
    settle(w)
    assert (tmp_path / "fresh.ftcurate").is_file()
    assert w.model.rowCount() == 0
    assert w.actions_by_key["approve"].isEnabled()
    w.close_project()
    assert w.stack.currentWidget() is w.welcome
    assert not w.actions_by_key["approve"].isEnabled()
    assert str(tmp_path / "fresh.ftcurate") in w.recent_projects()
    assert w.welcome.recent.count() >= 1


def test_screens_load_lazily_and_missing_ones_show_a_placeholder(window, qtbot):
    history = window.panels["history"]
    assert history.panel is None  # not built until shown
    panel = window.show_panel("history")
    assert panel is history.panel and panel.tree.topLevelItemCount() == 0
    spec = PanelSpec("nothing", "Nothing", (("ftcurate.gui.no_such_module", "NoPanel"),))
    lazy = LazyPanel(spec, window.controller)
    qtbot.addWidget(lazy)
    assert lazy.ensure() is None
    label = lazy.findChild(QLabel, "panelPlaceholder")
    assert label is not None and "not available" in label.text()


def test_shortcut_sheet_lists_review_keys(window):
    dlg = window.show_shortcuts()
    keys = {(keys, text) for _menu, text, keys in dlg.rows}
    for expected in (("A", "Approve"), ("R", "Reject"), ("J", "Next Example"), ("K", "Previous Example"),
                     ("Ctrl+Z", "Undo"), ("Ctrl+F", "Find")):
        assert expected in keys, expected
    assert any(k.startswith("Ctrl+Shift+Z") and t == "Redo" for t, k in ((t, k) for k, t in keys))
    dlg.close()


def test_screenshot_writes_png(tmp_path, gui_project):
    out = tmp_path / "shots" / "main.png"
    assert run_app(gui_project, screenshot=out) == 0
    img = QImage(str(out))
    assert not img.isNull() and img.width() == 1440 and img.height() == 900


def test_startup_does_not_import_heavy_libraries(tmp_path, gui_project):
    code = (
        "import sys, json; from ftcurate.gui.app import run_app;"
        f"run_app({str(gui_project)!r}, screenshot={str(tmp_path / 's.png')!r});"
        "print(json.dumps(sorted(m for m in ('torch','transformers','presidio_analyzer','spacy',"
        "'sentence_transformers','peft') if m in sys.modules)))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                              "XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.strip().splitlines()[-1]) == []


def test_large_projects_load_their_view_in_the_background(qtbot, gui_project, monkeypatch):
    from ftcurate.gui import controller as ctl_mod

    monkeypatch.setattr(ctl_mod, "BACKGROUND_LOAD_ABOVE", 10)
    make_app()
    w = MainWindow()
    qtbot.addWidget(w)
    started = []
    w.controller.taskStarted.connect(lambda h: started.append(h.title))
    w.controller.open_project(gui_project)  # the synchronous open used by scripts and --screenshot
    assert w.controller.is_loading() and w.controller.frame().height == 0  # the window is usable at once
    assert started == ["Loading examples"]
    settle(w)
    assert not w.controller.is_loading()
    assert w.model.rowCount() == 24 and w.detail.current_id() == 1
    assert w.controller.flag_summary().height == 7  # 3, 11 (pii); 5, 6, 13, 14; 7
    w.controller.close_project()


def test_failed_task_shows_details_and_writes_the_log(window):
    from ftcurate.core.errors import UserError
    from ftcurate.gui.tasks import log_path

    def boom(progress):
        raise RuntimeError("the disk caught fire")

    handle = window.controller.run_task("Boom", boom)
    settle(window)
    assert handle.state == "failed"
    box = handle.error_box
    assert box.isVisible() and "the disk caught fire" in box.text()
    assert "Traceback" in box.detailedText() and str(log_path()) in box.informativeText()
    assert "Boom failed: the disk caught fire" in log_path().read_text(encoding="utf-8")
    box.close()

    def bad_input(progress):
        raise UserError("no examples found in this file", path="faq.html", line=3)

    handle = window.controller.run_task("Import", bad_input)
    settle(window)
    assert handle.error_box.text() == "faq.html, line 3: no examples found in this file"
    handle.error_box.close()


def test_checks_run_on_a_worker_and_refresh_badges(window, gui_project):
    from ftcurate.gui.examples_model import FLAGS_COL, FlagBadgesRole

    row = window.model.row_of(21)  # an exact copy of 5 and 6 in the second source
    assert "exact_duplicate" not in dict(window.model.data(window.model.index(row, FLAGS_COL), FlagBadgesRole))
    handle = window.run_checks(["exact_duplicate"])
    settle(window)
    assert handle.state == "done"
    flagged = set(window.controller.flags().filter(check="exact_duplicate")["example_id"].to_list())
    assert {5, 6, 13, 14, 21, 22} <= flagged
    row = window.model.row_of(21)
    assert "exact_duplicate" in dict(window.model.data(window.model.index(row, FLAGS_COL), FlagBadgesRole))


def test_export_runs_on_a_worker(window, tmp_path):
    out = tmp_path / "export"
    handle = window.start_export({"outdir": str(out), "format": "openai", "test_fraction": 0.25, "seed": 1,
                                  "force": True})
    settle(window, 120)  # the export scans for personal data first: the PII model loads in the worker
    assert handle.state == "done", handle.error
    train = (out / "train.jsonl").read_text(encoding="utf-8").splitlines()
    test = (out / "test.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(train) + len(test) > 0 and all(json.loads(line)["messages"] for line in train)
    for box in window.findChildren(QMessageBox):
        box.close()


def test_the_window_has_everything_its_helpers_use(window):
    """jobs, menus and guide type the window as `WindowApi` (no import of main_window): the real
    window must offer every attribute and method that Protocol names."""
    from ftcurate.gui.window_api import WindowApi

    names = set(WindowApi.__annotations__) | {n for n, v in vars(WindowApi).items()
                                              if callable(v) and not n.startswith("_")}
    assert {"controller", "statusBar", "run_checks", "show_panel"} <= names
    assert sorted(n for n in names if not hasattr(window, n)) == []
