"""Train and Compare pages: fine-tune a LoRA adapter on the exported data and see whether it helped.

`TrainPanel` picks the model and preset, shows the device (GPU name and memory, or a CPU warning with a
time estimate), runs `ftcurate.core.trainer.run.run_training` in a worker process, shows every phase
(loading, measuring the base model, training, measuring the tuned model) with a percentage and the time
left, and draws the live loss curve. Cancel returns the page to idle at once: the worker stops within
a decoder layer's work (or is stopped 0.5 s later), keeping the last checkpoint; Resume continues it.
`ComparePanel` shows base and tuned answers beside the reference for a few test prompts and emits
`sendToReview(example_id)`. The panels hold no training logic: the worker talks to the core through a
Qt-free bridge (`CallbackProgress` + an `on_event` callable) whose calls become queued signals.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ftcurate.core.errors import UserError
from ftcurate.core.trainer.config import PRESETS, TrainOptions
from ftcurate.gui.eta import Eta
from ftcurate.gui.loss_curve import LossCurveView, _ticks  # noqa: F401 - re-exported

log = logging.getLogger("ftcurate.gui")

DEFAULT_MODEL_TEXT = "SmolLM2-135M-Instruct (built in)"
OTHER_MODEL_TEXT = "Other model folder…"
PRESET_TEXT = {"quick": "Quick: 1 pass, small adapter", "standard": "Standard: 2 passes",
               "thorough": "Thorough: 3 passes, bigger adapter"}


def _label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _button(text: str, slot, enabled: bool = True) -> QPushButton:
    button = QPushButton(text)
    button.setEnabled(enabled)
    button.clicked.connect(slot)
    return button


# then the worker gets SIGTERM, which is still a clean cancel there (held while it writes a checkpoint or
# the run record), and SIGKILL 2 s later: the process is gone within about a second in every phase
TRAIN_CANCEL_GRACE_S = 0.5


class _DeviceWorker(QThread):
    ready = Signal(dict)

    def __init__(self, export_dir: str | None, model: str | None, epochs: int) -> None:
        super().__init__()
        self.args = (export_dir, model, epochs)

    def run(self) -> None:
        from ftcurate.core.trainer.device import device_info, estimate_for_export

        export_dir, model, epochs = self.args
        try:
            info = device_info()
        except Exception as exc:  # noqa: BLE001 - torch missing or broken: say so
            self.ready.emit({"kind": "none", "name": "unavailable", "warning": f"Training is unavailable ({exc})."})
            return
        if export_dir:
            try:
                info["estimate"] = estimate_for_export(export_dir, model, epochs, info["kind"])
            except UserError:
                pass
        self.ready.emit(info)


class TrainPanel(QWidget):
    """The Train page. Signals: `runStarted()`, `runFinished(dict)` (the run result), `runCancelled()`,
    `runFailed(str)`. `options_override` (dict of TrainOptions fields) lets callers and tests fix
    settings the page does not show."""

    runStarted = Signal()
    exportRequested = Signal()  # "Export now" in the empty state
    runFinished = Signal(dict)
    runCancelled = Signal()
    runFailed = Signal(str)

    def __init__(self, export_dir: str | Path | None = None, project_path: str | Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.export_dir = str(export_dir) if export_dir else None
        self.project_path = str(project_path) if project_path else None
        self.options_override: dict[str, Any] = {}
        self.worker = None  # a ProcessTask while training runs
        self._stopping: list[Any] = []  # cancelled workers whose process has not exited yet
        self._run_dirs: dict[Any, str] = {}  # worker -> the run folder its "start" event named
        self._eta = Eta()
        self._phase = ""
        self._device_worker: _DeviceWorker | None = None
        self.device: dict[str, Any] | None = None
        self.result: dict[str, Any] | None = None

        self.data_label = _label()
        self.choose_data = _button("Choose export folder…", self._pick_export)
        self.export_button = _button("Export now…", lambda: self.exportRequested.emit())
        self.export_button.setObjectName("primary")
        self.model_combo = QComboBox()
        self.model_combo.addItem(DEFAULT_MODEL_TEXT, None)
        self.model_combo.addItem(OTHER_MODEL_TEXT, "__other__")
        self.model_combo.activated.connect(self._model_activated)
        self.preset_combo = QComboBox()
        for name in PRESETS:
            self.preset_combo.addItem(PRESET_TEXT.get(name, name), name)
        self.preset_combo.currentIndexChanged.connect(lambda _i: self.refresh_device())
        self.device_label = _label("Checking the device…")
        self.start_button = _button("Start training", lambda: self.start())
        self.resume_button = _button("Resume", lambda: self.start(resume=True), enabled=False)
        self.cancel_button = _button("Cancel", self.cancel, enabled=False)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)  # the percentage goes beside it, never over the bar
        self.pct_label = QLabel("")
        self.pct_label.setObjectName("trainPercent")
        self.eta_label = QLabel("")
        self.status_label = _label()
        self.curve = LossCurveView()
        self.verdict_label = _label()
        font = QFont(self.verdict_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.verdict_label.setFont(font)

        form = QFormLayout()
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_label, 1)
        data_row.addWidget(self.export_button)
        data_row.addWidget(self.choose_data)
        form.addRow("Data", data_row)
        form.addRow("Model", self.model_combo)
        form.addRow("Preset", self.preset_combo)
        form.addRow("Device", self.device_label)
        buttons = QHBoxLayout()
        for w in (self.start_button, self.resume_button, self.cancel_button):
            buttons.addWidget(w)
        buttons.addStretch(1)
        buttons.addWidget(self.eta_label)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addLayout(buttons)
        bar_row = QHBoxLayout()
        bar_row.addWidget(self.bar, 1)
        bar_row.addWidget(self.pct_label)
        lay.addLayout(bar_row)
        lay.addWidget(self.status_label)
        lay.addWidget(self.curve, 1)
        lay.addWidget(self.verdict_label)
        self.set_export_dir(self.export_dir)

    # -- settings -------------------------------------------------------------------------------------
    def set_export_dir(self, path: str | Path | None) -> None:
        self.export_dir = str(path) if path else None
        self.data_label.setText(self.export_dir or "No export yet: training reads an export of the project "
                                                   "(OpenAI chat format).")
        self.export_button.setVisible(not self.export_dir)
        self.start_button.setEnabled(bool(self.export_dir) and not self.is_running())
        self.refresh_device()

    def set_project_path(self, path: str | Path | None) -> None:
        self.project_path = str(path) if path else None

    def set_model(self, folder: str | Path | None) -> None:
        """Select the built-in model (None) or a local HF model folder."""
        if folder is None:
            self.model_combo.setCurrentIndex(0)
        else:
            idx = self.model_combo.findData(str(folder))
            if idx < 0:
                self.model_combo.insertItem(self.model_combo.count() - 1, Path(folder).name, str(folder))
                idx = self.model_combo.findData(str(folder))
            self.model_combo.setCurrentIndex(idx)
        self.refresh_device()

    def model(self) -> str | None:
        data = self.model_combo.currentData()
        return None if data in (None, "__other__") else str(data)

    def preset(self) -> str:
        return str(self.preset_combo.currentData())

    def _model_activated(self, index: int) -> None:
        if self.model_combo.itemData(index) == "__other__":
            folder = QFileDialog.getExistingDirectory(self, "Choose a Hugging Face model folder")
            self.set_model(folder or None)

    def _pick_export(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the export folder (with train.jsonl)")
        if folder:
            self.set_export_dir(folder)

    def refresh_device(self) -> None:
        """Look up the device and the time estimate off the GUI thread (imports torch)."""
        if self._device_worker is not None and self._device_worker.isRunning():
            return
        epochs = PRESETS[self.preset()]["epochs"]
        self._device_worker = _DeviceWorker(self.export_dir, self.model(), epochs)
        self._device_worker.ready.connect(self._show_device)
        self._device_worker.start()

    def _show_device(self, info: dict) -> None:
        self.device = info
        if info["kind"] in ("cuda", "mps"):
            mem = f", {info['memory_gib']} GiB" if info.get("memory_gib") else ""
            text = f"GPU: {info['name']}{mem}"
        else:
            text = f"{info.get('warning') or ''} {info['name']}."
        est = info.get("estimate")
        if est:
            text += f"\n{est['text']}."
        self.device_label.setText(text.strip())

    # -- running --------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.worker is not None and self.worker.is_running() and self.worker not in self._stopping

    def start(self, resume: bool = False) -> None:
        if self.is_running() or not self.export_dir:
            return
        opts = TrainOptions(model=self.model(), preset=self.preset(), resume=resume)
        for k, v in self.options_override.items():
            setattr(opts, k, v)
        self.result = None
        self.curve.clear()
        self.verdict_label.setText("")
        self.bar.setRange(0, 0)
        self.pct_label.setText("")
        self.eta_label.setText("")
        self._phase = ""
        self.status_label.setText("Starting…")
        # a worker process: importing torch and loading the model would hold the GIL and freeze the
        # window; a cancel that the trainer has not acted on within 0.5 s stops the process
        # (Resume then continues from the last checkpoint)
        from ftcurate.gui.proctask import ProcessTask

        worker = ProcessTask("Training", "ftcurate.gui.proc_jobs:train",
                             (self.export_dir, opts, self.project_path), on_error=lambda _exc: None,
                             cancel_grace_s=TRAIN_CANCEL_GRACE_S)
        self.worker = worker
        worker.events.connect(lambda ev, w=worker: self._on_event(ev) if w is self.worker and self.is_running()
                              else None)
        worker.progressed.connect(lambda d, t, st, w=worker: self._on_progress(d, t, st)
                                  if w is self.worker and self.is_running() else None)
        worker.events.connect(lambda ev, w=worker: self._note_run_dir(w, ev))
        worker.ended.connect(lambda state, w=worker: self._ended(w, state))
        worker.exited.connect(lambda w=worker: self._exited(w))
        self._set_running(True)
        worker.start()
        self.runStarted.emit()

    def _ended(self, worker: Any, state: str) -> None:
        if worker is not self.worker:  # an older run that was cancelled; a newer one owns the page
            return
        if state == "done":  # it finished before the cancel reached it: the result stands
            self._on_done(worker.result)
        elif worker in self._stopping or state == "cancelled":
            self.runCancelled.emit()
        else:
            self._on_failed(str(worker.error), "")

    def _note_run_dir(self, worker: Any, ev: dict) -> None:
        if ev.get("event") == "start" and ev.get("run_dir"):
            self._run_dirs[worker] = ev["run_dir"]

    def _exited(self, worker: Any) -> None:
        if worker in self._stopping:
            self._stopping.remove(worker)
        run_dir = self._run_dirs.pop(worker, None)
        if worker.state == "cancelled" and run_dir and self.project_path:
            self._close_record(run_dir)
        if worker is self.worker and worker.state == "cancelled":
            self._on_cancelled()

    def cancel(self) -> None:
        """Cancel the run: the page is idle at once (a new run can start); the worker process stops
        within about a second, keeping the last checkpoint, and then Resume is offered."""
        if not self.is_running():
            return
        worker = self.worker
        self._stopping.append(worker)
        worker.cancel()
        self._set_running(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.pct_label.setText("")
        self.eta_label.setText("")
        self.status_label.setText("Cancelled. Stopping the training process…")

    def shutdown(self, wait_ms: int = 10_000) -> bool:
        """Stop a running training now (the window is closing) and wait for every training process to
        exit (a cancelled one keeps its last checkpoint; Resume continues it). True if none is left."""
        ok = True
        if self.worker is not None and self.worker.is_running() and self.worker not in self._stopping:
            self.cancel()
        for worker in [self.worker, *self._stopping]:
            if worker is not None:
                ok = worker.wait(wait_ms) and ok
        if self._device_worker is not None and self._device_worker.isRunning():
            ok = self._device_worker.wait(wait_ms) and ok
        return ok

    def _close_record(self, run_dir: str) -> None:
        """Close a killed run's record as cancelled, on a thread (the project may be busy a while)."""
        import threading

        from ftcurate.core.trainer.record import close_stopped_run

        def work(path: str = self.project_path) -> None:
            try:
                close_stopped_run(path, run_dir)
            except Exception as exc:  # noqa: BLE001 - the record is cosmetic; never crash the window
                log.warning("could not close the record of the stopped run %s: %s", run_dir, exc)

        self._record_closer = threading.Thread(target=work, name="close-run-record", daemon=True)
        self._record_closer.start()

    def _join_worker(self) -> None:
        """Nothing to join: the training process is reaped by its task once it has exited (it may
        take seconds to unload torch, which must not block the window)."""

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and bool(self.export_dir))
        self.cancel_button.setEnabled(running)
        self.resume_button.setEnabled(False)
        for w in (self.model_combo, self.preset_combo, self.choose_data):
            w.setEnabled(not running)

    def _on_progress(self, done: int, total: int, status: str) -> None:
        phase = status.split(":")[0]
        if phase != self._phase:  # each phase has its own pace
            self._phase, self._eta = phase, Eta()
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.pct_label.setText(self._eta.text(done, total))
        if status:
            self.status_label.setText(status[:1].upper() + status[1:])

    def _on_event(self, ev: dict) -> None:
        kind = ev.get("event")
        if kind == "step":
            self.curve.add_point(ev["step"], ev["loss"], ev.get("total_steps"))
            self.eta_label.setText(f"{ev['tokens_per_s']:.0f} tokens/s")
        elif kind == "eval" and ev.get("which") == "base" and "loss" in ev:
            self.curve.base_loss = ev["loss"]
            self.curve.update()
        elif kind == "data" and ev.get("skipped_text"):
            self.status_label.setText("Note: " + ev["skipped_text"])

    def _on_done(self, result: dict) -> None:
        self._join_worker()
        self.result = result
        self._set_running(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.eta_label.setText(f"{result['tokens_per_s']} tokens/s on {result['device_name']}")
        self.verdict_label.setText(result["verdict_text"])
        self.status_label.setText(f"Adapter saved in {result['adapter_dir']}")
        self.runFinished.emit(result)

    def _on_failed(self, text: str, details: str) -> None:
        self._join_worker()
        self._set_running(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status_label.setText(f"Training failed: {text}")
        self.runFailed.emit(text)

    def _on_cancelled(self) -> None:
        """The cancelled run's process is gone: its last checkpoint is final, Resume can continue it."""
        self._join_worker()
        if not self.is_running():
            self.resume_button.setEnabled(bool(self.export_dir))
            self.status_label.setText("Cancelled. Resume continues from the last checkpoint.")


class ComparePanel(QWidget):
    """The Compare page: for each test prompt, the reference answer beside the base and tuned answers.
    Signal `sendToReview(int)`: the example id of the selected prompt, for the review queue."""

    sendToReview = Signal(int)
    trainRequested = Signal()  # "Train first" in the empty state

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.samples: list[dict[str, Any]] = []
        self.empty = QWidget()
        el = QVBoxLayout(self.empty)
        el.addStretch(1)
        hint = QLabel("Nothing to compare yet: train a model on your export, then its answers appear here "
                      "beside the base model's and the reference answers.")
        hint.setWordWrap(True)
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setObjectName("emptyHint")
        self.train_first = _button("Train first", lambda: self.trainRequested.emit())
        self.train_first.setObjectName("primary")
        el.addWidget(hint)
        brow = QHBoxLayout()
        brow.addStretch(1)
        brow.addWidget(self.train_first)
        brow.addStretch(1)
        el.addLayout(brow)
        el.addStretch(2)
        self.verdict_label = _label("Train a model to compare its answers with the base model.")
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self._show)
        self.prompt = _label()
        self.boxes: dict[str, QPlainTextEdit] = {}
        self.scores: dict[str, QLabel] = {}
        cols = QHBoxLayout()
        for key, title in (("reference", "Reference"), ("base", "Base model"), ("tuned", "Tuned model")):
            col = QVBoxLayout()
            self.scores[key] = QLabel(title)
            self.boxes[key] = QPlainTextEdit(readOnly=True)
            col.addWidget(self.scores[key])
            col.addWidget(self.boxes[key], 1)
            cols.addLayout(col, 1)
        self.review_button = _button("Send back to review", self._send, enabled=False)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.prompt)
        rl.addLayout(cols, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.review_button)
        rl.addLayout(row)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        self.content = QWidget()
        cl = QVBoxLayout(self.content)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.verdict_label)
        cl.addWidget(split, 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.content)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.pages)

    def set_result(self, result: dict[str, Any]) -> None:
        """Show a run result (`run_training` / `run_evaluation`)."""
        self.verdict_label.setText(result.get("verdict_text", ""))
        self.set_samples(result.get("samples") or [])

    def set_samples(self, samples: list[dict[str, Any]]) -> None:
        self.samples = list(samples)
        self.pages.setCurrentIndex(1 if self.samples or self.verdict_label.text() else 0)
        self.list.clear()
        for s in self.samples:
            item = QListWidgetItem(s.get("prompt", "")[:80] or f"line {s.get('line')}")
            item.setToolTip(s.get("prompt", ""))
            self.list.addItem(item)
        if self.samples:
            self.list.setCurrentRow(0)
        else:
            self._show(-1)

    def _show(self, row: int) -> None:
        s = self.samples[row] if 0 <= row < len(self.samples) else None
        self.prompt.setText(f"Prompt: {s['prompt']}" if s else "")
        for key, box in self.boxes.items():
            box.setPlainText(s.get(key, "") if s else "")
        if s:
            self.scores["base"].setText(f"Base model (chrF {s.get('chrf_base', 0):.1f})")
            self.scores["tuned"].setText(f"Tuned model (chrF {s.get('chrf_tuned', 0):.1f})")
        has_id = bool(s) and s.get("id") is not None
        self.review_button.setEnabled(has_id)
        self.review_button.setToolTip("" if has_id or not s else "This export does not say which project example "
                                      "this is; train with a project open to send it back.")

    def _send(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.samples) and self.samples[row].get("id") is not None:
            self.sendToReview.emit(int(self.samples[row]["id"]))
