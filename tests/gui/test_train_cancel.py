"""Cancel in the app: the Train page is idle at once, the training process is gone soon after (its own
cancel checks, else SIGTERM, else SIGKILL), Resume is offered, and a new run can start right away.
Waits use generous timeouts; nothing asserts on time."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("FTCURATE_THREADS", "1")

import pytest  # noqa: E402

from ftcurate.gui.proctask import ProcessTask  # noqa: E402
from ftcurate.gui.train_panel import TrainPanel  # noqa: E402
from tests.gui import test_train_panel as train_tests  # noqa: E402

tiny_model = train_tests.tiny_model
export = train_tests.export


@pytest.fixture
def page(qtbot, export, tiny_model):
    p = TrainPanel(export_dir=export)
    qtbot.addWidget(p)
    p.set_model(tiny_model)
    p.options_override = {"device": "cpu", "token_budget": 128, "max_len": 128, "lr": 1e-2, "n_generate": 0,
                          "max_new_tokens": 4, "threads": 1}
    yield p
    assert p.shutdown(), "a training process was left running"


def _phase(page) -> str:
    return page.status_label.text().lower()


def test_cancel_mid_training_idles_the_page_at_once_and_the_worker_exits(qtbot, page):
    page.options_override.update(epochs=20, n_generate=0)
    page.start()
    worker = page.worker
    qtbot.waitUntil(lambda: len(page.curve.points) >= 1, timeout=120_000)
    page.cancel()
    # at once, before the worker has even seen the flag
    assert not page.is_running() and page.start_button.isEnabled() and not page.cancel_button.isEnabled()
    assert "cancelled" in _phase(page) and page.model_combo.isEnabled()
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=30_000)
    qtbot.waitUntil(page.resume_button.isEnabled, timeout=10_000)
    assert worker.state == "cancelled"
    assert list(Path(page.export_dir).parent.glob("runs/*/checkpoint/state.pt"))


def test_a_new_run_can_start_while_the_cancelled_one_is_stopping(qtbot, page):
    page.options_override.update(epochs=20, n_generate=0)
    page.start()
    first = page.worker
    qtbot.waitUntil(lambda: "training" in _phase(page) or len(page.curve.points) > 0, timeout=120_000)
    page.cancel()
    page.options_override.update(epochs=1, max_steps=2)
    with qtbot.waitSignal(page.runFinished, timeout=180_000):
        page.start()  # no waiting for the first process
        assert page.worker is not first and page.is_running()
    qtbot.waitUntil(lambda: not first.is_alive(), timeout=30_000)
    assert first.state == "cancelled"


def test_progress_of_each_phase_shows_a_percentage_and_the_page_keeps_it_per_phase(qtbot, page):
    texts: dict[str, str] = {}
    page.options_override.update(epochs=1, max_steps=3, n_generate=2, max_new_tokens=8)

    def seen(_d, total, status):
        if total:
            texts[status.split(":")[0]] = page.pct_label.text()

    with qtbot.waitSignal(page.runFinished, timeout=180_000):
        page.start()
        page.worker.progressed.connect(seen)
    for phase in ("loading the model", "measuring the base model", "training", "measuring the tuned model"):
        assert "%" in texts.get(phase, ""), (phase, texts)


def test_a_worker_that_ignores_cancel_and_sigterm_is_killed(qtbot):
    task = ProcessTask("deaf", "tests.gui.proc_targets:deaf").start()
    qtbot.waitUntil(lambda: task.progress.status == "working", timeout=60_000)
    exited = []
    task.exited.connect(lambda: exited.append(True))
    task.cancel()
    qtbot.waitUntil(lambda: task.state == "cancelled", timeout=30_000)
    qtbot.waitUntil(lambda: bool(exited), timeout=30_000)
    assert not task.is_alive() and task._proc.exitcode == -9


def test_a_worker_stopped_by_sigterm_still_runs_its_cleanup(qtbot, tmp_path):
    task = ProcessTask("stubborn", "tests.gui.proc_targets:stubborn").start()
    qtbot.waitUntil(lambda: task.progress.status == "working", timeout=60_000)
    task.cancel()
    assert task.wait(30_000) and task.state == "cancelled"
    assert task._proc.exitcode == 0  # Cancelled raised by the SIGTERM handler, clean exit


def test_a_run_whose_process_was_killed_is_not_left_running_in_the_project(qtbot, page, tmp_path):
    import signal

    from ftcurate.core.store import Project

    project_path = tmp_path / "p.ftcurate"
    Project.create(project_path).close()
    page.set_project_path(project_path)
    page.options_override.update(epochs=20, n_generate=0)
    page.start()
    worker = page.worker
    qtbot.waitUntil(lambda: len(page.curve.points) >= 1, timeout=120_000)
    page.cancel()
    os.kill(worker._proc.pid, signal.SIGKILL)  # as the fallback does when cancel and SIGTERM go unheard
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=30_000)

    def statuses():
        with Project.open(project_path) as project:
            return [r["status"] for r in project.runs()]

    qtbot.waitUntil(lambda: statuses() == ["cancelled"], timeout=30_000)
