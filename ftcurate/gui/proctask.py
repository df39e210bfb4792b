"""Heavy work in a worker process, so the window never freezes (no GIL shared with the GUI thread).

A thread keeps the window responsive only while the work releases the GIL; importing spaCy or
torch, loading a model or building health data in pure Python hold it for a second or more at a
time, and the event loop stalls. `ProcessTask` runs `target(progress, *args)` in a spawned process
instead (`target` is "module:function", importable without Qt) and has the `TaskHandle` interface
the window already uses (`progressed`, `ended`, `cancel`, `wait`, `state`, `result`, `error`).

* Progress: the child's `ChildProgress` sends (done, total, status) at most 10 times a second;
  `event(dict)` sends other updates (e.g. training steps) to `events`.
* Cancel: sets a shared flag the core checks (the trainer inside every decoder layer); if the child
  has not stopped `cancel_grace_s` later (default `CANCEL_GRACE_S`) the task ends as "cancelled" at
  once and the child gets SIGTERM, which raises `Cancelled` in it (`ftcurate.core.cancel.interrupt`:
  held while it writes a checkpoint), so its cleanup still runs; a child still alive `KILL_AFTER_S`
  after that is killed. Every core write is one SQLite transaction and every trainer file is written
  under a temporary name and renamed, so even a killed child leaves the project and the last
  checkpoint as they were. `exited` is emitted once the process is gone.
* Errors: a `UserError` keeps its message; anything else arrives as a `RuntimeError` naming the
  original class, with the child's traceback as details.

The window never waits on the child: its messages are read and unpickled on a thread
(`ftcurate.gui.proc_reader.PipeReader`), and it runs at a lower CPU priority than the window.
"""

from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import queue as queue_mod
import signal
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ftcurate.core.errors import Cancelled, UserError
from ftcurate.core.progress import Progress
from ftcurate.gui.proc_reader import PipeReader, lower_priority

CANCEL_GRACE_S = 0.8
KILL_AFTER_S = 2.0
_SEND_EVERY_S = 0.1


class ChildProgress(Progress):
    """The `Progress` a child process reports through (runs in the child)."""

    def __init__(self, q, cancel_flag) -> None:
        super().__init__()
        self._q = q
        self._flag = cancel_flag
        self._last = 0.0

    def _changed(self) -> None:
        now = time.monotonic()
        if now - self._last >= _SEND_EVERY_S or (self.total and self.done >= self.total):
            self._last = now
            self._q.put(("progress", int(self.done), int(self.total or 0), self.status))

    def event(self, data: dict) -> None:
        self._q.put(("event", data))

    @property
    def cancelled(self) -> bool:
        return self._cancel or self._flag.is_set()

    def check_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled()


def _child_main(target: str, args: tuple, q, cancel_flag) -> None:
    from ftcurate.core import cancel

    progress = ChildProgress(q, cancel_flag)
    signal.signal(signal.SIGTERM, lambda _s, _f: cancel.interrupt(progress))  # the parent's hard stop
    try:
        module, name = target.split(":")
        result = getattr(importlib.import_module(module), name)(progress, *args)
    except Cancelled:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        q.put(("cancelled",))
        q.close()
        q.join_thread()
        os._exit(0)  # skip unloading torch & co. (seconds): the work is over and its files are closed
    except BaseException as exc:  # noqa: BLE001 - sent to the GUI process
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        user = isinstance(exc, UserError)
        q.put(("failed", user, str(exc) if user else f"{exc.__class__.__name__}: {exc}",
               "".join(traceback.format_exception(exc))))
    else:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        q.put(("done", result))


