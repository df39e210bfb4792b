"""Duplicates panel: clusters of duplicate examples, members side by side, keep one.

A cluster is the set of flags one duplicate check gave the same `cluster` id. The list on the left
shows clusters (largest first); the right shows the selected cluster's members as cards with the
words that differ from the reference member highlighted. "Keep this one" rejects the other members
and resolves the cluster's flags in one undoable edit (`controller.apply`).

`ClusterPanel` is shared with the Conflicts panel (`ftcurate.gui.conflicts_view`).
"""

from __future__ import annotations

import html

import polars as pl
from PySide6.QtCore import QAbstractTableModel, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ftcurate.core.records import Example
from ftcurate.core.review import Cluster
from ftcurate.core.review import clusters_from_flags as core_clusters
from ftcurate.core.review import keep_one_command as core_keep_one
from ftcurate.gui.word_diff import HIGHLIGHT, word_diff_html  # noqa: F401 - re-exported

DUPLICATE_CHECKS = {"exact_duplicate": "Exact", "near_duplicate": "Near", "paraphrase": "Paraphrase",
                    "duplicates": "Duplicate"}
MAX_CARDS = 12
BACKGROUND_ABOVE = 2_000  # flag rows; more are grouped on a worker thread
def clusters_from_flags(flags: pl.DataFrame, checks: set[str]) -> list[Cluster]:
    """The clusters of `checks` (the core's one cluster type), open ones first, then largest."""
    clusters = core_clusters(flags, sorted(checks))
    clusters.sort(key=lambda c: (c.open == 0, -c.size, c.check, c.cluster))
    return clusters


