"""Prompt cancellation for long core work: cancel scopes, checks deep inside loops, and safe interrupts.

Three pieces, all standard library:

* `scope(progress)`: while it is open, `check()` (called from inner loops that have no progress object
  of their own: a chunked loss, a GGUF tensor loop, the trainer's layer hooks) raises `Cancelled` as
  soon as `progress.cancelled` is true. Scopes nest; the innermost wins. Process-wide rather than per
  thread, because autograd runs backward hooks of GPU tensors on its own threads.
* `uninterruptible()`: a section that an interrupt must not split (an optimizer step and the loop
  state that counts it, a checkpoint or log write). An interrupt arriving inside is held and raised
  when the outermost section ends.
* `interrupt(progress)`: what a signal handler calls (Ctrl-C in the CLI, SIGTERM in a worker process):
  marks `progress` cancelled and raises `Cancelled` at once, unless inside an uninterruptible section.
  Work that the cooperative checks cannot reach (a model conversion inside transformers) stops this way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ftcurate.core.errors import Cancelled

_scopes: list[Any] = []
_guard = {"depth": 0, "pending": False}


def check() -> None:
    """Raise `Cancelled` if the innermost open scope's progress was cancelled (no-op outside scopes)."""
    if _scopes and _scopes[-1].cancelled:
        raise Cancelled()


def is_cancelled() -> bool:
    """True when the innermost open scope's progress was cancelled."""
    return bool(_scopes) and bool(_scopes[-1].cancelled)


@contextlib.contextmanager
def scope(progress: Any) -> Iterator[Any]:
    """Make `progress` the one `check()` consults until the block ends."""
    _scopes.append(progress)
    try:
        yield progress
    finally:
        _scopes.remove(progress)


@contextlib.contextmanager
def uninterruptible() -> Iterator[None]:
    """Hold interrupts (see `interrupt`) until the block ends; then raise `Cancelled` if one came.

    Only the cooperative path is held: a second Ctrl-C (KeyboardInterrupt) still aborts at once, which
    is safe because every file the trainer writes is written to a temporary name and renamed.
    """
    _guard["depth"] += 1
    try:
        yield
    finally:
        _guard["depth"] -= 1
        if _guard["depth"] == 0 and _guard["pending"]:
            _guard["pending"] = False
            raise Cancelled()


def interrupt(progress: Any) -> None:
    """Cancel `progress` and raise `Cancelled` now, or at the end of the current uninterruptible section.

    Meant for signal handlers (they run in the main thread between two bytecodes).
    """
    progress.cancel()
    if _guard["depth"]:
        _guard["pending"] = True
        return
    raise Cancelled()


def reset() -> None:
    """Forget a held interrupt (a new run in the same process starts clean)."""
    _guard["pending"] = False
