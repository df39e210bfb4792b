"""The Train and Compare tabs follow the open project: last export, run hand-over, back to review."""

from __future__ import annotations

from ftcurate.core.commands import SetStatusCommand
from ftcurate.gui.train_screens import CompareScreen, TrainScreen, run_hub


def test_train_tab_starts_from_the_projects_last_export(window, tmp_path, qtbot):
    from ftcurate.core.export import export_project

    screen = window.show_panel("train")
    assert isinstance(screen, TrainScreen)
    assert screen.panel.export_dir is None and not screen.panel.start_button.isEnabled()
    assert screen.panel.project_path == str(window.controller.project.path)
    out = tmp_path / "export"
    export_project(window.controller.project, out, format="openai", test_fraction=0.25, seed=1, force=True)
    window.show_panel("review")
    window.show_panel("train")
    assert screen.panel.export_dir == str(out.resolve())
    assert screen.panel.start_button.isEnabled()
    qtbot.waitUntil(lambda: screen.panel._device_worker is None or not screen.panel._device_worker.isRunning(),
                    timeout=60_000)


def test_a_finished_run_reaches_compare_and_can_send_an_example_back(window, qtbot):
    project = window.controller.project
    project.apply(SetStatusCommand([4], "approved"))
    screen = window.show_panel("compare")
    assert isinstance(screen, CompareScreen)
    run_hub(window.controller).finished.emit({
        "verdict_text": "Better: test loss 2.1 -> 1.9",
        "samples": [{"id": 4, "prompt": "Where is my order?", "reference": "Tomorrow.", "base": "Hello",
                     "tuned": "It ships tomorrow.", "chrf_base": 3.0, "chrf_tuned": 40.0}]})
    assert screen.panel.verdict_label.text().startswith("Better")
    assert screen.panel.review_button.isEnabled()
    with qtbot.waitSignal(window.controller.openExampleRequested, timeout=2000) as sig:
        screen.panel.review_button.click()
    assert sig.args == [4]
    assert project.get_example(4).status == "unreviewed"
    window.controller.undo()
    assert project.get_example(4).status == "approved"
