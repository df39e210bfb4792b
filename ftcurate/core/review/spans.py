"""Findings that follow an edit: when a turn's text changes, the spans of its flags move with it.

A flag's `start`/`end` are character offsets into one turn. Typing before a span, or redacting
another span of the same turn, shifts the text under it; without this module the highlight (and a
later redaction) would hit the wrong characters. `FollowEditCommand` replaces an example's messages
like `SetMessagesCommand` and, in the same transaction, moves the offsets of that example's flags
through a character diff of each changed turn. Its inverse restores both the text and the exact old
offsets, so undo puts every highlight back where it was.

Rule for one span [s, e): each boundary is mapped through the diff's opcodes; a boundary inside
unchanged text moves by the shift before it, a boundary inside a replaced region snaps to that
region's edge on the span's side. A span whose text was itself rewritten (a redacted finding) covers
the replacement; it no longer matches its old text, and the next PII check re-finds or drops it.
"""

from __future__ import annotations

import difflib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from ftcurate.core.commands import Command, CompositeCommand, SetMessagesCommand
from ftcurate.core.records import text_hash

# Longer turns are diffed only around their changed middle; beyond this the middle is treated as
# one replaced block (spans inside it snap to its edges), which keeps a keystroke O(n).
_DIFF_MAX = 20_000


def _opcodes(old: str, new: str) -> list[tuple[str, int, int, int, int]]:
    """Opcodes old -> new, computed on the part between the common prefix and suffix."""
    n = min(len(old), len(new))
    p = 0
    while p < n and old[p] == new[p]:
        p += 1
    s = 0
    while s < n - p and old[len(old) - 1 - s] == new[len(new) - 1 - s]:
        s += 1
    a, b = old[p:len(old) - s], new[p:len(new) - s]
    ops: list[tuple[str, int, int, int, int]] = [("equal", 0, p, 0, p)] if p else []
    if a or b:
        if a and b and len(a) + len(b) <= _DIFF_MAX:
            sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
            ops += [(t, i1 + p, i2 + p, j1 + p, j2 + p) for t, i1, i2, j1, j2 in sm.get_opcodes()]
        else:
            ops.append(("replace", p, p + len(a), p, p + len(b)))
    if s:
        ops.append(("equal", len(old) - s, len(old), len(new) - s, len(new)))
    return ops


def map_span(ops: list[tuple[str, int, int, int, int]], start: int, end: int) -> tuple[int, int]:
    """Map the span [start, end) of the old text to the new text through `ops` (see module rule)."""

    def one(pos: int, side: str) -> int:
        for tag, i1, i2, j1, _j2 in ops:
            if tag == "equal" and i1 <= pos < i2 or tag == "equal" and pos == i2 and side == "end":
                return j1 + (pos - i1)
        for tag, i1, i2, j1, j2 in ops:
            if tag != "equal" and i1 <= pos <= i2:
                return j1 if side == "start" else j2
        return ops[-1][4] if ops else pos

    if not ops:
        return start, end
    s, e = one(start, "start"), one(end, "end")
    return s, max(e, s)


def moved_spans(flags: list[tuple], old: list[dict], new: list[dict]) -> dict[int, list]:
    """New [start, end, data_json] per flag id for flags (id, turn, start, end, data_json) whose turn changed."""
    out: dict[int, list] = {}
    ops_by_turn: dict[int, list] = {}
    for fid, turn, start, end, data in flags:
        if turn is None or start is None or end is None or turn >= min(len(old), len(new)):
            continue
        before, after = old[turn]["content"], new[turn]["content"]
        if before == after:
            continue
        if turn not in ops_by_turn:
            ops_by_turn[turn] = _opcodes(before, after)
        s, e = map_span(ops_by_turn[turn], start, end)
        d = json.loads(data) if data else None
        if isinstance(d, dict):
            if "turn_hash" in d:
                d["turn_hash"] = text_hash(after)
            if "text" in d:
                d["text"] = after[s:e]
        out[fid] = [s, e, None if d is None else json.dumps(d, ensure_ascii=False)]
    return out


@dataclass
class SetFlagSpansCommand(Command):
    """Set start, end and data of flags: `values` = {flag id: [start, end, data json or None]}.
    Flags deleted meanwhile (a re-run of the checks) are skipped, as for flag states."""

    values: dict[int, list]
    text: str = "Move findings"
    type: str = "set_flag_spans"

    def apply(self, conn: sqlite3.Connection) -> Command:
        old: dict[int, list] = {}
        ids = [int(i) for i in self.values]
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            q = f'SELECT id, start, "end", data FROM flags WHERE id IN ({",".join("?" * len(chunk))})'
            old.update({r[0]: [r[1], r[2], r[3]] for r in conn.execute(q, chunk)})
        conn.executemany('UPDATE flags SET start = ?, "end" = ?, data = ? WHERE id = ?',
                         [(*self.values[i], i) for i in ids if i in old])
        return SetFlagSpansCommand(old, text=f"Undo: {self.text}")

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "text": self.text, "values": {str(k): v for k, v in self.values.items()}}


@dataclass
class FollowEditCommand(Command):
    """Replace the messages of one example and move its flags' spans along (see module doc)."""

    example_id: int
    messages: list[dict]
    text: str = ""
    type: str = "follow_edit"

    def __post_init__(self) -> None:
        self.text = self.text or f"Edit example {self.example_id}"

    def apply(self, conn: sqlite3.Connection) -> Command:
        row = conn.execute("SELECT messages FROM examples WHERE id = ?", (self.example_id,)).fetchone()
        old = json.loads(row[0]) if row else []
        inverse = SetMessagesCommand(self.example_id, self.messages, text=self.text).apply(conn)
        flags = conn.execute('SELECT id, turn, start, "end", data FROM flags WHERE example_id = ?'
                             ' AND start IS NOT NULL', (self.example_id,)).fetchall()
        moves = moved_spans(flags, old, self.messages)
        inverse.text = f"Undo: {self.text}"
        if not moves:
            return inverse
        undo_moves = SetFlagSpansCommand(moves, text=self.text).apply(conn)
        return CompositeCommand([inverse, undo_moves], text=f"Undo: {self.text}")

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "example_id": self.example_id, "messages": self.messages, "text": self.text}

    def example_ids(self) -> list[int]:
        return [self.example_id]


def follow_spans(command: Command | None) -> Command | None:
    """`command` with every `SetMessagesCommand` in it turned into a `FollowEditCommand` (same text),
    so findings of the edited turns follow (e.g. a redaction built by the PII module)."""
    if isinstance(command, SetMessagesCommand):
        return FollowEditCommand(command.example_id, command.messages, text=command.text)
    if isinstance(command, CompositeCommand):
        return CompositeCommand([follow_spans(c) for c in command.commands], text=command.text)
    return command


def command_from_json(d: dict[str, Any]) -> Command:
    """Rebuild the commands defined here (called by `ftcurate.core.commands.command_from_json`)."""
    if d["type"] == "follow_edit":
        return FollowEditCommand(d["example_id"], d["messages"], text=d.get("text", ""))
    if d["type"] == "set_flag_spans":
        return SetFlagSpansCommand({int(k): v for k, v in d["values"].items()}, text=d.get("text", ""))
    raise ValueError(f"unknown command type {d['type']!r}")
