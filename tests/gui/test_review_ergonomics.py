"""Review ergonomics: focus stays in the loop, "edited" badge with a diff, disabled buttons look
disabled, the flag filter counts examples with readable names, dataset-level findings by the label."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from ftcurate.core.checks.base import Flag
from ftcurate.core.checks.runner import store_flags
from tests.gui.test_review import db_column, press


def test_focus_returns_to_the_review_loop_after_ignore(window, qtbot, gui_project):
    window.activateWindow()
    window.select_row(window.model.row_of(3))
    person = next(s for s in window.detail.editors[0].spans if s.kind == "PERSON")
    window.filter_bar.search.setFocus()  # where focus used to land
    next(a for a in window.detail.span_menu(person.flag_id).actions() if a.text().startswith("Ignore")).trigger()
    assert QApplication.focusWidget() is window.table
    press(qtbot, window.table, Qt.Key.Key_A)  # approves: it does not type into the search box
    assert db_column(gui_project, "status", [3])[3] == "approved"
    assert window.filter_bar.search.text() == ""


def test_edited_badge_and_diff_against_the_import(window, qtbot):
    window.select_row(window.model.row_of(4))
    assert not window.detail.edited_badge.isVisibleTo(window.detail)
    editor = window.detail.editors[0]
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, " Really")
    window.controller.flush()
    window.detail.show_example(4)
    assert window.detail.edited_badge.isVisibleTo(window.detail)
    window.detail.edited_badge.setChecked(True)
    assert "Really" in window.detail.diff_view.text() and "tent?" in window.detail.diff_view.text()
    window.controller.undo()
    window.controller.flush()
    window.detail.show_example(4)
    assert not window.detail.edited_badge.isVisibleTo(window.detail)


def test_disabled_buttons_look_disabled(qtbot):
    from ftcurate.gui.style import apply_style

    apply_style(QApplication.instance())  # pytest-qt made the application: give it the app's look
    on, off = QPushButton("Import"), QPushButton("Import")
    for b in (on, off):
        b.setObjectName("primary")
        b.resize(120, 32)
        qtbot.addWidget(b)
    off.setEnabled(False)
    pixel = lambda b: b.grab().toImage().pixelColor(60, 16).name()  # noqa: E731
    assert pixel(on) != pixel(off)


def test_flag_filter_counts_examples_with_readable_names(window, gui_project):
    texts = [window.filter_bar.check.itemText(i) for i in range(window.filter_bar.check.count())]
    # example 3 has two PII flags, example 11 one: 2 examples, not 3 flags
    assert "pii  (2)" in texts and "exact duplicate  (4)" in texts
    assert not any("_" in t for t in texts)


def test_dataset_level_findings_sit_by_the_label_not_on_rows(window, gui_project):
    p = window.controller.project
    store_flags(p, "label_imbalance", [Flag(i, "label_imbalance", "low", "Label 'product' has 2 examples "
                                            "(typical label: 6)", kind="under") for i in (4, 12)])
    window.controller.reload()
    window.controller.wait_idle()
    assert 4 not in window.controller.flag_summary()["example_id"].to_list()
    texts = [window.filter_bar.check.itemText(i) for i in range(window.filter_bar.check.count())]
    assert not any("imbalance" in t for t in texts)
    window.select_row(window.model.row_of(4))
    assert window.detail.label_note.isVisibleTo(window.detail)
    assert "product" in window.detail.label_note.text()
    assert window.detail.flag_list.topLevelItemCount() == 0


def test_a_long_example_does_not_widen_the_window(window, qtbot):
    from ftcurate.core.commands import SetLabelCommand, SetMessagesCommand
    from ftcurate.core.records import pair_to_messages

    window.resize(1100, 800)
    qtbot.wait(50)
    width = window.width()
    long = "word " * 400
    window.controller.apply(SetLabelCommand([2], "a-very-long-label-" * 12))
    window.controller.apply(SetMessagesCommand(2, pair_to_messages("Q" * 900, long)))
    window.controller.flush()
    window.select_row(window.model.row_of(2))
    qtbot.wait(100)
    assert window.width() == width


def test_loss_curve_keeps_its_first_point_and_percent_beside_the_bar(qtbot):
    from ftcurate.gui.train_panel import LossCurveView, TrainPanel

    curve = LossCurveView()
    qtbot.addWidget(curve)
    for step, loss in ((1, 3.07), (2, 2.4), (3, 2.1)):
        curve.add_point(step, loss, 10)
    _ticks, lo, hi = curve.y_range()
    assert lo <= 2.1 and hi >= 3.07  # the first, highest point is inside the plot
    panel = TrainPanel()
    qtbot.addWidget(panel)
    panel._on_progress(4, 10, "training")
    assert not panel.bar.isTextVisible() and panel.pct_label.text() == "40 %"
    panel.shutdown()
