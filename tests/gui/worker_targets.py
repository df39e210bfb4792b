"""Targets for the never-frozen tests (run in a worker process; no Qt)."""

from __future__ import annotations

import os
import threading


class Payload:
    """A large result that records which thread of the receiving process unpickled it."""

    def __init__(self, n: int) -> None:
        self.blob = b"x" * n
        self.unpickled_on: int | None = None

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.unpickled_on = threading.get_ident()


def big_result(progress, n: int) -> Payload:
    progress.set_total(1)
    progress.advance(1)
    return Payload(n)


def niceness(progress) -> int:
    """The worker's own nice value."""
    return os.getpriority(os.PRIO_PROCESS, 0)
