"""The filter bar above the examples table: search, label/status/check/severity/source filters, counts.

Filtering and sorting run on a QThreadPool over the immutable polars views (see
`ftcurate.core.filtering`); every request gets a sequence number and only the latest one's result is
shown, so typing fast never queues stale work on screen. Results arrive as `resultReady(result, frame)`
where `result.positions` index `frame`.
"""

from __future__ import annotations

import polars as pl
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ftcurate.core.filtering import FilterResult, FilterSpec, filter_positions
from ftcurate.core.records import STATUSES
from ftcurate.gui.examples_model import readable_check
from ftcurate.gui.proc_reader import lower_thread_priority

ANY = object()
ANY_FLAG, NO_FLAG = "\x00any", "\x00none"


class _JobSignals(QObject):
    done = Signal(int, object, object)  # seq, FilterResult, frame
    failed = Signal(int, object)


class _FilterJob(QRunnable):
    def __init__(self, seq: int, frame: pl.DataFrame, flags: pl.DataFrame, summary, spec: FilterSpec,
                 signals: _JobSignals) -> None:
        super().__init__()
        self.seq, self.frame, self.flags, self.summary, self.spec = seq, frame, flags, summary, spec
        self.signals = signals

    def run(self) -> None:  # worker thread
        lower_thread_priority()
        try:
            result = filter_positions(self.frame, self.flags, self.spec, self.summary)
        except Exception as exc:  # noqa: BLE001 - reported on the GUI thread
            self.signals.failed.emit(self.seq, exc)
        else:
            self.signals.done.emit(self.seq, result, self.frame)


