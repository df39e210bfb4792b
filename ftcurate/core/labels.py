"""The project's label map: merge and rename labels, undoably, and suggest near-identical ones.

A label map is `{old label: new label}` stored in the project setting `label_map`. Applying a change
(`LabelMapCommand`) relabels every example that has the old label and records the mapping, so files
imported later get the same labels (`apply_label_map`, run by `import_file`). The command goes through
the project history like any edit: undo restores each example's previous label and the previous map.

`suggest_merges` finds labels that differ only in case, punctuation, spacing, `&`/"and" or a plural
"s" ("Returns" / "returns", "Orders & shipping" / "orders and shipping"): kind "same", safe to merge.
Labels whose words are contained in another's ("shipping" / "Orders & shipping") are suggested as
kind "related" for a person to judge; nothing is ever merged without being asked.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ftcurate.core.commands import Command
from ftcurate.core.errors import UserError
from ftcurate.core.records import Example

SETTING = "label_map"
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({"and", "or", "the", "of", "a", "an", "for", "to", "my", "your"})


def label_key(label: str) -> str:
    """The comparison form of a label: lower case, "&"/"+" as "and", punctuation as spaces, a plural
    "s" dropped from each word longer than three letters ("Orders & Shipping" -> "order and shipping")."""
    words = _WORD.findall(label.lower().replace("&", " and ").replace("+", " and "))
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def _content_words(label: str) -> frozenset[str]:
    return frozenset(w for w in label_key(label).split() if w not in _STOP)


@dataclass
class LabelSuggestion:
    """Labels that probably mean the same: merge `sources` into `target`. `kind` is "same" (they
    differ only in case/punctuation/&/plural) or "related" (one's words are inside the other's)."""

    target: str
    sources: list[str]
    kind: str
    reason: str
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "sources": self.sources, "kind": self.kind, "reason": self.reason,
                "counts": self.counts}


def label_counts(project: Any) -> list[tuple[str, int]]:
    """(label, number of examples) for every label in the project, most used first."""
    rows = project.query("SELECT label, count(*) FROM examples WHERE label IS NOT NULL AND label != ''"
                         " GROUP BY label ORDER BY count(*) DESC, label")
    return [(str(r[0]), int(r[1])) for r in rows]


def _pick_target(labels: list[str], counts: dict[str, int]) -> str:
    """The most used spelling; ties go to the lower-case one, then the shorter."""
    return max(labels, key=lambda x: (counts.get(x, 0), x == x.lower(), -len(x), x))


def suggest_merges(counts: Iterable[tuple[str, int]]) -> list[LabelSuggestion]:
    """Merge suggestions for labels with these counts (see the module docstring)."""
    count = dict(counts)
    groups: dict[str, list[str]] = {}
    for lab in count:
        if label_key(lab):
            groups.setdefault(label_key(lab), []).append(lab)
    out: list[LabelSuggestion] = []
    canon: dict[str, str] = {}
    for key, labs in groups.items():
        target = _pick_target(labs, count)
        canon[key] = target
        if len(labs) > 1:
            sources = sorted((x for x in labs if x != target), key=lambda x: -count[x])
            out.append(LabelSuggestion(target, sources, "same",
                                       "they differ only in case, punctuation, '&'/'and' or a plural",
                                       {x: count[x] for x in labs}))
    reps = sorted(canon.values(), key=lambda x: -count[x])
    for small in reps:
        words = _content_words(small)
        if not words:
            continue
        wider = [big for big in reps if big != small and words < _content_words(big)]
        if len(wider) == 1:  # contained in exactly one other label: maybe the same topic
            big = wider[0]
            target, source = (small, big) if count[small] >= count[big] else (big, small)
            out.append(LabelSuggestion(target, [source], "related",
                                       f"every word of '{small}' is in '{big}'; check before merging",
                                       {small: count[small], big: count[big]}))
    return out


def project_label_map(project: Any) -> dict[str, str]:
    """The project's label map ({} when none)."""
    value = project.get_setting(SETTING, {})
    return value if isinstance(value, dict) else {}


def apply_label_map(examples: Iterable[Example], mapping: dict[str, str]) -> Iterator[Example]:
    """Examples with their labels mapped (used by `import_file` for files imported after a merge)."""
    for ex in examples:
        if mapping and ex.label in mapping:
            ex.label = mapping[ex.label]
        yield ex


def _read_map(conn: sqlite3.Connection) -> dict[str, str]:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (SETTING,)).fetchone()
    value = json.loads(row[0]) if row else {}
    return value if isinstance(value, dict) else {}


def _write_map(conn: sqlite3.Connection, mapping: dict[str, str]) -> None:
    conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (SETTING, json.dumps(mapping)))


