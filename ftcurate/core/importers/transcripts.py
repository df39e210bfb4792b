"""Support logs with one conversation per record: speaker-prefixed transcripts and nested JSON turns.

- `SupportTranscriptImporter`: a table (CSV/TSV/JSON/JSONL/XLSX/Parquet) with one row per conversation
  whose text column holds a transcript with speaker prefixes, one turn per line ("Customer: ...",
  "Agent (Sam): ...", "[10:02] Agent: ...") or inline ("Customer: hi Agent: hello"). Lines without a
  prefix continue the previous turn.
- `SupportConversationImporter`: JSON/JSONL records holding a list of turns, as dicts
  (`{"speaker"|"role"|"from": ..., "text"|"content"|"value": ...}`) or `[speaker, text]` pairs (the
  ABCD format). The label comes from a top-level or one-level-nested intent/subflow/category key
  (`--label-column` accepts a dotted path such as `scenario.subflow`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.dialogue import (
    UNKNOWN,
    check_context,
    clean_message,
    conversation_examples,
    resolve_unknown,
    speaker_role,
)
from ftcurate.core.importers.jsonstream import looks_like_turns
from ftcurate.core.importers.support import CONV_NAMES, LABEL_NAMES
from ftcurate.core.importers.tables import (
    TableHead,
    as_text,
    find_column,
    is_missing,
    iter_table,
    resolve_column,
    table_head,
)
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

_PREFIX = re.compile(r"^\s*(?:\[[^\]\n]{1,30}\]\s*|\(?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp]\.?[Mm]\.?)?\)?\s*-?\s*)?"
                     r"([A-Za-z][\w .'&()/-]{0,40}?)\s*:\s*(.*)$")
_ROLE_WORDS = (r"customer|agent|user|assistant|client|support|rep|representative|caller|bot|system|"
               r"operator|visitor|advisor|staff|csr|chatbot")
_INLINE = re.compile(rf"(?:(?<=\s)|^)((?:{_ROLE_WORDS})(?:\s*\([^)]{{1,30}}\))?)\s*:\s", re.I)
TURN_KEYS = ("messages", "turns", "dialogue", "dialog", "conversation", "conversations", "utterances",
             "original", "log", "transcript", "thread", "events", "chat", "history")
SPEAKER_KEYS = ("role", "speaker", "from", "author", "sender", "participant", "party", "user")
TEXT_KEYS = ("content", "text", "value", "message", "body", "utterance")
LABEL_KEYS = ("intent", "subflow", "category", "topic", "label", "flow", "reason", "issue_type")
ID_KEYS = ("convo_id", "conversation_id", "dialogue_id", "dialog_id", "session_id", "ticket_id",
           "chat_id", "thread_id", "id", "uuid")


def parse_transcript(text: str) -> list[tuple[str, str]]:
    """Split a transcript into `(speaker, text)` turns ([] when it has no speaker prefixes)."""
    turns: list[list[str]] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    prefixed = [(m.group(1).strip(), m.group(2)) if (m := _PREFIX.match(line)) else None for line in lines]
    counts = Counter(p[0].lower() for p in prefixed if p)
    for line, p in zip(lines, prefixed, strict=True):
        if p and (speaker_role(p[0]) != UNKNOWN or counts[p[0].lower()] >= 2):
            turns.append([p[0], p[1]])
        elif turns:
            turns[-1][1] += "\n" + line
        elif line.strip():
            turns.append(["", line])
    if len({t[0].lower() for t in turns if t[0]}) < 2 or len(turns) < 2:
        parts = _INLINE.split(text)
        if len(parts) >= 5:
            turns = [[parts[i], parts[i + 1]] for i in range(1, len(parts) - 1, 2)]
        elif len({t[0].lower() for t in turns if t[0]}) < 2:
            return []
    return [(spk, body.strip()) for spk, body in turns if spk]


def _transcript_column(head: TableHead, options: ImportOptions) -> str | None:
    if "transcript" in options.mapping:
        return resolve_column(head, "transcript", options.mapping["transcript"])
    best, best_frac = None, 0.0
    for col in head.columns:
        vals = [v for r in head.rows if isinstance(v := r.get(col), str) and v.strip()]
        if not vals:
            continue
        frac = sum(1 for v in vals[:50] if parse_transcript(v)) / len(vals[:50])
        if frac > best_frac:
            best, best_frac = col, frac
    return best if best_frac >= 0.5 else None


def _turn_role(speaker: str) -> str | None:
    return speaker_role(speaker)


def _examples(conv: str | None, turns: list[tuple[str, str]], loc: dict[str, Any], context: str,
              label: str | None, metadata: dict[str, Any] | None = None) -> Iterator[Example]:
    """Examples of one parsed conversation: roles, drops, unknown speakers, clean-up."""
    kept: list[tuple[str, str, dict[str, Any]]] = []
    speakers: list[str] = []
    for spk, text in turns:
        role = _turn_role(spk)
        if role is None:
            continue
        text = clean_message(text)
        if text:
            kept.append((role, text, loc))
            speakers.append(spk.lower())
    yield from conversation_examples(conv, resolve_unknown(kept, speakers), context, label, metadata)


@register_importer
class SupportTranscriptImporter(Importer):
    """Support logs with one conversation transcript per row."""

    name = "support_transcripts"
    kind = "support"
    extensions = (".csv", ".tsv", ".json", ".jsonl", ".xlsx", ".parquet")

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        head = table_head(path)
        if head is None or not head.rows:
            return None
        col = _transcript_column(head, options)
        if col is None:
            return None
        mapping = {"transcript": col}
        conv = options.mapping.get("conversation") or find_column(head.columns, CONV_NAMES + ("id",))
        if conv:
            mapping["conversation"] = resolve_column(head, "conversation", conv)
        label = options.label_column or find_column(head.columns, LABEL_NAMES, exclude=[col])
        label = resolve_column(head, "label", label) if label else None
        summary = (f"support log, one transcript per row ({head.sample.fmt}): transcript={col}"
                   + (f", conversation={mapping['conversation']}" if conv else "")
                   + (f"; label={label}" if label else "") + f"; context={options.context}")
        return Detection(self.name, self.kind, 0.85, summary, mapping, label)

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        context = check_context(options.context)
        head = table_head(path)
        mapping = {**detection.mapping, **{k: resolve_column(head, k, v) for k, v in options.mapping.items()}}
        col = mapping.get("transcript")
        if not col:
            raise UserError("no transcript column; use --map transcript=COLUMN", path=path, row=1)
        label_col = options.label_column or detection.label_column
        for loc, rec in iter_table(head.sample, progress):
            text = rec.get(col)
            if is_missing(text):
                continue
            turns = parse_transcript(str(text))
            if not turns:
                continue
            conv = as_text(rec.get(mapping["conversation"])) if mapping.get("conversation") else None
            label = as_text(rec.get(label_col)) if label_col else None
            yield from _examples(conv or _loc_id(loc), turns, loc, context, label)


def _loc_id(loc: dict[str, Any]) -> str:
    return f"row {loc['row']}" if "row" in loc else f"line {loc.get('line')}"


def get_path(rec: dict[str, Any], path: str) -> Any:
    """`rec["a"]["b"]` for the dotted path "a.b" (None when absent)."""
    cur: Any = rec
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def _turns_key(rec: dict[str, Any]) -> str | None:
    keys = [k for k, v in rec.items() if looks_like_turns(v)]
    if not keys:
        return None
    lower = {k.lower(): k for k in keys}
    return next((lower[k] for k in TURN_KEYS if k in lower), keys[0])


def _label_path(rec: dict[str, Any]) -> str | None:
    for k in LABEL_KEYS:
        if isinstance(rec.get(k), str | int):
            return k
    for key, val in rec.items():
        if isinstance(val, dict):
            for k in LABEL_KEYS:
                if isinstance(val.get(k), str | int):
                    return f"{key}.{k}"
    return None


def _turn(t: Any) -> tuple[str, str] | None:
    if isinstance(t, dict):
        low = {str(k).lower(): v for k, v in t.items()}
        spk = next((low[k] for k in SPEAKER_KEYS if k in low), None)
        txt = next((low[k] for k in TEXT_KEYS if k in low), None)
    elif isinstance(t, list | tuple) and len(t) == 2:
        spk, txt = t
    else:
        return None
    if spk is None or is_missing(txt):
        return None
    return str(spk), txt if isinstance(txt, str) else as_text(txt) or ""


@register_importer
class SupportConversationImporter(Importer):
    """JSON/JSONL support conversations, each record holding a list of turns."""

    name = "support_conversations"
    kind = "support"
    extensions = (".json", ".jsonl", ".ndjson")

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        head = table_head(path)
        if head is None or head.sample.fmt not in ("json", "jsonl") or not head.rows:
            return None
        first = head.rows[0]
        key = options.mapping.get("turns") or _turns_key(first)
        if key is None or key not in first:
            return None
        conv = options.mapping.get("conversation") or next((k for k in ID_KEYS if k in first), None)
        label = options.label_column or _label_path(first)
        mapping = {"turns": key, **({"conversation": conv} if conv else {})}
        speakers = Counter(t[0] for r in head.rows[:20] for t in map(_turn, r.get(key) or []) if t)
        roles = ", ".join(f"{s}->{ {'user': 'customer', 'assistant': 'agent', None: 'dropped'}.get(speaker_role(s), 'unknown')}"
                          for s, _ in speakers.most_common(6))
        summary = (f"support conversations ({head.sample.fmt}, nested turns): turns={key}"
                   + (f", conversation={conv}" if conv else "") + (f"; label={label}" if label else "")
                   + (f"; speakers: {roles}" if roles else "") + f"; context={options.context}")
        return Detection(self.name, self.kind, 0.85, summary, mapping, label)

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        context = check_context(options.context)
        head = table_head(path)
        mapping = {**detection.mapping, **options.mapping}
        key = mapping["turns"]
        conv_key = mapping.get("conversation")
        label_path = options.label_column or detection.label_column
        for loc, rec in iter_table(head.sample, progress):
            raw = rec.get(key)
            if raw is None:
                continue
            if not isinstance(raw, list):
                raise UserError(f"{key!r} is not a list of turns", path=path, line=loc.get("line"),
                                row=loc.get("row"))
            turns = [t for t in map(_turn, raw) if t]
            conv = as_text(rec.get(conv_key)) if conv_key else None
            label = as_text(get_path(rec, label_path)) if label_path else None
            meta = _conversation_metadata(rec, label_path)
            prov = {k: v for k, v in loc.items() if k in ("row", "line", "split", "key")}
            yield from _examples(conv or _loc_id(loc), turns, prov, context, label, meta)


def _conversation_metadata(rec: dict[str, Any], label_path: str | None) -> dict[str, Any]:
    """Useful per-conversation facts: the intent path's value and its siblings (e.g. ABCD's flow)."""
    meta: dict[str, Any] = {}
    if label_path and "." in label_path:
        parent = get_path(rec, label_path.rsplit(".", 1)[0])
        if isinstance(parent, dict):
            meta.update({k: v for k, v in parent.items() if k in LABEL_KEYS and isinstance(v, str)})
    elif label_path and isinstance(rec.get(label_path), str):
        meta[label_path] = rec[label_path]
    return meta