class ClusterListModel(QAbstractTableModel):
    """Rows of clusters: kind, size, state, preview text."""

    HEADERS = ("Kind", "Size", "State", "Example")

    def __init__(self, kinds: dict[str, str], parent=None) -> None:
        super().__init__(parent)
        self.kinds = kinds
        self.clusters: list[Cluster] = []

    def set_clusters(self, clusters: list[Cluster]) -> None:
        self.beginResetModel()
        self.clusters = clusters
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.clusters)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.ForegroundRole):
            return None
        c = self.clusters[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return None if c.open else Qt.GlobalColor.gray
        col = index.column()
        if col == 0:
            return self.kinds.get(c.check, c.check)
        if col == 1:
            return len(c.example_ids)
        if col == 2:
            return "open" if c.open else "resolved"
        text = c.preview.replace("\n", " ")
        return text if role == Qt.ItemDataRole.DisplayRole else c.preview[:500]


class MemberCard(QFrame):
    """One member of a cluster: header, text with differences highlighted, action buttons."""

    def __init__(self, example: Example, body_html: str, header_extra: str = "",
                 actions: list[tuple[str, object]] | None = None, open_example=None) -> None:
        super().__init__()
        self.example = example
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(280)
        self.setObjectName("MemberCard")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        color = {"approved": "#188038", "rejected": "#c5221f"}.get(example.status, "#5f6368")
        label = html.escape(example.label) if example.label else "<i>no label</i>"
        head = QLabel(f'<b>#{example.id}</b> &nbsp; {label} &nbsp; '
                      f'<span style="color:{color}">{example.status}</span>{header_extra}')
        head.setTextFormat(Qt.TextFormat.RichText)
        head.setWordWrap(True)
        lay.addWidget(head)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.setHtml(body_html)
        lay.addWidget(self.text, 1)
        row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for text, slot in actions or []:
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
            self.buttons[text] = b
        if open_example is not None:
            b = QPushButton("Open")
            b.setToolTip("Open this example in the editor")
            b.clicked.connect(open_example)
            row.addWidget(b)
            self.buttons["Open"] = b
        row.addStretch(1)
        lay.addLayout(row)


class ClusterPanel(QWidget):
    """Cluster list + member cards. Subclasses set `KINDS` and implement `_show_members`."""

    KINDS: dict[str, str] = {}
    EMPTY_TEXT = "Nothing to show."
    FINE_TEXT = "Not duplicates"
    FINE_KIND = "duplicates"

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.current: Cluster | None = None
        self.cards: list[MemberCard] = []
        self._dirty = True
        self.model = ClusterListModel(self.KINDS, self)
        self.filter = QComboBox()
        self.filter.addItems(["Open", "All"])
        self.filter.currentIndexChanged.connect(self.refresh)
        self.count = QLabel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        for c, width in ((0, 90), (1, 50), (2, 76)):  # fixed: ResizeToContents asks every row (slow at 100k)
            self.table.setColumnWidth(c, width)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _=None: self._select(cur.row()))
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        top.addWidget(self.filter)
        top.addStretch(1)
        top.addWidget(self.count)
        ll.addLayout(top)
        ll.addWidget(self.table)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.cards_host = QWidget()
        self.cards_layout = QHBoxLayout(self.cards_host)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.cards_host)
        self.detail = QWidget()
        self.detail_layout = QVBoxLayout(self.detail)
        self.detail_layout.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()
        title_row.addWidget(self.title, 1)
        self.fine_button = QPushButton(self.FINE_TEXT)
        self.fine_button.setObjectName("notDuplicatesButton")
        self.fine_button.setToolTip("Nothing is rejected: the cluster's flags are ignored (undoable), and "
                                    "the checks remember it on their next run")
        self.fine_button.clicked.connect(self.mark_fine)
        self.fine_button.setEnabled(False)
        title_row.addWidget(self.fine_button, 0, Qt.AlignmentFlag.AlignTop)
        self.detail_layout.addLayout(title_row)
        self.detail_layout.addWidget(scroll, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.detail)
        split.setStretchFactor(1, 3)
        split.setSizes([340, 900])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(split)
        self._build_extras()
        controller.flagsChanged.connect(self._changed)
        controller.examplesChanged.connect(self._examples_changed)
        controller.projectChanged.connect(self._changed)
        self.refresh()

    def _build_extras(self) -> None:
        """Hook for subclasses: add widgets under the cards (called before the first refresh)."""

    # -- data ---------------------------------------------------------------------------------------
    def _changed(self, *_) -> None:
        self._dirty = True
        if self.isVisible():
            self.refresh()

    def _examples_changed(self, ids: list) -> None:
        if self.current is not None and (not ids or set(ids) & set(self.current.example_ids)):
            self._changed()

    def showEvent(self, event) -> None:  # noqa: N802
        if self._dirty:
            self.refresh()
        super().showEvent(event)

    def clusters(self) -> list[Cluster]:
        return list(self.model.clusters)

    def refresh(self) -> None:
        """Rebuild the cluster list from the controller's flags, keeping the selected cluster.
        Large flag sets are grouped on a worker thread (the list fills in when ready)."""
        self._dirty = False
        flags, frame = self.controller.flags(), self.controller.frame()
        only_open = self.filter.currentIndex() == 0
        if flags.height <= BACKGROUND_ABOVE:
            self._show_clusters(self._build(flags, frame, only_open))
            return
        self._generation = getattr(self, "_generation", 0) + 1
        gen = self._generation
        self.count.setText("Grouping clusters…")

        def done(clusters) -> None:
            if gen == self._generation:
                self._show_clusters(clusters)

        self.controller.run_task("Grouping clusters", lambda _p: self._build(flags, frame, only_open), done,
                                 quiet=True)

    def _build(self, flags: pl.DataFrame, frame: pl.DataFrame, only_open: bool) -> list[Cluster]:
        clusters = clusters_from_flags(flags, set(self.KINDS))
        if only_open:
            clusters = [c for c in clusters if c.open]
        self._add_previews(clusters, frame)
        return clusters

    def _show_clusters(self, clusters: list[Cluster]) -> None:
        keep = self.current.key if self.current else None
        self.model.set_clusters(clusters)
        total = len(clusters)
        self.count.setText(f"{total} cluster{'s' if total != 1 else ''}")
        row = next((i for i, c in enumerate(clusters) if c.key == keep), 0 if clusters else -1)
        self._select_row(row)

    @staticmethod
    def _add_previews(clusters: list[Cluster], frame: pl.DataFrame) -> None:
        if not clusters:
            return
        first = [c.example_ids[0] for c in clusters]
        rows = frame.filter(pl.col("id").is_in(first)).select("id", "input", "output")
        text = {r[0]: (r[1] or r[2] or "") for r in rows.iter_rows()}
        for c in clusters:
            c.preview = text.get(c.example_ids[0], "")[:300]

    def _select_row(self, row: int) -> None:
        if row < 0:
            self.current = None
            self._clear_cards()
            self.fine_button.setEnabled(False)
            self.title.setText(f"<i>{self.EMPTY_TEXT}</i>")
            return
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self._select(row)

    def select_cluster(self, key: tuple[str, int]) -> bool:
        """Select the cluster with `key` (check, cluster id); False if it is not listed."""
        for i, c in enumerate(self.model.clusters):
            if c.key == key:
                self._select_row(i)
                return True
        return False

    def _select(self, row: int) -> None:
        if not 0 <= row < len(self.model.clusters):
            return
        self.current = self.model.clusters[row]
        self._clear_cards()
        self.fine_button.setEnabled(self.current.open > 0)
        if self.controller.project is None:
            return
        members = self.controller.project.get_examples(self._member_ids(self.current))
        self._show_members(self.current, members)

    def _member_ids(self, cluster: Cluster) -> list[int]:
        """The members to fetch for the cards."""
        return cluster.example_ids[:MAX_CARDS]

    def _clear_cards(self) -> None:
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        while self.cards_layout.count():
            self.cards_layout.takeAt(0)

    def _add_card(self, card: MemberCard) -> None:
        self.cards.append(card)
        self.cards_layout.addWidget(card, 1)

    def _open(self, example_id: int):
        return lambda: self.controller.openExampleRequested.emit(int(example_id))

    def _show_members(self, cluster: Cluster, members: list[Example]) -> None:  # pragma: no cover
        raise NotImplementedError

    # -- actions ------------------------------------------------------------------------------------
    def mark_fine(self) -> None:
        """"Not duplicates" / "Both are fine": ignore the cluster's flags, reject nothing."""
        cluster = self.current
        if cluster is None:
            return
        from ftcurate.core.review.decisions import not_duplicates_command

        command = not_duplicates_command(cluster.flag_ids, len(cluster.example_ids), self.FINE_KIND)
        if self.controller.try_apply(command, "mark the cluster"):
            self._advance_after(cluster.key)

    def _advance_after(self, key: tuple[str, int]) -> None:
        """After resolving a cluster, move to the next open one (the list refreshes on flagsChanged)."""
        self.controller.flush()
        if self._dirty:
            self.refresh()


