"""An event-loop watchdog: how late the GUI thread answers a timer, i.e. how long the window froze.

A `StallWatchdog` fires a `QTimer` every `interval_ms`; each time it measures how much later than
expected it ran. Lateness beyond the interval is a stall: the event loop was busy (work on the GUI
thread, or a worker holding the GIL) and the window could not repaint or react. Use it in
benchmarks (`benchmarks/bench_gui_stalls.py`) or turn it on in the app with `FTCURATE_WATCHDOG=1`
(stalls over 100 ms are then logged to the app's log file with the time they happened).

    with StallWatchdog() as wd:
        ... run the scenario, processing events ...
    print(wd.longest_ms, wd.stalls)
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer

LOG_ABOVE_MS = 100.0


class StallWatchdog(QObject):
    """Measures event-loop lateness on the thread it lives on (the GUI thread)."""

    def __init__(self, interval_ms: int = 10, log: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.log = log
        self.stalls: list[tuple[float, float]] = []  # (monotonic time, stall ms), over LOG_ABOVE_MS
        self.longest_ms = 0.0
        self.ticks = 0
        self._last = self.started_at = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)

    def start(self) -> StallWatchdog:
        self.reset()
        self._timer.start()
        return self

    def stop(self) -> None:
        self._timer.stop()

    def reset(self) -> None:
        self.stalls.clear()
        self.longest_ms = 0.0
        self.ticks = 0
        self._last = self.started_at = time.monotonic()

    def _tick(self) -> None:
        now = time.monotonic()
        late = (now - self._last) * 1000 - self.interval_ms
        self._last = now
        self.ticks += 1
        if late > self.longest_ms:
            self.longest_ms = late
        if late > LOG_ABOVE_MS:
            self.stalls.append((now, late))
            if self.log:
                from ftcurate.gui.tasks import _ensure_log, _log

                _ensure_log()
                _log.warning("event loop stalled for %.0f ms", late)

    def __enter__(self) -> StallWatchdog:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
