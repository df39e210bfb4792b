"""Never frozen: heavy work runs in worker processes, cancel is honoured, the watchdog sees stalls.
(No timed assertions: the figures are in benchmarks/bench_gui_stalls.py.)"""

from __future__ import annotations

import os
import time

from PySide6.QtWidgets import QApplication

from ftcurate.core.errors import UserError
from ftcurate.gui.eta import Eta
from ftcurate.gui.proctask import ProcessTask
from ftcurate.gui.watchdog import StallWatchdog


def test_work_runs_in_another_process_with_progress(window):
    seen = []
    h = window.controller.run_process("pid", "tests.gui.proc_targets:pid")
    h.progressed.connect(lambda d, t, s: seen.append((d, t)))
    assert h.wait(60_000) and h.state == "done"
    assert h.result != os.getpid()
    QApplication.processEvents()
    assert seen and seen[-1] == (2, 2)


def test_checks_run_off_the_gui_process(window):
    h = window.run_checks(["pii"])
    assert isinstance(h, ProcessTask)
    assert h.wait(300_000) and h.state == "done"
    window.controller.wait_idle()


def test_cancel_stops_a_child_that_never_checks(window):
    h = window.controller.run_process("stubborn", "tests.gui.proc_targets:stubborn")
    h.cancel()
    assert h.wait(20_000)  # terminated after the grace period, long before its minute is up
    assert h.state == "cancelled" and not h._proc.is_alive()


def test_user_errors_keep_their_message(window):
    errors = []
    h = window.controller.run_process("fails", "tests.gui.proc_targets:fails", on_error=errors.append)
    assert h.wait(60_000) and h.state == "failed"
    assert isinstance(errors[0], UserError) and "not there" in str(errors[0])


def test_watchdog_sees_a_frozen_event_loop(qtbot):
    from ftcurate.gui.app import make_app

    make_app()
    wd = StallWatchdog(interval_ms=10).start()
    qtbot.wait(100)  # a running event loop (a tight processEvents() loop crashes PySide6 6.12)
    time.sleep(0.3)  # the GUI thread is busy: no timer can fire
    qtbot.wait(50)
    wd.stop()
    assert wd.longest_ms >= 250 and len(wd.stalls) == 1


def test_eta_text():
    eta = Eta()
    assert eta.text(0, 0) == ""
    assert eta.text(0, 100, now=0.0) == "0 %"
    assert eta.text(50, 100, now=10.0) == "50 % · about 10 s left"


def test_quit_while_checks_run_stops_the_worker_process(qtbot, gui_project):
    """Ctrl+Q during checks: the check process is cancelled (terminated if it does not stop at once)
    and gone when the window has closed; nothing waits for the checks to finish."""
    from ftcurate.gui.app import make_app, settle
    from ftcurate.gui.main_window import MainWindow

    make_app()
    w = MainWindow(persist_settings=False)
    qtbot.addWidget(w)
    w.open_path(gui_project)
    settle(w)
    handle = w.run_checks()
    w.close()
    assert handle.state == "cancelled" and not handle._proc.is_alive()
