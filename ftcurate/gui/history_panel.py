"""History panel: the project's audit trail (when, what, before -> after) with Revert.

Reads `project.history()` (newest first). Revert applies the inverse of the chosen edit as a new,
undoable edit through the controller, so reverting is itself recorded and can be undone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

LIMIT = 500
SNIPPET = 70


def _short(v: Any) -> str:
    s = "(none)" if v is None else str(v)
    s = s.replace("\n", " ⏎ ")
    return s if len(s) <= SNIPPET else s[:SNIPPET - 1] + "…"


def describe_change(forward: dict, inverse: dict) -> tuple[str, str]:
    """(before, after) summaries of one history entry, readable by a person."""
    t = forward.get("type")
    if t in ("set_messages", "follow_edit"):
        if inverse.get("type") == "composite":  # the text and the findings' old offsets
            inverse = next((c for c in inverse.get("commands", []) if c.get("type") == "set_messages"), {})
        old, new = inverse.get("messages") or [], forward.get("messages") or []
        for i in range(max(len(old), len(new))):
            a = old[i]["content"] if i < len(old) else None
            b = new[i]["content"] if i < len(new) else None
            if a != b:
                return _diff_snippets(a or "", b or "")
        return "(unchanged)", "(unchanged)"
    if t == "composite":
        parts = [describe_change(f, i) for f, i in
                 zip(forward.get("commands", []), reversed(inverse.get("commands", [])), strict=False)]
        if len(parts) == 1:
            return parts[0]
        return f"{len(parts)} changes", "; ".join(p[1] for p in parts[:2]) + ("…" if len(parts) > 2 else "")
    if t in ("set_label", "set_status", "set_flag_state"):
        before_vals = inverse.get("values") or {}
        distinct = sorted({_short(v) for v in before_vals.values()}) if before_vals else [_short(inverse.get("value"))]
        before = distinct[0] if len(distinct) == 1 else f"{len(distinct)} different values"
        if "values" in forward:
            vals = sorted({_short(v) for v in forward["values"].values()})
            after = vals[0] if len(vals) == 1 else f"{len(vals)} different values"
        else:
            after = _short(forward.get("value"))
        n = len(forward.get("ids", []))
        what = {"set_label": "label", "set_status": "status", "set_flag_state": "flag"}[t]
        return (f"{what} {before}" + (f" ({n})" if n > 1 else ""), f"{what} {after}")
    return "", ""


def _diff_snippets(a: str, b: str) -> tuple[str, str]:
    """Show the region where two texts differ, with a little context."""
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[len(a) - 1 - j] == b[len(b) - 1 - j]:
        j += 1
    start = max(0, i - 20)
    pre = "…" if start > 0 else ""
    return (_short(pre + a[start:len(a) - j]) or "(empty)", _short(pre + b[start:len(b) - j]) or "(empty)")


class HistoryPanel(QWidget):
    """Lists history entries; Revert applies the selected edit's inverse as a new edit."""

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("historyTree")
        self.tree.setHeaderLabels(["When", "What", "Before", "After", "By", "State"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        hdr = self.tree.header()
        hdr.setStretchLastSection(False)
        for c, w in ((0, 150), (1, 340), (2, 220), (3, 220), (4, 60), (5, 70)):
            self.tree.setColumnWidth(c, w)
        hdr.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        hdr.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.tree.itemSelectionChanged.connect(self._selection)
        self.tree.itemDoubleClicked.connect(self._open_example)
        self.revert_button = QPushButton("Revert this change", self)
        self.revert_button.setEnabled(False)
        self.revert_button.setToolTip("Apply the opposite of the selected edit as a new edit (undoable)")
        self.revert_button.clicked.connect(self.revert_selected)
        self.info = QLabel("Every edit is saved the moment you make it. Double-click an entry to open its "
                           "example.", self)
        self.info.setObjectName("hint")
        bar = QHBoxLayout()
        bar.addWidget(self.info, 1)
        bar.addWidget(self.revert_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.addLayout(bar)
        lay.addWidget(self.tree)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.refresh)
        controller.projectChanged.connect(self.refresh)
        controller.examplesChanged.connect(lambda _: self._later())
        controller.flagsChanged.connect(self._later)
        controller.undoChanged.connect(self._later)

    def _later(self) -> None:
        if self.isVisible():
            self._timer.start()

    def showEvent(self, e) -> None:  # noqa: N802
        super().showEvent(e)
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        project = self.controller.project
        if project is None:
            return
        items = []
        for group in group_typing(project.history(limit=LIMIT)):
            h, first = group[0], group[-1]  # newest, oldest
            when = dt.datetime.fromtimestamp(h["at"]).strftime("%Y-%m-%d %H:%M:%S")
            before, after = describe_change(h["forward"], first["inverse"])
            state = {"done": "", "undone": "undone", "dropped": "dropped", "audit": h["kind"]}.get(h["state"],
                                                                                              h["state"])
            text = h["text"] if len(group) == 1 else f"{h['text']} ({len(group)} keystrokes)"
            it = QTreeWidgetItem([when, text, before, after, h["actor"], state])
            it.setData(0, Qt.ItemDataRole.UserRole, h["id"])
            it.setData(1, Qt.ItemDataRole.UserRole, group)
            it.setToolTip(2, before)
            it.setToolTip(3, after)
            if h["state"] in ("undone", "dropped", "audit"):
                for c in range(6):
                    it.setForeground(c, QColor("#9aa0a6"))
            items.append(it)
        self.tree.addTopLevelItems(items)

    def _selection(self) -> None:
        group = self._selected()
        self.revert_button.setEnabled(bool(group) and all(h["kind"] == "edit" and h["state"] == "done"
                                                          for h in group))

    def _selected(self) -> list[dict] | None:
        items = self.tree.selectedItems()
        return items[0].data(1, Qt.ItemDataRole.UserRole) if items else None

    def revert_selected(self) -> None:
        group = self._selected()
        if not group:
            return
        try:
            if len(group) == 1:
                self.controller.revert(int(group[0]["id"]))
            else:  # a typing burst: back to the text before its first keystroke, as one edit
                from ftcurate.core.commands import SetMessagesCommand

                first = group[-1]
                self.controller.apply(SetMessagesCommand(first["forward"]["example_id"],
                                                         first["inverse"]["messages"],
                                                         text=f"Revert: {group[0]['text']}"))
        except Exception as exc:  # noqa: BLE001 - shown to the person
            self.controller.show_error("Could not revert", exc)
        self.refresh()

    def _open_example(self, item: QTreeWidgetItem) -> None:
        group = item.data(1, Qt.ItemDataRole.UserRole)
        ids = _example_ids(group[0]["forward"])
        if ids:
            self.controller.openExampleRequested.emit(ids[0])


def group_typing(history: list[dict], gap: float = 3.0) -> list[list[dict]]:
    """Group consecutive message edits of one example made within `gap` seconds of each other
    (a typing burst, one entry per keystroke in the file) into one list, newest first."""
    groups: list[list[dict]] = []
    for h in history:
        prev = groups[-1][-1] if groups else None
        if (prev is not None and h["kind"] == "edit" and prev["kind"] == "edit" and h["state"] == prev["state"]
                and h["forward"].get("type") == "set_messages" == prev["forward"].get("type")
                and h["forward"].get("example_id") == prev["forward"].get("example_id")
                and prev["at"] - h["at"] <= gap):
            groups[-1].append(h)
        else:
            groups.append([h])
    return groups


def _example_ids(forward: dict) -> list[int]:
    if forward.get("type") in ("set_messages", "follow_edit"):
        return [int(forward["example_id"])]
    if forward.get("type") in ("set_label", "set_status"):
        return [int(i) for i in forward.get("ids", [])]
    if forward.get("type") == "composite":
        out: list[int] = []
        for c in forward.get("commands", []):
            out.extend(_example_ids(c))
        return out
    return []