class ProcessTask(QObject):
    """One task in a child process; see the module doc. Same signals as `TaskHandle`, plus `events`."""

    progressed = Signal(int, int, str)
    ended = Signal(str)
    events = Signal(dict)
    exited = Signal()  # the child process is gone (after `ended`)

    def __init__(self, title: str, target: str, args: tuple = (), on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 parent_widget: Callable[[], Any] | None = None, cancel_grace_s: float = CANCEL_GRACE_S) -> None:
        super().__init__()
        self.cancel_grace_s = cancel_grace_s
        self.title = title
        self.state = "running"
        self.result: Any = None
        self.error: BaseException | None = None
        self.error_box = None
        self.progress = Progress()  # mirrors the child's numbers (done, total, status)
        self._target, self._args = target, args
        self._on_done, self._on_error = on_done, on_error
        self._parent_widget = parent_widget or (lambda: None)
        ctx = mp.get_context("spawn")
        self._pipe = ctx.Queue()
        self._flag = ctx.Event()
        self._proc = ctx.Process(target=_child_main, args=(target, args, self._pipe, self._flag), daemon=True)
        self._q = PipeReader(self._pipe, lambda: self._proc.sentinel)  # the child's messages, read off-thread
        self._cancel_at: float | None = None
        self._terminated_at: float | None = None
        self._poll = QTimer(self, interval=50)
        self._poll.timeout.connect(self._drain)
        self._reaper = QTimer(self, interval=100)
        self._reaper.timeout.connect(self._reap)

    def start(self) -> ProcessTask:
        self._proc.start()
        lower_priority(self._proc.pid)
        self._q.start()
        self._poll.start()
        return self

    def is_running(self) -> bool:
        return self.state == "running"

    def is_alive(self) -> bool:
        """True while the child process exists (it may outlive `ended` by a moment)."""
        return self._proc.is_alive()

    def cancel(self) -> None:
        if self.state == "running" and self._cancel_at is None:
            self._flag.set()
            self._cancel_at = time.monotonic()

    def wait(self, ms: int = 30_000) -> bool:
        """Block until the child's last message is handled and the process has exited (close,
        tests). True if it ended."""
        deadline = time.monotonic() + ms / 1000
        while self.state == "running" and time.monotonic() < deadline:
            self._drain(block_s=0.05)
        while self._proc.is_alive() and time.monotonic() < deadline:
            self._proc.join(0.05)
            self._reap()
        return self.state != "running" and not self._proc.is_alive()

    def _reap(self) -> None:
        # the child may take seconds to tear down (spaCy, torch); never join it on the GUI thread
        if not self._proc.is_alive():
            self._proc.join(0)
            if self._reaper.isActive():
                self._reaper.stop()
                self.exited.emit()
        elif self._terminated_at is not None and time.monotonic() - self._terminated_at > KILL_AFTER_S:
            self._proc.kill()  # SIGTERM did not get through (stuck in native code, or ignored)

    def _terminate(self) -> None:
        if self._terminated_at is None and self._proc.is_alive():
            self._terminated_at = time.monotonic()
            self._proc.terminate()

    def _drain(self, block_s: float = 0.0) -> None:
        if self.state != "running":
            return
        try:
            while True:
                msg = self._q.get(timeout=block_s) if block_s else self._q.get_nowait()
                block_s = 0.0
                if self._handle(msg):
                    return
        except queue_mod.Empty:
            pass
        if self._cancel_at is not None and time.monotonic() - self._cancel_at > self.cancel_grace_s:
            self._terminate()  # the core did not reach a cancel check in time
            self._end("cancelled")
        elif not self._proc.is_alive() and self._q.empty() and self.state == "running":
            if self._cancel_at is not None:  # it died while stopping: that is still the cancel asked for
                self._end("cancelled")
            else:
                self._fail(False, f"the worker process ended unexpectedly (exit code {self._proc.exitcode})", "")

    def _handle(self, msg: tuple) -> bool:
        kind = msg[0]
        if kind == "progress":
            self.progress.total, self.progress.done, self.progress.status = msg[2] or None, msg[1], msg[3]
            self.progressed.emit(msg[1], msg[2], msg[3])
            return False
        if kind == "event":
            self.events.emit(msg[1])
            return False
        if kind == "done":
            self.result = msg[1]
            try:
                if self._on_done is not None:
                    self._on_done(msg[1])
            except Exception as exc:  # noqa: BLE001 - a failing callback is an error like any other
                self._fail(False, f"{exc.__class__.__name__}: {exc}", traceback.format_exc())
                return True
            self._end("done")
        elif kind == "cancelled":
            self._end("cancelled")
        else:
            self._fail(msg[1], msg[2], msg[3])
        return True

    def _fail(self, user: bool, text: str, details: str) -> None:
        from ftcurate.gui.tasks import log_error, show_error

        exc: BaseException = UserError(text) if user else RuntimeError(text)
        self.error = exc
        if self._on_error is not None:
            log_error(self.title, exc, details)
            self._on_error(exc)
        else:
            self.error_box = show_error(self._parent_widget(), f"{self.title} failed", exc, details or None)
        self._end("failed")

    def _end(self, state: str) -> None:
        self._poll.stop()
        self._reaper.start()
        self.state = state
        self.progress.finish()
        self.ended.emit(state)
