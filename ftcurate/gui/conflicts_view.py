"""Conflicts panel: the same question answered differently; pick one answer or merge them.

Conflict flags (check "conflict") share a `cluster` id per question; `Flag.data` may carry
`{"answers": [{"example_id", "output"}, ...]}`, else the members' own outputs are shown. "Pick this
answer" keeps that example and rejects the others; "Merge" writes the edited answer into one example
(`SetMessagesCommand`) and rejects the others. Both resolve the cluster's flags, in one undoable edit.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ftcurate.core.errors import UserError
from ftcurate.core.records import Example
from ftcurate.core.review import Cluster, merge_answers_command, pick_answer_command
from ftcurate.gui.duplicates_view import MAX_CARDS, ClusterPanel, MemberCard, word_diff_html

CONFLICT_CHECKS = {"conflict": "Conflict"}


def answer_groups(cluster: Cluster, members: list[Example]) -> list[list[Example]]:
    """Members grouped by the answer they give, in the check's order (`Flag.data["answers"][i]["group"]`).

    Members the check did not list join the group whose listed answer has the same text, else form
    their own group.
    """
    listed = [a for a in cluster.data.get("answers") or [] if isinstance(a, dict) and "example_id" in a]
    group_of = {int(a["example_id"]): a.get("group", k) for k, a in enumerate(listed)}
    text_group = {str(a.get("output", "")).strip(): group_of[int(a["example_id"])] for a in listed}
    groups: dict[object, list[Example]] = {}
    for ex in members:
        g = group_of.get(ex.id, text_group.get(ex.output.strip(), ("text", ex.output.strip())))
        groups.setdefault(g, []).append(ex)
    return list(groups.values())


class ConflictsPanel(ClusterPanel):
    """One question, its different answers side by side; pick one or write a merged answer."""

    KINDS = CONFLICT_CHECKS
    FINE_TEXT = "Both are fine"
    FINE_KIND = "conflicts"
    EMPTY_TEXT = "No conflicting answers. Run the checks to find questions answered differently."

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        self.members: list[Example] = []
        super().__init__(controller, parent)

    def _build_extras(self) -> None:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 6, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Merged answer</b> — edit it, then save it into"))
        self.keeper = QComboBox()
        self.keeper.setToolTip("The example that receives the merged answer; the others are rejected")
        row.addWidget(self.keeper)
        row.addStretch(1)
        self.merge_button = QPushButton("Merge")
        self.merge_button.setToolTip("Save the merged answer into the chosen example and reject the others")
        self.merge_button.clicked.connect(self.merge)
        row.addWidget(self.merge_button)
        lay.addLayout(row)
        self.merged = QPlainTextEdit()
        self.merged.setPlaceholderText("Write the answer that should replace the conflicting ones")
        self.merged.setMaximumHeight(130)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self.merged)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(self.merge)
        lay.addWidget(self.merged)
        self.detail_layout.addWidget(box)
        self._merge_box = box
        box.setEnabled(False)

    def _member_ids(self, cluster: Cluster) -> list[int]:
        return cluster.example_ids[:500]

    def _show_members(self, cluster: Cluster, members: list[Example]) -> None:
        self.members = members
        groups = answer_groups(cluster, members)
        question = str(cluster.data.get("question") or (members[0].input if members else ""))
        self.title.setText(
            f"<b>Question</b> <span style='color:#5f6368'>({len(cluster.example_ids)} examples, "
            f"{len(groups)} different answers; highlighted words differ from the first answer)</span>"
            f"<p style='margin:4px 0 6px 0;font-size:11pt'>{html.escape(question)}</p>")
        first = groups[0][0].output if groups else None
        for k, group in enumerate(groups[:MAX_CARDS]):
            ex = group[0]
            body = ""
            asked = sorted({m.input for m in group if m.input.strip() != question.strip()})
            if asked:
                body += (f"<p style='color:#5f6368;margin:0 0 6px 0'><i>Asked as:</i> "
                         f"{html.escape(asked[0])}</p>")
            body += f"<p style='margin:0'>{word_diff_html(ex.output, None if k == 0 else first)}</p>"
            extra = ""
            if len(group) > 1:
                others = ", ".join(f"#{m.id}" for m in group[1:6]) + ("…" if len(group) > 6 else "")
                extra = f" &nbsp;<span style='color:#5f6368'>+ {len(group) - 1} with this answer ({others})</span>"
            card = MemberCard(ex, body, extra, [("Pick this answer", self._pick([m.id for m in group]))],
                              self._open(ex.id))
            self._add_card(card)
        self.keeper.clear()
        for group in groups:
            ex = group[0]
            self.keeper.addItem(f"example #{ex.id}" + (f" ({ex.label})" if ex.label else ""), ex.id)
        self.merged.setPlainText(first or "")
        self._merge_box.setEnabled(bool(members))

    def _select_row(self, row: int) -> None:
        super()._select_row(row)
        if row < 0:
            self.members = []
            self.keeper.clear()
            self.merged.clear()
            self._merge_box.setEnabled(False)

    def _pick(self, example_ids: list[int]):
        def run() -> None:
            if self.current is not None:
                self._apply(pick_answer_command(self.current, example_ids), "Could not pick this answer")
        return run

    def merge(self) -> None:
        """Save the merged text into the chosen example and reject the others (one undoable edit)."""
        if self.current is None or not self.members:
            return
        keeper_id = self.keeper.currentData()
        keeper = next((m for m in self.members if m.id == keeper_id), self.members[0])
        try:
            cmd = merge_answers_command(self.current, keeper, self.merged.toPlainText())
        except UserError as exc:
            self.controller.show_error("Could not merge", exc)
            return
        self._apply(cmd, "Could not merge the answers")

    def _apply(self, command, title: str) -> None:
        cluster = self.current
        try:
            self.controller.apply(command)
        except Exception as exc:  # noqa: BLE001 - shown to the person
            self.controller.show_error(title, exc)
            return
        self._advance_after(cluster.key)
