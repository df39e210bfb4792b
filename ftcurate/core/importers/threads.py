"""Threaded support exports where each message points to the one it answers (Twitter customer support
dumps: `tweet_id, author_id, inbound, created_at, text, response_tweet_id, in_response_to_tweet_id`).

A message with `inbound` true is the customer's; otherwise the brand's agent. Every agent message that
answers a customer message is one example; the agent's own follow-ups to it (a reply split over
several tweets) are merged into that reply, and consecutive customer messages up the thread merge into
one turn. Context "last" uses the customer turn just before the reply; "full" walks the thread up to
its root. Handles ("@AppleSupport", "@115712") and signatures ("^RR") are cleaned. The thread index
(id -> parent, author, text) is held in memory: about the size of the text column.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.cleaning import clean_social
from ftcurate.core.importers.dialogue import check_context, conversation_examples, is_true
from ftcurate.core.importers.tables import as_text, find_column, iter_table, resolve_column, table_head
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

FIELDS = {
    "id": ("tweet_id", "id", "message_id", "post_id", "status_id"),
    "author": ("author_id", "author", "user_id", "screen_name", "user", "from"),
    "inbound": ("inbound", "is_inbound", "from_customer", "is_customer", "incoming"),
    "text": ("text", "full_text", "body", "message", "content"),
    "in_reply_to": ("in_response_to_tweet_id", "in_reply_to_status_id", "in_reply_to_tweet_id",
                    "in_reply_to", "parent_id", "reply_to_id", "in_response_to"),
    "created_at": ("created_at", "timestamp", "date", "time"),
}
MAX_DEPTH = 200


def _key(value: Any) -> str | None:
    """Ids as text ("123.0" from spreadsheets becomes "123")."""
    text = as_text(value)
    if text is None:
        return None
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


@register_importer
class SupportThreadImporter(Importer):
    """Twitter-style threaded support conversations."""

    name = "support_threads"
    kind = "support"
    extensions = (".csv", ".tsv", ".json", ".jsonl", ".xlsx", ".parquet")

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        head = table_head(path)
        if head is None or not head.rows:
            return None
        mapping = {f: resolve_column(head, f, c) for f, c in options.mapping.items() if f in FIELDS}
        for field, names in FIELDS.items():
            if field not in mapping and (col := find_column(head.columns, names, mapping.values())):
                mapping[field] = col
        if not all(f in mapping for f in ("id", "text", "in_reply_to")) or \
                not ("inbound" in mapping or "author" in mapping):
            return None
        fields = ", ".join(f"{k}={v}" for k, v in mapping.items())
        summary = (f"support threads ({head.sample.fmt}, each message points to the one it answers): "
                   f"{fields}; context={options.context}")
        return Detection(self.name, self.kind, 0.97, summary, mapping, options.label_column)

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        context = check_context(options.context)
        head = table_head(path)
        m = {**detection.mapping, **{k: resolve_column(head, k, v) for k, v in options.mapping.items()}}
        label_col = options.label_column or detection.label_column
        # id -> [parent, is_customer, author, text, loc, label]
        msgs: dict[str, list[Any]] = {}
        order: list[str] = []
        loc_key = "line" if head.sample.fmt == "jsonl" else "row"
        for loc, rec in iter_table(head.sample, progress):
            tid = _key(rec.get(m["id"]))
            if tid is None:
                raise UserError("a message without an id", path=path, row=loc.get("row"), line=loc.get("line"))
            author = as_text(rec.get(m["author"])) if "author" in m else None
            customer = is_true(rec.get(m["inbound"])) if "inbound" in m else None
            text = as_text(rec.get(m["text"]))
            label = as_text(rec.get(label_col)) if label_col else None
            msgs[tid] = [_key(rec.get(m["in_reply_to"])), customer, author, clean_social(text or ""),
                         loc.get("row", loc.get("line")), label]
            order.append(tid)
        if "inbound" not in m:
            _guess_customers(msgs)
        followups = _followups(msgs)
        for tid in order:
            parent, customer, author, text, row, label = msgs[tid]
            if customer or parent not in msgs or not msgs[parent][1] or not text:
                continue
            reply = [text]
            cur = tid
            while len(followups.get(cur, ())) == 1:
                cur = followups[cur][0]
                if msgs[cur][3]:
                    reply.append(msgs[cur][3])
            chain = self._ancestors(msgs, parent)
            turns = [(("user" if msgs[a][1] else "assistant"), msgs[a][3], msgs[a][4]) for a in chain]
            turns.append(("assistant", "\n".join(reply), row))
            examples = list(conversation_examples(chain[0], turns, context, label or msgs[chain[0]][5],
                                                  {"brand": author} if author else None))
            if examples:
                ex = examples[-1]
                ex.provenance = {loc_key: row, "conversation": chain[0]}
                yield ex

    @staticmethod
    def _ancestors(msgs: dict[str, list[Any]], start: str) -> list[str]:
        """Thread ids from the root to `start` (messages missing from the file end the walk)."""
        chain = [start]
        cur = start
        while len(chain) < MAX_DEPTH:
            parent = msgs[cur][0]
            if parent not in msgs or parent in chain:
                break
            chain.append(parent)
            cur = parent
        chain.reverse()
        return chain


def _guess_customers(msgs: dict[str, list[Any]]) -> None:
    """Without an inbound column: authors who answer many threads are the agents (brands)."""
    answered: dict[str, int] = {}
    for parent, _, author, *_ in msgs.values():
        if parent is not None and author is not None:
            answered[author] = answered.get(author, 0) + 1
    for v in msgs.values():
        v[1] = answered.get(v[2], 0) < 3 if v[2] is not None else True


def _followups(msgs: dict[str, list[Any]]) -> dict[str, list[str]]:
    """Agent messages that continue the same author's previous message (a reply split in parts)."""
    out: dict[str, list[str]] = {}
    for tid, (parent, customer, author, *_rest) in msgs.items():
        if customer or parent not in msgs:
            continue
        p = msgs[parent]
        if not p[1] and p[2] == author:
            out.setdefault(parent, []).append(tid)
    return out
