"""Undo lives in the project: the app's actions, the History panel and `ftcurate undo` agree; a typing
burst is one entry; undo shows a non-modal notice and jumps to the changed example."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ftcurate.core.commands import SetStatusCommand
from ftcurate.core.store import Project
from tests.gui.test_review import db_column, db_messages, press


def _history_rows(path) -> int:
    with Project.open(path, read_only=True) as ro:
        return ro.query("SELECT count(*) FROM history")[0][0]


def test_typing_burst_is_one_entry_and_undo_redo_add_two_rows(window, qtbot, gui_project):
    window.select_row(window.model.row_of(2))
    editor = window.detail.editors[1]
    editor.setFocus()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    typed = " We also refund the shipping costs when the item arrived damaged, as long as you tell us " \
            "within a week and send a photo of the box."
    assert len(typed) > 120
    qtbot.keyClicks(editor, typed)
    assert _history_rows(gui_project) == 1
    assert window.actions_by_key["undo"].isEnabled()
    assert window.actions_by_key["undo"].toolTip() == "Undo: Edit example 2"
    press(qtbot, editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert db_messages(gui_project, 2)[1]["content"] == "Yes, unused items can be returned within 30 days."
    press(qtbot, editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert db_messages(gui_project, 2)[1]["content"].endswith("photo of the box.")
    assert _history_rows(gui_project) == 3


def test_undo_shows_a_notice_with_redo_and_jumps_to_the_example(window, qtbot, gui_project):
    window.bulk.set_label("misc", [8])
    window.select_row(window.model.row_of(1))
    window.controller.undo()
    notice = window.undo_notice
    assert notice.isVisible() and notice.label.text() == "Undid: Set label of 1 example(s) to 'misc'"
    assert notice.button.isVisible() and notice.button.text() == "Redo"
    window.filter_bar.wait()
    assert window.detail.current_id() == 8
    qtbot.mouseClick(notice.button, Qt.MouseButton.LeftButton)
    assert db_column(gui_project, "label", [8])[8] == "misc"
    assert notice.label.text().startswith("Redid:")


def test_app_and_cli_undo_agree(window, gui_project):
    window.bulk.set_label("one", [1])
    window.bulk.set_label("two", [2])
    with Project.open(gui_project) as cli:  # what `ftcurate undo P` does, in another connection
        cli.undo()
    st = window.controller.undo_status()
    assert st.undo_text == "Set label of 1 example(s) to 'one'" and st.redo_text.endswith("'two'")
    window.controller.undo()  # undoes "one", not "two" a second time
    assert db_column(gui_project, "label", [1, 2]) == {1: "shipping", 2: "returns"}


def test_revert_is_the_projects(window, gui_project):
    """The History panel's Revert goes through `Project.revert` (no copy in the window)."""
    from ftcurate.gui import controller as ctl_module

    assert "command_from_json" not in ctl_module.__dict__
    hid = window.controller.project.apply(SetStatusCommand([4], "approved"))
    window.controller.revert(hid)
    assert db_column(gui_project, "status", [4])[4] == "unreviewed"
