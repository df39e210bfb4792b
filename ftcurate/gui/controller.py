"""The GUI's one handle on an open project: cached views, undoable edits, background tasks.

Every view talks to a `ProjectController` instead of the `Project` directly:

* `frame()` / `flags()` / `flag_summary()` are cached polars views (`frame()` holds `GUI_COLUMNS`); after an edit the changed rows are
  patched into the cached frame (milliseconds even at 1M rows) and `examplesChanged(ids)` is emitted;
  imports trigger a full rebuild off the GUI thread, then `examplesChanged([])`.
* `apply(command)` commits a core command to the project at once (one transaction) and pushes a
  `QUndoCommand` onto `undo_stack`, whose undo/redo call `project.undo()` / `project.redo()`.
  Consecutive message edits of one example within a few seconds merge into one undo step.
* `run_task(title, fn, on_done, on_error)` runs `fn(progress)` in a worker thread (see
  `ftcurate.gui.tasks`); the main window shows its progress with a Cancel button.

The project's change listener may fire on a worker thread (checks write flags there): it only emits a
signal, which Qt queues to the GUI thread.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QApplication, QWidget

from ftcurate.core.commands import Command, SetMessagesCommand, command_from_json
from ftcurate.core.progress import Progress
from ftcurate.core.store import Project
from ftcurate.gui.tasks import TaskHandle, show_error

__all__ = ["EditUndoCommand", "ProjectController", "TaskHandle"]

MERGE_SECONDS = 3.0
# What the GUI views read from the cached frame. The JSON columns (messages, metadata) would double
# the load time and memory; views that need whole examples call `project.get_examples(ids)`.
GUI_COLUMNS = ["id", "source_id", "source", "label", "status", "input", "output"]
# Larger projects load their view on a worker after opening, so the window never freezes.
BACKGROUND_LOAD_ABOVE = 150_000


class EditUndoCommand(QUndoCommand):
    """A QUndoCommand for an edit already committed by `ProjectController.apply`.

    `steps` is how many project history entries it stands for (merged typing bursts), so undo calls
    `project.undo()` that many times.
    """

    MERGE_ID = 0x4654

    def __init__(self, controller: ProjectController, command: Command) -> None:
        super().__init__(command.text)
        self.controller = controller
        self.command = command
        self.steps = 1
        self.last_at = time.monotonic()
        self._applied = True  # the first redo() (from QUndoStack.push) must not apply it again

    def id(self) -> int:
        return self.MERGE_ID if isinstance(self.command, SetMessagesCommand) else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditUndoCommand) or not isinstance(other.command, SetMessagesCommand):
            return False
        if (other.command.example_id != self.command.example_id
                or other.last_at - self.last_at > MERGE_SECONDS):
            return False
        self.steps += other.steps
        self.last_at = other.last_at
        return True

    def redo(self) -> None:
        if self._applied:
            self._applied = False
            return
        for _ in range(self.steps):
            self.controller._replay(redo=True)

    def undo(self) -> None:
        for _ in range(self.steps):
            self.controller._replay(redo=False)


class ProjectController(QObject):
    """Owns the open `Project` (or None) for the GUI. See the module docstring for the contract."""

    projectChanged = Signal()
    examplesChanged = Signal(list)  # example ids; [] = anything may have changed
    flagsChanged = Signal()
    statusMessage = Signal(str)
    openExampleRequested = Signal(int)
    taskStarted = Signal(object)  # TaskHandle
    savingChanged = Signal(bool)  # True while a background task writes to the project
    _projectEvent = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.undo_stack = QUndoStack(self)
        self.tasks: list[TaskHandle] = []
        self.parent_widget: QWidget | None = None
        self._frame: pl.DataFrame | None = None
        self._flags: pl.DataFrame | None = None
        self._summary: pl.DataFrame | None = None
        self._pending_ids: set[int] = set()
        self._emit_ids: set[int] = set()
        self._emit_all = False
        self._flags_dirty_emit = False
        self._reload: TaskHandle | None = None
        self._generation = 0
        self._writers = 0
        self._projectEvent.connect(self._on_project_event, Qt.ConnectionType.AutoConnection)
        self._emit_timer = QTimer(self, singleShot=True, interval=80)
        self._emit_timer.timeout.connect(self._emit_pending)

    # -- project lifecycle ------------------------------------------------------------------------
    def open_project(self, path: str | Path) -> Project:
        """Open `path` (raises `ProjectError`/`UserError` with a readable message; nothing changes then)."""
        project = Project.open(path)
        self._set_project(project)
        return project

    def open_project_async(self, path: str | Path, on_done: Callable[[Project], None] | None = None,
                           on_error: Callable[[BaseException], None] | None = None) -> TaskHandle:
        """Open `path` and build its views on a worker, then switch to it (the window never freezes,
        even when a large file is integrity-checked and loaded). Errors go to `on_error` (or a dialog);
        the project open before stays open until the new one is ready."""
        path = Path(path)

        def work(progress: Progress):
            progress.set_status(f"Opening {path.name}")
            project = Project.open(path)
            try:
                progress.set_status(f"Loading {path.name}")
                frame, flags = project.examples_frame(GUI_COLUMNS), project.flags_frame()
                progress.check_cancelled()
            except BaseException:
                project.close()
                raise
            return project, frame, flags

        def done(result) -> None:
            project, frame, flags = result
            self._set_project(project, frame, flags)
            if on_done is not None:
                on_done(project)

        return self.run_task(f"Open {path.name}", work, done, on_error)

    def new_project(self, path: str | Path) -> Project:
        """Create an empty project at `path` and open it."""
        path = Path(path)
        if path.suffix != ".ftcurate":
            path = path.with_name(path.name + ".ftcurate")
        project = Project.create(path)
        self._set_project(project)
        return project

    def close_project(self) -> None:
        """Stop running tasks (cancel, then wait), close the project, clear caches and undo history."""
        self.shutdown_tasks()
        if self.project is not None:
            self.project.close()
        self.project = None
        self._generation += 1
        self._frame = self._flags = self._summary = None
        self._pending_ids.clear()
        self.undo_stack.clear()
        self.projectChanged.emit()

    def _set_project(self, project: Project, frame: pl.DataFrame | None = None,
                     flags: pl.DataFrame | None = None) -> None:
        if self.project is not None:
            self.shutdown_tasks()
            self.project.close()
        self.project = project
        self._generation += 1
        self._frame = self._flags = self._summary = None
        self._pending_ids.clear()
        self.undo_stack.clear()
        project.add_listener(lambda event, payload: self._projectEvent.emit(event, payload))
        if frame is not None:
            self._frame, self._flags = frame, flags
        elif project.count_examples() > BACKGROUND_LOAD_ABOVE:
            from ftcurate.core.view import COLUMNS, FLAG_COLUMNS

            self._frame = pl.DataFrame(schema={c: COLUMNS[c] for c in GUI_COLUMNS})
            self._flags = pl.DataFrame(schema=FLAG_COLUMNS)
            self.reload(quiet=False)
        self.projectChanged.emit()
        self.statusMessage.emit(f"Opened {project.path.name}")

    # -- cached views -----------------------------------------------------------------------------
    def frame(self) -> pl.DataFrame:
        """The columnar view of all examples with `GUI_COLUMNS` (see `ftcurate.core.view.COLUMNS`),
        ordered by id. Patched in place after edits; rebuilt in the background after imports."""
        if self.project is None:
            from ftcurate.core.view import COLUMNS

            return pl.DataFrame(schema={c: COLUMNS[c] for c in GUI_COLUMNS})
        if self._frame is None:
            self._frame = self.project.examples_frame(GUI_COLUMNS)
            self._pending_ids.clear()
        elif self._pending_ids and not self.is_loading():
            from ftcurate.core.frame_update import patch_frame

            ids, self._pending_ids = sorted(self._pending_ids), set()
            patched = patch_frame(self.project, self._frame, ids)
            self._frame = patched if patched is not None else self.project.examples_frame(GUI_COLUMNS)
        return self._frame

    def flags(self) -> pl.DataFrame:
        """All flags of the project (`ftcurate.core.view.FLAG_COLUMNS`), cached."""
        if self.project is None:
            from ftcurate.core.view import FLAG_COLUMNS

            return pl.DataFrame(schema=FLAG_COLUMNS)
        if self._flags is None:
            self._flags = self.project.flags_frame()
        return self._flags

    def flag_summary(self) -> pl.DataFrame:
        """Per example with open flags: example_id, n_flags, checks (sorted list), worst severity rank."""
        if self._summary is None:
            from ftcurate.core.filtering import flag_summary

            self._summary = flag_summary(self.flags())
        return self._summary

    def example_flags(self, example_id: int) -> pl.DataFrame:
        """All flags (any state) of one example."""
        return self.flags().filter(pl.col("example_id") == example_id)

    def reload(self, quiet: bool = True) -> None:
        """Rebuild every cached view from the project, in the background; emits when ready."""
        if self.project is None:
            return
        path, gen = self.project.path, self._generation

        def work(progress: Progress):
            progress.set_status("Loading examples")
            with Project.open(path, read_only=True) as ro:
                result = ro.examples_frame(GUI_COLUMNS), ro.flags_frame()
            progress.check_cancelled()  # a newer reload superseded this one
            return result

        def done(result) -> None:
            if gen != self._generation:
                return
            self._frame, self._flags = result
            self._summary = None  # pending ids stay: re-reading them is harmless and may be newer
            self._reload = None
            self.examplesChanged.emit([])
            self.flagsChanged.emit()

        if self._reload is not None and self._reload.is_running():
            self._reload.cancel()
        self._reload = self.run_task("Loading examples", work, done, quiet=quiet)

    def is_loading(self) -> bool:
        """True while the views are being rebuilt in the background (they may be stale or empty)."""
        return self._reload is not None and self._reload.is_running()

    # -- edits ------------------------------------------------------------------------------------
    def apply(self, command: Command, merge: bool = True) -> None:
        """Commit `command` to the project now and make it undoable. Raises `UserError` (nothing changed)."""
        if self.project is None:
            raise RuntimeError("no project is open")
        self.project.apply(command)
        undo = EditUndoCommand(self, command)
        if not merge:
            undo.last_at = float("-inf")
        self.undo_stack.push(undo)
        self.statusMessage.emit(command.text)

    def revert(self, history_id: int) -> None:
        """Apply the inverse of one past edit as a new, undoable edit (History panel's Revert)."""
        rows = self.project.query("SELECT text, inverse FROM history WHERE id = ?", (history_id,))
        if not rows:
            from ftcurate.core.errors import UserError

            raise UserError(f"history entry {history_id} does not exist")
        cmd = command_from_json(json.loads(rows[0][1]))
        cmd.text = f"Revert: {rows[0][0]}"
        self.apply(cmd, merge=False)

    def _replay(self, redo: bool) -> None:
        if self.project is None:
            return
        try:
            (self.project.redo if redo else self.project.undo)()
        except Exception as exc:  # noqa: BLE001 - shown, not raised into Qt's undo machinery
            self.show_error("Undo failed" if not redo else "Redo failed", exc)

    # -- change notifications ---------------------------------------------------------------------
    def _on_project_event(self, event: str, payload: dict) -> None:
        if event == "edited":
            ids = [int(i) for i in payload.get("example_ids") or []]
            if ids:
                self._pending_ids.update(ids)
                self._emit_ids.update(ids)
            if self._touches_flags(payload.get("history_id")):
                self._flags = self._summary = None
                self._flags_dirty_emit = True
        elif event == "flags":
            self._flags = self._summary = None
            self._flags_dirty_emit = True
        elif event == "examples_added":
            self.reload()
            return
        elif event == "settings":
            return
        self._emit_timer.start()

    def _touches_flags(self, history_id: int | None) -> bool:
        if history_id is None or self.project is None:
            return True
        rows = self.project.query("SELECT forward FROM history WHERE id = ?", (history_id,))
        return bool(rows) and '"set_flag_state"' in rows[0][0]

    def _emit_pending(self) -> None:
        if self._emit_ids or self._emit_all:
            ids = [] if self._emit_all else sorted(self._emit_ids)
            self._emit_ids.clear()
            self._emit_all = False
            self.examplesChanged.emit(ids)
        if self._flags_dirty_emit:
            self._flags_dirty_emit = False
            self.flagsChanged.emit()

    def flush(self) -> None:
        """Emit pending change signals now (tests, and before reading views after an edit)."""
        self._emit_timer.stop()
        self._emit_pending()

    # -- background work --------------------------------------------------------------------------
    def run_task(self, title: str, fn: Callable[[Progress], Any],
                 on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 writes: bool = False, quiet: bool = False) -> TaskHandle:
        """Run `fn(progress)` in a worker thread. `on_done(result)`/`on_error(exc)` run on the GUI thread;
        without `on_error`, failures are shown in a dialog and logged. `writes` marks the title as saving.
        `quiet` tasks are not announced with `taskStarted` (no progress row)."""
        handle = TaskHandle(title, fn, on_done, on_error, parent_widget=lambda: self.parent_widget)
        self.tasks.append(handle)
        if writes:
            self._writers += 1
            if self._writers == 1:
                self.savingChanged.emit(True)

        def ended(state: str) -> None:
            if handle in self.tasks:
                self.tasks.remove(handle)
            if writes:
                self._writers -= 1
                if self._writers == 0:
                    self.savingChanged.emit(False)
                if state != "cancelled":
                    self.reload()  # the task may have written through its own connection
            if state == "cancelled":
                self.statusMessage.emit(f"{title}: cancelled; nothing was changed")
            elif state == "done" and not quiet:
                self.statusMessage.emit(f"{title}: done")

        handle.ended.connect(ended)
        if not quiet:
            self.taskStarted.emit(handle)
        return handle.start()

    def is_saving(self) -> bool:
        return self._writers > 0

    def shutdown_tasks(self, ms: int = 30_000) -> None:
        """Cancel every running task and wait for its thread (process its last signals too)."""
        for t in list(self.tasks):
            t.cancel()
        for t in list(self.tasks):
            t.wait(ms)
        QApplication.processEvents()

    def wait_idle(self, ms: int = 30_000) -> None:
        """Wait for all running tasks to finish and deliver their results (tests, scripts)."""
        deadline = time.monotonic() + ms / 1000
        while self.tasks and time.monotonic() < deadline:
            for t in list(self.tasks):
                t.wait(50)
            QApplication.processEvents()
        self.flush()

    def try_apply(self, command: Command, what: str) -> bool:
        """`apply` as one undo step; a failure (e.g. flags replaced by a check run meanwhile) is shown
        to the person as "Could not {what}" instead of raised. Returns whether it was applied."""
        try:
            self.apply(command, merge=False)
        except Exception as exc:  # noqa: BLE001 - shown to the person
            self.show_error(f"Could not {what}", exc)
            return False
        return True

    def show_error(self, title: str, exc: BaseException):
        """Log `exc` and show it in a non-blocking dialog over the main window."""
        return show_error(self.parent_widget, title, exc)
