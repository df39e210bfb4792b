"""Export dialog: choose the format, split sizes, seed and which examples go in; see a live preview.

All the work is the core's (`ftcurate.core.export`): the dialog reads the widgets into keyword
arguments for `export_project` (`export_kwargs()`), shows `preview_export` for the chosen format (one
small query, so it stays instant on large projects), and hands `export_task()` to the main window,
which runs it in a background worker with progress and Cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ftcurate.core.export import FORMATS, export_project, preview_export
from ftcurate.core.progress import Progress
from ftcurate.core.split import include_sql

PREVIEW_EXAMPLES = 3
INCLUDE_CHOICES = (("not_rejected", "Everything not rejected"), ("approved", "Approved examples only"))
FORMAT_HINTS = {
    "openai": "One JSON object per line with \"messages\". OpenAI fine-tuning, Axolotl chat_template, LLaMA-Factory.",
    "alpaca": "instruction / input / output per line (+ system, history). Axolotl alpaca, LLaMA-Factory.",
    "alpaca-json": "The same Alpaca records as one JSON array.",
    "sharegpt": "\"conversations\" with from human/gpt/system. Axolotl, LLaMA-Factory.",
    "prompt-completion": "prompt / completion per line; earlier turns folded into the prompt.",
    "parquet": "Parquet files (id, label, messages).",
    "hf": "Parquet files plus a folder that datasets.load_from_disk reads.",
}


class ExportDialog(QDialog):
    """Options for one export, with a preview of the first examples in the chosen format.

    Args:
        project_or_controller: an open `Project`, or an object with a `.project` attribute.
        outdir: folder suggested in the output field.
    """

    showExamplesRequested = Signal(list)  # example ids that stop the export

    def __init__(self, project_or_controller: Any, parent: QWidget | None = None,
                 outdir: str | Path | None = None) -> None:
        super().__init__(parent)
        self._source = project_or_controller
        self.setWindowTitle("Export dataset")
        self.resize(900, 600)

        self.outdir_edit = QLineEdit(str(outdir) if outdir else "")
        self.outdir_edit.setPlaceholderText("Folder for train / test files")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.outdir_edit, 1)
        out_row.addWidget(browse)

        self.format_combo = QComboBox()
        for name, fmt in FORMATS.items():
            self.format_combo.addItem(fmt.title, name)
        self.format_hint = QLabel()
        self.format_hint.setWordWrap(True)
        self.test_spin = self._fraction_spin(0.1)
        self.val_spin = self._fraction_spin(0.0)
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2_000_000_000)
        self.include_combo = QComboBox()
        for key, title in INCLUDE_CHOICES:
            self.include_combo.addItem(title, key)
        self.caps_check = QCheckBox("Cap over-represented labels (suggested by the balance check)")
        self.system_edit = QPlainTextEdit(self._project_system_prompt())
        self.system_edit.setPlaceholderText("Optional system prompt for examples that have none")
        self.system_edit.setFixedHeight(60)
        self.overwrite_check = QCheckBox("Write into the folder even if it holds other files (they are kept)")
        self.force_check = QCheckBox("Export anyway: I reviewed these personal-data findings (the dataset card "
                                     "records the override)")
        self.force_check.toggled.connect(self._update_ok)
        self.count_label = QLabel()
        self.blockers: list[int] = []  # example ids with open high-severity PII that would be exported
        self.blockers_label = QLabel()
        self.blockers_label.setObjectName("exportBlockers")
        self.blockers_label.setWordWrap(True)
        self.blockers_label.setStyleSheet("color:#b3261e")
        self.show_blockers = QPushButton("Show these examples")
        self.show_blockers.setToolTip("Close this dialog (its settings are kept) and list them in Review")
        self.show_blockers.clicked.connect(self._show_blockers)
        self.blockers_box = QWidget()
        bl = QVBoxLayout(self.blockers_box)
        bl.setContentsMargins(0, 4, 0, 4)
        bl.addWidget(self.blockers_label)
        brow = QHBoxLayout()
        brow.addWidget(self.show_blockers)
        brow.addStretch(1)
        bl.addLayout(brow)
        self.blockers_box.hide()
        self.problem_label = QLabel()
        self.problem_label.setObjectName("exportProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color:#b3261e")
        self.problem_label.hide()

        form = QFormLayout()
        form.addRow("Output folder", out_row)
        form.addRow("Format", self.format_combo)
        form.addRow("", self.format_hint)
        form.addRow("Test share", self.test_spin)
        form.addRow("Validation share", self.val_spin)
        form.addRow("Seed", self.seed_spin)
        form.addRow("Include", self.include_combo)
        form.addRow("", self.caps_check)
        form.addRow("System prompt", self.system_edit)
        form.addRow("", self.overwrite_check)
        form.addRow("", self.count_label)
        form.addRow("", self.blockers_box)
        form.addRow("", self.force_check)
        form.addRow("", self.problem_label)
        left = QWidget()
        left.setLayout(form)

        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        rlay.addWidget(QLabel(f"Preview: the first {PREVIEW_EXAMPLES} examples as they will be written"))
        rlay.addWidget(self.preview, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(split, 1)
        lay.addWidget(self.buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.refresh_preview)
        self.format_combo.currentIndexChanged.connect(self.refresh_preview)
        self.include_combo.currentIndexChanged.connect(self.refresh_preview)
        self.system_edit.textChanged.connect(self._timer.start)
        self.outdir_edit.textChanged.connect(self._update_ok)
        self.refresh_preview()
        self._update_ok()

    # -- the contract with the main window -------------------------------------------------------
    @property
    def project(self):
        return getattr(self._source, "project", self._source)

    def export_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `export_project(project, **kwargs)` (outdir included)."""
        return {
            "outdir": self.outdir_edit.text().strip(),
            "format": self.format_combo.currentData(),
            "test_fraction": round(self.test_spin.value(), 4),
            "val_fraction": round(self.val_spin.value(), 4),
            "seed": self.seed_spin.value(),
            "include": self.include_combo.currentData(),
            "caps": "suggested" if self.caps_check.isChecked() else None,
            "system_prompt": self.system_edit.toPlainText().strip(),
            "overwrite": self.overwrite_check.isChecked(),
            "allow_pii": self.force_check.isChecked(),
        }

    def export_task(self) -> Callable[[Progress], Any]:
        """A `fn(progress) -> ExportReport` for a background worker, with the options chosen now."""
        project, kwargs = self.project, self.export_kwargs()
        return lambda progress: export_project(project, progress=progress, **kwargs)

    @staticmethod
    def report_text(report) -> str:
        """A short, readable summary of an `ExportReport` for a message box."""
        counts = ", ".join(f"{n} {s}" for s, n in report.counts.items())
        val = report.validation
        lines = [f"Exported {sum(report.counts.values())} examples ({counts}) to {report.outdir}."]
        if report.forced and report.pii_open:
            lines.append(f"Warning: {report.pii_open} high-severity personal-data findings were still open; "
                         "the dataset card says so.")
        lines.append("Checked for OpenAI, Axolotl and LLaMA-Factory: " + (
            "no problems." if val.get("ok") and not val.get("warnings")
            else f"{val.get('errors', 0)} errors, {val.get('warnings', 0)} warnings (see ftcurate validate)."))
        return "\n".join(lines)

    # -- internals --------------------------------------------------------------------------------
    def _fraction_spin(self, value: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(0.0, 0.9)
        spin.setSingleStep(0.05)
        spin.setDecimals(2)
        spin.setValue(value)
        return spin

    def _project_system_prompt(self) -> str:
        try:
            return self.project.get_setting("system_prompt") or ""
        except Exception:  # noqa: BLE001 - a dialog must open even on an odd project
            return ""

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to folder", self.outdir_edit.text())
        if folder:
            self.outdir_edit.setText(folder)

    def _update_ok(self) -> None:
        blocked = bool(self.blockers) and not self.force_check.isChecked()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.outdir_edit.text().strip()) and not blocked)
        ok.setToolTip("Redact or ignore the open personal data first, or tick \"Export anyway\"" if blocked else "")

    def restore(self, kwargs: dict[str, Any]) -> None:
        """Put back the options of an earlier `export_kwargs()` (reopened after a stop or an error)."""
        self.outdir_edit.setText(kwargs.get("outdir", ""))
        for box, key in ((self.format_combo, "format"), (self.include_combo, "include")):
            i = box.findData(kwargs.get(key))
            if i >= 0:
                box.setCurrentIndex(i)
        self.test_spin.setValue(kwargs.get("test_fraction", self.test_spin.value()))
        self.val_spin.setValue(kwargs.get("val_fraction", self.val_spin.value()))
        self.seed_spin.setValue(kwargs.get("seed", self.seed_spin.value()))
        self.caps_check.setChecked(kwargs.get("caps") == "suggested")
        self.system_edit.setPlainText(kwargs.get("system_prompt", self.system_edit.toPlainText()))
        self.force_check.setChecked(bool(kwargs.get("allow_pii", kwargs.get("force"))))
        self.overwrite_check.setChecked(bool(kwargs.get("overwrite", kwargs.get("force"))))
        self.refresh_preview()

    def show_problem(self, text: str) -> None:
        """Show why the last export stopped, inside the dialog."""
        self.problem_label.setText(text)
        self.problem_label.setVisible(bool(text))

    def _show_blockers(self) -> None:
        self.showExamplesRequested.emit(list(self.blockers))
        self.reject()

    def _check_blockers(self, include: str) -> None:
        """Open high-severity PII on examples this export would include (the core's safety stop)."""
        from ftcurate.core.export.pii_gate import stored_blockers

        flags = self._source.flags() if hasattr(self._source, "flags") else self.project.flags_frame()
        where = include_sql(include)
        pii = set(flags.filter(flags["check"] == "pii").get_column("example_id").to_list()) if flags.height else set()
        ids = {r[0] for r in self.project.query(f"SELECT id FROM examples WHERE {where}")} & pii
        found = stored_blockers(flags, ids)
        self.blockers = sorted(set(found.get_column("example_id").to_list())) if found.height else []
        if self.blockers:
            kinds = sorted({k or "PII" for k in found.get_column("kind").to_list()})
            self.blockers_label.setText(
                f"⚠ Export is stopped: {found.height} high-severity personal-data finding(s) "
                f"({', '.join(kinds)}) are still open on {len(self.blockers)} example(s) that would be "
                "exported. Redact them or mark false alarms as ignored, or tick \"Export anyway\".")
        self.blockers_box.setVisible(bool(self.blockers))
        self._update_ok()

    def refresh_preview(self) -> None:
        """Re-render the preview and the example count for the current options."""
        kw = self.export_kwargs()
        fmt = kw["format"]
        self.format_hint.setText(FORMAT_HINTS.get(fmt, ""))
        try:
            text = preview_export(self.project, fmt, n=PREVIEW_EXAMPLES, include=kw["include"],
                                  system_prompt=kw["system_prompt"])
            n = self.project.query(f"SELECT count(*) FROM examples WHERE {include_sql(kw['include'])}")[0][0]
            self.count_label.setText(f"{n} examples will be split and exported"
                                     + (", before the suggested caps." if kw["caps"] else "."))
            self._check_blockers(kw["include"])
        except Exception as exc:  # noqa: BLE001 - show the problem in place of the preview
            text = f"(preview unavailable: {exc})"
        self.preview.setPlainText(text)
