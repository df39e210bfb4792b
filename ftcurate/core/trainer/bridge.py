"""A Qt-free bridge from training work to any front end.

`CallbackProgress` is a `Progress` that forwards every change to a plain callable
`on_progress(done, total, status)`; a GUI worker passes a function that emits a Qt signal (queued to the
GUI thread), a script passes a print. Cancellation goes the other way: the front end calls `cancel()`
and the trainer stops between steps. Standard library only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ftcurate.core.progress import Progress

OnProgress = Callable[[int, int, str], None]


class CallbackProgress(Progress):
    """Calls `on_progress(done, total or 0, status)` at most every `min_interval` seconds (always for
    the last step and for status changes). `cancel()` may be called from any thread."""

    def __init__(self, on_progress: OnProgress, min_interval: float = 0.05) -> None:
        super().__init__()
        self._on_progress = on_progress
        self._min_interval = min_interval
        self._last = 0.0
        self._last_status = ""
        self._cancel_event = threading.Event()

    def _changed(self) -> None:
        now = time.monotonic()
        final = bool(self.total) and self.done >= (self.total or 0)
        if now - self._last < self._min_interval and not final and self.status == self._last_status:
            return
        self._last = now
        self._last_status = self.status
        self._on_progress(int(self.done), int(self.total or 0), self.status)

    def cancel(self) -> None:
        self._cancel_event.set()
        super().cancel()

    @property
    def cancelled(self) -> bool:
        return self._cancel_event.is_set()
