"""The GUI's one handle on an open project: cached views, undoable edits, background tasks.

Every view talks to a `ProjectController` instead of the `Project` directly:

* `frame()` / `flags()` / `review_flags()` / `flag_summary()` / `facets()` are cached polars views
  (`frame()` holds `GUI_COLUMNS`); after an edit the changed rows are patched into the cached frame
  (milliseconds even at 1M rows) and `examplesChanged(ids)` is emitted; imports trigger a full rebuild
  off the GUI thread, then `examplesChanged([])`. Opening and rebuilding compute every view on the
  loading thread (`derived_views`), so the window only swaps them in.
* `apply(command, merge_key=...)` commits a core command to the project at once (one transaction).
  Undo lives in the project, not here: `undo()` / `redo()` call `project.undo()` / `project.redo()`,
  `undo_status()` is the project's, and `undoChanged` fires after any edit, so the Undo/Redo actions,
  the History panel and `ftcurate undo` always agree. A typing burst is one history entry (the
  project merges edits sharing a `merge_key`). After an undo/redo, `undoNotice(text, redo_possible)`
  asks the window for a non-modal notice and `openExampleRequested` jumps to the changed example.
* `run_task(title, fn, on_done, on_error)` runs `fn(progress)` in a worker thread (see
  `ftcurate.gui.tasks`); the main window shows its progress with a Cancel button.

The project's change listener may fire on a worker thread (checks write flags there): it only emits a
signal, which Qt queues to the GUI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QWidget

from ftcurate.core.commands import Command
from ftcurate.core.progress import Progress
from ftcurate.core.store import Project
from ftcurate.gui.proctask import ProcessTask
from ftcurate.gui.tasks import TaskHandle, show_error

__all__ = ["ProjectController", "TaskHandle"]

# What the GUI views read from the cached frame. The JSON columns (messages, metadata) would double
# the load time and memory; views that need whole examples call `project.get_examples(ids)`.
GUI_COLUMNS = ["id", "source_id", "source", "label", "status", "input", "output"]
# Findings about the whole dataset (one flag per example of a small label): shown once, on the Health
# page and beside the label in the detail pane, never as a chip on every row or in the review queue.
DATASET_LEVEL_CHECKS = ("label_imbalance",)
# Larger projects load their view on a worker after opening, so the window never freezes.
BACKGROUND_LOAD_ABOVE = 150_000


def derived_views(frame: pl.DataFrame, flags: pl.DataFrame) -> dict[str, Any]:
    """The views computed from `frame` and `flags` that the window reads at once after a (re)load:
    review flags, flag summary, filter facets. Qt-free and thread-safe, so the loading thread builds
    them and the GUI thread only stores them (at 100k examples they cost ~50-100 ms of GUI time)."""
    from ftcurate.core.filtering import facets, flag_summary

    review = flags.filter(~pl.col("check").is_in(list(DATASET_LEVEL_CHECKS))) if flags.height else flags
    return {"review": review, "summary": flag_summary(review), "facets": facets(frame, review)}


class ProjectController(QObject):
    """Owns the open `Project` (or None) for the GUI. See the module docstring for the contract."""

    projectChanged = Signal()
    examplesChanged = Signal(list)  # example ids; [] = anything may have changed
    flagsChanged = Signal()
    statusMessage = Signal(str)
    openExampleRequested = Signal(int)
    taskStarted = Signal(object)  # TaskHandle
    savingChanged = Signal(bool)  # True while a background task writes to the project
    filterRequested = Signal(dict)  # show Review filtered, e.g. {"label": "returns"} or {"check": "pii"}
    actionRequested = Signal(str)  # a step of the guided path: "import", "checks", "export", "train", ...
    undoChanged = Signal()  # the project's history changed: re-read undo_status()
    undoNotice = Signal(str, bool)  # "Undid …"/"Redid …", whether the other direction is possible
    _projectEvent = Signal(str, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.tasks: list[TaskHandle] = []
        self.parent_widget: QWidget | None = None
        self._frame: pl.DataFrame | None = None
        self._flags: pl.DataFrame | None = None
        self._summary: pl.DataFrame | None = None
        self._review: pl.DataFrame | None = None
        self._facets: dict | None = None
        self._flag_ids: tuple[pl.DataFrame | None, np.ndarray] = (None, np.zeros(0, dtype=np.int64))
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
                frame, flags = project.examples_frame(GUI_COLUMNS, progress), project.flags_frame()
                progress.check_cancelled()
                derived = derived_views(frame, flags)
            except BaseException:
                project.close()
                raise
            return project, frame, flags, derived

        def done(result) -> None:
            project, frame, flags, derived = result
            self._set_project(project, frame, flags, derived)
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
        self._frame = None
        self._drop_flag_views()
        self._pending_ids.clear()
        self.projectChanged.emit()
        self.undoChanged.emit()

    def _set_project(self, project: Project, frame: pl.DataFrame | None = None,
                     flags: pl.DataFrame | None = None, derived: dict | None = None) -> None:
        if self.project is not None:
            self.shutdown_tasks()
            self.project.close()
        self.project = project
        self._generation += 1
        self._frame = None
        self._drop_flag_views()
        self._pending_ids.clear()
        project.add_listener(lambda event, payload: self._projectEvent.emit(event, payload))
        if frame is not None:
            self._set_views(frame, flags, derived)
        elif project.count_examples() > BACKGROUND_LOAD_ABOVE:
            from ftcurate.core.view import COLUMNS, FLAG_COLUMNS

            self._frame = pl.DataFrame(schema={c: COLUMNS[c] for c in GUI_COLUMNS})
            self._flags = pl.DataFrame(schema=FLAG_COLUMNS)
            self.reload(quiet=False)
        self.projectChanged.emit()
        self.undoChanged.emit()
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
            self._facets = None  # labels and statuses may have changed
        return self._frame

    def flags(self) -> pl.DataFrame:
        """All flags of the project (`ftcurate.core.view.FLAG_COLUMNS`), cached."""
        if self.project is None:
            from ftcurate.core.view import FLAG_COLUMNS

            return pl.DataFrame(schema=FLAG_COLUMNS)
        if self._flags is None:
            self._flags = self.project.flags_frame()
        return self._flags

    def review_flags(self) -> pl.DataFrame:
        """`flags()` without the dataset-level findings (`DATASET_LEVEL_CHECKS`): what the review
        queue, the row chips and the flag filter work on. Cached."""
        if self._review is None or self._flags is None:
            flags = self.flags()
            self._review = (flags.filter(~pl.col("check").is_in(list(DATASET_LEVEL_CHECKS)))
                            if flags.height else flags)
        return self._review

    def flag_summary(self) -> pl.DataFrame:
        """Per example with open review flags: example_id, n_flags, checks (sorted list), worst severity
        rank (dataset-level findings left out)."""
        if self._summary is None:
            from ftcurate.core.filtering import flag_summary

            self._summary = flag_summary(self.review_flags())
        return self._summary

    def facets(self) -> dict[str, list[tuple[str, int]]]:
        """The filter widgets' values with their counts (`ftcurate.core.filtering.facets` over
        `frame()` and `review_flags()`), cached until the examples or flags change."""
        frame = self.frame()  # patches pending edits first (and drops stale facets)
        if self._facets is None:
            from ftcurate.core.filtering import facets

            self._facets = facets(frame, self.review_flags())
        return self._facets

    def _set_views(self, frame: pl.DataFrame, flags: pl.DataFrame, derived: dict | None) -> None:
        self._frame, self._flags = frame, flags
        self._review = self._summary = self._facets = None
        if derived is not None:
            self._review, self._summary, self._facets = derived["review"], derived["summary"], derived["facets"]

    def _drop_flag_views(self) -> None:
        """Forget the flag views (rebuilt on next use): the flags changed."""
        self._flags = self._review = self._summary = self._facets = None

    def example_flags(self, example_id: int) -> pl.DataFrame:
        """All flags (any state) of one example. Found with numpy and sliced, not with a polars filter:
        a filter waits for polars' shared thread pool, busy for long stretches while a filter or load
        runs on another thread, and this runs on the GUI thread each time an example is shown."""
        flags = self.flags()
        if self._flag_ids[0] is not flags:
            self._flag_ids = (flags, flags.get_column("example_id").to_numpy())
        rows = np.flatnonzero(self._flag_ids[1] == example_id)
        if not len(rows):
            return flags.clear()
        if rows[-1] - rows[0] + 1 == len(rows):  # the view is ordered by example: one run
            return flags.slice(int(rows[0]), len(rows))
        return flags.filter(pl.col("example_id") == example_id)

    def reload(self, quiet: bool = True) -> None:
        """Rebuild every cached view from the project, in the background; emits when ready."""
        if self.project is None:
            return
        path, gen = self.project.path, self._generation

        def work(progress: Progress):
            progress.set_status("Loading examples")
            with Project.open(path, read_only=True) as ro:
                frame, flags = ro.examples_frame(GUI_COLUMNS, progress), ro.flags_frame()
            progress.check_cancelled()  # a newer reload superseded this one
            return frame, flags, derived_views(frame, flags)

        def done(result) -> None:
            if gen != self._generation:
                return
            self._set_views(*result)  # pending ids stay: re-reading them is harmless and may be newer
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
    def apply(self, command: Command, merge_key: str | None = None) -> int:
        """Commit `command` to the project now (undoable through the project's history). Commands
        sharing `merge_key` within a few seconds are one history entry (a typing burst).
        Returns the history id. Raises `UserError` (nothing changed)."""
        if self.project is None:
            raise RuntimeError("no project is open")
        hid = self.project.apply(command, merge_key=merge_key)
        self.statusMessage.emit(command.text)
        return hid

    def undo_status(self):
        """The project's `UndoStatus` (what undo/redo would act on), or None without a project."""
        return None if self.project is None else self.project.undo_status()

    def undo(self) -> int | None:
        """Undo the project's newest edit; shows an "Undid …" notice and jumps to the example."""
        return self._replay(redo=False)

    def redo(self) -> int | None:
        """Redo the edit undone last (see `undo`)."""
        return self._replay(redo=True)

    def revert(self, history_id: int) -> int:
        """Apply the inverse of one past edit as a new, undoable edit (History panel's Revert)."""
        hid = self.project.revert(history_id)
        self.statusMessage.emit("Reverted")
        return hid

    def _replay(self, redo: bool) -> int | None:
        if self.project is None:
            return None
        from ftcurate.core.review.history import entry_example_ids

        status = self.project.undo_status()
        text = status.redo_text if redo else status.undo_text
        try:
            hid = (self.project.redo if redo else self.project.undo)()
        except Exception as exc:  # noqa: BLE001 - shown, never raised into a key press
            self.show_error("Undo failed" if not redo else "Redo failed", exc)
            return None
        if hid is None:
            self.statusMessage.emit("Nothing to redo" if redo else "Nothing to undo")
            return None
        after = self.project.undo_status()
        self.undoNotice.emit(f"{'Redid' if redo else 'Undid'}: {text}",
                             after.can_undo if redo else after.can_redo)
        ids = entry_example_ids(self.project, hid)
        if len(ids) == 1:
            self.flush_now()
            self.openExampleRequested.emit(ids[0])
        return hid

    # -- change notifications ---------------------------------------------------------------------
    def _on_project_event(self, event: str, payload: dict) -> None:
        if event == "edited":
            self.undoChanged.emit()
            ids = [int(i) for i in payload.get("example_ids") or []]
            if ids:
                self._pending_ids.update(ids)
                self._emit_ids.update(ids)
            touched = self._touches_flags(payload.get("history_id"))
            if touched == "states":
                self._drop_flag_views()
                self._flags_dirty_emit = True
            elif touched == "spans" and ids:
                self._patch_flags(ids)
        elif event == "flags":
            self._drop_flag_views()
            self._flags_dirty_emit = True
        elif event == "examples_added":
            self.reload()
            return
        elif event == "settings":
            return
        self._emit_timer.start()

    def _touches_flags(self, history_id: int | None) -> str | None:
        """"states" when an edit changed flag states (rebuild the flag views), "spans" when it only
        moved findings' offsets (patch the edited examples' flags), None when flags are untouched."""
        if history_id is None or self.project is None:
            return "states"
        rows = self.project.query("SELECT forward, inverse FROM history WHERE id = ?", (history_id,))
        if not rows:
            return None
        if '"set_flag_state"' in rows[0][0]:
            return "states"
        return "spans" if '"set_flag_spans"' in rows[0][0] + rows[0][1] else None

    def _patch_flags(self, example_ids: list[int]) -> None:
        """Re-read the flags of a few examples into the cached flag frame (offsets only changed)."""
        if self._flags is None or self.project is None:
            return
        from ftcurate.core.view import FLAG_COLUMNS

        ids = sorted(set(example_ids))[:900]
        rows = self.project.query(
            'SELECT id, example_id, check_name, turn, start, "end", kind, severity, message, cluster, score,'
            f" data, state FROM flags WHERE example_id IN ({','.join('?' * len(ids))})", ids)
        fresh = pl.DataFrame(rows, schema=FLAG_COLUMNS, orient="row")
        self._flags = pl.concat([self._flags.filter(~pl.col("example_id").is_in(ids)), fresh]).sort(
            ["example_id", "id"])
        self._review = None  # offsets moved; counts, states and the summary did not
        self._flags_dirty_emit = True

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

    def flush_now(self) -> None:
        """Deliver queued project events and emit them (before jumping to a changed example)."""
        QApplication.sendPostedEvents(self)
        self.flush()

    # -- background work --------------------------------------------------------------------------
    def run_task(self, title: str, fn: Callable[[Progress], Any],
                 on_done: Callable[[Any], None] | None = None,
                 on_error: Callable[[BaseException], None] | None = None,
                 writes: bool = False, quiet: bool = False) -> TaskHandle:
        """Run `fn(progress)` in a worker thread. `on_done(result)`/`on_error(exc)` run on the GUI thread;
        without `on_error`, failures are shown in a dialog and logged. `writes` marks the title as saving.
        `quiet` tasks are not announced with `taskStarted` (no progress row)."""
        handle = TaskHandle(title, fn, on_done, on_error, parent_widget=lambda: self.parent_widget)
        return self._track(handle, title, writes, quiet).start()

    def run_process(self, title: str, target: str, args: tuple = (),
                    on_done: Callable[[Any], None] | None = None,
                    on_error: Callable[[BaseException], None] | None = None,
                    writes: bool = False, quiet: bool = False) -> ProcessTask:
        """`run_task` for heavy work: `target` ("module:function", Qt-free, called as
        `fn(progress, *args)`) runs in a worker process (see `ftcurate.gui.proctask`), so the
        window never waits for the GIL; cancel is honoured within about a second."""
        handle = ProcessTask(title, target, args, on_done, on_error, parent_widget=lambda: self.parent_widget)
        return self._track(handle, title, writes, quiet).start()

    def _track(self, handle, title: str, writes: bool, quiet: bool):
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
        return handle

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
            self.apply(command)
        except Exception as exc:  # noqa: BLE001 - shown to the person
            self.show_error(f"Could not {what}", exc)
            return False
        return True

    def show_error(self, title: str, exc: BaseException):
        """Log `exc` and show it in a non-blocking dialog over the main window."""
        return show_error(self.parent_widget, title, exc)
