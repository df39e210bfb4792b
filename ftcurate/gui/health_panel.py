"""Health panel: the health report's charts and scores, live in the app.

The numbers come from `ftcurate.core.report.health_data(project)` (the same data the HTML report
draws), computed in a background task on its own connection and recomputed when flags change. This module only arranges
that typed `HealthData` (`ftcurate.core.report.health_types`) into chart widgets (`ftcurate.gui.charts`).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ftcurate.gui.charts import ACCENT, UNDER, BarChartView, HistogramView, ScatterChartView

if TYPE_CHECKING:
    from ftcurate.core.report.health_types import ClusterRow, HealthData, Score


_TITLES: dict[str, str] = {}
BODY_STYLE = ("#HealthBody { background: #f6f7f9; } "
              "#ScoreCard, #ChartCard { background: #ffffff; border: 1px solid #e3e5e8; border-radius: 8px; } "
              'QLabel[muted="true"] { color: #5f6368; }')


def check_title(name: str) -> str:
    """A check's human title ("Near duplicates") from the registry, else its name."""
    if not _TITLES:
        try:
            from ftcurate.core.checks.registry import load_checks

            _TITLES.update({n: c.title or n for n, c in load_checks().items()})
        except Exception:  # noqa: BLE001 - a broken check module must not break the panel
            _TITLES["_"] = "_"
    return _TITLES.get(name, name)


def case_variants(labels: list[str]) -> list[list[str]]:
    """Groups of labels that differ only in case or spacing ("Returns", "returns ")."""
    groups: dict[str, list[str]] = {}
    for lab in labels:
        groups.setdefault(" ".join(str(lab).lower().split()), []).append(str(lab))
    return [sorted(g) for g in groups.values() if len(g) > 1]


def merge_advice(hint: str, variants: list[list[str]]) -> str:
    """Advice to "add examples to 'Returns'" becomes advice to merge it when 'Returns' is a case
    variant of another label."""
    names = [v for g in variants for v in g if f"'{v}'" in hint or f"\"{v}\"" in hint or f" {v}" in hint]
    if not names or "add examples" not in hint:
        return hint
    merged = "; ".join(" = ".join(f"'{v}'" for v in g) for g in variants if set(g) & set(names))
    return f"merge labels written two ways ({merged}) in the label list, instead of adding examples. " + hint


def readable_axis(label: str) -> str:
    """A tone-map axis label without bare arrows ("←   ·   more formal →" -> "more formal →")."""
    parts = [p.strip() for p in (label or "").split("·")]
    words = [p for p in parts if p.strip("←→ ")]
    return "   ·   ".join(words) if words else "(no clear tone direction)"


def score_color(score: float | None) -> QColor:
    if score is None:
        return QColor("#9aa0a6")
    return QColor("#188038") if score >= 80 else QColor("#e37400") if score >= 50 else QColor("#c5221f")


