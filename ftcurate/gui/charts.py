"""Light chart widgets drawn with QPainter: bars, a scatter map and histograms.

They only draw what they are given (no statistics beyond binning for display) and report hover and
clicks: `BarChartView.barClicked(label)`, `ScatterChartView.pointClicked(example_id)`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QToolTip, QWidget

from ftcurate.gui.chart_base import (
    ACCENT,
    AXIS,
    GRID,
    OVER,
    REFERENCE,
    SERIES,
    TEXT,
    TITLE,
    UNDER,
    ChartView,
    draw_legend,
    draw_value_axis,
    format_number,
    nice_ticks,
)

__all__ = ["ACCENT", "GRID", "OVER", "UNDER", "BarChartView", "ChartView", "HistogramView", "ScatterChartView",
           "format_number", "nice_ticks"]


class BarChartView(ChartView):
    """Horizontal bars, one per label, largest first as given; optional marks and a reference line.

    `set_data(bars, marks={label: "under"|"over"}, reference=median)`; the widget asks for the height
    its bars need, so put it in a QScrollArea when there can be hundreds of labels.
    """

    barClicked = Signal(str)

    BAR_HEIGHT = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._bars: list[tuple[str, float]] = []
        self._marks: dict[str, str] = {}
        self._reference: float | None = None
        self._reference_text = "median"
        self._value_name = "examples"
        self._colors: dict[str, QColor] = {}
        self._rows: list[QRectF] = []

    def set_data(self, bars: Sequence[tuple[str, float]], marks: dict[str, str] | None = None,
                 reference: float | None = None, reference_text: str = "median",
                 value_name: str = "examples", colors: dict[str, QColor | str] | None = None) -> None:
        self._bars = [(str(k), float(v)) for k, v in bars]
        self._marks = dict(marks or {})
        self._reference = reference
        self._reference_text = reference_text
        self._value_name = value_name
        self._colors = {k: QColor(v) for k, v in (colors or {}).items()}
        self._hover = None
        self.updateGeometry()
        self.update()

    def bars(self) -> list[tuple[str, float]]:
        return list(self._bars)

    def sizeHint(self) -> QSize:
        extra = 80 if self.title else 56
        return QSize(420, max(160, extra + len(self._bars) * (self.BAR_HEIGHT + 4)))

    def minimumSizeHint(self) -> QSize:
        return QSize(240, min(self.sizeHint().height(), 900))

    def _color(self, label: str) -> QColor:
        if label in self._colors:
            return self._colors[label]
        return {"under": UNDER, "over": OVER}.get(self._marks.get(label, ""), ACCENT)

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        rect = self._begin(painter)
        small, _ = self._fonts()
        if not self._bars:
            self._empty(painter, rect)
            return
        legend = []
        if any(m == "under" for m in self._marks.values()):
            legend.append(("under-represented", UNDER, "box"))
        if any(m == "over" for m in self._marks.values()):
            legend.append(("over-represented", OVER, "box"))
        if self._reference is not None:
            legend.append((f"{self._reference_text} {format_number(self._reference)}", REFERENCE, "line"))
        rect.setTop(rect.top() + draw_legend(painter, rect, legend, small))
        fm = QFontMetrics(small)
        label_w = min(rect.width() * 0.4, max(fm.horizontalAdvance(k) for k, _ in self._bars) + 10)
        hi = max([v for _, v in self._bars] + [self._reference or 0.0, 1.0])
        ticks = nice_ticks(0.0, hi)
        hi = ticks[-1]
        plot = QRectF(rect.left() + label_w, rect.top(), rect.width() - label_w - 36,
                      rect.height() - fm.height() - 6)
        draw_value_axis(painter, plot, ticks, 0.0, hi, True, small)
        step = plot.height() / len(self._bars)
        bar_h = max(2.0, min(self.BAR_HEIGHT, step * 0.75))
        self._rows = []
        painter.setFont(small)
        for i, (label, value) in enumerate(self._bars):
            y = plot.top() + i * step + (step - bar_h) / 2
            self._rows.append(QRectF(rect.left(), plot.top() + i * step, rect.width(), step))
            color = QColor(self._color(label))
            if self._hover is not None and self._hover != i:
                color.setAlpha(150)
            w = value / hi * plot.width() if hi else 0.0
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(QRectF(plot.left(), y, max(w, 1.0), bar_h), 2, 2)
            if step >= fm.height() * 0.9:
                painter.setPen(TITLE if self._hover == i else TEXT)
                text = fm.elidedText(label, Qt.TextElideMode.ElideMiddle, int(label_w - 8))
                painter.drawText(QRectF(rect.left(), y, label_w - 8, bar_h),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
                painter.setPen(TEXT)
                painter.drawText(QPointF(plot.left() + w + 4, y + bar_h / 2 + fm.ascent() / 2 - 1),
                                 format_number(value))
        painter.setPen(QPen(AXIS, 1))
        painter.drawLine(QPointF(plot.left(), plot.top()), QPointF(plot.left(), plot.bottom()))
        if self._reference is not None and hi:
            x = plot.left() + self._reference / hi * plot.width()
            painter.setPen(QPen(REFERENCE, 1.5, Qt.PenStyle.DashLine))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))

    def _row_at(self, pos: QPointF) -> int | None:
        for i, r in enumerate(self._rows):
            if r.contains(pos):
                return i
        return None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        i = self._row_at(event.position())
        self._set_hover(i)
        if i is None:
            QToolTip.hideText()
            return
        label, value = self._bars[i]
        mark = {"under": " — under-represented", "over": " — over-represented"}.get(self._marks.get(label, ""), "")
        self._tip(event, f"<b>{label}</b><br>{format_number(value)} {self._value_name}{mark}")

    def mousePressEvent(self, event) -> None:  # noqa: N802
        i = self._row_at(event.position())
        if i is not None and event.button() == Qt.MouseButton.LeftButton:
            self.barClicked.emit(self._bars[i][0])


class ScatterChartView(ChartView):
    """Points with tooltips, coloured by group; clicking a point emits `pointClicked(example_id)`."""

    pointClicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._xy = np.zeros((0, 2))
        self._ids = np.zeros(0, dtype=np.int64)
        self._groups: list[str] = []
        self._group_of = np.zeros(0, dtype=np.int32)
        self._tips: list[str] = []
        self._axis = ("", "")
        self._screen = np.zeros((0, 2))
        self._colors: list[QColor] = []
        self._cache: QPixmap | None = None
        self.radius = 3.5

    def set_points(self, x: Sequence[float], y: Sequence[float], ids: Sequence[int],
                   groups: Sequence[str] | None = None, tooltips: Sequence[str] | None = None,
                   x_label: str = "", y_label: str = "", colors: dict[str, QColor | str] | None = None) -> None:
        """Points (x[i], y[i]) for example ids[i]. `groups` name each point's group; larger groups are
        drawn first so rare ones (e.g. flagged answers) stay visible; `colors` maps group -> colour."""
        self._xy = np.column_stack([np.asarray(x, float), np.asarray(y, float)]) if len(x) else np.zeros((0, 2))
        self._ids = np.asarray(ids, dtype=np.int64)
        names = list(groups) if groups is not None else [""] * len(self._ids)
        sizes: dict[str, int] = {}
        for g in names:
            sizes[g] = sizes.get(g, 0) + 1
        self._groups = sorted(sizes, key=lambda g: -sizes[g])
        self._colors = [QColor((colors or {}).get(g, SERIES[i % len(SERIES)])) for i, g in enumerate(self._groups)]
        index = {g: i for i, g in enumerate(self._groups)}
        self._group_of = np.array([index[g] for g in names], dtype=np.int32)
        self._tips = list(tooltips) if tooltips is not None else [f"example {i}" for i in self._ids]
        self._axis = (x_label, y_label)
        self._hover = None
        self._cache = None
        self.update()

    def point_count(self) -> int:
        return len(self._ids)

    def point_position(self, index: int) -> QPointF:
        """Widget coordinates of point `index` as last drawn (for tests and keyboard use)."""
        x, y = self._screen[index]
        return QPointF(float(x), float(y))

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._cache = None
        super().resizeEvent(event)

    def _layout(self, rect: QRectF, fm: QFontMetrics) -> tuple[QRectF, tuple[float, float, float, float]]:
        lo, hi = (self._xy.min(axis=0), self._xy.max(axis=0)) if len(self._xy) else (np.zeros(2), np.ones(2))
        pad = np.where(hi > lo, (hi - lo) * 0.05, 0.5)
        lo, hi = lo - pad, hi + pad
        plot = QRectF(rect.left() + 40, rect.top() + 4, rect.width() - 48, rect.height() - 2 * fm.height() - 14)
        return plot, (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))

    def paintEvent(self, event) -> None:  # noqa: N802
        if self._cache is None or self._cache.size() != self.size() * self.devicePixelRatioF():
            self._cache = self._render()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._cache)
        if self._hover is not None and self._hover < len(self._screen):
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            g = int(self._group_of[self._hover])
            painter.setPen(QPen(TITLE, 1.5))
            painter.setBrush(self._colors[g])
            painter.drawEllipse(self.point_position(self._hover), self.radius + 2.5, self.radius + 2.5)

    def _render(self) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pix = QPixmap(self.size() * ratio)
        pix.setDevicePixelRatio(ratio)
        painter = QPainter(pix)
        rect = self._begin(painter)
        small, _ = self._fonts()
        fm = QFontMetrics(small)
        if not len(self._ids):
            self._screen = np.zeros((0, 2))
            self._empty(painter, rect)
            painter.end()
            return pix
        if len(self._groups) > 1 or self._groups[0]:
            items = [(g or "other", self._colors[i], "dot") for i, g in enumerate(self._groups)]
            rect.setTop(rect.top() + draw_legend(painter, rect, items, small))
        plot, (x0, x1, y0, y1) = self._layout(rect, fm)
        xt, yt = nice_ticks(x0, x1), nice_ticks(y0, y1)
        xt = [t for t in xt if x0 <= t <= x1]
        yt = [t for t in yt if y0 <= t <= y1]
        draw_value_axis(painter, plot, xt, x0, x1, True, small)
        draw_value_axis(painter, plot, yt, y0, y1, False, small)
        painter.setPen(QPen(AXIS, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(plot)
        painter.setPen(TEXT)
        painter.drawText(QRectF(plot.left(), plot.bottom() + fm.height() + 6, plot.width(), fm.height()),
                         Qt.AlignmentFlag.AlignCenter,
                         fm.elidedText(self._axis[0], Qt.TextElideMode.ElideMiddle, int(plot.width())))
        painter.save()
        painter.translate(rect.left() + fm.height() / 2 - 2, plot.center().y())
        painter.rotate(-90)
        painter.drawText(QRectF(-plot.height() / 2, -fm.height() / 2, plot.height(), fm.height()),
                         Qt.AlignmentFlag.AlignCenter,
                         fm.elidedText(self._axis[1], Qt.TextElideMode.ElideMiddle, int(plot.height())))
        painter.restore()
        sx = (self._xy[:, 0] - x0) / (x1 - x0) * plot.width() + plot.left()
        sy = plot.bottom() - (self._xy[:, 1] - y0) / (y1 - y0) * plot.height()
        self._screen = np.column_stack([sx, sy])
        r = self.radius if len(self._ids) < 5000 else 2.0
        alpha = (170 if len(self._ids) < 2000 else 90) / 255
        for g in range(len(self._groups)):
            # One call per group: round points drawn opaque on a layer, which is then laid on at the
            # group's transparency, so overlapping dots neither darken nor cancel out. (An ellipse
            # per point in a QPainterPath took 0.1-0.6 s on the GUI thread for 3,000 points.)
            layer = QImage(pix.size(), QImage.Format.Format_ARGB32_Premultiplied)
            layer.setDevicePixelRatio(ratio)
            layer.fill(Qt.GlobalColor.transparent)
            lp = QPainter(layer)
            lp.setRenderHint(QPainter.RenderHint.Antialiasing)
            pen = QPen(self._colors[g], 2 * r)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            lp.setPen(pen)
            lp.drawPoints(QPolygonF([QPointF(px, py) for px, py in self._screen[self._group_of == g].tolist()]))
            lp.end()
            painter.setOpacity(alpha)
            painter.drawImage(0, 0, layer)
            painter.setOpacity(1.0)
        painter.end()
        return pix

    def index_at(self, pos: QPointF) -> int | None:
        """The nearest point within 7 pixels of `pos`, or None."""
        if not len(self._screen):
            return None
        d = (self._screen[:, 0] - pos.x()) ** 2 + (self._screen[:, 1] - pos.y()) ** 2
        i = int(np.argmin(d))
        return i if d[i] <= 49 else None

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        i = self.index_at(event.position())
        self._set_hover(i)
        self.setCursor(Qt.CursorShape.PointingHandCursor if i is not None else Qt.CursorShape.ArrowCursor)
        if i is None:
            QToolTip.hideText()
        else:
            self._tip(event, self._tips[i])

    def mousePressEvent(self, event) -> None:  # noqa: N802
        i = self.index_at(event.position())
        if i is not None and event.button() == Qt.MouseButton.LeftButton:
            self.pointClicked.emit(int(self._ids[i]))


class HistogramView(ChartView):
    """One or more overlaid histograms over shared bins (e.g. input and output lengths)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._edges = np.zeros(0)
        self._series: list[tuple[str, np.ndarray]] = []
        self._x_label = ""
        self._bins: list[QRectF] = []

    def set_values(self, series: dict[str, Sequence[float]], bins: int = 30, x_label: str = "",
                   log: bool = False) -> None:
        """Bin raw values (shared edges over all series; `log` uses log-spaced bins)."""
        arrays = {k: np.asarray(v, float) for k, v in series.items() if len(v)}
        allv = np.concatenate(list(arrays.values())) if arrays else np.zeros(0)
        if not len(allv):
            self.set_bins([], {}, x_label)
            return
        lo, hi = float(allv.min()), float(allv.max())
        if log and lo > 0 and hi > lo:
            edges = np.geomspace(lo, hi, bins + 1)
        else:
            edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
        counts = {k: np.histogram(v, bins=edges)[0] for k, v in arrays.items()}
        self.set_bins(edges, counts, x_label)

    def set_bins(self, edges: Sequence[float], counts: dict[str, Sequence[float]], x_label: str = "") -> None:
        """Pre-binned data: `len(edges) == len(counts[name]) + 1`."""
        self._edges = np.asarray(edges, float)
        self._series = [(k, np.asarray(v, float)) for k, v in counts.items()]
        self._x_label = x_label
        self._hover = None
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        rect = self._begin(painter)
        small, _ = self._fonts()
        fm = QFontMetrics(small)
        if not self._series or len(self._edges) < 2:
            self._empty(painter, rect)
            return
        if len(self._series) > 1 or self._series[0][0]:
            items = [(k, SERIES[i % len(SERIES)], "box") for i, (k, _) in enumerate(self._series)]
            rect.setTop(rect.top() + draw_legend(painter, rect, items, small))
        hi = max(float(c.max()) for _, c in self._series) or 1.0
        ticks = nice_ticks(0.0, hi, 4)
        hi = ticks[-1]
        plot = QRectF(rect.left() + 40, rect.top() + 4, rect.width() - 48,
                      rect.height() - 2 * fm.height() - 14)
        draw_value_axis(painter, plot, ticks, 0.0, hi, False, small)
        n = len(self._edges) - 1
        bw = plot.width() / n
        self._bins = [QRectF(plot.left() + i * bw, plot.top(), bw, plot.height()) for i in range(n)]
        if self._hover is not None:
            painter.fillRect(self._bins[self._hover], QColor("#f1f3f4"))
        for s, (_, counts) in enumerate(self._series):
            color = QColor(SERIES[s % len(SERIES)])
            color.setAlpha(200 if len(self._series) == 1 else 140)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            for i, c in enumerate(counts):
                h = c / hi * plot.height()
                painter.drawRect(QRectF(plot.left() + i * bw + 0.5, plot.bottom() - h, max(bw - 1, 0.5), h))
        painter.setPen(QPen(AXIS, 1))
        painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
        painter.setPen(TEXT)
        painter.setFont(small)
        right = -1e9
        for i in range(n + 1):  # every edge label that fits without overlapping its neighbour
            s = self._edge_text(i)
            w = fm.horizontalAdvance(s)
            x = min(max(plot.left() + i * bw - w / 2, plot.left()), plot.right() - w)
            if x < right + 8:
                continue
            painter.drawText(QPointF(x, plot.bottom() + fm.ascent() + 4), s)
            right = x + w
        painter.drawText(QRectF(plot.left(), plot.bottom() + fm.height() + 6, plot.width(), fm.height()),
                         Qt.AlignmentFlag.AlignCenter, self._x_label)

    def _edge_text(self, i: int) -> str:
        v = float(self._edges[i])
        if i == len(self._edges) - 1 and len(self._edges) > 2 and v > 100 * float(self._edges[i - 1]):
            return "more"  # an open-ended last bin (e.g. "5000 words or more")
        return format_number(round(v, 1))

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        i = next((k for k, r in enumerate(self._bins) if r.contains(event.position())), None)
        self._set_hover(i)
        if i is None:
            QToolTip.hideText()
            return
        hi = self._edge_text(i + 1)
        rng = f"{self._edge_text(i)} or more" if hi == "more" else f"{self._edge_text(i)} – {hi}"
        lines = [f"{rng} {self._x_label}"]
        lines += [f"{k or 'count'}: {int(c[i])}" for k, c in self._series]
        self._tip(event, "<br>".join(lines))
