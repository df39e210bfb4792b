"""Support logs with one row per message (CSV/TSV/JSON/JSONL/XLSX/Parquet).

Columns (detected by name, overridable with `--map FIELD=COLUMN`): `conversation` (ticket/chat id),
`role` (sender, speaker, or a yes/no column such as `inbound`/`is_agent`), `text`, optional
`timestamp` (ISO or numeric timestamps order the messages of a conversation; otherwise file order),
optional `internal` (a note/visibility/type column: internal notes, system and bot rows are dropped)
and the label column (intent/category/topic...).

Reading is two passes: the first finds where each conversation ends (so conversations can be emitted
as soon as they are complete, whether the file is grouped by conversation or sorted by time); the
second streams the rows. UTF-8 CSV goes through polars in batches; any other input, or a CSV polars
rejects, goes through the row-accurate reader, which names the malformed row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.dialogue import (
    UNKNOWN,
    check_context,
    conversation_examples,
    flag_role,
    is_true,
    resolve_unknown,
    speaker_role,
)
from ftcurate.core.importers.support_fast import fast_batches, fast_examples
from ftcurate.core.importers.support_rows import RowSpec, python_rows, timestamp_mode
from ftcurate.core.importers.tables import TableHead, as_text, find_column, norm, resolve_column, table_head
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

CONV_NAMES = ("conversation_id", "conversation", "convo_id", "conv_id", "chat_id", "ticket_id", "ticket",
              "ticket_number", "ticket_no", "thread_id", "session_id", "session", "case_id", "case_number",
              "dialog_id", "dialogue_id", "interaction_id", "transcript_id", "issue_id", "chat", "thread",
              "case", "dialogue", "dialog", "conversationid", "ticketid", "chatid")
TEXT_NAMES = ("text", "message", "message_text", "body", "content", "utterance", "comment", "msg",
              "message_body", "message_content", "comment_body", "reply", "chat_message", "value",
              "line", "messagetext")
ROLE_NAMES = ("role", "sender", "speaker", "from", "author", "sender_type", "author_type", "speaker_role",
              "participant", "party", "user_type", "sender_role", "author_role", "direction", "who",
              "actor", "speaker_type", "participant_role", "sender_name", "author_name", "by", "source",
              "user")
FLAG_USER = ("inbound", "incoming", "is_customer", "from_customer", "is_inbound", "is_user",
             "customer_message", "by_customer")
FLAG_AGENT = ("is_agent", "from_agent", "outbound", "is_outbound", "is_staff", "agent_message", "by_agent")
TS_NAMES = ("timestamp", "time", "created_at", "date", "datetime", "sent_at", "created", "ts",
            "message_time", "time_sent", "date_time", "posted_at", "sent", "message_date")
LABEL_NAMES = ("intent", "category", "topic", "label", "reason", "issue_type", "contact_reason",
               "disposition", "queue", "subject_category", "tag", "tags")
INTERNAL_NAMES = ("internal", "is_internal", "private", "is_private", "internal_note", "is_note",
                  "visibility", "public", "is_public", "message_type", "event_type", "type", "kind")


def detect_message_columns(head: TableHead, options: ImportOptions) -> dict[str, str | None]:
    """Resolve conversation/role/text/timestamp/label/internal columns (user mapping first)."""
    cols = head.columns
    m = {k: resolve_column(head, k, v) for k, v in options.mapping.items()}
    used: set[str] = set()

    def pick(field: str, names: tuple[str, ...]) -> str | None:
        col = m.get(field) or find_column(cols, names, exclude=used)
        if col:
            used.add(col)
        return col

    out: dict[str, str | None] = {"conversation": pick("conversation", CONV_NAMES),
                                  "text": pick("text", TEXT_NAMES)}
    out["role"] = pick("role", ROLE_NAMES + FLAG_USER + FLAG_AGENT)
    out["timestamp"] = pick("timestamp", TS_NAMES)
    label = options.label_column or m.get("label")
    out["label"] = resolve_column(head, "label", label) if label else find_column(cols, LABEL_NAMES, used)
    if out["label"]:
        used.add(out["label"])
    out["internal"] = pick("internal", INTERNAL_NAMES)
    return out


def role_reader(column: str):
    """A function raw value -> role for the role column (yes/no columns by their name)."""
    n = norm(column)
    if n in FLAG_USER:
        return lambda raw: flag_role(raw, "user")
    if n in FLAG_AGENT:
        return lambda raw: flag_role(raw, "assistant")
    cache: dict[Any, str | None] = {}

    def read(raw: Any) -> str | None:
        try:
            return cache[raw]
        except KeyError:
            cache[raw] = role = speaker_role(raw)
            return role
        except TypeError:
            return speaker_role(raw)

    return read


def internal_reader(column: str):
    """A function raw value -> True when the message is internal (dropped)."""
    n = norm(column)
    if n in ("public", "is_public"):
        return lambda raw: raw is not None and not is_true(raw) and str(raw).strip() != ""
    if n in ("visibility", "message_type", "event_type", "type", "kind"):
        return lambda raw: raw is not None and speaker_role(raw) is None
    return is_true


@register_importer
class SupportMessagesImporter(Importer):
    """Support log exports with one row per message."""

    name = "support_messages"
    kind = "support"
    extensions = (".csv", ".tsv", ".json", ".jsonl", ".ndjson", ".xlsx", ".parquet")

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        head = table_head(path)
        if head is None or not head.rows:
            return None
        cols = detect_message_columns(head, options)
        if not (cols["conversation"] and cols["text"] and cols["role"]):
            return None
        ids = Counter(as_text(r.get(cols["conversation"])) for r in head.rows)
        repeats = any(n > 1 for k, n in ids.items() if k is not None)
        read_role = role_reader(cols["role"])
        values = {r.get(cols["role"]) for r in head.rows} - {None}
        known = [v for v in values if read_role(v) != UNKNOWN]
        score = 0.9 if repeats and len(known) >= max(1, len(values) / 2) else 0.75 if repeats else 0.5
        if options.kind == "support" or {"conversation", "role", "text"} & options.mapping.keys():
            score = max(score, 0.8)
        roles = ", ".join(f"{v}->{_role_word(read_role(v))}" for v in sorted(map(str, values))[:8])
        fields = ", ".join(f"{k}={v}" for k, v in cols.items() if v and k != "label")
        summary = (f"support log, one row per message ({head.sample.fmt}): {fields}"
                   + (f"; label={cols['label']}" if cols["label"] else "")
                   + (f"; speakers: {roles}" if roles else "") + f"; context={options.context}")
        mapping = {k: v for k, v in cols.items() if v and k != "label"}
        return Detection(self.name, self.kind, score, summary, mapping, cols["label"])

    def read_batches(self, path: Path, options: ImportOptions, detection: Detection,
                     progress: Progress) -> Iterator[Any] | None:
        """The fast path's batches for `ftcurate.core.bulk_insert`, or None when it does not apply."""
        spec, context, agents, sample = self._plan(path, options, detection)
        if sample.fmt == "csv" and sample.encoding.startswith("utf-8") and not options.extra.get("exact"):
            return fast_batches(sample, spec, context, agents, progress)
        return None

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        spec, context, agents, sample = self._plan(path, options, detection)
        if sample.fmt == "csv" and sample.encoding.startswith("utf-8") and not options.extra.get("exact"):
            fast = fast_examples(sample, spec, context, agents, progress)
            if fast is not None:
                yield from fast
                return
        yield from self._exact(sample, spec, context, agents, progress)

    def _plan(self, path: Path, options: ImportOptions, detection: Detection) -> tuple[Any, str, set, Any]:
        context = check_context(options.context)
        head = table_head(path)
        mapping = {**detection.mapping, **{k: resolve_column(head, k, v) for k, v in options.mapping.items()}}
        for field in ("conversation", "role", "text"):
            if not mapping.get(field):
                raise UserError(f"no {field} column; use --map {field}=COLUMN", path=path, row=1)
        ts_col = mapping.get("timestamp")
        spec = RowSpec(mapping["conversation"], mapping["role"], mapping["text"], ts_col,
                       options.label_column or detection.label_column, mapping.get("internal"),
                       role_reader(mapping["role"]),
                       internal_reader(mapping["internal"]) if mapping.get("internal") else None,
                       timestamp_mode([r.get(ts_col) for r in head.rows]) if ts_col else None)
        return spec, context, _frequent_speakers(head, mapping), head.sample

    def _exact(self, sample: Any, spec: RowSpec, context: str, agents: set[Any],
               progress: Progress) -> Iterator[Example]:
        rows = python_rows(sample, spec, progress)
        open_convs: dict[Any, list[Any]] = {}
        for loc, conv, role, speaker, text, ts, label, last in rows:
            buf = open_convs.get(conv)
            if buf is None:
                buf = open_convs[conv] = [[], [], [], None]  # turns, speakers, timestamps, label
            if text is not None and role is not None:
                buf[0].append((role, text, loc))
                buf[1].append(speaker)
                buf[2].append(ts)
            if label is not None and buf[3] is None:
                buf[3] = as_text(label)
            if last:
                del open_convs[conv]
                if buf[0]:
                    yield from self._finish(conv, buf, context, agents)

    @staticmethod
    def _finish(conv: Any, buf: list[Any], context: str, agents: set[Any]) -> Iterator[Example]:
        turns, speakers, stamps, label = buf
        if len(stamps) > 1 and None not in stamps and \
                any(stamps[i] > stamps[i + 1] for i in range(len(stamps) - 1)):
            order = sorted(range(len(turns)), key=stamps.__getitem__)
            turns = [turns[i] for i in order]
            speakers = [speakers[i] for i in order]
        turns = resolve_unknown(turns, speakers, agents)
        yield from conversation_examples(str(conv), turns, context, label)


def _role_word(role: str | None) -> str:
    return {"user": "customer", "assistant": "agent", None: "dropped"}.get(role, "unknown")


def _frequent_speakers(head: TableHead, mapping: dict[str, str]) -> set[Any]:
    """Speaker names (unknown roles) seen in 3+ conversations of the head: agents serve many chats."""
    read_role = role_reader(mapping["role"])
    seen: dict[Any, set[Any]] = {}
    for r in head.rows:
        raw = r.get(mapping["role"])
        if raw is not None and read_role(raw) == UNKNOWN:
            seen.setdefault(raw, set()).add(r.get(mapping["conversation"]))
    return {k for k, convs in seen.items() if len(convs) >= 3}
