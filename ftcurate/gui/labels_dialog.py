"""The Labels dialog: every label with its count, merge suggestions, merge and rename.

The view holds no rules: counts, suggestions and the checked command come from `ftcurate.core.labels`,
and every change goes through `ProjectController.try_apply`, so it is one undoable step (Ctrl+Z) and
an entry in the project's history, and files imported later get the same labels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ftcurate.core.labels import label_counts, merge_command, project_label_map, suggest_merges

if TYPE_CHECKING:
    from ftcurate.gui.controller import ProjectController


class LabelsDialog(QDialog):
    """Lists labels and applies merges/renames through the controller (see the module docstring)."""

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setWindowTitle("Labels")
        self.setObjectName("labelsDialog")
        self.resize(560, 520)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 2, self)
        self.table.setObjectName("labelsTable")
        self.table.setHorizontalHeaderLabels(["Label", "Examples"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 3)

        layout.addWidget(QLabel("Suggested merges (labels that look alike; nothing is merged until you say so):"))
        self.suggestions = QListWidget(self)
        self.suggestions.setObjectName("labelSuggestions")
        layout.addWidget(self.suggestions, 2)
        apply_row = QHBoxLayout()
        self.apply_suggestion = QPushButton("Merge the Selected Suggestion")
        self.apply_suggestion.setObjectName("applySuggestion")
        self.apply_suggestion.clicked.connect(self.merge_suggestion)
        apply_row.addStretch(1)
        apply_row.addWidget(self.apply_suggestion)
        layout.addLayout(apply_row)

        edit = QHBoxLayout()
        self.source = QComboBox(self)
        self.source.setObjectName("labelSource")
        self.target = QComboBox(self)
        self.target.setObjectName("labelTarget")
        self.target.setEditable(True)
        self.target.setToolTip("An existing label (merge) or a new name (rename)")
        self.merge_button = QPushButton("Merge / Rename")
        self.merge_button.setObjectName("mergeLabels")
        self.merge_button.clicked.connect(self.merge_selected)
        edit.addWidget(self.source, 2)
        edit.addWidget(QLabel("→"))
        edit.addWidget(self.target, 2)
        edit.addWidget(self.merge_button)
        layout.addLayout(edit)
        self.map_label = QLabel(self)
        self.map_label.setWordWrap(True)
        layout.addWidget(self.map_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        """Reload labels, counts, suggestions and the label map from the project."""
        project = self.controller.project
        counts = label_counts(project) if project is not None else []
        self.table.setRowCount(len(counts))
        for row, (label, n) in enumerate(counts):
            self.table.setItem(row, 0, QTableWidgetItem(label))
            num = QTableWidgetItem(str(n))
            num.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 1, num)
        names = [label for label, _ in counts]
        for combo in (self.source, self.target):
            current = combo.currentText()
            combo.clear()
            combo.addItems(names)
            if current in names:
                combo.setCurrentText(current)
        self.suggestions.clear()
        for s in suggest_merges(counts):
            for src in s.sources:
                kind = "same label" if s.kind == "same" else "maybe the same topic"
                item = QListWidgetItem(f"{src} ({s.counts.get(src, 0)}) → {s.target} ({s.counts.get(s.target, 0)})"
                                       f"   — {kind}: {s.reason}")
                item.setData(Qt.ItemDataRole.UserRole, (src, s.target))
                self.suggestions.addItem(item)
        lmap = project_label_map(project) if project is not None else {}
        self.map_label.setText("Applied to later imports: " + ", ".join(f"{a} → {b}" for a, b in sorted(lmap.items()))
                               if lmap else "")
        self.apply_suggestion.setEnabled(self.suggestions.count() > 0)
        self.merge_button.setEnabled(bool(names))

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.source.setCurrentText(self.table.item(rows[0].row(), 0).text())

    def _apply(self, changes: dict[str, str], rename: bool) -> bool:
        try:
            cmd = merge_command(self.controller.project, changes, rename=rename)
        except Exception as exc:  # noqa: BLE001 - a user-caused problem, shown as such
            self.controller.show_error("Could not change the label", exc)
            return False
        done = self.controller.try_apply(cmd, "change the label")
        self.refresh()
        return done

    def merge_selected(self) -> bool:
        """Merge the chosen label into the target, or rename it when the target is a new name."""
        src, dst = self.source.currentText().strip(), self.target.currentText().strip()
        if not src or not dst or src == dst:
            return False
        existing = {self.table.item(r, 0).text() for r in range(self.table.rowCount())}
        return self._apply({src: dst}, rename=dst not in existing)

    def merge_suggestion(self) -> bool:
        """Apply the selected suggestion (the first one when none is selected)."""
        item = self.suggestions.currentItem() or self.suggestions.item(0)
        if item is None:
            return False
        src, dst = item.data(Qt.ItemDataRole.UserRole)
        return self._apply({src: dst}, rename=False)


def open_labels_dialog(window) -> LabelsDialog:
    """Show the dialog over the main window (Review > Labels…); the table refreshes on close."""
    dialog = LabelsDialog(window.controller, window)
    dialog.finished.connect(lambda _=0: window.controller.examplesChanged.emit([]))
    dialog.show()
    return dialog
