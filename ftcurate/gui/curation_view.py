"""The "Did curation help?" box of the Compare tab.

`CurationPanel` runs `ftcurate.core.report.curation.compare_curation` on the open project in a worker
thread (Cancel stops it within a layer of the model's work) and shows the verdict page it writes. It only needs
the project file; the core does the rest.
"""

from __future__ import annotations

import traceback
from pathlib import Path

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ftcurate.core.errors import Cancelled, UserError


class _CurationWorker(QThread):
    progressed = Signal(int, int, str)
    done = Signal(dict)
    failed = Signal(str, str)
    was_cancelled = Signal()

    def __init__(self, project_path: str, preset: str, options: dict) -> None:
        super().__init__()
        from ftcurate.core.trainer.bridge import CallbackProgress

        self.args = (project_path, preset, options)
        self.progress = CallbackProgress(self.progressed.emit)

    def run(self) -> None:  # worker thread
        from ftcurate.core.report.curation import compare_curation

        path, preset, options = self.args
        try:
            report = compare_curation(path, preset=preset, progress=self.progress, **options)
        except Cancelled:
            self.was_cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - shown in the panel
            text = str(exc) if isinstance(exc, UserError) else f"{exc.__class__.__name__}: {exc}"
            self.failed.emit(text, "".join(traceback.format_exception(exc)))
        else:
            self.done.emit(report)


class CurationPanel(QWidget):
    """Signals: `reportReady(dict)` when a comparison finished. `options` (dict of `compare_curation`
    keyword arguments: model, device, threads, seed, out_dir) lets callers and tests fix settings."""

    reportReady = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project_path: str | None = None
        self.options: dict = {}
        self.worker: _CurationWorker | None = None
        self.report: dict | None = None
        self.preset = QComboBox()
        self.preset.addItem("Demo (a few minutes)", "demo")
        self.preset.addItem("One pass over the data", "quick")
        self.start_button = QPushButton("Did curation help?")
        self.start_button.setToolTip("Train the same model on the raw imported data and on the curated export, "
                                     "with the same settings, and compare them on the curated test split.")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel("Compare a model trained on the raw data with one trained on the curated data.")
        self.status.setWordWrap(True)
        self.page = QTextBrowser()
        self.page.setOpenExternalLinks(False)
        row = QHBoxLayout()
        row.addWidget(self.start_button)
        row.addWidget(self.preset)
        row.addWidget(self.cancel_button)
        row.addWidget(self.bar, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.status)
        lay.addWidget(self.page, 1)
        self._sync_enabled()

    def set_project_path(self, path: str | Path | None) -> None:
        self.project_path = str(path) if path else None
        self._sync_enabled()

    def is_running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def _sync_enabled(self) -> None:
        running = self.is_running()
        self.start_button.setEnabled(bool(self.project_path) and not running)
        self.preset.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.bar.setVisible(running)

    def start(self) -> None:
        if self.is_running() or not self.project_path:
            return
        self.worker = _CurationWorker(self.project_path, self.preset.currentData(), dict(self.options))
        self.worker.progressed.connect(self._on_progress)
        self.worker.done.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.worker.was_cancelled.connect(self._on_cancelled)
        self.bar.setRange(0, 0)
        self.status.setText("Starting… (two short training runs, then scoring)")
        self.worker.start()
        self._sync_enabled()

    def cancel(self) -> None:
        if self.is_running():
            self.worker.progress.cancel()
            self.status.setText("Cancelling…")

    def shutdown(self, wait_ms: int = 60_000) -> bool:
        """Cancel and wait for the worker (window closing). True when no thread is left running."""
        if self.worker is None:
            return True
        self.cancel()
        return self.worker.wait(wait_ms)

    def _on_progress(self, done: int, total: int, status: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        if status:
            self.status.setText(status[:1].upper() + status[1:] + "…")

    def _finish(self) -> None:
        if self.worker is not None:
            self.worker.wait()
            self.worker = None
        self._sync_enabled()

    def show_report(self, report: dict) -> None:
        """Show a finished report's page (the HTML `compare_curation` wrote)."""
        from ftcurate.core.report.curation_html import render_curation_html

        self.report = report
        self.page.setHtml(render_curation_html(report))
        html = (report.get("run") or {}).get("html")
        self.status.setText(report["verdict_lines"][0] + (f"  Report: {html}" if html else ""))

    def _on_done(self, report: dict) -> None:
        self._finish()
        self.show_report(report)
        self.reportReady.emit(report)

    def _on_failed(self, text: str, details: str) -> None:
        self._finish()
        self.status.setText(f"Could not compare: {text}")
        self.status.setToolTip(details)

    def _on_cancelled(self) -> None:
        self._finish()
        self.status.setText("Cancelled; nothing was written.")
