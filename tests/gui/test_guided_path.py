"""The guided path: calls to action in every empty state, export blockers inline, export success
box, Export & train, checks after import."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from ftcurate.gui.app import settle


def test_guide_bar_points_at_the_next_step(window):
    window.guide.refresh()
    st = window.guide.state
    # the fixture has flags but no recorded check run
    assert st.done["import"] and not st.done["checks"] and st.next_key == "checks"
    assert window.guide.action.text() == "Run checks"


def test_new_project_offers_import(qtbot, tmp_path):
    from ftcurate.gui.app import make_app
    from ftcurate.gui.main_window import MainWindow

    make_app()
    w = MainWindow(persist_settings=False)
    qtbot.addWidget(w)
    w.controller.new_project(tmp_path / "empty.ftcurate")
    w.guide.refresh()
    assert w.guide.state.next_key == "import" and w.guide.action.text() == "Import files…"
    assert "empty" in w.guide.hint.text()
    w.controller.close_project()


def test_train_without_export_offers_export_now_and_compare_offers_train(window, qtbot):
    screen = window.show_panel("train")
    assert screen.panel.export_button.isVisible()
    opened = []
    window.export = lambda: opened.append("export")
    screen.panel.export_button.click()
    assert opened == ["export"]
    compare = window.show_panel("compare")
    assert compare.panel.pages.currentIndex() == 0 and compare.panel.train_first.isVisible()
    compare.panel.train_first.click()
    assert window.tabs.currentWidget() is window.panels["train"]
    window.panels["train"].panel.shutdown()


def test_export_blockers_inline_keep_settings_and_show_examples(window, qtbot, tmp_path):
    dlg = window.export()
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    dlg.outdir_edit.setText(str(tmp_path / "out"))
    dlg.seed_spin.setValue(7)
    assert dlg.blockers == [3] and dlg.blockers_box.isVisible()
    assert "2 high-severity" in dlg.blockers_label.text()
    assert not ok.isEnabled()  # stopped until redacted, ignored, or overridden explicitly
    dlg.force_check.setChecked(True)
    assert ok.isEnabled()
    dlg.force_check.setChecked(False)
    qtbot.mouseClick(dlg.show_blockers, Qt.MouseButton.LeftButton)
    window.filter_bar.wait()
    assert [window.model.example_id(r) for r in range(window.model.rowCount())] == [3]
    again = window.export()  # the settings are kept
    assert again.seed_spin.value() == 7 and again.outdir_edit.text() == str(tmp_path / "out")
    again.reject()


def test_export_success_box_offers_open_folder_and_train_now(window, qtbot, tmp_path):
    from ftcurate.core.commands import SetFlagStateCommand

    ids = window.controller.flags().filter(window.controller.flags()["check"] == "pii")["id"].to_list()
    window.controller.apply(SetFlagStateCommand(ids, "ignored"))
    # the fixture's texts hold more personal data than its planted flags; this test is about the box
    handle = window.start_export({"outdir": str(tmp_path / "out"), "format": "openai", "test_fraction": 0.2,
                                  "seed": 1, "allow_pii": True})
    assert handle.wait(120_000) and handle.state == "done"
    box = window.export_box
    texts = [b.text() for b in box.buttons()]
    assert "Open folder" in texts and "Train now" in texts
    box.close()
    settle(window)


def test_export_and_train_stop_reopens_the_dialog_with_the_reason(window, qtbot):
    """Safe defaults never pass a stop: the dialog comes back with its options and the reason."""
    handle = window.export_and_train()
    assert handle.wait(120_000) and handle.state == "failed"
    dlg = window.findChild(QDialogButtonBox).parent()
    assert dlg.problem_label.text().startswith("cannot make a test split")
    assert dlg.outdir_edit.text().endswith("review-export") and not dlg.force_check.isChecked()
    assert dlg.blockers == [3]  # and the privacy stop is shown inline as well
    dlg.reject()


@pytest.mark.parametrize("key", ["review", "privacy"])
def test_guide_steps_filter_the_review_table(window, key):
    window.guided_step(key)
    window.filter_bar.wait()
    shown = {window.model.example_id(r) for r in range(window.model.rowCount())}
    assert shown == ({3, 11} if key == "privacy" else {3, 5, 6, 7, 11, 13, 14})
