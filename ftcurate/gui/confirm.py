"""Asking before one click rejects many examples (the threshold is `core.review.decisions.ASK_ABOVE`)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from ftcurate.core.review.decisions import ASK_ABOVE, rejections


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """A yes/no question (tests replace this function)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text,
                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, parent)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    return box.exec() == QMessageBox.StandardButton.Yes


def confirm_rejections(parent: QWidget | None, command, what: str) -> bool:
    """True when `command` rejects at most ASK_ABOVE examples, or the person agreed to more."""
    n = rejections(command)
    if n <= ASK_ABOVE:
        return True
    return ask(parent, f"Reject {n:,} examples?",
               f"{what} marks {n:,} examples rejected in one step. They stay in the project (Undo brings "
               "them back), but they will not be exported.\n\nReject them?")