def keep_one_command(project, cluster: Cluster, keep_id: int):
    """The edit for "keep this one": the same decision as `ftcurate review keep` (`core.review`)."""
    return core_keep_one(project, cluster, keep_id)


def identical_groups(members: list[Example], keeper: int | None = None) -> list[list[Example]]:
    """Members with the same messages folded together; the keeper (else the first) leads its group
    and its group comes first."""
    groups: dict[str, list[Example]] = {}
    for ex in members:
        groups.setdefault(ex.content_hash(), []).append(ex)
    out = []
    for g in groups.values():
        lead = next((e for e in g if e.id == keeper), g[0])
        out.append([lead] + [e for e in g if e is not lead])
    out.sort(key=lambda g: g[0].id != keeper)
    return out


class DuplicatesPanel(ClusterPanel):
    """Exact, near-duplicate and paraphrase clusters; keep one member, reject the rest."""

    KINDS = DUPLICATE_CHECKS
    EMPTY_TEXT = "No duplicate clusters. Run the checks to find exact and near duplicates."

    def _member_ids(self, cluster: Cluster) -> list[int]:
        return cluster.example_ids[:2000]  # all of them, to fold identical copies into one card

    def _show_members(self, cluster: Cluster, members: list[Example]) -> None:
        kind = self.KINDS.get(cluster.check, cluster.check)
        copies = identical_groups(members, cluster.keeper)
        shown = copies[:MAX_CARDS]
        score = f" · similarity {cluster.score:.2f}" if cluster.score is not None and cluster.score < 1 else ""
        distinct = f" · {len(copies)} different texts" if len(copies) > 1 else " · all identical"
        more = f" (showing {len(shown)})" if len(copies) > len(shown) else ""
        self.title.setText(f"<b>{kind} duplicates</b> · {len(cluster.example_ids)} examples{distinct}{more}{score}"
                           " — highlighted words differ from the first card."
                           " <span style='color:#5f6368'>Keeping one rejects all the others.</span>")
        ref = shown[0][0] if shown else None
        alt = shown[1][0] if len(shown) > 1 else None
        for group in shown:
            ex = group[0]
            body = self._body_html(ex, alt if ex is ref else ref)
            tag = " &nbsp;<span style='color:#1a73e8'>suggested</span>" if ex.id == cluster.keeper else ""
            if len(group) > 1:
                tag += f" &nbsp;<span style='color:#5f6368'>+ {len(group) - 1} identical</span>"
            others = len(cluster.example_ids) - 1
            keep_text = "Keep this one" + (f" (rejects {others})" if others > 1 else "")
            card = MemberCard(ex, body, tag, [(keep_text, self._keep(ex.id))], self._open(ex.id))
            card.buttons.setdefault("Keep this one", card.buttons[keep_text])
            self._add_card(card)

    @staticmethod
    def _body_html(ex: Example, other: Example | None) -> str:
        parts = []
        for i, m in enumerate(ex.messages):
            ref = None
            if other is not None:
                same = [o for o in other.messages if o["role"] == m["role"]]
                ref = same[min(i, len(same) - 1)]["content"] if same else ""
            role = {"user": "Question", "assistant": "Answer", "system": "System"}.get(m["role"], m["role"])
            parts.append(f"<p style='color:#5f6368;margin:6px 0 2px 0'><b>{role}</b></p>"
                         f"<p style='margin:0'>{word_diff_html(m['content'], ref)}</p>")
        return "".join(parts)

    def _keep(self, example_id: int):
        def run() -> None:
            cluster = self.current
            if cluster is None or self.controller.project is None:
                return
            from ftcurate.gui.confirm import confirm_rejections

            try:
                command = keep_one_command(self.controller.project, cluster, example_id)
                if not confirm_rejections(self, command, f"Keeping example #{example_id}"):
                    return
                self.controller.apply(command)
            except Exception as exc:  # noqa: BLE001 - shown to the person
                self.controller.show_error("Could not keep this example", exc)
                return
            self._advance_after(cluster.key)
        return run
