"""A non-modal notice in the status bar: "Undid: … — Redo" after an undo (and "Redid: … — Undo").

It never takes focus (the review loop keeps its keyboard) and hides itself after a few seconds.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

SHOW_MS = 8000


class UndoNotice(QFrame):
    """Shows what undo/redo just did, with a button for the other direction."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("undoNotice")
        self.controller = controller
        self.label = QLabel(self)
        self.label.setObjectName("undoNoticeText")
        self.button = QToolButton(self)
        self.button.setObjectName("undoNoticeButton")
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self._other_way)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 0, 4, 0)
        lay.addWidget(self.label)
        lay.addWidget(self.button)
        self._redo = True
        self._timer = QTimer(self, singleShot=True, interval=SHOW_MS)
        self._timer.timeout.connect(self.hide)
        controller.undoNotice.connect(self.show_notice)
        controller.projectChanged.connect(self.hide)
        self.hide()

    def show_notice(self, text: str, other_possible: bool) -> None:
        """`text` is "Undid: …" or "Redid: …"; the button offers the opposite when possible."""
        self._redo = text.startswith("Undid")
        self.label.setText(text if len(text) <= 70 else text[:69] + "…")
        self.label.setToolTip(text)
        self.button.setText("Redo" if self._redo else "Undo")
        self.button.setVisible(other_possible)
        self.show()
        self._timer.start()

    def _other_way(self) -> None:
        (self.controller.redo if self._redo else self.controller.undo)()
