"""The GUI side of a worker process's pipe, kept off the GUI thread (used by `ProcessTask`).

`multiprocessing.Queue.get` on the GUI thread unpickles there and, worse, blocks until the child has
written the whole message: a 0.6 MB health result from a child busy tearing down froze the window
for up to 0.4 s. A `PipeReader` thread takes each message off the pipe as it arrives, unpickles it,
and keeps it in an in-process queue that the GUI polls without ever waiting.

`lower_priority` runs a worker at a lower CPU priority, so on a busy machine the window gets the
processor first and the work uses what is left. `lower_thread_priority` does the same for the
background threads of the GUI process itself (loading, filtering, and polars' thread pool that they
use): on two cores, a filter job and the pool's threads were preempting the GUI thread while it drew
the first screen of a 100k project, stretching ~35 ms of drawing past 100 ms.
"""

from __future__ import annotations

import os
import queue
import sys
import threading
from multiprocessing.connection import wait
from typing import Any

CHILD_NICE = 10  # added to a worker's nice value (POSIX): the GUI process wins the CPU when both want it
FINAL = ("done", "cancelled", "failed")  # the last message a worker sends


def lower_priority(pid: int | None, nice: int = CHILD_NICE) -> None:
    """Raise the nice value of process `pid` (just started, before it starts threads: on Linux the
    value is per thread and inherited). Does nothing where unsupported or not allowed."""
    if pid is None or not hasattr(os, "setpriority"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, pid, min(19, os.getpriority(os.PRIO_PROCESS, pid) + nice))
    except OSError:
        pass


THREAD_NICE = 5  # background threads of the GUI process, over the GUI thread's nice value (Linux)
_pool_lowered = False


def _lower_thread(tid: int, nice: int) -> None:
    target = min(19, os.getpriority(os.PRIO_PROCESS, os.getpid()) + nice)  # the GUI thread's value + nice
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < target:
            os.setpriority(os.PRIO_PROCESS, tid, target)
    except OSError:
        pass


def lower_thread_priority(nice: int = THREAD_NICE) -> None:
    """Run the calling thread (a background thread of the GUI process) at the GUI thread's nice value
    + `nice`; idempotent. Linux only, where a nice value belongs to one thread; elsewhere it would
    lower the whole process, so nothing is done."""
    if sys.platform.startswith("linux"):
        _lower_thread(threading.get_native_id(), nice)


def lower_pool_priority(nice: int = THREAD_NICE) -> None:
    """Lower polars' pool threads (named "polars-N", started on first use) like
    `lower_thread_priority`, once they exist. Linux only."""
    global _pool_lowered
    if _pool_lowered or not sys.platform.startswith("linux"):
        return
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/comm") as fh:
                if fh.read().startswith("polars-"):
                    _lower_thread(int(tid), nice)
                    _pool_lowered = True
    except OSError:
        pass


class PipeReader:
    """Reads a worker's `multiprocessing.Queue` on a daemon thread until the worker's final message
    (see `FINAL`) or until the worker is gone and its pipe is empty. Has the reading half of the
    `queue.Queue` interface: `get(timeout=...)`, `get_nowait()` (raise `queue.Empty`) and `empty()`,
    which is True only when nothing is waiting and nothing more will come."""

    def __init__(self, pipe: Any, sentinel_of) -> None:
        self._pipe = pipe
        self._sentinel_of = sentinel_of  # () -> the worker's Process.sentinel (known once started)
        self._inbox: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="worker pipe reader", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                msg = self._pipe.get(timeout=0.1)
            except queue.Empty:
                if wait([self._sentinel_of()], 0):  # the worker has exited and its pipe is empty
                    return
                continue
            except (EOFError, OSError, ValueError):  # the pipe was closed under us
                return
            self._inbox.put(msg)
            if msg[0] in FINAL:
                return

    def get(self, timeout: float | None = None) -> Any:
        return self._inbox.get(timeout=timeout)

    def get_nowait(self) -> Any:
        return self._inbox.get_nowait()

    def empty(self) -> bool:
        return self._inbox.empty() and not self._thread.is_alive()
