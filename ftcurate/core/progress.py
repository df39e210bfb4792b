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
        self.started = time.monotonic()  # when the current total was set (for the ETA)

    # -- reporting --------------------------------------------------------------------------------
    def set_total(self, total: int | None) -> None:
        self.total = total
        self.done = 0
        self.started = time.monotonic()
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

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the average pace since `set_total`, or None before there is a pace."""
        return eta_seconds(time.monotonic() - self.started, self.done, self.total)

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


def eta_seconds(elapsed: float, done: float, total: float | None) -> float | None:
    """Seconds left when `done` of `total` units took `elapsed` seconds (None: no pace yet)."""
    if not total or done <= 0 or elapsed < 0.5:
        return None
    return max(0.0, elapsed / done * (total - done))


def format_duration(seconds: float | None) -> str:
    """'45 s', '3 min 20 s', '1 h 05 min', or '?' when unknown."""
    if seconds is None or seconds != seconds:
        return "?"
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


def format_eta(seconds: float | None) -> str:
    """'ETA 45 s', 'ETA 3 min 20 s', 'ETA 1 h 05 min', or '' when unknown."""
    return "" if seconds is None else f"ETA {format_duration(seconds)}"


class BarProgress(Progress):
    """Draws `status [#####.....] 45% 4500/10000 ETA 3 min 20 s` on stderr, at most 10 times a second."""

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
            eta = format_eta(self.eta_s)
            line = f"\r{self.status[:40]:<40} [{bar}] {frac:4.0%} {self.done}/{self.total} {eta:<18}"
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
