"""Review workbench (pytest-qt, offscreen, real SQLite): editing, undo/redo, shortcuts, filters, bulk
actions, PII spans, history revert, and a cancelled worker."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from ftcurate.core.store import Project
from ftcurate.gui.app import settle


def db_messages(path, example_id: int) -> list[dict]:
    """Read straight from the file with a separate connection: what a crash would leave."""
    conn = sqlite3.connect(path)
    try:
        return json.loads(conn.execute("SELECT messages FROM examples WHERE id=?", (example_id,)).fetchone()[0])
    finally:
        conn.close()


def db_column(path, column: str, ids) -> dict[int, object]:
    conn = sqlite3.connect(path)
    try:
        q = f"SELECT id, {column} FROM examples WHERE id IN ({','.join('?' * len(ids))})"
        return dict(conn.execute(q, list(ids)).fetchall())
    finally:
        conn.close()


def flag_states(path, check: str) -> dict[int, str]:
    conn = sqlite3.connect(path)
    try:
        return dict(conn.execute("SELECT id, state FROM flags WHERE check_name=?", (check,)).fetchall())
    finally:
        conn.close()


def press(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(widget, key, modifier)
    QApplication.processEvents()


def test_editing_a_turn_persists_at_once_and_undo_redo(window, qtbot, gui_project):
    window.select_row(window.model.row_of(2))
    editor = window.detail.editors[1]
    editor.setFocus()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, " Thanks!")
    # committed to SQLite by the time the keystrokes are processed: no save, no timer needed
    assert db_messages(gui_project, 2)[1]["content"].endswith("30 days. Thanks!")
    window.controller.flush()
    assert window.model.data(window.model.index(window.model.row_of(2), 4)).endswith("Thanks!")
    # the whole typing burst is one undo step; Ctrl+Z in the editor goes to the project's history
    assert sum(h["kind"] == "edit" for h in window.controller.project.history()) == 1
    press(qtbot, editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert db_messages(gui_project, 2)[1]["content"] == "Yes, unused items can be returned within 30 days."
    window.controller.flush()
    assert editor.toPlainText() == "Yes, unused items can be returned within 30 days."
    press(qtbot, editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert db_messages(gui_project, 2)[1]["content"].endswith("Thanks!")
    window.controller.flush()
    assert editor.toPlainText().endswith("Thanks!")


def test_edits_to_two_examples_are_two_undo_steps(window, qtbot, gui_project):
    for eid in (1, 2):
        window.select_row(window.model.row_of(eid))
        qtbot.keyClicks(window.detail.editors[0], "X")
    assert sum(h["kind"] == "edit" for h in window.controller.project.history()) == 2
    window.controller.undo()
    assert db_messages(gui_project, 2)[0]["content"] == "Can I return my tent?"
    assert db_messages(gui_project, 1)[0]["content"].startswith("X")


def test_shortcuts_approve_reject_next_previous(window, qtbot, gui_project):
    t = window.table
    t.setFocus()
    window.select_row(0)
    press(qtbot, t, Qt.Key.Key_J)
    assert window.current_row() == 1
    press(qtbot, t, Qt.Key.Key_K)
    assert window.current_row() == 0
    press(qtbot, t, Qt.Key.Key_A)  # approve example 1 and move on to example 2
    assert db_column(gui_project, "status", [1])[1] == "approved"
    window.filter_bar.wait()
    assert window.detail.current_id() == 2
    press(qtbot, t, Qt.Key.Key_R)
    assert db_column(gui_project, "status", [2])[2] == "rejected"
    window.filter_bar.wait()
    assert window.detail.current_id() == 3
    # typing in the search box types; it never approves
    window.filter_bar.search.setFocus()
    qtbot.keyClicks(window.filter_bar.search, "a")
    assert db_column(gui_project, "status", [3])[3] == "unreviewed"
    assert window.filter_bar.search.text() == "a"
    press(qtbot, window.filter_bar.search, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_bar.search.hasFocus() or QApplication.focusWidget() is window.filter_bar.search


def test_filters_and_live_counts(window):
    fb = window.filter_bar

    def shown(**values):
        fb.set_filter(**values)
        fb.wait()
        return sorted(window.model.example_id(r) for r in range(window.model.rowCount()))

    assert shown(text="canada") == [5, 6, 7, 13, 14, 15, 21, 22, 23]
    assert "9 of 24 examples" in fb.count.text().replace("<b>", "").replace("</b>", "")
    assert shown(text="") == list(range(1, 25))
    fb.regex.setChecked(True)
    assert shown(text=r"^(do|can) ") == [2, 5, 6, 7, 10, 13, 14, 15, 18, 21, 22, 23]
    fb.regex.setChecked(False)
    assert shown(text="#7") == [7]
    assert shown(text="", source="faq.html") == list(range(17, 25))
    assert shown(source=None, label="returns") == [2, 10, 18]
    assert shown(label="(no label)") == [8, 16, 24]
    assert shown(label=None, check="pii") == [3, 11]
    assert shown(check="pii", severity="high") == [3]
    assert shown(check=None, severity=None) == list(range(1, 25))
    # counts follow edits: approving one example updates the status counts
    window.bulk.approve([4])
    window.controller.flush()
    fb.wait()
    assert shown(status="approved") == [4]
    assert "1 approved" in fb.count.text()


def test_invalid_regex_keeps_the_last_result(window):
    fb = window.filter_bar
    fb.regex.setChecked(True)
    fb.set_filter(text="order")
    fb.wait()
    n = window.model.rowCount()
    fb.set_filter(text="order(")
    fb.wait()
    assert window.model.rowCount() == n
    assert "invalid regular expression" in fb.search.toolTip()


def test_sorting_by_header_sorts_an_index(window, qtbot):
    from ftcurate.gui.examples_model import LABEL_COL

    window.table.horizontalHeader().setSortIndicator(LABEL_COL, Qt.SortOrder.DescendingOrder)
    window.filter_bar.wait()
    labels = [window.model.data(window.model.index(r, LABEL_COL)) for r in range(window.model.rowCount())]
    named = [x for x in labels if x != "(no label)"]
    assert named == sorted(named, reverse=True) and labels[-3:] == ["(no label)"] * 3


def test_latest_filter_request_wins(window):
    fb = window.filter_bar
    for text in ("order", "tent", "canada", "log in"):
        fb.search.setText(text)
        fb.refresh()
    fb.wait()
    ids = sorted(window.model.example_id(r) for r in range(window.model.rowCount()))
    assert ids == [8, 16, 24]


def test_bulk_actions_are_one_undo_step_each(window, gui_project):
    window.bulk.approve([1, 2, 3])
    window.bulk.set_label("greeting", [1, 2])
    assert db_column(gui_project, "status", [1, 2, 3]) == {1: "approved", 2: "approved", 3: "approved"}
    assert db_column(gui_project, "label", [1, 2]) == {1: "greeting", 2: "greeting"}
    window.controller.undo()
    assert db_column(gui_project, "label", [1, 2]) == {1: "shipping", 2: "returns"}
    window.controller.undo()
    assert set(db_column(gui_project, "status", [1, 2, 3]).values()) == {"unreviewed"}


def test_bulk_on_table_selection(window, qtbot, gui_project):
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    sel = QItemSelection(window.model.index(0, 0), window.model.index(3, 5))
    window.table.selectionModel().select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert window.selected_ids() == [1, 2, 3, 4]
    window.bulk.set_label("greeting")  # acts on the selection
    window.controller.flush()
    window.filter_bar.wait()
    assert window.selected_ids() == [1, 2, 3, 4]  # an edit that keeps the rows keeps the selection
    press(qtbot, window.table, Qt.Key.Key_R)
    assert set(db_column(gui_project, "status", [1, 2, 3, 4]).values()) == {"rejected"}
    assert set(db_column(gui_project, "label", [1, 2, 3, 4]).values()) == {"greeting"}
    assert db_column(gui_project, "status", [5])[5] == "unreviewed"


def test_resolve_clusters_keeps_one_rejects_the_rest(window, gui_project):
    assert window.bulk.resolve_clusters([6, 13])
    status = db_column(gui_project, "status", [5, 6, 7, 13, 14])
    # duplicate cluster {5,6,13,14} has no suggested keeper here, so the one keeper rule (the same as
    # `ftcurate resolve`) keeps its first member, 5; conflicts {5,7} untouched (not selected)
    assert status == {5: "unreviewed", 6: "rejected", 7: "unreviewed", 13: "rejected", 14: "rejected"}
    assert set(flag_states(gui_project, "exact_duplicate").values()) == {"resolved"}
    assert set(flag_states(gui_project, "conflicts").values()) == {"open"}
    window.controller.undo()
    assert set(flag_states(gui_project, "exact_duplicate").values()) == {"open"}
    assert set(db_column(gui_project, "status", [6, 13, 14]).values()) == {"unreviewed"}


def test_pii_spans_highlighted_and_ignore_from_span_menu(window, gui_project):
    window.select_row(window.model.row_of(3))
    editor = window.detail.editors[0]
    kinds = sorted(s.kind for s in editor.spans)
    assert kinds == ["PERSON", "PHONE_NUMBER"]
    assert len(editor.extraSelections()) == 2
    person = next(s for s in editor.spans if s.kind == "PERSON")
    assert editor.toPlainText()[person.start:person.end] == "Maya Lindqvist"
    assert window.detail.flag_list.topLevelItemCount() == 2
    menu = window.detail.span_menu(person.flag_id)
    texts = [a.text() for a in menu.actions() if a.text()]
    assert any("placeholder" in t for t in texts) and any("Ignore" in t for t in texts)
    next(a for a in menu.actions() if a.text().startswith("Ignore")).trigger()
    assert flag_states(gui_project, "pii")[person.flag_id] == "ignored"
    window.controller.flush()
    assert [s.kind for s in window.detail.editors[0].spans] == ["PHONE_NUMBER"]
    window.controller.undo()
    window.controller.flush()
    assert len(window.detail.editors[0].spans) == 2


def test_redact_all_pii_of_a_type(window, gui_project):
    pytest.importorskip("ftcurate.core.pii.redact")
    assert window.bulk.redact_pii("PERSON", "placeholder", [3, 11])
    for eid in (3, 11):
        assert "Maya Lindqvist" not in db_messages(gui_project, eid)[0]["content"]
    assert "+44" in db_messages(gui_project, 3)[0]["content"]  # other types untouched
    window.controller.undo()
    assert "Maya Lindqvist" in db_messages(gui_project, 3)[0]["content"]


def test_next_and_previous_flagged(window):
    window.select_row(0)
    window.move_flagged(1)
    assert window.detail.current_id() == 3
    window.move_flagged(1)
    assert window.detail.current_id() == 5
    window.move_flagged(-1)
    assert window.detail.current_id() == 3


def test_history_panel_revert(window, gui_project):
    window.bulk.set_label("misc", [8])
    panel = window.show_panel("history")
    panel.refresh()
    top = panel.tree.topLevelItem(0)
    assert "label" in top.text(2) and top.text(3) == "label misc"
    panel.tree.setCurrentItem(top)
    assert panel.revert_button.isEnabled()
    panel.revert_button.click()
    assert db_column(gui_project, "label", [8])[8] is None
    assert panel.tree.topLevelItem(0).text(1).startswith("Revert:")
    window.controller.undo()  # the revert itself is undoable
    assert db_column(gui_project, "label", [8])[8] == "misc"


def test_cancelled_import_leaves_project_unchanged(window, tmp_path, gui_project):
    from ftcurate.core.importing import import_file

    big = tmp_path / "big.jsonl"
    with open(big, "w", encoding="utf-8") as fh:
        for i in range(40_000):
            fh.write(json.dumps({"input": f"question {i} about parcels", "output": f"answer {i}"}) + "\n")
    project = window.controller.project
    reached = threading.Event()

    def work(progress):
        class Watch:
            def __getattr__(self, name):
                return getattr(progress, name)

            def check_cancelled(self):
                reached.set()  # the import is inside its transaction now
                progress.check_cancelled()

        watched = Watch()
        return import_file(project, big, progress=watched)

    handle = window.controller.run_task("Import big file", work, writes=True)
    assert reached.wait(30)
    handle.cancel()
    window.controller.wait_idle()
    assert handle.state == "cancelled"
    with Project.open(gui_project, read_only=True) as ro:
        assert ro.count_examples() == 24
        assert [s["name"] for s in ro.sources()] == ["log.csv", "faq.html"]
    settle(window)
    assert window.model.rowCount() == 24


def test_history_groups_a_typing_burst_and_reverts_it_whole(window, qtbot, gui_project):
    window.select_row(window.model.row_of(4))
    editor = window.detail.editors[0]
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, " Really?")
    panel = window.show_panel("history")
    panel.refresh()
    assert panel.tree.topLevelItemCount() == 1
    top = panel.tree.topLevelItem(0)
    assert top.text(1) == "Edit example 4"  # one history entry for the burst
    assert top.text(3).endswith("tent? Really?")
    panel.tree.setCurrentItem(top)
    panel.revert_button.click()
    assert db_messages(gui_project, 4)[0]["content"] == "How heavy is the Ridgeline 2 tent?"
