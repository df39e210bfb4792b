"""Small widgets of the main window: welcome page, task progress rows, the shortcut sheet."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ftcurate.gui.eta import Eta
from ftcurate.gui.style import icon
from ftcurate.gui.tasks import TaskHandle


class WelcomePage(QWidget):
    """Shown when no project is open: New, Open and the recent projects."""

    newRequested = Signal()
    openRequested = Signal()
    recentRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        logo = QLabel(self)
        logo.setPixmap(icon("app").pixmap(QSize(72, 72)))
        title = QLabel("ftcurate", self)
        title.setObjectName("welcomeTitle")
        sub = QLabel("Turn support logs, FAQs and catalogs into clean fine-tuning data.", self)
        sub.setObjectName("welcomeSub")
        new = QPushButton("New project…", self)
        new.setObjectName("primary")
        new.clicked.connect(self.newRequested)
        open_ = QPushButton("Open project…", self)
        open_.clicked.connect(self.openRequested)
        self.recent = QListWidget(self)
        self.recent.setObjectName("recentList")
        self.recent.setMaximumHeight(220)
        self.recent.itemActivated.connect(lambda it: self.recentRequested.emit(it.data(Qt.ItemDataRole.UserRole)))
        self.recent_title = QLabel("Recent projects", self)
        self.recent_title.setObjectName("sectionTitle")

        col = QVBoxLayout()
        col.setSpacing(10)
        head = QHBoxLayout()
        head.addWidget(logo)
        names = QVBoxLayout()
        names.addWidget(title)
        names.addWidget(sub)
        head.addLayout(names)
        head.addStretch(1)
        col.addLayout(head)
        col.addSpacing(14)
        buttons = QHBoxLayout()
        buttons.addWidget(new)
        buttons.addWidget(open_)
        buttons.addStretch(1)
        col.addLayout(buttons)
        col.addSpacing(14)
        col.addWidget(self.recent_title)
        col.addWidget(self.recent)
        box = QWidget(self)
        box.setLayout(col)
        box.setMaximumWidth(640)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(box, 3)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

    def set_recent(self, paths: list[str]) -> None:
        self.recent.clear()
        for p in paths:
            item = QListWidgetItem(icon("open"), f"{Path(p).name}    —    {Path(p).parent}")
            item.setData(Qt.ItemDataRole.UserRole, p)
            item.setToolTip(p)
            self.recent.addItem(item)
        self.recent.setVisible(bool(paths))
        self.recent_title.setVisible(bool(paths))


class TaskRow(QWidget):
    """A running task in the status bar: title, progress bar, Cancel. Removes itself when it ends."""

    def __init__(self, handle: TaskHandle, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.handle = handle
        self.label = QLabel(handle.title, self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(160)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        self.bar.setRange(0, 0)
        self.cancel = QToolButton(self, text="Cancel", toolTip=f"Cancel: {handle.title}")
        self.cancel.clicked.connect(self._cancel)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel)
        self.eta = Eta()
        self.pct = QLabel("", self)
        self.pct.setObjectName("taskEta")
        lay.insertWidget(2, self.pct)
        handle.progressed.connect(self._progress)
        handle.ended.connect(lambda _: (self.hide(), self.deleteLater()))  # gone at once

    def _progress(self, done: int, total: int, status: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        else:
            self.bar.setRange(0, 0)
        text = status or self.handle.title
        self.label.setText(text if len(text) <= 48 else text[:47] + "…")
        self.pct.setText(self.eta.text(done, total))

    def _cancel(self) -> None:
        self.handle.cancel()
        self.cancel.setEnabled(False)
        self.label.setText(f"Cancelling {self.handle.title}…")


class ShortcutSheetDialog(QDialog):
    """Every keyboard shortcut of the window's actions, grouped by menu."""

    def __init__(self, groups: list[tuple[str, list[QAction]]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = [(menu, a.text().replace("&", "").split("\t")[0].rstrip(".…"), ", ".join(
                 k.toString(k.SequenceFormat.NativeText) for k in a.shortcuts()))
                for menu, actions in groups for a in actions
                if not a.shortcut().isEmpty()]
        table = QTableWidget(len(rows), 3, self)
        table.setObjectName("shortcutTable")
        table.setHorizontalHeaderLabels(["Keys", "Action", "Menu"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        for r, (menu, text, keys) in enumerate(rows):
            k = QTableWidgetItem(keys)
            f = k.font()
            f.setBold(True)
            k.setFont(f)
            table.setItem(r, 0, k)
            table.setItem(r, 1, QTableWidgetItem(text))
            table.setItem(r, 2, QTableWidgetItem(menu))
        hdr = table.horizontalHeader()
        hdr.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        hdr.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        hdr.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.rows = rows
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Single-letter keys work whenever you are not typing in a text box.", self))
        lay.addWidget(table)
        lay.addWidget(buttons)
        self.resize(560, 620)
