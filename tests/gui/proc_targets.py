"""Targets for ProcessTask tests (run in a child process; no Qt)."""

from __future__ import annotations

import os
import time


def pid(progress) -> int:
    progress.set_total(2)
    progress.advance(2)
    return os.getpid()


def stubborn(progress) -> None:
    """Ignores cancel for a minute (like a long step that never checks)."""
    progress.set_status("working")
    time.sleep(60)


def fails(progress) -> None:
    from ftcurate.core.errors import UserError

    raise UserError("the file is not there")


def deaf(progress) -> None:
    """Ignores cancel and SIGTERM (like native code that never returns to Python)."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    progress.set_status("working")
    time.sleep(60)