class FilterBar(QWidget):
    """Filter widgets over the controller's views. Call `refresh()` after the views change."""

    resultReady = Signal(object, object)  # FilterResult, frame
    filterFailed = Signal(str)

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._seq = 0
        self._shown_seq = 0
        self._signals = _JobSignals(self)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self.sort_by: str | None = None
        self.descending = False
        self.last_result: FilterResult | None = None
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.refresh)

        self.search = QLineEdit(self, placeholderText="Search…   (#123 jumps to example 123)",
                                clearButtonEnabled=True)
        self.search.setObjectName("searchBox")
        self.search.setToolTip("Search input, output and label (case-insensitive); #123 shows example 123")
        self.search.setMinimumWidth(240)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.regex = QToolButton(self, text=".*", checkable=True, toolTip="Treat the search as a regular expression")
        self.regex.toggled.connect(lambda _: self.refresh())
        self.status = self._combo("Status")
        self.label = self._combo("Label")
        self.check = self._combo("Flags")
        self.severity = self._combo("Severity")
        self.source = self._combo("Source")
        self.clear_button = QToolButton(self, text="Clear", toolTip="Clear all filters")
        self.clear_button.clicked.connect(self.clear)
        self.count = QLabel(self)
        self.count.setObjectName("filterCount")
        self.count.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(6)
        outer.addLayout(row)
        outer.addWidget(self.count)
        row.addWidget(self.search, 3)
        row.addWidget(self.regex)
        for w in (self.status, self.label, self.check, self.severity, self.source):
            row.addWidget(w, 1)
        row.addWidget(self.clear_button)
        self.populate()

    def _combo(self, name: str) -> QComboBox:
        box = QComboBox(self, toolTip=f"Filter by {name.lower()}")
        box.setObjectName(f"filter{name}")
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(9)
        box.currentIndexChanged.connect(lambda _: self._changed())
        return box

    # -- contents ---------------------------------------------------------------------------------
    def populate(self) -> None:
        """Refill the combo boxes from the current views (keeping the selected values)."""
        f = self.controller.facets()  # counted on the loading thread after an open or import
        self._blocked = True
        try:
            self._fill(self.status, "All statuses", [(s, dict(f["statuses"]).get(s, 0)) for s in STATUSES],
                       pretty=str.capitalize)
            self._fill(self.label, "All labels", f["labels"])
            self._fill(self.check, "All examples",
                       [(ANY_FLAG, dict(f["flagged"])["any"]), (NO_FLAG, None)] + f["checks"],
                       pretty=lambda v: {"\x00any": "Any open flag", "\x00none": "No open flags"}.get(
                           v, readable_check(v)))
            self._fill(self.severity, "Any severity", f["severities"], pretty=str.capitalize)
            self._fill(self.source, "All sources", f["sources"])
        finally:
            self._blocked = False

    @staticmethod
    def _fill(box: QComboBox, all_text: str, values, pretty=lambda v: v) -> None:
        current = box.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(all_text, ANY)
        for value, n in values:
            box.addItem(pretty(value) if n is None else f"{pretty(value)}  ({n:,})", value)
        i = box.findData(current) if current is not ANY and current is not None else 0
        box.setCurrentIndex(max(0, i))
        box.blockSignals(False)

    def spec(self) -> FilterSpec:
        """The filter the widgets describe now."""
        def sel(box: QComboBox) -> list[str]:
            v = box.currentData()
            return [] if v is ANY or v is None else [v]

        check = self.check.currentData()
        flagged = True if check == ANY_FLAG else False if check == NO_FLAG else None
        checks = [] if check in (ANY_FLAG, NO_FLAG) else sel(self.check)
        return FilterSpec(text=self.search.text(), regex=self.regex.isChecked(), labels=sel(self.label),
                          statuses=sel(self.status), checks=checks, severities=sel(self.severity),
                          sources=sel(self.source), flagged=flagged, sort_by=self.sort_by,
                          descending=self.descending)

    def set_sort(self, key: str | None, descending: bool = False) -> None:
        self.sort_by, self.descending = key, descending
        self.refresh()

    def clear(self) -> None:
        self._blocked = True
        for box in (self.status, self.label, self.check, self.severity, self.source):
            box.setCurrentIndex(0)
        self.search.clear()
        self.regex.setChecked(False)
        self._blocked = False
        self.refresh()

    def set_filter(self, **values) -> None:
        """Select filter values programmatically, e.g. `set_filter(status="approved", check="pii")`."""
        boxes = {"status": self.status, "label": self.label, "check": self.check, "severity": self.severity,
                 "source": self.source}
        self._blocked = True
        for key, value in values.items():
            if key == "text":
                self.search.setText(value)
                continue
            box = boxes[key]
            i = box.findData(ANY if value is None else value)
            if i < 0:
                raise ValueError(f"no {key} {value!r} to filter by")
            box.setCurrentIndex(i)
        self._blocked = False
        self.refresh()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    # -- running ----------------------------------------------------------------------------------
    _blocked = False

    def _changed(self) -> None:
        if not self._blocked:
            self.refresh()

    def refresh(self) -> int:
        """Start filtering in the pool; returns the request's sequence number."""
        self._debounce.stop()
        self._seq += 1
        frame, flags = self.controller.frame(), self.controller.review_flags()
        summary = self.controller.flag_summary() if self.sort_by in ("flags", "severity") else None
        self.pool.start(_FilterJob(self._seq, frame, flags, summary, self.spec(), self._signals))
        return self._seq

    def wait(self, ms: int = 10_000) -> None:
        """Block until pending filter jobs are done and their results delivered (tests)."""
        from PySide6.QtWidgets import QApplication

        if self._debounce.isActive():
            self.refresh()
        self.pool.waitForDone(ms)
        QApplication.processEvents()

    def _on_done(self, seq: int, result: FilterResult, frame: pl.DataFrame) -> None:
        if seq != self._seq:
            return  # a newer request is on its way
        self._shown_seq = seq
        self.last_result = result
        self.search.setStyleSheet("")
        self.search.setToolTip("")
        self._show_counts(result)
        self.resultReady.emit(result, frame)

    def _on_failed(self, seq: int, exc: Exception) -> None:
        if seq != self._seq:
            return
        self.search.setStyleSheet("QLineEdit { border: 1px solid #c62828; }")
        self.search.setToolTip(str(exc))
        self.filterFailed.emit(str(exc))

    def _show_counts(self, r: FilterResult) -> None:
        parts = [f"<b>{r.shown:,}</b> of {r.total:,} examples"]
        for s in STATUSES:
            if r.counts.get(s):
                parts.append(f"{r.counts[s]:,} {s}")
        self.count.setText(" · ".join(parts))
