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

from PySide6.QtCore import QTimer
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


def suggested_caps_available() -> bool:
    """Whether the balance check that suggests per-label caps is installed."""
    try:
        from ftcurate.core.checks.imbalance import suggested_caps  # noqa: F401
    except ImportError:
        return False
    return True


class ExportDialog(QDialog):
    """Options for one export, with a preview of the first examples in the chosen format.

    Args:
        project_or_controller: an open `Project`, or an object with a `.project` attribute.
        outdir: folder suggested in the output field.
    """

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
        if not suggested_caps_available():
            self.caps_check.setEnabled(False)
            self.caps_check.setToolTip("The label balance check is not installed.")
        self.system_edit = QPlainTextEdit(self._project_system_prompt())
        self.system_edit.setPlaceholderText("Optional system prompt for examples that have none")
        self.system_edit.setFixedHeight(60)
        self.overwrite_check = QCheckBox("Write into the folder even if it holds other files (they are kept)")
        self.force_check = QCheckBox("Export even if the scan finds high-severity personal data "
                                     "(the dataset card says so)")
        self.count_label = QLabel()

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
        form.addRow("", self.force_check)
        form.addRow("", self.count_label)
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
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.outdir_edit.text().strip()))

    def refresh_preview(self) -> None:
        """Re-render the preview and the example count for the current options."""
        kw = self.export_kwargs()
        fmt = kw["format"]
        self.format_hint.setText(FORMAT_HINTS.get(fmt, ""))
        try:
            text = preview_export(self.project, fmt, n=PREVIEW_EXAMPLES, include=kw["include"],
                                  system_prompt=kw["system_prompt"])
            where = "status = 'approved'" if kw["include"] == "approved" else "status != 'rejected'"
            n = self.project.query(f"SELECT count(*) FROM examples WHERE {where}")[0][0]
            self.count_label.setText(f"{n} examples will be split and exported.")
        except Exception as exc:  # noqa: BLE001 - show the problem in place of the preview
            text = f"(preview unavailable: {exc})"
        self.preview.setPlainText(text)
