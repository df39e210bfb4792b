"""The main window: welcome page, the Review workbench (filters, table, detail), and the other screens.

Holds no domain logic: edits go through `ProjectController.apply` (core commands), long work through
`ProjectController.run_task`. QSettings keeps only window geometry and the recent-projects list; app
settings live in `ftcurate.core.settings`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ftcurate.gui import guide, jobs
from ftcurate.gui.bulk import BulkActions
from ftcurate.gui.controller import ProjectController
from ftcurate.gui.detail_panel import DetailPanel
from ftcurate.gui.examples_model import (
    FLAGS_COL,
    ID_COL,
    INPUT_COL,
    LABEL_COL,
    OUTPUT_COL,
    STATUS_COL,
    ExamplesModel,
    FlagBadgeDelegate,
)
from ftcurate.gui.filter_bar import FilterBar
from ftcurate.gui.menus import build_actions
from ftcurate.gui.panels import PANELS, LazyPanel, preload_modules
from ftcurate.gui.style import icon
from ftcurate.gui.widgets import ShortcutSheetDialog, TaskRow, WelcomePage

MAX_RECENT = 8
ROW_HEIGHT = 28
FILE_FILTER = "ftcurate projects (*.ftcurate);;All files (*)"


class MainWindow(QMainWindow):
    """The application window over one `ProjectController`."""

    def __init__(self, controller: ProjectController | None = None, persist_settings: bool = True) -> None:
        super().__init__()
        self.persist_settings = persist_settings  # False: leave geometry and recent list alone
        self.controller = controller or ProjectController(self)
        self.controller.parent_widget = self
        self.settings = QSettings("ftcurate", "ftcurate")
        self.actions_by_key: dict = {}
        self.panel_specs = PANELS
        self.panels: dict[str, LazyPanel] = {}
        self._select_after: int | None = None
        self.last_error_box = None
        # state the helpers (jobs, menus, guide) keep on the window; see gui/window_api.WindowApi
        self.last_export_kwargs: dict | None = None
        self.train_after_export = False
        self.labels_dialog = self.export_box = None
        self._restore_row: int | None = None
        self.setWindowIcon(icon("app"))
        self.resize(1440, 900)

        self.model = ExamplesModel(self)
        self.filter_bar = FilterBar(self.controller, self)
        self.table = self._build_table()
        self.detail = DetailPanel(self.controller, self)
        self.bulk = BulkActions(self.controller, self.selected_ids, self)
        self.welcome = WelcomePage(self)
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._build_review(), "Review")
        for spec in PANELS:
            panel = LazyPanel(spec, self.controller, self.tabs)
            self.panels[spec.key] = panel
            i = self.tabs.addTab(panel, spec.title)
            self.tabs.setTabToolTip(i, spec.tip)
        self.stack = QStackedWidget(self)
        self.guide = guide.GuideBar(self.controller, self)
        self.project_page = QWidget(self)
        pl = QVBoxLayout(self.project_page)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(0)
        pl.addWidget(self.guide)
        pl.addWidget(self.tabs, 1)
        self.stack.addWidget(self.welcome)
        self.stack.addWidget(self.project_page)
        self.setCentralWidget(self.stack)
        build_actions(self)
        self._build_status_bar()

        self.welcome.newRequested.connect(self.new_project)
        self.welcome.openRequested.connect(self.open_project)
        self.welcome.recentRequested.connect(self.open_path)
        c = self.controller
        c.projectChanged.connect(self._project_changed)
        c.examplesChanged.connect(self._examples_changed)
        c.flagsChanged.connect(self._flags_changed)
        c.statusMessage.connect(lambda text: self.statusBar().showMessage(text, 6000))
        c.openExampleRequested.connect(self.open_example)
        c.actionRequested.connect(self.guided_step)
        c.filterRequested.connect(lambda values: guide.show_filtered(self, values))
        c.taskStarted.connect(self._task_started)
        c.savingChanged.connect(lambda _: self._update_title())
        self.filter_bar.resultReady.connect(self._filter_result)
        self.filter_bar.filterFailed.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self.model.sortRequested.connect(self.filter_bar.set_sort)
        self.detail.navigateFlagged.connect(self.move_flagged)
        self.detail.reviewFocusRequested.connect(lambda: self.table.setFocus(Qt.FocusReason.OtherFocusReason))
        self._facets_timer = QTimer(self, singleShot=True, interval=800)
        self._facets_timer.timeout.connect(self._refresh_facets)
        self._refresh_recent()
        self._project_changed()
        QTimer.singleShot(500, preload_modules)  # the side screens' code, off the GUI thread
        geometry = self.settings.value("geometry") if persist_settings else None
        if geometry is not None:
            self.restoreGeometry(geometry)

    # -- building ---------------------------------------------------------------------------------
    def _build_table(self) -> QTableView:
        t = QTableView(self)
        t.setObjectName("examplesTable")
        t.setModel(self.model)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        t.setAlternatingRowColors(True)
        t.setShowGrid(False)
        t.setWordWrap(False)
        t.setTextElideMode(Qt.TextElideMode.ElideRight)
        t.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vh = t.verticalHeader()
        vh.setVisible(False)
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # never ResizeToContents (asks every row)
        vh.setDefaultSectionSize(ROW_HEIGHT)
        hh = t.horizontalHeader()
        hh.setHighlightSections(False)
        hh.setSortIndicatorShown(True)
        hh.setSectionsClickable(True)
        hh.setStretchLastSection(False)
        for col, width in ((ID_COL, 64), (STATUS_COL, 118), (LABEL_COL, 150), (INPUT_COL, 330),
                           (OUTPUT_COL, 330), (FLAGS_COL, 190)):
            t.setColumnWidth(col, width)
        hh.setSectionResizeMode(INPUT_COL, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(OUTPUT_COL, QHeaderView.ResizeMode.Stretch)
        hh.sortIndicatorChanged.connect(lambda col, order: self.model.sort(col, order))
        hh.setSortIndicator(ID_COL, Qt.SortOrder.AscendingOrder)
        t.setItemDelegateForColumn(FLAGS_COL, FlagBadgeDelegate(t))
        t.selectionModel().currentRowChanged.connect(self._current_changed)
        t.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        t.customContextMenuRequested.connect(
            lambda pos: self.bulk.menu(self).popup(t.viewport().mapToGlobal(pos)))
        return t

    def _build_review(self) -> QWidget:
        left = QWidget(self)
        lay = QVBoxLayout(left)
        lay.setContentsMargins(10, 8, 4, 8)
        lay.setSpacing(6)
        lay.addWidget(self.filter_bar)
        lay.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("reviewSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([860, 560])
        return self.splitter

    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.counts_label = QLabel(self)
        self.counts_label.setObjectName("statusCounts")
        self.saved_label = QLabel(self)
        self.saved_label.setObjectName("savedState")
        from ftcurate.gui.notice import UndoNotice

        self.undo_notice = UndoNotice(self.controller, self)
        sb.addPermanentWidget(self.undo_notice)
        sb.addPermanentWidget(self.counts_label)
        sb.addPermanentWidget(self.saved_label)

    # -- project ----------------------------------------------------------------------------------
    def new_project(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New project", str(Path.home() / "project.ftcurate"),
                                              FILE_FILTER)
        if path:
            try:
                self.controller.new_project(path)
            except Exception as exc:  # noqa: BLE001 - shown to the person
                self.controller.show_error("Could not create the project", exc)

    def open_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open project", str(Path.home()), FILE_FILTER)
        if path:
            self.open_path(path)

    def open_path(self, path: str | Path):
        """Open a project file on a worker (returns the TaskHandle). Errors (missing, corrupt, newer
        version) are shown in a dialog; the window stays usable meanwhile."""

        def failed(exc: BaseException) -> None:
            self.last_error_box = self.controller.show_error("Could not open the project", exc)
            self._refresh_recent()

        return self.controller.open_project_async(path, on_error=failed)

    def close_project(self) -> None:
        self.controller.close_project()

    def _project_changed(self) -> None:
        project = self.controller.project
        self._opened = project is not None  # its first filter result selects the first example
        for a in self.actions_by_key.values():
            if a.property("needs_project"):
                a.setEnabled(project is not None)
        if project is None:
            self.stack.setCurrentWidget(self.welcome)
            self.model.set_view(self.controller.frame())
            self._refresh_recent()
        else:
            self._add_recent(str(project.path))
            self.stack.setCurrentWidget(self.project_page)
            self.tabs.setCurrentIndex(0)
            self.filter_bar.populate()
            self.filter_bar.clear()
            self.table.setFocus()
        self._update_title()
        self._update_counts()

    def _update_title(self) -> None:
        project = self.controller.project
        if project is None:
            self.setWindowTitle("ftcurate")
            self.saved_label.setText("")
            return
        state = "saving…" if self.controller.is_saving() else "saved"
        self.setWindowTitle(f"{project.path.name} — {state} — ftcurate")
        self.saved_label.setText("Saving…" if state != "saved" else "✓ All changes saved")

    # -- recent projects (QSettings) --------------------------------------------------------------
    def recent_projects(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [p for p in (value or []) if Path(p).exists()]

    def _add_recent(self, path: str) -> None:
        if not self.persist_settings:
            return
        paths = [path] + [p for p in self.recent_projects() if p != path]
        self.settings.setValue("recent", paths[:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        paths = self.recent_projects()
        self.welcome.set_recent(paths)
        menu = getattr(self, "recent_menu", None)
        if menu is None:
            return
        menu.clear()
        for p in paths:
            menu.addAction(Path(p).name, lambda p=p: self.open_path(p)).setToolTip(p)
        menu.setEnabled(bool(paths))

    # -- table and filters ------------------------------------------------------------------------
    def _filter_result(self, result, frame) -> None:
        summary = self.controller.flag_summary()
        if self._select_after is None and self.model.same_rows(frame, result.positions):
            self.model.update_view(frame, summary)  # same rows in the same order: keep the selection
            self._update_counts()
            return
        keep = self._select_after if self._select_after is not None else self.detail.current_id()
        jump = self._select_after is not None
        row_before = self.table.currentIndex().row()
        self.model.set_view(frame, result.positions, summary)
        self._select_after = None
        row = self.model.row_of(keep) if keep is not None else None
        if row is None and keep is not None and row_before >= 0 and self.model.rowCount():
            row = min(row_before, self.model.rowCount() - 1)  # the example left the filter: stay in place
        if row is None and keep is None and self.model.rowCount() and self._opened:
            self._opened = False  # a freshly opened project: its first example once the table is drawn
            QTimer.singleShot(5, lambda: self.current_row() < 0 and self.model.rowCount() and self.select_row(0))
        elif row is None and keep is None and self.model.rowCount():
            row = 0
        if row is not None:
            self.select_row(row, center=jump or row_before < 0)
        elif self.model.rowCount() == 0:
            self.detail.show_example(keep)
        self._update_counts()

    def select_row(self, row: int, center: bool = False) -> None:
        """Select a display row and show its example; `center` scrolls it to the middle (jumps)."""
        if not 0 <= row < self.model.rowCount():
            return
        index = self.model.index(row, ID_COL)
        self._shown_by_current = False
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter if center
                            else QAbstractItemView.ScrollHint.EnsureVisible)
        if not self._shown_by_current:  # drawing the example twice cost ~30 ms at every move
            self.detail.show_example(self.model.example_id(row))

    def _current_changed(self, current, _previous) -> None:
        if current.isValid():
            eid = self.model.example_id(current.row())
            if eid != self.detail.current_id():
                self.detail.show_example(eid)
                self._shown_by_current = True

    def selected_ids(self) -> list[int]:
        """Example ids of the selected rows (or the example in the detail pane when none are)."""
        sel = self.table.selectionModel().selection()
        rows: list[np.ndarray] = [np.arange(r.top(), r.bottom() + 1) for r in sel]
        if rows:
            positions = self.model.positions()[np.unique(np.concatenate(rows))]
            return [int(i) for i in self.model._ids[positions]]
        current = self.detail.current_id()
        return [current] if current is not None else []

    def current_row(self) -> int:
        return self.table.currentIndex().row()

    def move(self, step: int) -> None:
        """Select the next (+1) or previous (-1) example in the table."""
        row = self.current_row()
        self.select_row(0 if row < 0 else max(0, min(self.model.rowCount() - 1, row + step)))

    def move_flagged(self, step: int) -> None:
        row = self.model.next_flagged_row(self.current_row(), step)
        if row is None:
            self.statusBar().showMessage("No more flagged examples in this direction", 4000)
        else:
            self.select_row(row, center=True)

    def open_example(self, example_id: int) -> None:
        """Show an example in the Review screen, clearing filters that hide it."""
        self.show_panel("review")
        row = self.model.row_of(int(example_id))
        if row is not None:
            self.select_row(row, center=True)
            return
        self._select_after = int(example_id)
        self.detail.show_example(int(example_id))
        self.filter_bar.clear()

    def find(self) -> None:
        self.show_panel("review")
        self.filter_bar.focus_search()

    def filter_bar_clear(self) -> None:
        self.filter_bar.clear()

    def _examples_changed(self, ids: list) -> None:
        if ids:
            self.model.refresh_rows(self.controller.frame(), ids)
        else:
            self.filter_bar.populate()
        self.filter_bar.refresh()
        self._facets_timer.start()

    def _flags_changed(self) -> None:
        self.model.set_summary(self.controller.flag_summary())
        self._facets_timer.start()
        self.filter_bar.refresh()

    def _refresh_facets(self) -> None:
        if self.controller.project is not None:
            self.filter_bar.populate()
        self._update_counts()

    def _update_counts(self) -> None:
        if self.controller.project is None:
            self.counts_label.setText("")
            return
        f = self.controller.facets()
        status = dict(f["statuses"])
        flagged = dict(f["flagged"])["any"]
        self.counts_label.setText(
            f"{sum(status.values()):,} examples · {status.get('approved', 0):,} approved · "
            f"{status.get('rejected', 0):,} rejected · {flagged:,} with open flags")

    # -- review actions ---------------------------------------------------------------------------
    def _review(self, status: str) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        row = self.current_row()
        if self.bulk.set_status(status, ids) and len(ids) == 1 and 0 <= row < self.model.rowCount() - 1:
            self.select_row(row + 1)  # move on to the next example, as reviewers expect

    def approve(self) -> None:
        self._review("approved")

    def reject(self) -> None:
        self._review("rejected")

    def unreview(self) -> None:
        self._review("unreviewed")

    def bulk_label(self) -> None:
        self.bulk.ask_label()

    def resolve_clusters(self) -> None:
        self.bulk.resolve_clusters()

    def fill_bulk_menu(self) -> None:
        host = self.bulk_menu_host
        host.clear()
        for a in self.bulk.menu(host).actions():
            a.setParent(host)
            host.addAction(a)

    # -- screens ----------------------------------------------------------------------------------
    def show_panel(self, key: str):
        """Switch to a screen ("review", "health", "duplicates", ...); returns its widget."""
        if key == "review":
            self.tabs.setCurrentIndex(0)
            return self.splitter
        host = self.panels[key]
        self.tabs.setCurrentWidget(host)
        return host.ensure() or host

    def toggle_detail(self) -> None:
        self.detail.setVisible(self.actions_by_key["toggle_detail"].isChecked())

    # -- work -------------------------------------------------------------------------------------
    def _task_started(self, handle) -> None:
        self.statusBar().addPermanentWidget(TaskRow(handle, self), 0)

    def run_checks(self, names: list[str] | None = None):
        """Run checks (all, or `names`) in a worker; returns the TaskHandle."""
        return jobs.run_checks(self, names)

    def fill_checks_menu(self) -> None:
        jobs.fill_checks_menu(self)

    def import_files(self) -> None:
        jobs.open_dialog(self, "ftcurate.gui.import_dialog", "ImportDialog", "Import")

    def open_settings(self) -> None:
        jobs.open_dialog(self, "ftcurate.gui.settings_dialog", "SettingsDialog", "Settings")

    def export(self):
        """Open the export dialog (returned)."""
        return jobs.open_export(self)

    def start_export(self, kwargs: dict, report_text=None):
        """Run `export_project` with `kwargs` (ExportDialog.export_kwargs()) in a worker."""
        return jobs.start_export(self, kwargs, report_text)

    def export_and_train(self):
        return jobs.export_and_train(self)

    def export_finished(self, report, text: str) -> None:
        guide.export_finished(self, report, text)

    def show_blocked_examples(self, ids: list) -> None:
        guide.show_blocked(self, ids)

    def guided_step(self, key: str) -> None:
        """Do one step of the guided path (see `ftcurate.gui.guide.guided_step`)."""
        guide.guided_step(self, key)

    def show_shortcuts(self) -> ShortcutSheetDialog:
        dlg = ShortcutSheetDialog(self.shortcut_groups, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()
        return dlg

    def about(self) -> None:
        from ftcurate import __version__
        QMessageBox.about(self, "About ftcurate",
                          f"<b>ftcurate {__version__}</b><p>Curate support logs, FAQs and catalogs into "
                          "fine-tuning data, review it, export it and fine-tune locally.</p>")

    # -- closing ----------------------------------------------------------------------------------
    def closeEvent(self, e) -> None:  # noqa: N802
        if self.persist_settings:
            self.settings.setValue("geometry", self.saveGeometry())
        self.filter_bar.pool.waitForDone(5000)
        for host in self.panels.values():  # e.g. a training run: cancel it, keep its checkpoint
            if host.panel is not None and hasattr(host.panel, "shutdown"):
                host.panel.shutdown()
        self.controller.close_project()
        super().closeEvent(e)
