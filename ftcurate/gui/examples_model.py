"""The examples table: a QAbstractTableModel over the polars view that formats only what is visible.

The model shows `frame[positions]` (positions from `ftcurate.core.filtering`) without copying it:
`data()` returns None at once for roles it does not serve, and fetches rows in blocks of `BLOCK`
(kept in a small LRU), so a repaint touches a few blocks instead of ~7 roles x cells of per-cell
polars indexing. Views must use a fixed vertical header (`setDefaultSectionSize`), never
ResizeToContents, which would ask for every row.

Nothing here runs a polars query (select, gather by index, filter): those run on polars' one shared
thread pool, so while a filter, sort or load on another thread keeps the pool busy, a 128-row gather
on the GUI thread waited behind it for up to 300 ms. Rows are read with `DataFrame.row`, which runs
on the calling thread (`benchmarks/bench_gui_stalls.py --busy-pool` measures this).
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import numpy.ma  # noqa: F401 - polars imports it on the app's first gather by a numpy index (50 ms)
import polars as pl
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QIcon, QPainter, QPen
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ftcurate.core.filtering import SEVERITY_RANK

BLOCK = 128
MAX_BLOCKS = 64
TEXT_CHARS = 240
_SHOWN = ("id", "status", "label", "input", "output")


def readable_check(name: str | None) -> str:
    """How a check's flags are named everywhere in the app: "near_duplicate" -> "near duplicate"."""
    return (name or "").replace("_", " ")


SEVERITY_COLORS = {0: None, 1: "#5f6b7a", 2: "#2f7ac4", 3: "#c77700", 4: "#c62828"}
SEVERITY_NAMES = {v: k for k, v in SEVERITY_RANK.items()}
STATUS_COLORS = {"approved": "#2e7d32", "rejected": "#c62828", "unreviewed": "#6b7280"}

ID_COL, STATUS_COL, LABEL_COL, INPUT_COL, OUTPUT_COL, FLAGS_COL = range(6)
COLUMNS = (("id", "#"), ("status", "Status"), ("label", "Label"), ("input", "Input"),
           ("output", "Output"), ("flags", "Flags"))
_SORT_KEYS = ("id", "status", "label", "input", "output", "flags")

ExampleIdRole = Qt.ItemDataRole.UserRole + 1
FlagBadgesRole = Qt.ItemDataRole.UserRole + 2  # list of (check, severity_rank) for the badge delegate

_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_SERVED = {int(_DISPLAY), int(_TOOLTIP), int(_DECORATION), int(_FOREGROUND), int(ExampleIdRole),
           int(FlagBadgesRole)}


def _one_line(text: str | None) -> str:
    if not text:
        return ""
    text = text[:TEXT_CHARS]
    return text.replace("\r", " ").replace("\n", " ⏎ ")


def status_icon(status: str) -> QIcon:
    """The small icon shown beside a status."""
    from ftcurate.gui.style import icon

    return icon({"approved": "approve", "rejected": "reject"}.get(status, "unreviewed"))


