"""Background work for the GUI: a worker thread per task, a signal-emitting Progress, error reporting.

Contract: `fn(progress)` runs in a QThread; `on_done(result)` / `on_error(exc)` run on the GUI thread.
Cancel calls `progress.cancel()`; core work raises `Cancelled` at its next check and writes nothing
(every core write is one transaction). Errors that reach no `on_error` are shown in a dialog (the
`UserError` message, the traceback under "Details") and appended to the log file.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from ftcurate.core.errors import Cancelled, UserError
from ftcurate.core.progress import Progress
from ftcurate.gui.proc_reader import lower_pool_priority, lower_thread_priority

_log = logging.getLogger("ftcurate.gui")
_log_ready = False


def log_dir() -> Path:
    """Where the app writes its log: `$FTCURATE_LOG_DIR`, else the platform's user log folder."""
    env = os.environ.get("FTCURATE_LOG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_log_dir("ftcurate", appauthor=False))


def log_path() -> Path:
    return log_dir() / "ftcurate.log"


def _ensure_log() -> None:
    global _log_ready
    if _log_ready:
        return
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        from logging.handlers import RotatingFileHandler

        handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=2, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        _log.addHandler(handler)
        _log.setLevel(logging.INFO)
    except OSError:  # a read-only home must not stop the app
        pass
    _log_ready = True


def log_error(title: str, exc: BaseException, details: str | None = None) -> None:
    """Append an error (with its traceback) to the log file."""
    _ensure_log()
    _log.error("%s: %s\n%s", title, exc, details or "".join(traceback.format_exception(exc)))


def error_text(exc: BaseException) -> str:
    """One readable line for a person: the UserError message, or the exception class and text."""
    if isinstance(exc, UserError):
        return str(exc)
    return f"Something went wrong inside ftcurate ({exc.__class__.__name__}: {exc})."


def show_error(parent: QWidget | None, title: str, exc: BaseException, details: str | None = None
               ) -> QMessageBox:
    """Log the error and show it in a non-blocking message box (returned, already open)."""
    details = details or "".join(traceback.format_exception(exc))
    log_error(title, exc, details)
    box = QMessageBox(QMessageBox.Icon.Warning, title, error_text(exc), QMessageBox.StandardButton.Ok, parent)
    if not isinstance(exc, UserError):
        box.setInformativeText(f"The details were written to {log_path()}.")
    box.setDetailedText(details)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


class _ProgressSignals(QObject):
    changed = Signal(int, int, str)  # done, total (0 = unknown), status


class QtProgress(Progress):
    """A `Progress` that emits `signals.changed(done, total, status)` (at most ~20 times a second)."""

    def __init__(self) -> None:
        super().__init__()
        self.signals = _ProgressSignals()
        self._last = 0.0

    def _changed(self) -> None:
        now = time.monotonic()
        if now - self._last < 0.05 and not (self.total and self.done >= self.total):
            return
        self._last = now
        self.signals.changed.emit(int(self.done), int(self.total or 0), self.status)


class _Worker(QThread):
    finished_ok = Signal(object)
    failed = Signal(object, str)
    was_cancelled = Signal()

    def __init__(self, fn: Callable[[Progress], Any], progress: Progress) -> None:
        super().__init__()
        self._fn = fn
        self._progress = progress

    def run(self) -> None:  # runs in the worker thread
        lower_thread_priority()  # the GUI thread gets the processor first
        try:
            result = self._fn(self._progress)
            lower_pool_priority()  # polars' threads, once the work has started them
        except Cancelled:
            self.was_cancelled.emit()
        except BaseException as exc:  # noqa: BLE001 - reported to the GUI thread
            self.failed.emit(exc, "".join(traceback.format_exception(exc)))
        else:
            self.finished_ok.emit(result)


class TaskHandle(QObject):
    """One running task. Signals: `progressed(done, total, status)`, `ended(state)` with state one of
    "done", "failed", "cancelled". `cancel()` asks the work to stop; `wait(ms)` joins the thread."""

    progressed = Signal(int, int, str)
    ended = Signal(str)

    def __init__(self, title: str, fn: Callable[[Progress], Any], on_done=None, on_error=None,
                 parent_widget: Callable[[], QWidget | None] | None = None) -> None:
        super().__init__()
        self.title = title
        self.progress = QtProgress()
        self.state = "running"
        self.result: Any = None
        self.error: BaseException | None = None
        self.error_box: QMessageBox | None = None
        self._on_done = on_done
        self._on_error = on_error
        self._parent_widget = parent_widget or (lambda: None)
        self.progress.signals.changed.connect(self._report)
        self._last_report: tuple | None = None
        # the worker's signals are throttled; polling catches the last update of a quiet stretch
        self._poll = QTimer(self, interval=150)
        self._poll.timeout.connect(self._poll_progress)
        self._worker = _Worker(fn, self.progress)
        self._worker.finished_ok.connect(self._done)
        self._worker.failed.connect(self._failed)
        self._worker.was_cancelled.connect(self._cancelled)
        self._worker.finished.connect(self._worker.deleteLater)
        self.thread_id = threading.get_ident()

    def start(self) -> TaskHandle:
        self._worker.start()
        self._poll.start()
        return self

    def _report(self, done: int, total: int, status: str) -> None:
        state = (done, total, status)
        if state != self._last_report:
            self._last_report = state
            self.progressed.emit(done, total, status)

    def _poll_progress(self) -> None:
        p = self.progress
        self._report(int(p.done), int(p.total or 0), p.status)

    def cancel(self) -> None:
        self.progress.cancel()

    def is_running(self) -> bool:
        return self.state == "running"

    def wait(self, ms: int = 30_000) -> bool:
        """Block until the worker thread ends (used on close and in tests). True if it ended."""
        try:
            return self._worker.wait(ms)
        except RuntimeError:  # already deleted: it has ended
            return True

    def _finish(self, state: str) -> None:
        self._poll.stop()
        self.state = state
        self.progress.finish()
        self.ended.emit(state)

    def _done(self, result: Any) -> None:
        self.result = result
        try:
            if self._on_done is not None:
                self._on_done(result)
        except Exception as exc:  # noqa: BLE001 - a failing callback is an error like any other
            self._failed(exc, "".join(traceback.format_exception(exc)))
            return
        self._finish("done")

    def _failed(self, exc: BaseException, details: str) -> None:
        self.error = exc
        if self._on_error is not None:
            log_error(self.title, exc, details)
            self._on_error(exc)
        else:
            self.error_box = show_error(self._parent_widget(), f"{self.title} failed", exc, details)
        self._finish("failed")

    def _cancelled(self) -> None:
        self._finish("cancelled")
