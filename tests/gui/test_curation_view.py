"""The "Did curation help?" box of the Compare tab: follows the project, runs the core in a worker,
shows the verdict page (no model needed for these checks: the core refuses or the report is given)."""

from __future__ import annotations

from ftcurate.gui.curation_view import CurationPanel
from ftcurate.gui.train_screens import CompareScreen


def _report():
    from ftcurate.core.report.curation_analysis import analyse

    actions = {1: {"status": "approved", "edited": True, "flags": [], "answer": "a", "raw_answer": "a",
                   "redacted": [{"text": "jane.doe@example.com", "kind": "EMAIL_ADDRESS"}]}}
    row = {"index": 0, "line": 1, "id": 1, "prompt": "Where is <my> order?", "reference": "Tomorrow.", "n_targets": 4,
           "loss_sum": {"base": 12.0, "raw": 8.0, "curated": 6.0}, "loss": {"base": 3.0, "raw": 2.0, "curated": 1.5},
           "answer": {"base": "Hi", "raw": "Mail jane.doe@example.com", "curated": "Tomorrow."}}
    return analyse({"examples": [row]}, actions, test_ids=[1], raw_ids=[1, 2], curated_ids=[1], left_out={})


def test_compare_tab_has_the_curation_box_for_the_open_project(window, tmp_path, qtbot):
    from ftcurate.core.export import export_project

    screen = window.show_panel("compare")
    assert isinstance(screen, CompareScreen)
    panel = screen.curation
    assert panel.project_path == str(window.controller.project.path) and panel.start_button.isEnabled()
    # nothing was curated in this project: the core says so, and the box shows it instead of a report
    export_project(window.controller.project, tmp_path / "export", format="openai", test_fraction=0.25, seed=1,
                   force=True)
    panel.options = {"out_dir": str(tmp_path / "report"), "device": "cpu"}
    panel.start()
    qtbot.waitUntil(lambda: not panel.is_running() and panel.worker is None, timeout=60_000)
    assert panel.status.text().startswith("Could not compare:")
    assert "not changed the training data" in panel.status.text() and panel.start_button.isEnabled()


def test_a_report_is_shown_as_the_verdict_page(qtbot):
    panel = CurationPanel()
    qtbot.addWidget(panel)
    panel.show_report(_report())
    assert panel.status.text().startswith("Curation helped")
    text = panel.page.toPlainText()
    assert "Did curation help?" in text and "Where is <my> order?" in text  # escaped, shown as text
    assert "jane.doe@example.com" not in panel.page.toHtml()
