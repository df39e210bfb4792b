"""The detail pane: one example, every turn editable, its flags, PII spans to redact or ignore.

Each keystroke in a turn is committed to the project at once as a `FollowEditCommand` (the turn's
findings move with the text; a typing burst is one entry of the project's history), so there is nothing to save and nothing to lose.
When the example changes underneath (undo, redo, a bulk action) the editors are refreshed, keeping
the cursor where it was when the text is unchanged.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ftcurate.core.commands import SetFlagStateCommand, SetLabelCommand, SetStatusCommand
from ftcurate.core.errors import UserError
from ftcurate.core.filtering import NO_LABEL
from ftcurate.core.records import Example
from ftcurate.core.review.spans import FollowEditCommand, follow_spans
from ftcurate.gui.controller import DATASET_LEVEL_CHECKS
from ftcurate.gui.examples_model import SEVERITY_COLORS, STATUS_COLORS, readable_check
from ftcurate.gui.turn_edit import Span, TurnEdit

PII_CHECK = "pii"
REDACT_MODES = (("placeholder", "Replace with a placeholder  <TYPE>"),
                ("fake", "Replace with a realistic fake value"),
                ("mask", "Mask the characters  ••••"))
ROLE_TITLES = {"system": "System", "user": "User", "assistant": "Assistant"}
_SEV_RANK = {"info": 1, "low": 2, "medium": 3, "high": 4}


class DetailPanel(QWidget):
    """Shows and edits the example `example_id`. Signals: `navigateFlagged(step)` (+1/-1)."""

    navigateFlagged = Signal(int)
    reviewFocusRequested = Signal()  # after a popup action: give the keyboard back to the review loop

    def __init__(self, controller, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.example: Example | None = None
        self.editors: list[TurnEdit] = []
        self._loading = False
        self._labels: list[str] = []
        self._labels_for = None

        # a fixed minimum: what an example holds (a long label, a badge) never widens the window
        self.setMinimumWidth(360)
        self.stack = QStackedWidget(self)
        empty = QLabel("Select an example to review it here.", alignment=Qt.AlignmentFlag.AlignCenter)
        empty.setObjectName("emptyHint")
        self.stack.addWidget(empty)
        self.stack.addWidget(self._build_body())
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.stack)

        controller.examplesChanged.connect(self._examples_changed)
        controller.flagsChanged.connect(self._flags_changed)
        controller.projectChanged.connect(lambda: self.show_example(None))

    def _build_body(self) -> QWidget:
        body = QWidget(self)
        self.title = QLabel(body)
        self.title.setObjectName("detailTitle")
        self.where = QLabel(body)
        self.where.setObjectName("detailWhere")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # long source names / provenance wrap instead of widening the window
        self.where.setWordWrap(True)
        self.where.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status_chip = QLabel(body)
        self.status_chip.setObjectName("statusChip")
        self.label_box = QComboBox(body, editable=True, toolTip="Label (type a new one and press Enter)")
        self.label_box.setObjectName("labelBox")
        self.label_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.label_box.setMinimumContentsLength(14)
        self.label_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.label_box.lineEdit().editingFinished.connect(self._label_edited)
        self.label_box.activated.connect(lambda _: self._label_edited())
        self.approve_button = QPushButton("Approve", body, toolTip="Approve (A)")
        self.approve_button.setObjectName("approveButton")
        self.reject_button = QPushButton("Reject", body, toolTip="Reject (R)")
        self.reject_button.setObjectName("rejectButton")
        self.approve_button.clicked.connect(lambda: self.set_status("approved"))
        self.reject_button.clicked.connect(lambda: self.set_status("rejected"))
        self.prev_flag = QToolButton(body, text="◀ Flagged", toolTip="Previous flagged example")
        self.next_flag = QToolButton(body, text="Flagged ▶", toolTip="Next flagged example")
        self.prev_flag.clicked.connect(lambda: self.navigateFlagged.emit(-1))
        self.next_flag.clicked.connect(lambda: self.navigateFlagged.emit(1))

        head = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.status_chip)
        self.edited_badge = QToolButton(body, text="edited", checkable=True)
        self.edited_badge.setObjectName("editedBadge")
        self.edited_badge.setToolTip("The text differs from the imported original: click to see the changes")
        self.edited_badge.toggled.connect(self._toggle_diff)
        self.edited_badge.hide()
        top.addWidget(self.edited_badge)
        top.addStretch(1)
        top.addWidget(self.prev_flag)
        top.addWidget(self.next_flag)
        head.addLayout(top)
        head.addWidget(self.where)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("Label", body))
        actions.addWidget(self.label_box, 1)
        actions.addSpacing(12)
        actions.addWidget(self.approve_button)
        actions.addWidget(self.reject_button)
        head.addLayout(actions)
        self.diff_view = QLabel(body)
        self.diff_view.setObjectName("editDiff")
        self.diff_view.setWordWrap(True)
        self.diff_view.setTextFormat(Qt.TextFormat.RichText)
        self.diff_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.diff_view.hide()
        head.addWidget(self.diff_view)
        self.label_note = QLabel(body)
        self.label_note.setObjectName("labelNote")
        self.label_note.setWordWrap(True)
        self.label_note.setStyleSheet("color:#8a5a00")
        self.label_note.hide()
        head.addWidget(self.label_note)

        self.turns = QWidget(body)
        self.turns_layout = QVBoxLayout(self.turns)
        self.turns_layout.setContentsMargins(0, 0, 6, 0)
        self.turns_layout.setSpacing(10)
        self.turns_layout.addStretch(1)
        scroll = QScrollArea(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.turns)

        self.flag_list = QTreeWidget(body)
        self.flag_list.setObjectName("flagList")
        self.flag_list.setHeaderLabels(["Check", "Severity", "Message", "State"])
        self.flag_list.setRootIsDecorated(False)
        self.flag_list.setAlternatingRowColors(True)
        self.flag_list.setUniformRowHeights(True)
        hdr = self.flag_list.header()
        hdr.setStretchLastSection(False)
        hdr.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for c, w in ((0, 110), (1, 70), (3, 70)):
            self.flag_list.setColumnWidth(c, w)
        self.flag_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.flag_list.customContextMenuRequested.connect(self._flag_menu)
        self.flag_list.itemDoubleClicked.connect(self._flag_activated)
        self.flags_title = QLabel("Flags", body)
        self.flags_title.setObjectName("sectionTitle")
        flags_box = QWidget(body)
        fl = QVBoxLayout(flags_box)
        fl.setContentsMargins(0, 4, 0, 0)
        fl.addWidget(self.flags_title)
        fl.addWidget(self.flag_list)

        split = QSplitter(Qt.Orientation.Vertical, body)
        split.addWidget(scroll)
        split.addWidget(flags_box)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([640, 170])
        split.setChildrenCollapsible(False)

        lay = QVBoxLayout(body)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.addLayout(head)
        lay.addWidget(split, 1)
        return body

    # -- showing ----------------------------------------------------------------------------------
    def show_example(self, example_id: int | None) -> None:
        """Show `example_id` (None: the empty hint)."""
        if example_id is None or self.controller.project is None:
            self.example = None
            self.stack.setCurrentIndex(0)
            return
        try:
            ex = self.controller.project.get_example(int(example_id))
        except UserError:
            self.example = None
            self.stack.setCurrentIndex(0)
            return
        same = self.example is not None and self.example.id == ex.id
        self.example = ex
        self._render(keep_cursor=same)
        self.stack.setCurrentIndex(1)

    def current_id(self) -> int | None:
        return None if self.example is None else self.example.id

    def _render(self, keep_cursor: bool) -> None:
        ex = self.example
        self._loading = True
        try:
            self.title.setText(f"Example #{ex.id}")
            self._show_status(ex.status)
            source = next((s["name"] for s in self.controller.project.sources() if s["id"] == ex.source_id), None)
            prov = ", ".join(f"{k} {v}" for k, v in ex.provenance.items())
            self.where.setText(" · ".join(x for x in (source, prov) if x) or "added by hand")
            self._fill_labels(ex.label)
            if len(self.editors) != len(ex.messages) or not keep_cursor:
                self._rebuild_editors(ex)
            else:
                for ed, m in zip(self.editors, ex.messages, strict=True):
                    if ed.toPlainText() != m["content"]:
                        pos = ed.textCursor().position()
                        ed.setPlainText(m["content"])
                        cur = ed.textCursor()
                        cur.setPosition(min(pos, len(m["content"])))
                        ed.setTextCursor(cur)
            self._show_flags()
            self._show_edited()
        finally:
            self._loading = False

    def _show_edited(self) -> None:
        """The "edited" badge and, when opened, a word diff against the imported original."""
        from ftcurate.core.review.history import original_messages

        ex = self.example
        original = original_messages(self.controller.project, ex.id)
        self._original = original if original is not None and original != ex.messages else None
        self.edited_badge.setVisible(self._original is not None)
        if self._original is None:
            self.edited_badge.setChecked(False)
        self._toggle_diff(self.edited_badge.isChecked())

    def _toggle_diff(self, on: bool) -> None:
        original = getattr(self, "_original", None)
        if not on or original is None or self.example is None:
            self.diff_view.hide()
            return
        from ftcurate.gui.word_diff import word_diff_html

        parts = []
        for i, m in enumerate(self.example.messages):
            before = original[i]["content"] if i < len(original) else ""
            if before != m["content"]:
                role = ROLE_TITLES.get(m["role"], m["role"])
                parts.append(f"<p style='margin:2px 0'><b>{role}</b> (highlighted: changed since import; "
                             f"was: <i>{_escape(before[:400])}</i>)<br>{word_diff_html(m['content'], before)}</p>")
        self.diff_view.setText("".join(parts) or "Only the number of turns changed.")
        self.diff_view.show()

    def _show_status(self, status: str) -> None:
        color = STATUS_COLORS.get(status, "#6b7280")
        self.status_chip.setText(status.capitalize())
        self.status_chip.setStyleSheet(f"QLabel#statusChip {{ color: {color}; border: 1px solid {color};"
                                       " border-radius: 8px; padding: 1px 8px; }")

    def _fill_labels(self, label: str | None) -> None:
        facets = self.controller.facets()  # counted on the loading thread; no polars query here
        if self._labels_for is not facets:  # a new dict whenever the examples change
            self._labels = sorted(x for x, _ in facets["labels"] if x and x != NO_LABEL)
            self._labels_for = facets
        labels = self._labels
        self.label_box.blockSignals(True)
        self.label_box.clear()
        self.label_box.addItems(labels)
        self.label_box.setCurrentText(label or "")
        self.label_box.lineEdit().setPlaceholderText("(no label)")
        self.label_box.blockSignals(False)

    def _rebuild_editors(self, ex: Example) -> None:
        for ed in self.editors:
            card = ed.parentWidget()
            self.turns_layout.removeWidget(card)
            card.hide()  # gone from the screen now, deleted when control returns to the event loop
            card.deleteLater()
        self.editors = []
        for i, m in enumerate(ex.messages):
            card = QFrame(self.turns)
            card.setObjectName(f"turn_{m['role']}")
            card.setProperty("role", m["role"])
            cl = QVBoxLayout(card)
            cl.setContentsMargins(10, 6, 10, 6)
            cl.setSpacing(2)
            role = QLabel(ROLE_TITLES.get(m["role"], m["role"]), card)
            role.setObjectName("roleLabel")
            ed = TurnEdit(card)
            ed.setObjectName(f"turnEdit{i}")
            ed.setPlainText(m["content"])
            ed.textChanged.connect(self._text_edited)
            ed.spanClicked.connect(self._span_menu)
            cl.addWidget(role)
            cl.addWidget(ed)
            self.turns_layout.insertWidget(self.turns_layout.count() - 1, card)
            self.editors.append(ed)

    def _show_flags(self) -> None:
        flags = self.controller.example_flags(self.example.id) if self.example else None
        self.flag_list.clear()
        spans: dict[int, list[Span]] = {}
        n_open = 0
        label_notes = []
        for f in (flags.iter_rows(named=True) if flags is not None else []):
            if f["check"] in DATASET_LEVEL_CHECKS:  # about the label, not this example: shown by the label
                if f["state"] == "open":
                    label_notes.append(f["message"])
                continue
            item = QTreeWidgetItem([readable_check(f["check"]), f["severity"], f["message"], f["state"]])
            item.setData(0, Qt.ItemDataRole.UserRole, f["id"])
            item.setData(1, Qt.ItemDataRole.UserRole, f["turn"])
            item.setToolTip(2, f["message"])
            sev_color = SEVERITY_COLORS.get(_SEV_RANK.get(f["severity"], 0))
            if sev_color:
                item.setForeground(1, QColor(sev_color))
            if f["state"] != "open":
                for c in range(4):
                    item.setForeground(c, QColor("#9aa0a6"))
            else:
                n_open += 1
            self.flag_list.addTopLevelItem(item)
            if f["check"] == PII_CHECK and f["state"] == "open" and f["turn"] is not None and f["start"] is not None:
                if _span_text_ok(f, self.example):
                    spans.setdefault(f["turn"], []).append(
                        Span(f["start"], f["end"], f["kind"] or "PII", f["id"], f["message"]))
        self.flags_title.setText(f"Flags  ({n_open} open)" if self.flag_list.topLevelItemCount() else
                                 "Flags  (none)")
        self.label_note.setText("⚖ " + label_notes[0] + " — see Health" if label_notes else "")
        self.label_note.setVisible(bool(label_notes))
        for i, ed in enumerate(self.editors):
            ed.set_spans(spans.get(i, []))

    # -- editing ----------------------------------------------------------------------------------
    def _text_edited(self) -> None:
        if self._loading or self.example is None:
            return
        messages = [{"role": m["role"], "content": ed.toPlainText()}
                    for m, ed in zip(self.example.messages, self.editors, strict=True)]
        if messages == self.example.messages:
            return
        try:  # one history entry per typing burst; the findings of the turn move with the text
            self.controller.apply(FollowEditCommand(self.example.id, messages),
                                  merge_key=f"messages:{self.example.id}")
        except UserError as exc:
            self.controller.show_error("Could not save the edit", exc)
            return
        self.example.messages = messages
        self._refresh_spans_now()

    def _refresh_spans_now(self) -> None:
        """Re-read this example's flags (their offsets moved with the edit) and redraw the spans."""
        self.controller.flush_now()
        if self.example is not None:
            self._show_flags()

    def _label_edited(self) -> None:
        if self._loading or self.example is None:
            return
        text = self.label_box.currentText().strip() or None
        if text == self.example.label:
            return
        self.controller.try_apply(SetLabelCommand([self.example.id], text), "set the label")

    def set_status(self, status: str) -> None:
        if self.example is not None and self.example.status != status:
            self.controller.try_apply(SetStatusCommand([self.example.id], status), f"mark the example {status}")

    def _examples_changed(self, ids: list) -> None:
        if self.example is not None and (not ids or self.example.id in ids):
            self.show_example(self.example.id)

    def _flags_changed(self) -> None:
        if self.example is not None:
            self._loading = True
            try:
                self._show_flags()
            finally:
                self._loading = False

    # -- flags and spans --------------------------------------------------------------------------
    def _flag_menu(self, pos: QPoint) -> None:
        items = self.flag_list.selectedItems()
        if not items:
            return
        ids = [int(it.data(0, Qt.ItemDataRole.UserRole)) for it in items]
        menu = QMenu(self)
        for state, text in (("ignored", "Ignore"), ("resolved", "Mark resolved"), ("open", "Reopen")):
            act = QAction(text, menu)
            act.triggered.connect(lambda _=False, s=state: self.set_flag_state(ids, s))
            menu.addAction(act)
        menu.popup(self.flag_list.viewport().mapToGlobal(pos))

    def set_flag_state(self, flag_ids: list[int], state: str) -> None:
        self.controller.try_apply(SetFlagStateCommand(flag_ids, state), "change the flag")

    def _flag_activated(self, item: QTreeWidgetItem) -> None:
        turn = item.data(1, Qt.ItemDataRole.UserRole)
        if turn is not None and 0 <= int(turn) < len(self.editors):
            self.editors[int(turn)].setFocus()

    def span_menu(self, flag_id: int) -> QMenu:
        """The menu offered when a PII span is clicked: redact in a chosen way, or ignore the flag."""
        menu = QMenu(self)
        menu.setObjectName("spanMenu")
        for mode, text in REDACT_MODES:
            act = QAction(text, menu)
            act.triggered.connect(lambda _=False, m=mode: (self.redact([flag_id], m),
                                                           self.reviewFocusRequested.emit()))
            menu.addAction(act)
        menu.addSeparator()
        ignore = QAction("Ignore: not personal data", menu)
        ignore.triggered.connect(lambda: (self.set_flag_state([flag_id], "ignored"),
                                          self.reviewFocusRequested.emit()))
        menu.addAction(ignore)
        from ftcurate.core.pii.allow import flag_value

        word = flag_value(self.controller.project, flag_id)
        if word:  # allow-list entry in the project settings, one undoable edit
            never = QAction(f"Never flag \u201c{word[:40]}\u201d in this project", menu)
            never.setObjectName("neverFlagAction")
            never.triggered.connect(lambda: self.never_flag(word))
            menu.addAction(never)
        return menu

    def never_flag(self, word: str) -> None:
        """Add `word` to the project's PII allow-list and ignore its open flags (one undoable edit)."""
        from ftcurate.core.pii.allow import never_flag_command

        try:
            cmd = never_flag_command(self.controller.project, word)
        except Exception as exc:  # noqa: BLE001 - shown to the person
            self.controller.show_error("Could not never flag this word", exc)
            return
        if cmd is not None:
            self.controller.try_apply(cmd, "never flag this word")

    def _span_menu(self, flag_id: int, where: QPoint) -> None:
        self.span_menu(flag_id).popup(where)

    def redact(self, flag_ids: list[int], mode: str) -> None:
        """Redact the spans of `flag_ids` with the PII module's command (undoable)."""
        from ftcurate.core.pii.redact import redaction_command

        try:
            command = follow_spans(redaction_command(self.controller.project, flag_ids, mode))
        except Exception as exc:  # noqa: BLE001 - shown to the person
            self.controller.show_error("Could not redact", exc)
            return
        if command is None:  # resolved meanwhile, or its text changed since the check ran
            self.controller.statusMessage.emit("Nothing to redact: the finding no longer matches its text; "
                                               "run the PII check again")
            self._refresh_spans_now()
            return
        self.controller.try_apply(command, "redact")


def _span_text_ok(flag: dict, ex: Example) -> bool:
    """A span is shown only if it still fits its turn (and matches its text, when the flag kept it)."""
    turn, start, end = flag["turn"], flag["start"], flag["end"]
    if turn >= len(ex.messages) or end is None:
        return False
    content = ex.messages[turn]["content"]
    if not 0 <= start < end <= len(content):
        return False
    data = json.loads(flag["data"]) if flag.get("data") else {}
    expected = data.get("text") if isinstance(data, dict) else None
    return expected is None or content[start:end] == expected



def _escape(text: str) -> str:
    import html

    return html.escape(text)
