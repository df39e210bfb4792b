"""One editable chat turn with PII spans highlighted by entity type (used by the detail panel).

Spans are drawn as extra selections (background by entity type, so the text stays editable and the
document is never rewritten). Clicking inside a span emits `spanClicked(flag_id, global_pos)`; the
panel offers redact / ignore there. Undo/redo shortcuts are left to the window's QUndoStack so every
edit, typed or not, is undone through the project's history.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QColor, QKeySequence, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QTextEdit, QToolTip, QWidget

ENTITY_COLORS = {
    "PERSON": "#f8c8d4", "EMAIL_ADDRESS": "#c6dcfb", "PHONE_NUMBER": "#c9ebcb", "LOCATION": "#ffe1b8",
    "ADDRESS": "#ffe1b8", "STREET_ADDRESS": "#ffe1b8", "CREDIT_CARD": "#e4c8ee", "IBAN_CODE": "#dccfc9",
    "IP_ADDRESS": "#d0f0ef", "URL": "#d0f0ef", "DATE_TIME": "#eeeeee", "ORDER_ID": "#fff4a3",
    "ORDER_NUMBER": "#fff4a3", "US_SSN": "#e4c8ee", "NRP": "#f3e0c8",
}
_FALLBACK = ("#ffd6d6", "#d6e4ff", "#dff5d6", "#fbe7c6", "#eadcf8", "#d6f2f0")


def entity_color(kind: str | None) -> QColor:
    """The highlight colour of a PII entity type (stable for unknown types too)."""
    if kind in ENTITY_COLORS:
        return QColor(ENTITY_COLORS[kind])
    return QColor(_FALLBACK[sum(map(ord, kind or "")) % len(_FALLBACK)])


@dataclass
class Span:
    start: int
    end: int
    kind: str
    flag_id: int
    message: str


class TurnEdit(QPlainTextEdit):
    """A QPlainTextEdit that grows with its text and shows clickable PII spans."""

    spanClicked = Signal(int, QPoint)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spans: list[Span] = []
        self.setUndoRedoEnabled(False)
        self.setMouseTracking(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.document().documentLayout().documentSizeChanged.connect(lambda _: self._fit())
        self._fit()

    # -- spans ------------------------------------------------------------------------------------
    def set_spans(self, spans: list[Span]) -> None:
        """Highlight `spans` (those that do not fit the current text are skipped)."""
        n = len(self.toPlainText())
        self.spans = [s for s in spans if 0 <= s.start < s.end <= n]
        sels = []
        for s in self.spans:
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setBackground(entity_color(s.kind))
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
            fmt.setUnderlineColor(entity_color(s.kind).darker(170))
            fmt.setProperty(QTextFormat.Property.UserProperty, s.flag_id)
            cur = QTextCursor(self.document())
            cur.setPosition(s.start)
            cur.setPosition(s.end, QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cur
            sel.format = fmt
            sels.append(sel)
        self.setExtraSelections(sels)

    def span_at(self, pos: int) -> Span | None:
        for s in self.spans:
            if s.start <= pos < s.end:
                return s
        return None

    # -- events -----------------------------------------------------------------------------------
    def event(self, e: QEvent) -> bool:
        # leave undo/redo to the window (the project's history), not the editor's own stack
        if e.type() == QEvent.Type.ShortcutOverride and (
                e.matches(QKeySequence.StandardKey.Undo) or e.matches(QKeySequence.StandardKey.Redo)):
            e.ignore()
            return False
        return super().event(e)

    def mouseMoveEvent(self, e) -> None:  # noqa: N802
        super().mouseMoveEvent(e)
        span = self.span_at(self.cursorForPosition(e.position().toPoint()).position())
        if span is not None:
            self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
            QToolTip.showText(e.globalPosition().toPoint(), f"{span.kind}: {span.message}\nClick to redact or ignore",
                              self)
        else:
            self.viewport().setCursor(Qt.CursorShape.IBeamCursor)

    def mouseReleaseEvent(self, e) -> None:  # noqa: N802
        super().mouseReleaseEvent(e)
        if e.button() != Qt.MouseButton.LeftButton or self.textCursor().hasSelection():
            return
        span = self.span_at(self.cursorForPosition(e.position().toPoint()).position())
        if span is not None:
            self.spanClicked.emit(span.flag_id, e.globalPosition().toPoint())

    def resizeEvent(self, e) -> None:  # noqa: N802
        super().resizeEvent(e)
        self._fit()

    def _fit(self) -> None:
        """Grow to show every line (the panel scrolls, not each turn)."""
        doc = self.document()
        lines = max(2, int(doc.documentLayout().documentSize().height()))
        fm = self.fontMetrics()
        h = lines * fm.lineSpacing() + 2 * int(doc.documentMargin()) + 6
        self.setFixedHeight(min(max(h, 48), 4000))