class ExamplesModel(QAbstractTableModel):
    """Rows = `positions` into `frame`; columns = COLUMNS. `sortRequested(key, descending)` is emitted
    when the view asks to sort (the filter bar sorts an index off the GUI thread)."""

    sortRequested = Signal(str, bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._frame = pl.DataFrame(schema={"id": pl.Int64, "status": pl.Utf8, "label": pl.Utf8,
                                           "input": pl.Utf8, "output": pl.Utf8})
        self._positions = np.zeros(0, dtype=np.int64)
        self._ids = np.zeros(0, dtype=np.int64)  # example id per frame row
        self._sum_ids = np.zeros(0, dtype=np.int64)
        self._summary: pl.DataFrame | None = None
        self._sum_cols = (0, 0)  # column numbers of "checks" and "check_ranks" in the summary
        self._sum_rank = np.zeros(0, dtype=np.int8)
        self._cols = tuple(range(len(_SHOWN)))  # column number of each of _SHOWN in the frame
        self._blocks: OrderedDict[int, list[tuple]] = OrderedDict()
        self.data_calls = 0  # for benchmarks

    # -- content ----------------------------------------------------------------------------------
    def set_view(self, frame: pl.DataFrame, positions: np.ndarray | None = None,
                 summary: pl.DataFrame | None = None) -> None:
        """Show `frame[positions]` (all rows when None) with flag badges from `summary`."""
        self.beginResetModel()
        self._use_frame(frame)
        self._positions = (np.arange(frame.height, dtype=np.int64) if positions is None
                           else np.asarray(positions, dtype=np.int64))
        self._set_summary(summary)
        self._blocks.clear()
        self.endResetModel()

    def same_rows(self, frame: pl.DataFrame, positions: np.ndarray) -> bool:
        """True when `frame[positions]` lists the same examples in the same order as shown now."""
        if len(positions) != len(self._positions) or frame.height != len(self._ids):
            return False
        if not np.array_equal(positions, self._positions):
            return False
        ids = frame.get_column("id").to_numpy() if frame.height else self._ids
        return bool(np.array_equal(ids, self._ids))

    def update_view(self, frame: pl.DataFrame, summary: pl.DataFrame | None) -> None:
        """Same rows, new contents (an edit): refresh cells without a reset, so selection survives."""
        self._use_frame(frame)
        self._set_summary(summary)
        self._blocks.clear()
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def set_summary(self, summary: pl.DataFrame | None) -> None:
        """Replace the flag badges (after checks ran or a flag changed state)."""
        self._set_summary(summary)
        self._blocks.clear()
        if self.rowCount():
            self.dataChanged.emit(self.index(0, FLAGS_COL), self.index(self.rowCount() - 1, FLAGS_COL))

    def _use_frame(self, frame: pl.DataFrame) -> None:
        if frame is not self._frame or len(self._ids) != frame.height:
            self._ids = frame.get_column("id").to_numpy() if frame.height else np.zeros(0, dtype=np.int64)
        self._frame = frame
        self._cols = tuple(frame.columns.index(c) for c in _SHOWN)

    def _set_summary(self, summary: pl.DataFrame | None) -> None:
        if summary is None or summary.height == 0:
            self._sum_ids = np.zeros(0, dtype=np.int64)
            self._summary = None
            self._sum_rank = np.zeros(0, dtype=np.int8)
            return
        self._sum_ids = summary.get_column("example_id").to_numpy()
        self._summary = summary
        self._sum_cols = (summary.columns.index("checks"), summary.columns.index("check_ranks"))
        self._sum_rank = summary.get_column("severity_rank").to_numpy()

    def refresh_rows(self, frame: pl.DataFrame, example_ids: list[int]) -> None:
        """The frame was patched in place (same rows, same order): re-read the changed examples."""
        self._use_frame(frame)
        self._blocks.clear()
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def positions(self) -> np.ndarray:
        return self._positions

    def example_id(self, row: int) -> int | None:
        if 0 <= row < len(self._positions):
            return int(self._ids[self._positions[row]])
        return None

    def row_of(self, example_id: int) -> int | None:
        """Display row of an example, or None when it is filtered out."""
        pos = int(np.searchsorted(self._ids, example_id))
        if pos >= len(self._ids) or self._ids[pos] != example_id:
            return None
        hits = np.flatnonzero(self._positions == pos)
        return int(hits[0]) if len(hits) else None

    def flagged_rank(self, row: int) -> int:
        """Worst open-flag severity rank of a display row (0 = no open flag)."""
        eid = self.example_id(row)
        if eid is None or not len(self._sum_ids):
            return 0
        i = int(np.searchsorted(self._sum_ids, eid))
        return int(self._sum_rank[i]) if i < len(self._sum_ids) and self._sum_ids[i] == eid else 0

    def next_flagged_row(self, row: int, step: int) -> int | None:
        """The next display row (in direction `step` = +1/-1) whose example has an open flag."""
        if not len(self._sum_ids) or not len(self._positions):
            return None
        ids = self._ids[self._positions]
        flagged = np.isin(ids, self._sum_ids)
        rows = np.flatnonzero(flagged)
        if step > 0:
            after = rows[rows > row]
            return int(after[0]) if len(after) else None
        before = rows[rows < row]
        return int(before[-1]) if len(before) else None

    # -- Qt model API -----------------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._positions)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role=_DISPLAY):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return COLUMNS[section][1]
        if orientation == Qt.Orientation.Horizontal and role == _TOOLTIP:
            return "Click to sort"
        return None

    # flags(): QAbstractTableModel's own (enabled, selectable) without a Python call per painted cell

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.sortRequested.emit(_SORT_KEYS[column], order == Qt.SortOrder.DescendingOrder)

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        role = int(role)
        if role not in _SERVED:
            return None
        self.data_calls += 1
        row, col = index.row(), index.column()
        rec = self._row(row)
        if rec is None:
            return None
        if role == _DISPLAY:
            if col == FLAGS_COL:
                return ", ".join(c for c, _ in rec[5]) if rec[5] else ""
            if col == STATUS_COL:
                return rec[1].capitalize()
            return rec[col]
        if role == FlagBadgesRole:
            return rec[5] if col == FLAGS_COL else None
        if role == ExampleIdRole:
            return rec[0]
        if role == _DECORATION:
            return status_icon(rec[1]) if col == STATUS_COL else None
        if role == _FOREGROUND:
            if col == STATUS_COL:
                return QBrush(QColor(STATUS_COLORS.get(rec[1], "#6b7280")))
            if col == LABEL_COL and rec[2] == "(no label)":
                return QBrush(QColor("#9aa0a6"))
            return None
        if role == _TOOLTIP:
            if col in (INPUT_COL, OUTPUT_COL):
                return rec[6 + col - INPUT_COL]
            if col == FLAGS_COL and rec[5]:
                return "Open flags: " + ", ".join(f"{c}" for c, _ in rec[5])
        return None

    def _row(self, row: int) -> tuple | None:
        if not 0 <= row < len(self._positions):
            return None
        b = row // BLOCK
        block = self._blocks.get(b)
        if block is None:
            block = self._load_block(b)
            self._blocks[b] = block
            if len(self._blocks) > MAX_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(b)
        return block[row - b * BLOCK]

    def _load_block(self, b: int) -> list[tuple]:
        pos = self._positions[b * BLOCK:(b + 1) * BLOCK]
        ids = self._ids[pos]
        badges: dict[int, list] = {}
        if self._summary is not None:
            j = np.minimum(np.searchsorted(self._sum_ids, ids), len(self._sum_ids) - 1)
            hit = self._sum_ids[j] == ids
            ci, ri = self._sum_cols
            for eid, k in zip(ids[hit].tolist(), j[hit].tolist(), strict=True):
                row = self._summary.row(k)
                badges[eid] = list(zip(row[ci], row[ri], strict=True))
        out = []
        frame, (c_id, c_status, c_label, c_in, c_out) = self._frame, self._cols
        for p in pos.tolist():
            row = frame.row(p)
            eid, label, inp, outp = int(row[c_id]), row[c_label], row[c_in], row[c_out]
            out.append((eid, row[c_status], label if label is not None else "(no label)",
                        _one_line(inp), _one_line(outp), badges.get(eid, []), (inp or "")[:2000],
                        (outp or "")[:2000]))
        return out


class FlagBadgeDelegate(QStyledItemDelegate):
    """Paints a row's open flags as small rounded chips coloured by severity."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        badges = index.data(FlagBadgesRole)
        if not badges:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        option.text = ""
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(option.font)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        fm = QFontMetrics(font)
        rect = option.rect.adjusted(4, 4, -4, -4)
        x = rect.left()
        for check, rank in badges:
            text = readable_check(check)
            w = fm.horizontalAdvance(text) + 12
            if x + w > rect.right():
                more = f"+{len(badges) - badges.index((check, rank))}"
                painter.setPen(QColor("#5f6368"))
                painter.drawText(QRect(x, rect.top(), rect.right() - x, rect.height()),
                                 Qt.AlignmentFlag.AlignVCenter, more)
                break
            color = QColor(SEVERITY_COLORS.get(int(rank)) or "#5f6b7a")
            chip = QRect(x, rect.top(), w, rect.height())
            fill = QColor(color)
            fill.setAlpha(36)
            painter.setPen(QPen(color, 1))
            painter.setBrush(fill)
            painter.drawRoundedRect(chip, 7, 7)
            painter.setPen(color.darker(125))
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, text)
            x += w + 4
        painter.restore()
