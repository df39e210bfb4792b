"""Help-desk exports: Zendesk, Freshdesk, Intercom and Help Scout API JSON (see `tool_shapes`).

One importer per tool, each detected from the fields its records carry (JSON or JSON Lines; a list,
an API page such as `{"tickets": [...], "next_page": ...}`, `{"_embedded": {"conversations": [...]}}`,
or one record per line). Only public messages are kept: internal notes, private comments, bot and
system events and drafts are dropped and counted per reason in the import summary. HTML bodies are
rendered to text and e-mailed messages lose their quoted history and signature. Each agent reply
becomes one example paired with what the customer said before it (`--context full`: the whole
conversation so far).

Records holding a whole ticket/conversation are turned into examples as they are read; one-message
records (Freshdesk conversation lists, Zendesk ticket events) are grouped by ticket id and emitted at
the end of the file, so those are held in memory (about the size of their text).

Provenance: the record's `row`/`line` in the file and the ticket or conversation id. The label is
`--label-column` (a field of the ticket, dotted paths allowed: `custom_fields.category`); by
default Freshdesk's ticket `type`, none for the others. Who is the customer when a ticket's requester
is not in the file: a sideloaded `users` list's roles (Zendesk `end-user`), else whoever wrote first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.dialogue import check_context, conversation_examples
from ftcurate.core.importers.jsonstream import WHOLE_OBJECT_LIMIT, head_records, iter_json_records
from ftcurate.core.importers.tables import as_text
from ftcurate.core.importers.textio import FileSample, open_text, sample_file
from ftcurate.core.importers.tool_shapes import (
    FreshdeskShape,
    HelpScoutShape,
    IntercomShape,
    ToolMessage,
    ZendeskShape,
)
from ftcurate.core.importers.transcripts import get_path
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

DROP_EMPTY = "messages with no text"
DROP_UNANSWERED = "tickets with no public agent reply after a customer message"


def _load_object(sample: FileSample) -> Any:
    """A whole (small) JSON file as one value, with the line of a syntax error."""
    fh, _ = open_text(sample)
    with fh:
        text = fh.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"not valid JSON: {exc.msg}", path=sample.path, line=exc.lineno) from None


class _ToolImporter(Importer):
    kind = "support"
    extensions = (".json", ".jsonl", ".ndjson")
    shape: Any = None
    default_label: str | None = None

    def _records(self, sample: FileSample, progress: Progress | None, head: bool = False
                 ) -> Iterator[tuple[dict[str, Any], Any]]:
        """`(loc, record)` for the file's tickets/conversations/messages, API page wrappers opened."""
        if sample.fmt == "json" and sample.text.lstrip().startswith("{") and (
                sample.complete or not head and sample.size <= WHOLE_OBJECT_LIMIT):
            obj = _load_object(sample)
            self._note_users(obj)
            yield from self._expand({"row": 1}, obj)
            return
        source = head_records(sample, 50) if head else iter_json_records(sample, progress)
        for loc, rec in source:
            yield from self._expand(loc, rec)

    def _note_users(self, obj: Any) -> None:
        """Roles of sideloaded users (`{"users": [{"id": 1, "role": "end-user"}, ...]}`), so comments
        of a ticket whose requester is unknown still get the right side."""
        users = obj.get("users") if isinstance(obj, dict) else None
        if isinstance(users, list):
            self.user_roles = {u.get("id"): str(u.get("role") or "").lower() for u in users
                               if isinstance(u, dict) and "id" in u}

    def _expand(self, loc: dict[str, Any], rec: Any) -> Iterator[tuple[dict[str, Any], Any]]:
        if not isinstance(rec, dict) or self.shape.kind(rec):
            yield loc, rec
            return
        inner = rec["_embedded"] if isinstance(rec.get("_embedded"), dict) else rec
        wrapper = False
        for items in inner.values():  # {"tickets": [...], "users": [...], "next_page": ...}
            if isinstance(items, list) and items and isinstance(items[0], dict):
                wrapper = True
                for i, item in enumerate(items, start=1):
                    if isinstance(item, dict) and self.shape.kind(item):
                        yield {**loc, "row": i}, item
        if not wrapper:
            yield loc, rec  # not a page of records: `read` says what is wrong with it

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        sample = sample_file(path)
        if sample.fmt not in ("json", "jsonl"):
            return None
        records = [r for _, r in islice(self._records(sample, None, head=True), 50)]
        hits = [k for r in records if isinstance(r, dict) and (k := self.shape.kind(r))]
        if not hits:
            return None
        label = options.label_column or (self.default_label if any(
            isinstance(r, dict) and r.get(self.default_label or "") for r in records) else None)
        what = "tickets/conversations" if "conversation" in hits else "messages grouped by ticket id"
        summary = (f"{self.shape.title} export ({sample.fmt}, {what}; recognised by its fields: "
                   f"{self.shape.fields}): public "
                   f"messages only (internal notes, bots and system events dropped), HTML to text"
                   + (f"; label={label}" if label else "") + f"; context={options.context}")
        return Detection(self.name, self.kind, 0.97, summary, {}, label)

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        context = check_context(options.context)
        label_path = options.label_column or detection.label_column
        pending: dict[str, list[tuple[ToolMessage, dict[str, Any]]]] = {}
        matched = 0
        for loc, rec in self._records(sample_file(path), progress):
            if not isinstance(rec, dict):
                raise UserError(f"expected a {self.shape.title} record (a JSON object), found "
                                f"{type(rec).__name__}", path=path, line=loc.get("line"), row=loc.get("row"))
            kind = self.shape.kind(rec)
            if kind == "conversation":
                matched += 1
                conv, msgs = self.shape.conversation(rec)
                label = as_text(get_path(rec, label_path)) if label_path else None
                yield from self._examples(conv, [(m, loc) for m in msgs], context, label)
            elif kind == "message":
                matched += 1
                for m in self.shape.messages(rec, path.stem):
                    pending.setdefault(m.conversation, []).append((m, loc))
            else:
                fields = ", ".join(list(rec)[:6]) or "none"
                raise UserError(f"not a {self.shape.title} ticket, conversation or message (fields: {fields})",
                                path=path, line=loc.get("line"), row=loc.get("row"))
        for conv, items in pending.items():
            yield from self._examples(conv, items, context, None)
        if not matched:
            raise UserError(f"no {self.shape.title} tickets or conversations found", path=path)

    def _examples(self, conv: str, items: list[tuple[ToolMessage, dict[str, Any]]], context: str,
                  label: str | None) -> Iterator[Example]:
        try:
            items = sorted(items, key=lambda it: it[0].order)
        except TypeError:  # mixed timestamp types: keep the export's order
            pass
        first_author = next((m.author for m, _ in items if m.dropped is None and m.text), None)
        turns = []
        for m, loc in items:
            if m.dropped:
                self.drop(m.dropped)
                continue
            if not m.text:
                self.drop(DROP_EMPTY)
                continue
            known = getattr(self, "user_roles", {}).get(m.author)
            role = m.role or ({"end-user": "user", "end_user": "user", "customer": "user", "user": "user"}.get(
                known, "assistant") if known else "user" if m.author == first_author else "assistant")
            turns.append((role, m.text, {k: v for k, v in loc.items() if k in ("row", "line")}))
        n = 0
        for ex in conversation_examples(conv, turns, context, label, {"tool": self.shape.title}):
            n += 1
            yield ex
        if not n:
            self.drop(DROP_UNANSWERED)


@register_importer
class ZendeskImporter(_ToolImporter):
    """Zendesk tickets with comments, comment lists and incremental ticket events."""

    name = "zendesk"
    shape = ZendeskShape()


@register_importer
class FreshdeskImporter(_ToolImporter):
    """Freshdesk tickets with conversations, or conversation lists."""

    name = "freshdesk"
    shape = FreshdeskShape()
    default_label = "type"


@register_importer
class IntercomImporter(_ToolImporter):
    """Intercom conversations with conversation parts."""

    name = "intercom"
    shape = IntercomShape()


@register_importer
class HelpScoutImporter(_ToolImporter):
    """Help Scout conversations with embedded threads."""

    name = "helpscout"
    shape = HelpScoutShape()
