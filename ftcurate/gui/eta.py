"""Percentage and time-left text for long jobs ("40 % · about 12 s left")."""

from __future__ import annotations

import time


def format_duration(seconds: float) -> str:
    """"45 s", "3 min", "1 h 05 min"."""
    s = max(0, int(round(seconds)))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{round(s / 60)} min"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


class Eta:
    """Estimates time left from (done, total) updates, from the rate since the first update with
    work done (so start-up time is not counted as progress). Restart when `total` changes."""

    def __init__(self) -> None:
        self._t0: float | None = None
        self._d0 = 0
        self._total = 0

    def text(self, done: int, total: int, now: float | None = None) -> str:
        """"" when the total is unknown; else the percentage and, after a little progress, time left."""
        now = time.monotonic() if now is None else now
        if total <= 0:
            return ""
        if total != self._total or self._t0 is None or done < self._d0:
            self._t0, self._d0, self._total = now, done, total
        pct = min(100, int(100 * done / total))
        elapsed, moved = now - self._t0, done - self._d0
        if moved <= 0 or elapsed < 1.0 or done >= total:
            return f"{pct} %"
        left = (total - done) * elapsed / moved
        return f"{pct} % · about {format_duration(left)} left"
