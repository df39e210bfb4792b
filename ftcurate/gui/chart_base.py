"""Shared drawing for the chart widgets: palette, tick maths, axes, legends and the `ChartView` base.

See `ftcurate.gui.charts` for the charts themselves.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

BACKGROUND = QColor("#ffffff")
GRID = QColor("#e8eaed")
AXIS = QColor("#9aa0a6")
TEXT = QColor("#5f6368")
TITLE = QColor("#202124")
ACCENT = QColor("#1a6f8f")
UNDER = QColor("#e45756")
OVER = QColor("#f58518")
REFERENCE = QColor("#3c4043")
SERIES = [QColor(c) for c in ("#1a6f8f", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2",
                              "#9d755d", "#eeca3b")]


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] with about `n` steps of 1, 2 or 5 x 10^k."""
    if not math.isfinite(lo) or not math.isfinite(hi):
        return [0.0]
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(1, n)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while len(ticks) < 50:
        ticks.append(round(v, 10))
        if v >= hi - step * 1e-9:
            break
        v += step
    return ticks


def format_number(v: float) -> str:
    """Short tick text: 1200 -> 1.2k, 0.25 -> 0.25."""
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e4:
        return f"{v / 1e3:.3g}k"
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:.3g}"


class ChartView(QWidget):
    """Base: white card, title, empty-state text, hover tooltips."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.title = ""
        self.empty_text = "No data"
        self._hover: int | None = None

    def sizeHint(self) -> QSize:
        return QSize(420, 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 140)

    def _fonts(self) -> tuple[QFont, QFont]:
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        title = QFont(self.font())
        title.setBold(True)
        return small, title

    def _begin(self, painter: QPainter) -> QRectF:
        """Fill the background, draw the title; return the rectangle left for the plot."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), BACKGROUND)
        rect = QRectF(self.rect()).adjusted(10, 8, -12, -8)
        if self.title:
            _, title = self._fonts()
            painter.setFont(title)
            painter.setPen(TITLE)
            h = QFontMetrics(title).height()
            painter.drawText(QRectF(rect.left(), rect.top(), rect.width(), h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title)
            rect.setTop(rect.top() + h + 6)
        return rect

    def _empty(self, painter: QPainter, rect: QRectF) -> None:
        painter.setPen(TEXT)
        painter.setFont(self._fonts()[0])
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, self.empty_text)

    def _tip(self, event, text: str) -> None:
        QToolTip.showText(event.globalPosition().toPoint(), text, self)

    def _set_hover(self, index: int | None) -> None:
        if index != self._hover:
            self._hover = index
            self.update()

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt naming
        self._set_hover(None)
        QToolTip.hideText()
        super().leaveEvent(event)


def draw_value_axis(painter: QPainter, plot: QRectF, ticks: list[float], lo: float, hi: float,
                     horizontal: bool, font: QFont) -> None:
    """Grid lines and tick labels for the value axis (x when `horizontal`, else y)."""
    painter.setFont(font)
    fm = QFontMetrics(font)
    for t in ticks:
        frac = (t - lo) / (hi - lo) if hi > lo else 0.0
        if horizontal:
            x = plot.left() + frac * plot.width()
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            painter.setPen(TEXT)
            s = format_number(t)
            painter.drawText(QPointF(x - fm.horizontalAdvance(s) / 2, plot.bottom() + fm.ascent() + 4), s)
        else:
            y = plot.bottom() - frac * plot.height()
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(TEXT)
            s = format_number(t)
            painter.drawText(QPointF(plot.left() - fm.horizontalAdvance(s) - 6, y + fm.ascent() / 2 - 1), s)


def draw_legend(painter: QPainter, rect: QRectF, items: list[tuple[str, QColor, str]], font: QFont) -> float:
    """Draw legend swatches right-aligned on the first line of `rect`; returns the height used.
    Each item is (text, colour, shape) with shape "box", "line" or "dot"."""
    if not items:
        return 0.0
    painter.setFont(font)
    fm = QFontMetrics(font)
    widths = [fm.horizontalAdvance(t) + 22 for t, _, _ in items]
    x = rect.right() - sum(widths)
    y = rect.top() + fm.height() / 2
    for (text, color, shape), w in zip(items, widths, strict=True):
        if shape == "line":
            painter.setPen(QPen(color, 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, y), QPointF(x + 12, y))
        elif shape == "dot":
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawEllipse(QPointF(x + 6, y), 4, 4)
        else:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(QRectF(x, y - 5, 12, 10), 2, 2)
        painter.setPen(TEXT)
        painter.drawText(QPointF(x + 16, y + fm.ascent() / 2 - 1), text)
        x += w
    return fm.height() + 6
