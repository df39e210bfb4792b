"""Customer-care threads from social media, one conversation per JSON record, turns keyed by side.

The shape of IBM's Twitter customer-care corpus (and exports like it): a record holds a list of turns
(`dialogContent`, `dialog`, `turns` or `messages`) where each turn names its side by its key —
`{"client": "<handle>", "message": "..."}` or `{"agent": "<handle>", "message": "..."}` (also
customer/user and brand/company; "client1", "client2" are other customers joining in) — and optionally the agent's closing answer apart
(`agentURL.url_utterance`), appended as the last agent turn. `dialogHeader.company` becomes the
"brand" metadata and `dialogHeader.sessionID` the conversation id.

The clean-up rule for social text (also documented in docs/guide/import.md):
- @handles that address someone (at the start or end of a message, or anonymised numeric ones) are
  removed; a handle inside a sentence keeps its name without "@" ("ask @AdobePremiere" -> "ask
  AdobePremiere");
- URLs are kept (help-article links are the answer), but web-archive copies are unwrapped to the
  original address ("https://web.archive.org/web/2020.../https://help.x.com/a" -> "https://help.x.com/a");
- an agent's signature at the very end — "^", "-", "~", "*" or "/" followed by 2-3 capitals, or "^",
  "-", "~" followed by a first name ("^Rashmi", "-AB", "~Brianna", "*MS", "^CharlesOpacki") — is
  removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.cleaning import clean_social
from ftcurate.core.importers.dialogue import check_context, conversation_examples
from ftcurate.core.importers.tables import as_text, iter_table, table_head
from ftcurate.core.importers.transcripts import get_path
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

TURN_KEYS = ("dialogContent", "dialog_content", "dialog", "turns", "messages")
CUSTOMER_KEYS = ("client", "customer", "user")
AGENT_KEYS = ("agent", "brand", "company")
TEXT_KEYS = ("message", "text", "content")
_ARCHIVE = re.compile(r"https?://web\.archive\.org/web/\d{6,14}(?:[a-z_]{0,4})/(?=https?://)")


def unwrap_archive_urls(text: str) -> str:
    """Web-archive copies of a page as the page's own address."""
    return _ARCHIVE.sub("", text)


def clean_social_text(text: str) -> str:
    """The documented social clean-up rule (see the module docstring)."""
    return clean_social(unwrap_archive_urls(text))


def _turns_key(rec: dict[str, Any]) -> str | None:
    for key in TURN_KEYS:
        turns = rec.get(key)
        if isinstance(turns, list) and turns and isinstance(turns[0], dict) and \
                any(k in turns[0] for k in CUSTOMER_KEYS + AGENT_KEYS) and any(k in turns[0] for k in TEXT_KEYS):
            return key
    return None


def _side(turn: dict[str, Any]) -> tuple[str | None, Any]:
    """The turn's side by its key; "client1", "client2" are further customers joining the thread."""
    for k, v in turn.items():
        base = str(k).rstrip("0123456789")
        if base in CUSTOMER_KEYS:
            return "user", v
        if base in AGENT_KEYS:
            return "assistant", v
    return None, None


@register_importer
class SocialThreadImporter(Importer):
    """Social customer-care conversations with turns keyed by side (client/agent)."""

    name = "social_threads"
    kind = "support"
    extensions = (".json", ".jsonl")

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        head = table_head(path)
        if head is None or head.sample.fmt not in ("json", "jsonl") or not head.rows:
            return None
        key = _turns_key(head.rows[0])
        if key is None:
            return None
        closing = "; the agent's closing answer from agentURL.url_utterance" if \
            get_path(head.rows[0], "agentURL.url_utterance") else ""
        summary = (f"social customer-care threads ({head.sample.fmt}): turns={key}, sides by key "
                   f"(client -> customer, agent -> agent){closing}; @handles, web-archive URLs and agent "
                   f"signatures (^AB, -Name) cleaned; context={options.context}")
        return Detection(self.name, self.kind, 0.95, summary, {"turns": key}, options.label_column)

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        context = check_context(options.context)
        head = table_head(path)
        key = detection.mapping.get("turns", "dialogContent")
        for loc, rec in iter_table(head.sample, progress):
            where = {k: v for k, v in loc.items() if k in ("row", "line")}
            turns_raw = rec.get(key)
            if not isinstance(turns_raw, list):
                raise UserError(f"{key!r} is not a list of turns", path=path, line=loc.get("line"),
                                row=loc.get("row"))
            turns = []
            for t in turns_raw:
                role, _ = _side(t) if isinstance(t, dict) else (None, None)
                text = next((t[k] for k in TEXT_KEYS if isinstance(t, dict) and isinstance(t.get(k), str)), "")
                if role is None:
                    self.drop("turns without a client/agent side")
                    continue
                turns.append((role, clean_social_text(text), where))
            closing = get_path(rec, "agentURL.url_utterance")
            if isinstance(closing, str) and closing.strip():
                turns.append(("assistant", clean_social_text(closing), where))
            conv = as_text(get_path(rec, "dialogHeader.sessionID")) or f"row {loc.get('row', loc.get('line'))}"
            brand = as_text(get_path(rec, "dialogHeader.company"))
            label = as_text(get_path(rec, options.label_column)) if options.label_column else None
            yield from conversation_examples(conv, turns, context, label, {"brand": brand} if brand else None)
