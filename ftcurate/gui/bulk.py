"""Bulk actions on the table selection: set label, approve, reject, redact PII of a type, resolve clusters.

Each action is one core command (see `ftcurate.core.bulk`) applied through the controller, so it is one
transaction and one undo step whatever the size of the selection.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from ftcurate.core.bulk import open_pii_flags, pii_entity_counts
from ftcurate.core.commands import SetLabelCommand, SetStatusCommand
from ftcurate.core.review import resolve_touching_command

REDACT_MODES = (("placeholder", "placeholder <TYPE>"), ("fake", "fake values"), ("mask", "mask ••••"))


class BulkActions(QObject):
    """Applies bulk edits to `selection()` (a callable returning the selected example ids)."""

    def __init__(self, controller, selection: Callable[[], list[int]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.selection = selection
        self.parent_widget = parent

    def _ids(self) -> list[int]:
        return [int(i) for i in self.selection()]

    def set_status(self, status: str, ids: list[int] | None = None) -> bool:
        ids = self._ids() if ids is None else ids
        return bool(ids) and self.controller.try_apply(SetStatusCommand(ids, status), f"mark examples {status}")

    def approve(self, ids: list[int] | None = None) -> bool:
        return self.set_status("approved", ids)

    def reject(self, ids: list[int] | None = None) -> bool:
        return self.set_status("rejected", ids)

    def set_label(self, label: str | None, ids: list[int] | None = None) -> bool:
        ids = self._ids() if ids is None else ids
        label = (label or "").strip() or None
        return bool(ids) and self.controller.try_apply(SetLabelCommand(ids, label), "set the label")

    def ask_label(self) -> bool:
        """Ask for a label (existing ones offered, a new one allowed) and set it on the selection."""
        ids = self._ids()
        if not ids:
            return False
        frame = self.controller.frame()
        labels = sorted(x for x in frame.get_column("label").unique().to_list() if x)
        label, ok = QInputDialog.getItem(self.parent_widget, "Set label",
                                         f"Label for {len(ids):,} selected example(s):", labels, 0, True)
        return ok and self.set_label(label, ids)

    def redact_pii(self, entity: str | None, mode: str, ids: list[int] | None = None) -> bool:
        """Redact every open PII span of type `entity` (None: all types) in the selection."""
        ids = self._ids() if ids is None else ids
        flag_ids = open_pii_flags(self.controller.flags(), ids, entity)
        if not flag_ids:
            self.controller.statusMessage.emit("No open PII flags of that type in the selection")
            return False
        from ftcurate.core.pii.redact import redaction_command

        try:
            cmd = redaction_command(self.controller.project, flag_ids, mode)
        except Exception as exc:  # noqa: BLE001
            self.controller.show_error("Could not redact", exc)
            return False
        return self.controller.try_apply(cmd, "redact")

    def resolve_clusters(self, ids: list[int] | None = None) -> bool:
        """Keep one example per duplicate/conflict cluster in the selection and reject the rest."""
        ids = self._ids() if ids is None else ids
        cmd = resolve_touching_command(self.controller.project, ids)
        if cmd is None:
            self.controller.statusMessage.emit("No selected example belongs to a duplicate or conflict cluster")
            return False
        from ftcurate.gui.confirm import confirm_rejections

        if not confirm_rejections(self.parent(), cmd, "Resolving these clusters"):
            return False
        return self.controller.try_apply(cmd, "resolve clusters")

    def menu(self, parent: QWidget | None = None) -> QMenu:
        """A context menu with every bulk action for the current selection."""
        ids = self._ids()
        menu = QMenu(parent)
        menu.setObjectName("bulkMenu")
        n = len(ids)

        def add(m: QMenu, text: str, fn, enabled: bool = True) -> QAction:
            act = QAction(text, m)
            act.triggered.connect(lambda _=False: fn())
            act.setEnabled(enabled and n > 0)
            m.addAction(act)
            return act

        add(menu, f"Approve {n:,} example(s)\tA", self.approve)
        add(menu, f"Reject {n:,} example(s)\tR", self.reject)
        add(menu, "Mark unreviewed", lambda: self.set_status("unreviewed"))
        menu.addSeparator()
        add(menu, "Set label…", self.ask_label)
        add(menu, "Remove label", lambda: self.set_label(None))
        menu.addSeparator()
        redact = menu.addMenu("Redact personal data")
        counts = pii_entity_counts(self.controller.flags(), ids) if n else {}
        if not counts:
            redact.setEnabled(False)
        for entity, k in list(counts.items())[:12]:
            sub = redact.addMenu(f"{entity}  ({k:,})")
            for mode, text in REDACT_MODES:
                add(sub, f"Replace with {text}", lambda e=entity, md=mode: self.redact_pii(e, md))
        if len(counts) > 1:
            redact.addSeparator()
            sub = redact.addMenu("All types")
            for mode, text in REDACT_MODES:
                add(sub, f"Replace with {text}", lambda md=mode: self.redact_pii(None, md))
        add(menu, "Resolve duplicate / conflict clusters (keep one)", self.resolve_clusters)
        return menu