class ScoreBar(QWidget):
    """A thin 0-100 bar."""

    def __init__(self, score: float | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.score = score
        self.setFixedHeight(6)

    def sizeHint(self) -> QSize:
        return QSize(120, 6)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#e8eaed"))
        r = QRectF(self.rect())
        p.drawRoundedRect(r, 3, 3)
        if self.score is None:
            return
        p.setBrush(score_color(self.score))
        p.drawRoundedRect(QRectF(r.left(), r.top(), r.width() * max(0.0, min(self.score, 100)) / 100, r.height()),
                          3, 3)


class ScoreCard(QFrame):
    """One quality dimension: name, score out of 100, and what would raise it."""

    def __init__(self, name: str, score: float | None, hint: str, detail: str = "") -> None:
        super().__init__()
        self.setObjectName("ScoreCard")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(4)
        top = QHBoxLayout()
        title = QLabel(f"<b>{name.replace('_', '-').capitalize()}</b>")
        shown = "–" if score is None else f"{score:.0f}"
        value = QLabel(f"<span style='font-size:15pt;font-weight:600;color:{score_color(score).name()}'>"
                       f"{shown}</span><span style='color:#80868b'>/100</span>")
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(value)
        lay.addLayout(top)
        lay.addWidget(ScoreBar(score))
        hint = hint or "nothing to improve here"
        text = QLabel(hint[0].upper() + hint[1:])
        text.setWordWrap(True)
        text.setProperty("muted", True)
        if detail:
            self.setToolTip(detail)
        lay.addWidget(text)


def _card(title: str, body: QWidget, note: QLabel | None = None) -> QFrame:
    frame = QFrame()
    frame.setObjectName("ChartCard")
    lay = QVBoxLayout(frame)
    lay.setContentsMargins(10, 8, 10, 8)
    head = QLabel(f"<b>{title}</b>")
    lay.addWidget(head)
    if note is not None:
        note.setWordWrap(True)
        note.setProperty("muted", True)
        lay.addWidget(note)
    lay.addWidget(body, 1)
    return frame


class HealthPanel(QWidget):
    """Scores per quality dimension and the report's charts; click a tone point to open the example."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.data: HealthData | None = None
        self.drawn = True  # False while `show_data` is still putting parts of the data on screen
        self._draw_gen = 0
        self.task = None
        self._dirty = True
        self._timer = QTimer(self, singleShot=True, interval=600)
        self._timer.timeout.connect(self.refresh)
        self.status = QLabel("")
        self.status.setProperty("muted", True)
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        head = QHBoxLayout()
        title = QLabel("<span style='font-size:14pt;font-weight:600'>Data health</span>")
        head.addWidget(title)
        head.addSpacing(12)
        head.addWidget(self.status, 1)
        head.addWidget(refresh)
        self.scores_host = QWidget()
        self.scores_grid = QGridLayout(self.scores_host)
        self.scores_grid.setContentsMargins(0, 0, 0, 0)
        self.labels_chart = BarChartView()
        self.labels_note = QLabel()
        label_scroll = QScrollArea()
        label_scroll.setWidgetResizable(True)
        label_scroll.setFrameShape(QFrame.Shape.NoFrame)
        label_scroll.setWidget(self.labels_chart)
        label_scroll.setMinimumHeight(300)
        self.tone_chart = ScatterChartView()
        self.tone_chart.setMinimumHeight(300)
        self.tone_chart.pointClicked.connect(controller.openExampleRequested)
        self.tone_note = QLabel("Each dot is an answer; dots far from the crowd do not sound like the rest. "
                                "Click a dot to open it.")
        self.length_chart = HistogramView()
        self.length_chart.setMinimumHeight(240)
        self.flags_chart = BarChartView()
        # a bar leads to its examples: the Review table filtered by that label / check
        self._check_of_title: dict[str, str] = {}
        self.flags_chart.barClicked.connect(
            lambda title: controller.filterRequested.emit({"check": self._check_of_title.get(title, title)}))
        self.labels_chart.barClicked.connect(lambda label: controller.filterRequested.emit({"label": label}))
        self.merge_note = QLabel()
        self.merge_note.setWordWrap(True)
        self.merge_note.setTextFormat(Qt.TextFormat.RichText)
        self.merge_note.linkActivated.connect(lambda _: controller.actionRequested.emit("labels"))
        self.merge_note.hide()
        self.clusters = QTableWidget(0, 3)
        self.clusters.setHorizontalHeaderLabels(["Size", "Kind", "Example"])
        self.clusters.verticalHeader().hide()
        self.clusters.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.clusters.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.clusters.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.clusters.cellDoubleClicked.connect(self._open_cluster)
        self.clusters.setMinimumHeight(240)
        grid = QGridLayout()
        grid.setSpacing(10)
        grid.addWidget(_card("Labels", label_scroll, self.labels_note), 0, 0)
        self.labels_note.parentWidget().layout().addWidget(self.merge_note)
        grid.addWidget(_card("Tone map", self.tone_chart, self.tone_note), 0, 1)
        grid.addWidget(_card("Lengths", self.length_chart), 1, 0)
        grid.addWidget(_card("Flags per check", self.flags_chart), 1, 1)
        grid.addWidget(_card("Largest duplicate clusters", self.clusters,
                             QLabel("Double-click a cluster to open its first example.")), 2, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        body = QWidget()
        bl = QVBoxLayout(body)
        bl.setContentsMargins(8, 8, 8, 8)
        bl.addLayout(head)
        bl.addWidget(self.scores_host)
        bl.addLayout(grid)
        bl.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        body.setObjectName("HealthBody")
        body.setStyleSheet(BODY_STYLE)  # one sheet for every card and note: one per widget cost ~1 ms each
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(scroll)
        controller.flagsChanged.connect(self._changed)
        controller.projectChanged.connect(self._changed)
        # edits of single examples do not move the charts much; imports and reloads ([]) do
        controller.examplesChanged.connect(lambda ids: None if ids else self._changed())

    # -- computing ------------------------------------------------------------------------------
    def _changed(self, *_) -> None:
        self._dirty = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event) -> None:  # noqa: N802
        if self._dirty:
            self._timer.start(0)
        super().showEvent(event)

    def refresh(self) -> None:
        """Recompute the health data in the background; the charts update when it is ready."""
        self._timer.stop()
        self._dirty = False
        project = self.controller.project
        if project is None:
            self.set_data(None)
            self.status.setText("Open a project to see its health.")
            return
        if self.task is not None and self.task.is_running():
            self.task.cancel()
        self.status.setText("Computing…")

        path = project.path

        def failed(exc: BaseException) -> None:
            self.status.setText(f"Could not compute the health data: {exc}")

        # a worker process with its own connection: the window never waits for it (it only writes
        # the tone cache); its progress shows in the status line
        self.task = self.controller.run_process("Data health", "ftcurate.gui.proc_jobs:health", (str(path),),
                                                self.show_data, failed, quiet=True)
        self.task.progressed.connect(self._computing)

    def _computing(self, done: int, total: int, status: str) -> None:
        from ftcurate.gui.eta import Eta

        if not hasattr(self, "_eta"):
            self._eta = Eta()
        pct = self._eta.text(done, total)
        self.status.setText(f"{status or 'Computing'}…" + (f" {pct}" if pct else ""))

    # -- drawing --------------------------------------------------------------------------------
    def set_data(self, data: HealthData | None) -> None:
        """Show `health_data` output (None: an empty panel), all parts at once."""
        self._draw_gen += 1
        for part in self._parts(data):
            part()
        self.drawn = True

    def show_data(self, data: HealthData | None, pause_ms: int = 15) -> None:
        """`set_data` one part per event-loop turn (scores, labels, tone map, lengths and flags,
        clusters), each laid out and painted before the next, so drawing a large project's health
        never freezes the window; `drawn` turns True after the last part. A newer call supersedes."""
        self._draw_gen += 1
        gen, parts = self._draw_gen, self._parts(data)
        self.drawn = False

        def step() -> None:
            if gen != self._draw_gen:
                return
            parts.pop(0)()
            if parts:
                QTimer.singleShot(pause_ms, step)
            else:
                self.drawn = True

        step()

    def _parts(self, data: HealthData | None) -> list:
        from ftcurate.core.report.health_types import HealthData

        self.data = data
        d = data if data is not None else HealthData()
        if d.check_titles and not _TITLES:
            _TITLES.update(d.check_titles)
        return [lambda: self._show_summary(d), lambda: self._show_labels(d), lambda: self._show_tone(d),
                lambda: self._show_lengths_and_flags(d), lambda: self._show_clusters(d.clusters)]

    def _show_summary(self, d: HealthData) -> None:
        self.status.setText(d.summary)
        self._show_scores(d.scores)

    def _show_labels(self, d: HealthData) -> None:
        lab = d.labels
        bars = lab.bars
        self.labels_chart.set_data(bars, {**{k: "under" for k in lab.under}, **{k: "over" for k in lab.over}},
                                   lab.median)
        facts = []
        if lab.ratio is not None:
            facts.append(f"largest / smallest label: {lab.ratio:.1f}×")
        if lab.entropy is not None:
            facts.append(f"balance (entropy): {lab.entropy:.2f} of 1")
        if lab.unlabelled:
            facts.append(f"{lab.unlabelled} examples without a label")
        if lab.under:
            facts.append(f"under-represented: {', '.join(map(str, lab.under[:6]))}"
                         + ("…" if len(lab.under) > 6 else ""))
        self.labels_note.setText("; ".join(facts) or "No labels yet.")
        variants = case_variants([name for name, _ in bars])
        self.merge_note.setText(
            "Labels written two ways: " + "; ".join(" = ".join(f"'{v}'" for v in g) for g in variants[:4])
            + ". Merge them instead of adding examples: <a href='labels'>open the label list</a>."
            if variants else "")
        self.merge_note.setVisible(bool(variants))

    def _show_tone(self, d: HealthData) -> None:
        pts = d.tone_map.points
        self.tone_chart.set_points(
            [p.x for p in pts], [p.y for p in pts], [p.example_id for p in pts],
            ["flagged" if p.flagged else "in the house voice" for p in pts],
            [html.escape(p.tooltip or f"example {p.example_id}").replace("\n", "<br>") for p in pts],
            readable_axis(d.tone_map.x_label), readable_axis(d.tone_map.y_label),
            colors={"flagged": UNDER, "in the house voice": ACCENT})

    def _show_lengths_and_flags(self, d: HealthData) -> None:
        ln = d.lengths
        if ln.edges and (ln.input_bins or ln.output_bins):
            self.length_chart.set_bins(ln.edges, {"input": ln.input_bins, "output": ln.output_bins}, ln.unit)
        else:
            series = {"input": ln.input, "output": ln.output}
            values = [v for vs in series.values() for v in vs if v and v > 0]
            skewed = bool(values) and max(values) > 20 * max(1.0, min(values))
            self.length_chart.set_values(series, bins=30, x_label=ln.unit, log=skewed)
        flags = sorted(d.flags.items(), key=lambda kv: -kv[1])
        self._check_of_title = {check_title(c): c for c, _ in flags}
        self.flags_chart.set_data([(check_title(c), v) for c, v in flags], value_name="open flags")

    def _show_scores(self, scores: dict[str, Score]) -> None:
        while self.scores_grid.count():
            w = self.scores_grid.takeAt(0).widget()
            if w is not None:
                w.setParent(None)
        cols = 4 if len(scores) > 4 else max(1, len(scores))
        variants = case_variants([name for name, _ in self.data.labels.bars]) if self.data is not None else []
        for i, (name, s) in enumerate(scores.items()):
            hint = merge_advice(s.how_to_raise, variants)
            self.scores_grid.addWidget(ScoreCard(name, None if s.score is None else float(s.score), hint, s.detail),
                                       i // cols, i % cols)
        self.scores_host.setVisible(bool(scores))

    def _show_clusters(self, clusters: list[ClusterRow]) -> None:
        self.clusters.setRowCount(len(clusters))
        for r, c in enumerate(clusters):
            ids = c.example_ids
            text = c.preview
            kind = check_title(c.check)
            for col, value in enumerate((str(c.size), kind, text.replace("\n", " ")[:300])):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, int(ids[0]) if ids else None)
                if col == 2:
                    item.setToolTip(text[:1000])
                self.clusters.setItem(r, col, item)
        self.clusters.resizeColumnToContents(0)
        self.clusters.resizeColumnToContents(1)

    def _open_cluster(self, row: int, _col: int) -> None:
        item = self.clusters.item(row, 0)
        ex = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if ex is not None:
            self.controller.openExampleRequested.emit(int(ex))
