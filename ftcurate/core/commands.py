"""Edit commands: every change a person makes to a project is one of these.

A command's `apply(conn)` performs the change on an open SQLite connection (the caller holds the
transaction) and returns its inverse, which `Project` stores in history beside the forward command so
any edit can be undone, redone, reverted or audited. Commands serialise to JSON (`to_json` /
`command_from_json`). The GUI wraps them in QUndoCommand; the core never needs Qt.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.records import (
    STATUSES,
    messages_hash,
    messages_json,
    messages_to_pair,
    validate_messages,
)

_FLAG_STATES = ("open", "resolved", "ignored")


class Command:
    """Base class: `text` describes the edit for people; `apply` returns the inverse command."""

    type: str = ""
    text: str = ""

    def apply(self, conn: sqlite3.Connection) -> Command:  # pragma: no cover - abstract
        raise NotImplementedError

    def to_json(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def example_ids(self) -> list[int]:
        """Examples this command touches (for views to refresh)."""
        return []


def _missing(conn: sqlite3.Connection, table: str, ids: list[int]) -> list[int]:
    found: set[int] = set()
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        q = f"SELECT id FROM {table} WHERE id IN ({','.join('?' * len(chunk))})"
        found.update(r[0] for r in conn.execute(q, chunk))
    return [i for i in ids if i not in found]


@dataclass
class SetMessagesCommand(Command):
    """Replace the chat messages of one example.

    `expect` (optional, not recorded in history) is the `messages_hash` of the messages the new ones
    were derived from (a redaction plan): if the example changed since, `apply` refuses with a
    `UserError` instead of overwriting an edit another window or process saved meanwhile.
    """

    example_id: int
    messages: list[dict]
    text: str = ""
    type: str = "set_messages"
    expect: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.text = self.text or f"Edit example {self.example_id}"

    def apply(self, conn: sqlite3.Connection) -> Command:
        reason = validate_messages(self.messages)
        if reason:
            raise UserError(f"example {self.example_id}: {reason}")
        row = conn.execute("SELECT messages, content_hash FROM examples WHERE id = ?",
                           (self.example_id,)).fetchone()
        if row is None:
            raise UserError(f"example {self.example_id} does not exist")
        if self.expect is not None and row[1] != self.expect:
            raise UserError(f"example {self.example_id} was changed (in another window or program) after "
                            "this edit was prepared; nothing was changed: look at it again and retry")
        inp, out = messages_to_pair(self.messages)
        conn.execute(
            "UPDATE examples SET messages=?, input=?, output=?, n_turns=?, content_hash=?, updated_at=?"
            " WHERE id=?",
            (messages_json(self.messages), inp, out, len(self.messages), messages_hash(self.messages),
             time.time(), self.example_id))
        return SetMessagesCommand(self.example_id, json.loads(row[0]), text=f"Undo: {self.text}")

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "example_id": self.example_id, "messages": self.messages,
                "text": self.text}

    def example_ids(self) -> list[int]:
        return [self.example_id]


@dataclass
class _SetColumnCommand(Command):
    """Set one column of many rows to one value, or per-row values (`values`, used by inverses)."""

    ids: list[int]
    value: Any = None
    values: dict[int, Any] | None = None
    text: str = ""
    table: str = field(default="examples", repr=False)
    column: str = field(default="", repr=False)
    allowed: tuple | None = field(default=None, repr=False)

    def apply(self, conn: sqlite3.Connection) -> Command:
        ids = [int(i) for i in self.ids]
        new = self.values or {i: self.value for i in ids}
        if self.allowed is not None:
            bad = {v for v in new.values() if v not in self.allowed}
            if bad:
                raise UserError(f"invalid {self.column} {sorted(map(str, bad))}; expected one of "
                                f"{', '.join(self.allowed)}")
        missing = _missing(conn, self.table, ids)
        if missing and self.table == "flags":
            # flags are derived data: a re-run of the checks may have dropped one since this edit
            # was recorded; the rest of the edit (e.g. the statuses of a resolve) still applies
            ids = [i for i in ids if i not in set(missing)]
        elif missing:
            raise UserError(f"{self.table[:-1]} {missing[0]} does not exist")
        old: dict[int, Any] = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            q = f'SELECT id, "{self.column}" FROM {self.table} WHERE id IN ({",".join("?" * len(chunk))})'
            old.update(conn.execute(q, chunk).fetchall())
        extra = ", updated_at = ?" if self.table == "examples" else ""
        now = (time.time(),) if extra else ()
        conn.executemany(f'UPDATE {self.table} SET "{self.column}" = ?{extra} WHERE id = ?',
                         [(new[i], *now, i) for i in ids])
        return type(self)(ids=ids, values=old, text=f"Undo: {self.text}")

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type, "ids": [int(i) for i in self.ids], "text": self.text}
        if self.values is not None:
            d["values"] = {str(k): v for k, v in self.values.items()}
        else:
            d["value"] = self.value
        return d

    def example_ids(self) -> list[int]:
        return [int(i) for i in self.ids] if self.table == "examples" else []


class SetLabelCommand(_SetColumnCommand):
    type = "set_label"

    def __init__(self, ids, label=None, values=None, text=""):
        super().__init__(ids=list(ids), value=label, values=values,
                         text=text or f"Set label of {len(ids)} example(s) to {label!r}",
                         table="examples", column="label")


class SetStatusCommand(_SetColumnCommand):
    type = "set_status"

    def __init__(self, ids, status=None, values=None, text=""):
        super().__init__(ids=list(ids), value=status, values=values,
                         text=text or f"Mark {len(ids)} example(s) {status}",
                         table="examples", column="status", allowed=STATUSES)


class SetFlagStateCommand(_SetColumnCommand):
    type = "set_flag_state"

    def __init__(self, ids, state=None, values=None, text=""):
        super().__init__(ids=list(ids), value=state, values=values,
                         text=text or f"Mark {len(ids)} flag(s) {state}",
                         table="flags", column="state", allowed=_FLAG_STATES)

    def example_ids(self) -> list[int]:
        return []


@dataclass
class CompositeCommand(Command):
    """Several commands applied as one edit (one transaction, one undo step)."""

    commands: list[Command]
    text: str = ""
    type: str = "composite"

    def apply(self, conn: sqlite3.Connection) -> Command:
        inverses = [c.apply(conn) for c in self.commands]
        return CompositeCommand(list(reversed(inverses)), text=f"Undo: {self.text}")

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "text": self.text, "commands": [c.to_json() for c in self.commands]}

    def example_ids(self) -> list[int]:
        out: list[int] = []
        for c in self.commands:
            out.extend(c.example_ids())
        return out


@dataclass
class SetSettingCommand(Command):
    """Set (or, with `value` None, remove) one project setting; the inverse restores the old value."""

    key: str
    value: Any
    text: str = ""
    type: str = "set_setting"

    def apply(self, conn: sqlite3.Connection) -> Command:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (self.key,)).fetchone()
        old = json.loads(row[0]) if row else None
        if self.value is None:
            conn.execute("DELETE FROM settings WHERE key = ?", (self.key,))
        else:
            conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (self.key, json.dumps(self.value)))
        return SetSettingCommand(self.key, old, text=f"Undo: {self.text}")

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "key": self.key, "value": self.value, "text": self.text}


def command_from_json(d: dict[str, Any]) -> Command:
    """Rebuild a command from `to_json()` output."""
    t = d["type"]
    if t == "set_setting":
        return SetSettingCommand(d["key"], d["value"], text=d.get("text", ""))
    if t == "set_messages":
        return SetMessagesCommand(d["example_id"], d["messages"], text=d.get("text", ""))
    if t == "composite":
        return CompositeCommand([command_from_json(c) for c in d["commands"]], text=d.get("text", ""))
    if t == "label_map":  # the label map's command lives with the label map
        from ftcurate.core.labels import LabelMapCommand

        return LabelMapCommand.from_json(d)
    cls = {"set_label": SetLabelCommand, "set_status": SetStatusCommand,
           "set_flag_state": SetFlagStateCommand}.get(t)
    if cls is None and t in ("follow_edit", "set_flag_spans"):
        from ftcurate.core.review.spans import command_from_json as review_command

        return review_command(d)
    if cls is None:
        raise ValueError(f"unknown command type {t!r}")
    values = {int(k): v for k, v in d["values"].items()} if "values" in d else None
    return cls(d["ids"], d.get("value"), values=values, text=d.get("text", ""))
