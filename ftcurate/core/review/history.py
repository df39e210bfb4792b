"""The project's history rules: a typing burst is one entry, and what undo/redo would do next.

`apply_merged(project, command, merge_key)` is `Project.apply` for edits that come in bursts (one
command per keystroke). When the newest history entry is the previous command of the same burst
(same `merge_key`, nothing else recorded since, at most `MERGE_SECONDS` after it), that entry is
rewritten in the same transaction instead of a new one being added: its forward becomes the newest
command and its inverse keeps the state from before the burst. So 146 typed characters are one
entry, and one undo plus one redo add two audit rows, not 292. Contract for callers: commands that
share a `merge_key` are absolute edits of the same target (e.g. the full messages of one example),
so the newest forward alone reproduces the burst.

`undo_status(project)` says what `Project.undo()` / `Project.redo()` would act on; the app's
Undo/Redo actions and the History panel show it, and `ftcurate undo` acts on the same entries.
"""

from __future__ import annotations

import json
import time
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ftcurate.core.commands import Command

if TYPE_CHECKING:
    from ftcurate.core.store import Project

MERGE_SECONDS = 3.0
# Per open Project: (merge_key, history id, monotonic time) of the last merged-apply. In memory on
# purpose: a burst belongs to one session; any other entry recorded since ends it (checked in SQL).
_LAST: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class UndoStatus:
    """What undo and redo would act on next: the history entry's id and text (None: nothing)."""

    undo_id: int | None
    undo_text: str | None
    redo_id: int | None
    redo_text: str | None

    @property
    def can_undo(self) -> bool:
        return self.undo_id is not None

    @property
    def can_redo(self) -> bool:
        return self.redo_id is not None


def undo_status(project: Project) -> UndoStatus:
    """The entries `project.undo()` and `project.redo()` would replay now (same queries as they use)."""
    u = project.query("SELECT id, text FROM history WHERE id = (SELECT max(id) FROM history"
                      " WHERE kind = 'edit' AND state = 'done')")
    r = project.query("SELECT id, text FROM history WHERE id = (SELECT min(id) FROM history"
                      " WHERE kind = 'edit' AND state = 'undone')")
    return UndoStatus(u[0][0] if u else None, u[0][1] if u else None,
                      r[0][0] if r else None, r[0][1] if r else None)


def apply_merged(project: Project, command: Command, merge_key: str, actor: str = "user") -> int:
    """Apply `command`, folding it into the previous entry of the same burst (see module doc).
    Returns the history id (the same id for every command of one burst)."""
    now = time.monotonic()
    prev = _LAST.get(project)
    hid = None
    if prev is not None and prev[0] == merge_key and now - prev[2] <= MERGE_SECONDS:
        with project.transaction() as conn:
            row = conn.execute("SELECT id, forward, inverse, state, kind FROM history"
                               " ORDER BY id DESC LIMIT 1").fetchone()
            if row is not None and row[0] == prev[1] and row[3] == "done" and row[4] == "edit":
                inverse = command.apply(conn)
                merged = merge_inverses(json.loads(row[2]), inverse.to_json())
                conn.execute("UPDATE history SET at = ?, text = ?, forward = ?, inverse = ? WHERE id = ?",
                             (time.time(), command.text, json.dumps(command.to_json()), json.dumps(merged),
                              row[0]))
                hid = int(row[0])
        if hid is not None:
            project._notify("edited", history_id=hid, example_ids=command.example_ids())
    if hid is None:
        hid = project.apply(command, actor)
    _LAST[project] = (merge_key, hid, now)
    return hid


def end_burst(project: Project) -> None:
    """Make the next `apply_merged` start a new entry (e.g. the editor lost focus)."""
    _LAST.pop(project, None)


def merge_inverses(older: dict[str, Any], newer: dict[str, Any]) -> dict[str, Any]:
    """One inverse that undoes `newer` then `older` (JSON forms). Message restores keep the oldest
    text; span restores keep each flag's oldest offsets; anything else is chained."""
    parts_old, parts_new = _parts(older), _parts(newer)
    kinds = {p["type"] for p in parts_old + parts_new}
    if not kinds <= {"set_messages", "set_flag_spans"}:
        return {"type": "composite", "text": older.get("text", ""), "commands": [newer, older]}
    out: list[dict] = []
    msgs = next((p for p in parts_old if p["type"] == "set_messages"),
                next((p for p in parts_new if p["type"] == "set_messages"), None))
    if msgs is not None:
        out.append(msgs)
    values: dict[str, Any] = {}
    for p in parts_new + parts_old:  # older last: its values win
        if p["type"] == "set_flag_spans":
            values.update(p["values"])
    if values:
        out.append({"type": "set_flag_spans", "text": older.get("text", ""), "values": values})
    if len(out) == 1:
        return out[0]
    return {"type": "composite", "text": older.get("text", ""), "commands": out}


def _parts(d: dict[str, Any]) -> list[dict]:
    return list(d["commands"]) if d.get("type") == "composite" else [d]


def entry_example_ids(project: Project, history_id: int) -> list[int]:
    """Examples a history entry changed (for "jump to it" after undo); flag-only edits name the
    examples of their flags. [] when the entry does not exist."""
    from ftcurate.core.commands import command_from_json

    rows = project.query("SELECT forward FROM history WHERE id = ?", (history_id,))
    if not rows:
        return []
    forward = json.loads(rows[0][0])
    ids = command_from_json(forward).example_ids()
    if ids:
        return sorted(set(ids))
    flag_ids = _flag_ids(forward)[:900]
    if not flag_ids:
        return []
    found = project.query(f"SELECT DISTINCT example_id FROM flags WHERE id IN ({','.join('?' * len(flag_ids))})",
                          flag_ids)
    return sorted(r[0] for r in found)


def _flag_ids(d: dict[str, Any]) -> list[int]:
    if d.get("type") == "set_flag_state":
        return [int(i) for i in d.get("ids", [])]
    if d.get("type") == "composite":
        return [i for c in d.get("commands", []) for i in _flag_ids(c)]
    return []


def original_messages(project: Project, example_id: int) -> list[dict] | None:
    """The messages of `example_id` before its first text edit still in effect (the imported text),
    or None when its text was never edited (or every edit was undone)."""
    needle = f'"example_id": {int(example_id)},'
    rows = project.query("SELECT forward, inverse FROM history WHERE kind = 'edit' AND state = 'done'"
                         " AND instr(forward, ?) > 0 ORDER BY id", (needle,))
    for fwd, inv in rows:
        found = _messages_in(json.loads(fwd), json.loads(inv), int(example_id))
        if found is not None:
            return found
    return None


def _messages_in(fwd: dict[str, Any], inv: dict[str, Any], example_id: int) -> list[dict] | None:
    """The old messages of `example_id` in an inverse, where its forward edits that example's text."""
    if fwd.get("type") in ("set_messages", "follow_edit") and fwd.get("example_id") == example_id:
        for part in _parts(inv):
            if part.get("type") == "set_messages" and part.get("example_id") == example_id:
                return part["messages"]
    if fwd.get("type") == "composite" and inv.get("type") == "composite":
        for f, i in zip(fwd.get("commands", []), reversed(inv.get("commands", [])), strict=False):
            found = _messages_in(f, i, example_id)
            if found is not None:
                return found
    return None
