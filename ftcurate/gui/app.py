"""Application entry point: `ftcurate gui [PROJECT] [--screenshot FILE]`.

With `screenshot`, the main window is rendered (offscreen works: QT_QPA_PLATFORM=offscreen), saved as a
PNG and the app exits without entering the event loop for a person.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ftcurate.core.errors import UserError


def make_app(argv: list[str] | None = None):
    """The QApplication (created once), styled."""
    from PySide6.QtWidgets import QApplication

    from ftcurate.gui.style import apply_style

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
        app.setApplicationName("ftcurate")
        app.setOrganizationName("ftcurate")
        apply_style(app)
    return app


def settle(window, seconds: float = 10.0) -> None:
    """Process events until the window's background work (loading, filtering) is done."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    idle = 0
    while time.monotonic() < deadline and idle < 3:  # idle three rounds running: timers had their turn
        QApplication.processEvents()
        window.filter_bar.pool.waitForDone(20)
        for t in list(window.controller.tasks):
            t.wait(20)
        QApplication.processEvents()
        busy = (any(t.is_running() for t in window.controller.tasks) or window.filter_bar._debounce.isActive()
                or window.filter_bar.pool.activeThreadCount() > 0)
        idle = 0 if busy else idle + 1
        time.sleep(0.01)
    window.controller.flush()
    QApplication.processEvents()


def save_screenshot(window, path: str | Path) -> Path:
    """Render `window` to a PNG at `path` (parent folders created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    settle(window)
    if not window.grab().save(str(path), "PNG"):
        raise UserError("could not write the screenshot", path=path)
    return path


def run_app(project_path: str | Path | None = None, screenshot: str | Path | None = None) -> int:
    """Open the main window (on `project_path` when given). Returns the process exit code."""
    app = make_app()
    from ftcurate.gui.main_window import MainWindow

    window = MainWindow(persist_settings=screenshot is None)
    if project_path is not None:
        path = Path(project_path)
        if screenshot is not None:
            window.controller.open_project(path)  # errors reach the CLI (exit 1 with the message)
        else:
            window.open_path(path)
    if screenshot is not None:
        window.resize(1440, 900)  # the same picture whatever geometry was saved
    window.show()
    if screenshot is not None:
        settle(window)
        out = save_screenshot(window, screenshot)
        window.close()
        print(f"saved {out}")
        return 0
    return app.exec()
