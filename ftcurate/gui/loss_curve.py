"""The training loss curve of the Train page, drawn with QPainter (no chart library)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QWidget


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    v, out = math.floor(lo / step) * step, []
    while v <= hi + 1e-9 and len(out) < 20:
        out.append(round(v, 10))
        v += step
    return out


class LossCurveView(QWidget):
    """The training loss per step, drawn with QPainter (no chart library)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.points: list[tuple[float, float]] = []
        self.total_steps = 0
        self.base_loss: float | None = None
        self.setMinimumHeight(160)

    def sizeHint(self) -> QSize:
        return QSize(480, 240)

    def clear(self) -> None:
        self.points, self.total_steps, self.base_loss = [], 0, None
        self.update()

    def add_point(self, step: float, loss: float, total_steps: int | None = None) -> None:
        self.points.append((float(step), float(loss)))
        if total_steps:
            self.total_steps = total_steps
        self.update()

    def y_range(self) -> tuple[list[float], float, float]:
        """(ticks, low, high) of the loss axis: every point and the base line inside, with a margin
        (the ticks may lie inside the range; the range never cuts the first, highest point)."""
        ys = [y for _, y in self.points] + ([self.base_loss] if self.base_loss is not None else [])
        lo, hi = min(ys), max(ys)
        pad = (hi - lo) * 0.08 or 0.1
        lo, hi = max(0.0, lo - pad), hi + pad
        ticks = [t for t in _ticks(lo, hi) if lo <= t <= hi] or [lo, hi]
        return ticks, lo, hi

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt API
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#ffffff"))
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, self.font().pointSizeF() * 0.85))
        p.setFont(small)
        plot = QRectF(48, 12, max(10, self.width() - 60), max(10, self.height() - 40))
        if not self.points:
            p.setPen(QColor("#5f6368"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "The loss curve appears here while training runs")
            return
        ticks, lo, hi = self.y_range()
        xmax = max(self.total_steps, self.points[-1][0], 1.0)

        def pt(x: float, y: float) -> QPointF:
            return QPointF(plot.left() + plot.width() * x / xmax, plot.bottom() - plot.height() * (y - lo) / (hi - lo))

        for t in ticks:
            y = pt(0, t).y()
            p.setPen(QPen(QColor("#e8eaed"), 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor("#5f6368"))
            p.drawText(QRectF(0, y - 8, 44, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{t:g}")
        p.drawText(QRectF(plot.left(), plot.bottom() + 4, plot.width(), 16), Qt.AlignmentFlag.AlignCenter,
                   f"step (of {int(xmax)})")
        if self.base_loss is not None:
            p.setPen(QPen(QColor("#9aa0a6"), 1, Qt.PenStyle.DashLine))
            y = pt(0, self.base_loss).y()
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.drawText(QPointF(plot.right() - 110, y - 3), "base model (test)")
        path = QPainterPath(pt(*self.points[0]))
        for x, y in self.points[1:]:
            path.lineTo(pt(x, y))
        p.setPen(QPen(QColor("#1a6f8f"), 2))
        p.drawPath(path)
        p.setBrush(QColor("#1a6f8f"))
        p.drawEllipse(pt(*self.points[-1]), 3, 3)
        p.end()