def _compose(old: dict[str, str], changes: dict[str, str]) -> dict[str, str]:
    """The map after `changes`: earlier targets follow the change (a -> b, then b -> c gives a -> c)."""
    out = {k: changes.get(v, v) for k, v in old.items()}
    out.update(changes)
    for k in list(out):
        seen = {k}
        while out[k] in out and out[k] not in seen:
            seen.add(out[k])
            out[k] = out[out[k]]
    return {k: v for k, v in out.items() if k != v}


@dataclass
class LabelMapCommand(Command):
    """Merge or rename labels (`changes`: old -> new) and record it in the project's label map.

    The inverse is the same command in restore form (`restore`: example id -> label to put back, and
    `label_map`: the map to put back).

    Raises (from `apply`):
        UserError: a label to change that no example has, or a change from a label to itself.
    """

    changes: dict[str, str] = field(default_factory=dict)
    restore: dict[int, str | None] | None = None
    label_map: dict[str, str] | None = None
    text: str = ""
    type: str = "label_map"
    touched: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self.text:
            self.text = "; ".join(f"Label {a!r} -> {b!r}" for a, b in self.changes.items()) or "Labels"

    def apply(self, conn: sqlite3.Connection) -> Command:
        before = _read_map(conn)
        if self.restore is not None:
            return self._apply_restore(conn, before)
        old: dict[int, str | None] = {}
        for src, dst in self.changes.items():
            if not str(dst).strip():
                raise UserError(f"the new name for label {src!r} is empty")
            if src == dst:
                raise UserError(f"label {src!r} would be renamed to itself")
            ids = [r[0] for r in conn.execute("SELECT id FROM examples WHERE label = ?", (src,))]
            if not ids:
                raise UserError(f"no example has the label {src!r}")
            old.update((i, src) for i in ids if i not in old)
            conn.execute("UPDATE examples SET label = ? WHERE label = ?", (dst, src))
        self.touched = sorted(old)
        _write_map(conn, _compose(before, self.changes))
        return LabelMapCommand(restore=old, label_map=before, text=f"Undo: {self.text}")

    def _apply_restore(self, conn: sqlite3.Connection, before: dict[str, str]) -> Command:
        current: dict[int, str | None] = {}
        ids = [int(i) for i in self.restore or {}]
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            q = f"SELECT id, label FROM examples WHERE id IN ({','.join('?' * len(chunk))})"
            current.update(conn.execute(q, chunk).fetchall())
        by_label: dict[str | None, list[int]] = {}
        for i, lab in (self.restore or {}).items():
            if int(i) in current:
                by_label.setdefault(lab, []).append(int(i))
        for lab, group in by_label.items():
            conn.executemany("UPDATE examples SET label = ? WHERE id = ?", [(lab, i) for i in group])
        self.touched = sorted(current)
        _write_map(conn, self.label_map or {})
        return LabelMapCommand(restore=current, label_map=before, text=f"Undo: {self.text}")

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type, "text": self.text, "changes": self.changes}
        if self.restore is not None:
            d["restore"] = {str(k): v for k, v in self.restore.items()}
            d["label_map"] = self.label_map or {}
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> LabelMapCommand:
        restore = {int(k): v for k, v in d["restore"].items()} if "restore" in d else None
        return cls(changes=dict(d.get("changes") or {}), restore=restore, label_map=d.get("label_map"),
                   text=d.get("text", ""))

    def example_ids(self) -> list[int]:
        return list(self.touched)


def merge_command(project: Any, changes: dict[str, str], rename: bool = False) -> LabelMapCommand:
    """A checked `LabelMapCommand` for `changes` (old -> new).

    Raises:
        UserError: an unknown label, or (with `rename`) a new name that is already a label, which
            would merge two labels: use a merge for that.
    """
    existing = dict(label_counts(project))
    for src, dst in changes.items():
        if src not in existing:
            close = [x for x in existing if label_key(x) == label_key(src)]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UserError(f"no example has the label {src!r}{hint}")
        if rename and dst in existing:
            raise UserError(f"{dst!r} is already a label; use --merge {src}={dst} to merge them")
    verb = "Rename" if rename else "Merge"
    text = "; ".join(f"{verb} label {a!r} into {b!r}" if not rename else f"Rename label {a!r} to {b!r}"
                     for a, b in changes.items())
    return LabelMapCommand(changes=dict(changes), text=text)


def safe_merges(project: Any) -> dict[str, str]:
    """old -> new for every "same" suggestion (what `ftcurate labels P --apply-suggestions` merges)."""
    return {src: s.target for s in suggest_merges(label_counts(project)) if s.kind == "same"
            for src in s.sources}
