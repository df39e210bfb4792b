"""Import dialog: choose files, see what was detected, adjust the mapping, preview, import.

Everything about reading a file is the core's (`ftcurate.core.importing`): the dialog only builds
`ImportOptions` from the widgets, asks `detect_file` what it would pick, shows the first resulting
pairs (`Importer.read`, off the GUI thread) and finally runs `import_file` as a background task.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from ftcurate.core.import_preview import inspect_file
from ftcurate.core.importers.base import KINDS, ImportOptions
from ftcurate.core.progress import Progress
from ftcurate.gui.import_mapping import guess_columns

PREVIEW_ROWS = 20
# Logical fields offered for mapping per kind; the detection's own mapping keys are always added.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "support": ("conversation", "role", "text", "timestamp"),
    "faq": ("question", "answer"),
    "catalog": ("name", "description", "price", "category"),
    "pairs": (),
}
KIND_NAMES = {"auto": "Detect automatically", "support": "Support log", "faq": "FAQ",
              "catalog": "Product catalog", "pairs": "Fine-tuning file (pairs / chat)"}
FILE_FILTER = ("Supported files (*.csv *.tsv *.txt *.json *.jsonl *.ndjson *.xlsx *.parquet *.md *.markdown"
               " *.html *.htm *.mbox *.eml);;All files (*)")
AUTO = "(detected)"


def default_templates() -> list[str]:
    """The catalog importer's built-in question templates."""
    from ftcurate.core.importers.templates import DEFAULT_TEMPLATES

    return list(DEFAULT_TEMPLATES)


@dataclass
class FileState:
    """What the dialog knows about one chosen file."""

    path: Path
    options: ImportOptions = field(default_factory=ImportOptions)
    detection: Any = None
    columns: list[str] = field(default_factory=list)
    preview: list[Any] = field(default_factory=list)
    error: str | None = None
    already: bool = False


