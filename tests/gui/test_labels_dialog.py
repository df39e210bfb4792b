"""The Labels dialog (pytest-qt, offscreen): counts, suggestions, merge, rename, undo through the stack."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from ftcurate.core.labels import label_counts, project_label_map  # noqa: E402
from ftcurate.core.records import Example, pair_to_messages  # noqa: E402
from ftcurate.gui.controller import ProjectController  # noqa: E402
from ftcurate.gui.labels_dialog import LabelsDialog  # noqa: E402


@pytest.fixture
def ctl(qtbot, tmp_path):
    c = ProjectController()
    c.new_project(tmp_path / "labels.ftcurate")
    labels = ["returns"] * 4 + ["Returns"] * 2 + ["shipping"] * 3 + ["Orders & shipping"]
    c.project.add_examples([Example(messages=pair_to_messages(f"q{i}", f"a{i}"), label=lab)
                            for i, lab in enumerate(labels)])
    yield c
    c.close_project()


def test_dialog_lists_suggests_merges_and_undoes(qtbot, ctl):
    dlg = LabelsDialog(ctl)
    qtbot.addWidget(dlg)
    assert dlg.table.rowCount() == 4 and dlg.table.item(0, 0).text() == "returns"
    texts = [dlg.suggestions.item(i).text() for i in range(dlg.suggestions.count())]
    assert any(t.startswith("Returns (2) → returns (4)") and "same label" in t for t in texts)
    assert any("maybe the same topic" in t for t in texts)
    dlg.suggestions.setCurrentRow(0)
    assert dlg.merge_suggestion()
    assert dict(label_counts(ctl.project)) == {"returns": 6, "shipping": 3, "Orders & shipping": 1}
    assert dlg.table.rowCount() == 3 and "Returns → returns" in dlg.map_label.text()
    dlg.source.setCurrentText("Orders & shipping")
    dlg.target.setCurrentText("delivery")  # a new name: a rename
    assert dlg.merge_selected()
    assert "delivery" in dict(label_counts(ctl.project))
    ctl.undo()
    ctl.undo()
    assert dict(label_counts(ctl.project))["Returns"] == 2 and project_label_map(ctl.project) == {}
    dlg.refresh()
    assert dlg.table.rowCount() == 4


def test_menu_action_opens_dialog(qtbot, ctl):
    from ftcurate.gui.main_window import MainWindow

    w = MainWindow(ctl)
    qtbot.addWidget(w)
    w.actions_by_key["labels"].trigger()
    assert w.labels_dialog.isVisible() and w.labels_dialog.table.rowCount() == 4
    w.labels_dialog.close()
