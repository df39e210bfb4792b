"""Qt-free progress reporting for long core work.

Core functions take a `Progress` and call `set_total`, `advance`/`set_progress`, `set_status`, and check
`cancelled` (or call `check_cancelled()`, which raises `Cancelled`). The CLI passes a `BarProgress`
that draws a bar on stderr; the GUI passes one that emits Qt signals; tests pass `Progress()`.
"""

from __future__ import annotations

import sys
import time

from ftcurate.core.errors import Cancelled


class Progress:
    """Silent progress sink; subclass to display. Thread-safe enough for one producer."""

    def __init__(self) -> None:
        self.total: int | None = None
        self.done = 0
        self.status = ""
        self._cancel = False

    # -- reporting --------------------------------------------------------------------------------
    def set_total(self, total: int | None) -> None:
        self.total = total
        self.done = 0
        self._changed()

    def set_progress(self, done: int) -> None:
        self.done = done
        self._changed()

    def advance(self, n: int = 1) -> None:
        self.done += n
        self._changed()

    def set_status(self, text: str) -> None:
        self.status = text
        self._changed()

    def finish(self) -> None:
        """Called once when the work is over (success or not)."""

    def _changed(self) -> None:
        """Hook for subclasses; called after every update."""

    # -- cancellation -----------------------------------------------------------------------------
    def cancel(self) -> None:
        self._cancel = True

    @property
    def cancelled(self) -> bool:
        return self._cancel

    def check_cancelled(self) -> None:
        if self._cancel:
            raise Cancelled()


class BarProgress(Progress):
    """Draws `status [#####.....] 45% 4500/10000` on stderr, at most 10 times a second."""

    line_open = False  # a bar was drawn and not yet ended: an error message must start a new line

    def __init__(self, stream=None, width: int = 30) -> None:
        super().__init__()
        self.stream = stream or sys.stderr
        self.width = width
        self._last = 0.0
        self._drawn = False

    def _changed(self) -> None:
        now = time.monotonic()
        if now - self._last < 0.1 and not (self.total and self.done >= self.total):
            return
        self._last = now
        if self.total:
            frac = min(1.0, self.done / self.total)
            fill = int(frac * self.width)
            bar = "#" * fill + "." * (self.width - fill)
            line = f"\r{self.status[:40]:<40} [{bar}] {frac:4.0%} {self.done}/{self.total}"
        else:
            line = f"\r{self.status[:40]:<40} {self.done}"
        self.stream.write(line)
        self.stream.flush()
        self._drawn = BarProgress.line_open = True

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = BarProgress.line_open = False
