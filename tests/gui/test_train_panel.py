"""Train and Compare pages on a tiny real model (pytest-qt, offscreen): a full run with a live curve,
cancel + resume, device info, and sending an example back to review."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("FTCURATE_THREADS", "1")

from ftcurate.gui.train_panel import ComparePanel, LossCurveView, TrainPanel  # noqa: E402

QA = [("How do I cancel order {n}?", "Open Orders and press Cancel."),
      ("Where is my refund for {n}?", "Your refund arrives in 5 to 7 business days."),
      ("Can I change my password?", "Yes: Settings, then Security.")]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from ftcurate.core.trainer.testing import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture
def export(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    for name, rng in (("train.jsonl", range(18)), ("test.jsonl", range(18, 22))):
        with (folder / name).open("w") as fh:
            for i in rng:
                q, a = QA[i % 3]
                fh.write(json.dumps({"messages": [{"role": "user", "content": q.format(n=100 + i)},
                                                  {"role": "assistant", "content": a}]}) + "\n")
    return folder


@pytest.fixture
def panel(qtbot, export, tiny_model):
    p = TrainPanel(export_dir=export)
    qtbot.addWidget(p)
    p.set_model(tiny_model)
    p.options_override = {"device": "cpu", "token_budget": 128, "max_len": 128, "lr": 1e-2, "n_generate": 2,
                          "max_new_tokens": 4, "threads": 1}
    yield p
    assert p.shutdown(), "a training thread was left running"


def test_run_draws_the_live_curve_and_shows_the_verdict(qtbot, panel):
    with qtbot.waitSignal(panel.runFinished, timeout=120_000) as blocker:
        panel.start()
    result = blocker.args[0]
    from ftcurate.gui.proctask import ProcessTask

    assert isinstance(panel.worker, ProcessTask)  # trained in a worker process, not the GUI's
    assert len(panel.curve.points) == result["steps"] > 0
    assert panel.curve.base_loss == result["base_test_loss"]
    assert panel.verdict_label.text() == result["verdict_text"]
    assert "tokens/s" in panel.eta_label.text()
    assert panel.start_button.isEnabled() and not panel.cancel_button.isEnabled()
    img = panel.curve.grab()
    assert not img.isNull()


def test_cancel_saves_a_checkpoint_and_resume_finishes(qtbot, panel):
    panel.options_override.update(epochs=8, n_generate=0)
    steps = []

    def on_event(ev):
        if ev.get("event") == "step":
            steps.append(ev["step"])
            if len(steps) == 2:
                panel.cancel()

    with qtbot.waitSignal(panel.runCancelled, timeout=120_000):
        panel.start()
        panel.worker.events.connect(on_event)
    qtbot.waitUntil(panel.resume_button.isEnabled, timeout=30_000)  # once the process has exited
    assert list(Path(panel.export_dir).parent.glob("runs/*/checkpoint/state.pt"))  # runs sit beside the export
    panel.options_override.update(max_steps=steps[-1] + 2)  # ignored on resume: saved settings win
    failures = []
    panel.runFailed.connect(failures.append)
    with qtbot.waitSignal(panel.runFinished, timeout=120_000) as blocker:
        panel.resume_button.click()
    assert not failures
    assert blocker.args[0]["steps"] > steps[-1]


def test_device_line_warns_on_cpu_with_an_estimate(qtbot, panel):
    qtbot.waitUntil(lambda: panel.device is not None, timeout=60_000)
    text = panel.device_label.text()
    assert "CPU" in text and "slow" in text and "18 examples" in text


def test_compare_panel_sends_the_selected_example_back_to_review(qtbot):
    cmp = ComparePanel()
    qtbot.addWidget(cmp)
    samples = [{"id": None, "line": 1, "prompt": "p1", "reference": "r1", "base": "b1", "tuned": "t1",
                "chrf_base": 10.0, "chrf_tuned": 20.0},
               {"id": 42, "line": 2, "prompt": "p2", "reference": "r2", "base": "b2", "tuned": "t2",
                "chrf_base": 5.0, "chrf_tuned": 50.0}]
    cmp.set_result({"verdict_text": "Better: 10 %", "samples": samples})
    assert cmp.boxes["reference"].toPlainText() == "r1" and not cmp.review_button.isEnabled()
    cmp.list.setCurrentRow(1)
    assert cmp.boxes["tuned"].toPlainText() == "t2" and "50.0" in cmp.scores["tuned"].text()
    with qtbot.waitSignal(cmp.sendToReview) as blocker:
        cmp.review_button.click()
    assert blocker.args == [42]


def test_loss_curve_view_paints_empty_and_with_points(qtbot):
    view = LossCurveView()
    qtbot.addWidget(view)
    view.resize(300, 200)
    assert not view.grab().isNull()
    for i, loss in enumerate([3.0, 2.5, 2.2, 2.3]):
        view.add_point(i + 1, loss, total_steps=10)
    view.base_loss = 2.8
    assert not view.grab().isNull() and len(view.points) == 4