class ImportDialog(QDialog):
    """Choose files and import them into the controller's project (see module docstring)."""

    def __init__(self, controller, parent: QWidget | None = None, paths: list[str | Path] | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Import files")
        self.resize(1100, 760)
        self.files: dict[Path, FileState] = {}
        self.task = None  # the running import (TaskHandle)
        self._inspect = None
        self._generation = 0
        self._filling = False
        self._debounce = QTimer(self, singleShot=True, interval=350)
        self._debounce.timeout.connect(self._inspect_current)
        self._build()
        for p in paths or []:
            self.add_file(p)

    # -- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.file_list = QListWidget()
        self.file_list.currentRowChanged.connect(self._file_selected)
        add = QPushButton("Add files…")
        add.clicked.connect(self._choose_files)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_current)
        files_box = QGroupBox("Files")
        fl = QVBoxLayout(files_box)
        fl.addWidget(self.file_list)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        fl.addLayout(row)

        self.detected = QLabel("Add a file to see how it will be read.")
        self.detected.setWordWrap(True)
        self.detected.setTextFormat(Qt.TextFormat.RichText)
        self.kind = QComboBox()
        for k in KINDS:
            self.kind.addItem(KIND_NAMES.get(k, k), k)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.mapping_box = QWidget()
        self.mapping_grid = QGridLayout(self.mapping_box)
        self.mapping_grid.setContentsMargins(0, 0, 0, 0)
        self.mapping_combos: dict[str, QComboBox] = {}
        self.label_column = QComboBox()
        self.label_column.currentIndexChanged.connect(self._options_changed)
        self.context_last = QRadioButton("Only the last customer message")
        self.context_full = QRadioButton("The whole conversation so far")
        self.context_last.setChecked(True)
        self._context = QButtonGroup(self)
        for b in (self.context_last, self.context_full):
            self._context.addButton(b)
            b.toggled.connect(self._options_changed)
        ctx = QWidget()
        cl = QHBoxLayout(ctx)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.context_last)
        cl.addWidget(self.context_full)
        cl.addStretch(1)
        self.templates = QPlainTextEdit()
        self.templates.setPlaceholderText("One per line: QUESTION => ANSWER, e.g.\n"
                                          "How much is {name}? => {name} costs {price}.")
        saved = self.controller.project.get_setting("templates") if self.controller.project is not None else None
        self.templates.setPlainText("\n".join(saved or default_templates()))
        self.templates.setToolTip("Each product becomes one pair per template whose {fields} it has; "
                                  "a template with a missing field is skipped for that product.")
        self.templates.setMaximumHeight(110)
        self.templates.textChanged.connect(self._options_changed)
        opts = QGroupBox("How to read it")
        form = QFormLayout(opts)
        self.form = form
        form.addRow(self.detected)
        form.addRow("Kind", self.kind)
        form.addRow("Columns", self.mapping_box)
        form.addRow("Label column", self.label_column)
        form.addRow("Input", ctx)
        form.addRow("Catalog questions", self.templates)
        self.on_skip = QRadioButton("Skip it")
        self.on_replace = QRadioButton("Replace its examples")
        self.on_skip.setChecked(True)
        dup = QWidget()
        dl = QHBoxLayout(dup)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.on_skip)
        dl.addWidget(self.on_replace)
        dl.addStretch(1)
        form.addRow("Already imported", dup)
        self.already = QLabel()
        self.already.setStyleSheet("color:#b06000")
        form.addRow(self.already)

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(files_box)
        top.addWidget(opts)
        top.setSizes([300, 800])
        self.preview_label = QLabel("Preview")
        self.preview = QTableWidget(0, 3)
        self.preview.setHorizontalHeaderLabels(["Label", "Input", "Output"])
        self.preview.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.preview.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.preview.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.preview.setWordWrap(False)
        self.preview.verticalHeader().setDefaultSectionSize(22)
        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.preview_label)
        bl.addWidget(self.preview)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([430, 330])
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("primary")
        self.import_button.setEnabled(False)
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        lay.addWidget(self.buttons)
        self._set_option_widgets(None)

    # -- files ----------------------------------------------------------------------------------
    def _choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Choose files to import", "", FILE_FILTER)
        for p in paths:
            self.add_file(p)

    def add_file(self, path: str | Path) -> None:
        """Add a file to the list and select it (detection and preview start in the background)."""
        path = Path(path)
        if path not in self.files:
            self.files[path] = FileState(path)
            self.file_list.addItem(path.name)
            self.file_list.item(self.file_list.count() - 1).setToolTip(str(path))
        self.file_list.setCurrentRow(list(self.files).index(path))
        self._update_import_button()

    def _remove_current(self) -> None:
        row = self.file_list.currentRow()
        if row < 0:
            return
        del self.files[list(self.files)[row]]
        self.file_list.takeItem(row)
        if not self.files:
            self._set_option_widgets(None)
        self._update_import_button()

    def current(self) -> FileState | None:
        row = self.file_list.currentRow()
        return list(self.files.values())[row] if 0 <= row < len(self.files) else None

    def _file_selected(self, _row: int) -> None:
        state = self.current()
        self._set_option_widgets(state)
        if state is not None:
            self._inspect_current()

    # -- options <-> widgets --------------------------------------------------------------------
    def _set_option_widgets(self, state: FileState | None) -> None:
        """Show `state`'s options, detection, mapping and preview without triggering re-inspection."""
        self._filling = True
        try:
            for w in (self.kind, self.label_column, self.context_last, self.context_full, self.templates):
                w.setEnabled(state is not None)
            if state is None:
                self.detected.setText("Add a file to see how it will be read.")
                self._fill_mapping([], {}, {}, "auto")
                self.label_column.clear()
                self.preview.setRowCount(0)
                self.already.clear()
                return
            o = state.options
            self.kind.setCurrentIndex(max(0, self.kind.findData(o.kind)))
            (self.context_full if o.context == "full" else self.context_last).setChecked(True)
            det = state.detection
            kind = o.kind if o.kind != "auto" else (det.kind if det else "auto")
            detected_map = dict(det.mapping) if det else {}
            guessed = guess_columns(state.columns, KIND_FIELDS.get(kind, ()), detected_map, o.mapping)
            if guessed:  # e.g. "Price (EUR)" for price: suggested, read again with it, changeable
                o.mapping.update(guessed)
                self._debounce.start()
            self._fill_mapping(state.columns, detected_map, o.mapping, kind)
            self.label_column.clear()
            detected_label = det.label_column if det else None
            from_doc = re.search(r"label = (\w+)", det.summary) if det and not detected_label else None
            self.label_column.addItem(f"{AUTO}: {detected_label}" if detected_label else
                                      f"{AUTO}: the {from_doc.group(1)} headings" if from_doc else
                                      "(none detected)", None)
            for c in state.columns:
                self.label_column.addItem(c, c)
            if o.label_column:
                self.label_column.setCurrentIndex(max(0, self.label_column.findData(o.label_column)))
            # show only the options that apply to what will be read
            self.form.setRowVisible(self.context_last.parentWidget(), kind in ("support", "auto"))
            self.form.setRowVisible(self.templates, kind in ("catalog", "auto"))
            self._show_result(state)
        finally:
            self._filling = False

    def _fill_mapping(self, columns: list[str], detected: dict[str, str], chosen: dict[str, str],
                      kind: str) -> None:
        for combo in self.mapping_combos.values():
            combo.setParent(None)
        while self.mapping_grid.count():
            item = self.mapping_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().setParent(None)
        self.mapping_combos = {}
        names = list(dict.fromkeys([*KIND_FIELDS.get(kind, ()), *detected, *chosen]))
        if not columns:
            names = [n for n in names if n in detected or n in chosen]
        for i, name in enumerate(names):
            combo = QComboBox()
            combo.addItem(f"{AUTO}: {detected[name]}" if detected.get(name) else AUTO, None)
            for c in dict.fromkeys([*columns, *([chosen[name]] if name in chosen else [])]):
                combo.addItem(c, c)
            if name in chosen:
                combo.setCurrentIndex(max(0, combo.findData(chosen[name])))
            combo.setEnabled(bool(columns))
            combo.currentIndexChanged.connect(self._options_changed)
            self.mapping_grid.addWidget(QLabel(name), i // 2, (i % 2) * 2)
            self.mapping_grid.addWidget(combo, i // 2, (i % 2) * 2 + 1)
            self.mapping_combos[name] = combo
        if not names:
            self.mapping_grid.addWidget(QLabel("<i>nothing to map for this format</i>"), 0, 0)

    def options_from_widgets(self) -> ImportOptions:
        """The `ImportOptions` the widgets describe for the selected file."""
        state = self.current()
        extra = dict(state.options.extra) if state else {}
        mapping = {k: c.currentData() for k, c in self.mapping_combos.items() if c.currentData()}
        lines = self.template_lines()
        return ImportOptions(kind=self.kind.currentData() or "auto", mapping=mapping,
                             label_column=self.label_column.currentData(), templates=lines,
                             context="full" if self.context_full.isChecked() else "last", extra=extra)

    def template_lines(self) -> list[str] | None:
        """The catalog templates typed in, or None when they are the importer's defaults (or empty)."""
        lines = [t.strip() for t in self.templates.toPlainText().splitlines() if t.strip()]
        return None if not lines or lines == default_templates() else lines

    def _kind_changed(self) -> None:
        if self._filling:
            return
        state = self.current()
        if state is not None:
            state.options = ImportOptions(kind=self.kind.currentData(), context=state.options.context,
                                          templates=state.options.templates)
            self._debounce.start()

    def _options_changed(self, *_) -> None:
        if self._filling or self.current() is None:
            return
        self.current().options = self.options_from_widgets()
        self._debounce.start()

    def set_mapping(self, field_name: str, column: str) -> None:
        """Choose `column` for `field_name` (as a person would in the combo box)."""
        combo = self.mapping_combos[field_name]
        combo.setCurrentIndex(combo.findData(column))

    # -- detection + preview (worker) -----------------------------------------------------------
    def refresh_preview(self) -> None:
        """Re-run detection and preview now (normally a short pause after the last change does it)."""
        self._debounce.stop()
        self._inspect_current()

    def is_busy(self) -> bool:
        """True while detection or a preview is being computed."""
        return self._debounce.isActive() or (self._inspect is not None and self._inspect.is_running())

    def _inspect_current(self) -> None:
        state = self.current()
        if state is None:
            return
        self._generation += 1
        gen = self._generation
        if self._inspect is not None and self._inspect.is_running():
            self._inspect.cancel()
        self.preview_label.setText(f"Preview of {state.path.name}: reading…")
        self.import_button.setEnabled(False)
        options = ImportOptions(**{**state.options.__dict__, "mapping": dict(state.options.mapping)})
        project_path = self.controller.project.path if self.controller.project is not None else None

        def done(result: dict) -> None:
            if gen != self._generation or state.path not in self.files or not isValid(self.file_list):
                return
            state.detection, state.columns = result["detection"], result["columns"]
            state.preview, state.error, state.already = result["preview"], result["error"], result["already"]
            if self.current() is state:
                self._set_option_widgets(state)
            self._update_import_button()

        def failed(exc: BaseException) -> None:
            if gen == self._generation and isValid(self.file_list):  # the dialog may be gone
                state.error, state.preview = f"{exc.__class__.__name__}: {exc}", []
                if self.current() is state:
                    self._show_result(state)
                self._update_import_button()

        self._inspect = self.controller.run_task(
            f"Reading {state.path.name}",
            lambda progress: inspect_file(project_path, state.path, options, PREVIEW_ROWS, progress),
            done, failed, quiet=True)

    def _show_result(self, state: FileState) -> None:
        det = state.detection
        if det is not None:
            self.detected.setText(f"<b>Detected:</b> {det.summary} "
                                  f"<span style='color:#5f6368'>({det.importer}, confidence {det.score:.0%})</span>")
        elif state.error:
            self.detected.setText("<b>Could not detect how to read this file.</b> Choose the kind and columns.")
        self.already.setText("This file was imported before (same content)." if state.already else "")
        rows = state.preview
        self.preview.setRowCount(len(rows))
        for r, ex in enumerate(rows):
            for c, text in enumerate((ex.label or "", ex.input, ex.output)):
                item = QTableWidgetItem(text.replace("\n", " ⏎ ")[:400])
                item.setToolTip(text[:2000])
                self.preview.setItem(r, c, item)
        if state.error:
            self.preview_label.setText(f"<span style='color:#c5221f'>{state.error}</span>")
        else:
            self.preview_label.setText(f"Preview of {state.path.name}: the first {len(rows)} examples")

    def _update_import_button(self) -> None:
        ok = bool(self.files) and all(s.detection is not None and not s.error for s in self.files.values())
        self.import_button.setEnabled(ok and self.controller.project is not None)

    # -- import ---------------------------------------------------------------------------------
    def start_import(self) -> None:
        """Import every listed file with its options as one background task, then close the dialog."""
        if not self.files or self.controller.project is None:
            return
        project = self.controller.project
        jobs = [(s.path, s.options) for s in self.files.values()]
        on_duplicate = "replace" if self.on_replace.isChecked() else "skip"
        templates = self.template_lines()
        if templates != project.get_setting("templates"):
            project.set_setting("templates", templates)  # remembered for the next catalog import

        project_path = project.path

        def work(progress: Progress):
            # its own connection, so the window keeps reading while the import writes
            from ftcurate.core.importing import import_file
            from ftcurate.core.store import Project

            with Project.open(project_path) as p:
                return [import_file(p, path, opts, progress, on_duplicate) for path, opts in jobs]

        controller = self.controller  # the dialog may be gone when the import ends

        def done(reports) -> None:
            added = sum(r.examples for r in reports)
            skipped = [Path(r.path).name for r in reports if r.skipped]
            text = f"Imported {added} examples from {len(reports) - len(skipped)} file(s)"
            if skipped:
                text += f"; skipped {', '.join(skipped)} (already imported)"
            left_out: dict[str, int] = {}
            for r in reports:
                for why, k in r.dropped.items():
                    left_out[why] = left_out.get(why, 0) + k
            if left_out:  # internal notes, boilerplate, empty turns...: what was dropped and why
                text += "; left out: " + ", ".join(f"{k} {why}" for why, k in left_out.items())
            controller.statusMessage.emit(text)
            if added:  # the guided path: checks run on their own, in the background
                controller.actionRequested.emit("checks")

        n = len(jobs)
        self.task = controller.run_task(f"Import {n} file{'s' if n > 1 else ''}", work, done, writes=True)
        self.accept()

    def done(self, result: int) -> None:  # noqa: A003 - QDialog API
        self._debounce.stop()
        self._generation += 1  # a preview still running must not touch the closed dialog
        if self._inspect is not None and self._inspect.is_running():
            self._inspect.cancel()
        super().done(result)
