"""Existing fine-tuning files, read exactly (they round-trip with `ftcurate.core.export.formats`).

Formats (JSON Lines, a JSON array, or Parquet with the same fields), recognised per record:
- OpenAI chat: `{"messages": [{"role", "content"}, ...]}`;
- ShareGPT: `{"conversations": [{"from": "system"|"human"|"gpt", "value"}, ...]}`;
- Alpaca: `{"instruction", "input", "output"}` with optional `"system"` and `"history"`
  (`[[user, assistant], ...]`); a non-empty `input` is appended to the instruction after a blank line;
- prompt/completion: `{"prompt", "completion"}`; a prompt written as a "System: / User: / Assistant:"
  transcript by the exporter is split back into turns;
- pairs: `{"input", "output"}` with an optional `"system"`.
A `"label"` field (or `--label-column`) gives the label; an `"id"` is kept in metadata as `source_ref`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.tables import as_text, iter_table, table_head
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example, pair_to_messages, validate_messages

SHAREGPT_ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant",
                  "assistant": "assistant", "chatgpt": "assistant", "bard": "assistant", "bing": "assistant",
                  "model": "assistant"}
FORMAT_TITLES = {"openai": "OpenAI chat (messages)", "sharegpt": "ShareGPT (conversations)",
                 "alpaca": "Alpaca (instruction/input/output)", "prompt": "prompt/completion",
                 "pairs": "input/output pairs"}
_TRANSCRIPT = re.compile(r"(?:^|\n\n)(System|User|Assistant): ")
_PREFIX_ROLE = {"System": "system", "User": "user", "Assistant": "assistant"}


def record_format(rec: Any) -> str | None:
    """Which fine-tuning format a record is in (see the module docstring), or None."""
    if not isinstance(rec, dict):
        return None
    if isinstance(rec.get("messages"), list):
        return "openai"
    if isinstance(rec.get("conversations"), list):
        return "sharegpt"
    if "instruction" in rec and "output" in rec:
        return "alpaca"
    if "prompt" in rec and "completion" in rec:
        return "prompt"
    if "input" in rec and "output" in rec:
        return "pairs"
    return None


def _text(rec: dict[str, Any], key: str, fail) -> str:
    val = rec.get(key)
    if val is None:
        return ""
    if not isinstance(val, str):
        fail(f'"{key}" must be a string')
    return val


def prompt_to_messages(prompt: str) -> list[dict[str, str]]:
    """Inverse of the exporter's prompt folding: a "System: / User: / Assistant:" transcript becomes
    turns; any other prompt is one user turn."""
    parts = _TRANSCRIPT.split(prompt)
    if parts[0] == "" and len(parts) >= 3 and (len(parts) >= 5 or parts[1] == "System"):
        return [{"role": _PREFIX_ROLE[parts[i]], "content": parts[i + 1]} for i in range(1, len(parts), 2)]
    return [{"role": "user", "content": prompt}]


def record_messages(rec: dict[str, Any], fmt: str, fail) -> list[dict[str, str]]:
    """Chat messages of one record in format `fmt`; `fail(message)` raises a located UserError."""
    if fmt == "openai":
        msgs = rec["messages"]
        reason = validate_messages(msgs)
        if reason:
            fail(reason)
        return [{"role": m["role"], "content": m["content"]} for m in msgs]
    if fmt == "sharegpt":
        out = []
        for i, turn in enumerate(rec["conversations"]):
            if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
                fail(f"conversation turn {i} needs a text \"value\"")
            role = SHAREGPT_ROLES.get(str(turn.get("from", "")).lower())
            if role is None:
                fail(f"conversation turn {i} is from {turn.get('from')!r}; expected system, human or gpt")
            out.append({"role": role, "content": turn["value"]})
        if not out:
            fail("empty conversation")
        return out
    if fmt == "alpaca":
        msgs: list[dict[str, str]] = []
        if rec.get("system"):
            msgs.append({"role": "system", "content": _text(rec, "system", fail)})
        for pair in rec.get("history") or []:
            if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
                fail('"history" must be a list of [user, assistant] pairs')
            msgs += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
        instruction, extra = _text(rec, "instruction", fail), _text(rec, "input", fail)
        prompt = instruction + (f"\n\n{extra}" if extra else "")
        return msgs + [{"role": "user", "content": prompt},
                       {"role": "assistant", "content": _text(rec, "output", fail)}]
    if fmt == "prompt":
        return prompt_to_messages(_text(rec, "prompt", fail)) + [
            {"role": "assistant", "content": _text(rec, "completion", fail)}]
    return pair_to_messages(_text(rec, "input", fail), _text(rec, "output", fail),
                            _text(rec, "system", fail) or None)


@register_importer
class FinetuneImporter(Importer):
    """OpenAI chat, ShareGPT, Alpaca, prompt/completion and input/output files."""

    name = "finetune"
    kind = "pairs"
    extensions = (".jsonl", ".ndjson", ".json", ".parquet")

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        head = table_head(path)
        if head is None or head.sample.fmt not in ("json", "jsonl", "parquet") or not head.rows:
            return None
        fmts = [record_format(r) for r in head.rows[:50]]
        if fmts[0] is None or any(f is None for f in fmts):
            if options.kind != "pairs":
                return None
            # the user says it is a fine-tuning file: reading will name the first bad record
            return Detection(self.name, self.kind, 0.5, "fine-tuning file with unrecognised records "
                             "(expected messages, conversations, instruction/output, prompt/completion or "
                             "input/output)", {}, options.label_column)
        label = options.label_column or ("label" if "label" in head.columns else None)
        kinds = sorted(set(fmts), key=fmts.index)
        summary = (f"fine-tuning file ({head.sample.fmt}): {', '.join(FORMAT_TITLES[f] for f in kinds)}"
                   + (f"; label={label}" if label else ""))
        score = 0.9 if kinds == ["pairs"] else 0.96
        return Detection(self.name, self.kind, score, summary, {"format": kinds[0]}, label)

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        head = table_head(path)
        if head is None:
            raise UserError("not a JSON, JSON Lines or Parquet file", path=path)
        label_col = options.label_column or detection.label_column
        for loc, rec in iter_table(head.sample, progress):
            where = {"line": loc.get("line")} if "line" in loc else {"row": loc.get("row")}

            def fail(message: str, where=where) -> None:
                raise UserError(message, path=path, **where)

            fmt = record_format(rec)
            if fmt is None:
                fail("not a fine-tuning record: expected messages, conversations, instruction/output, "
                     "prompt/completion or input/output")
            messages = record_messages(rec, fmt, fail)
            label = as_text(rec.get(label_col)) if label_col else None
            meta: dict[str, Any] = {"format": fmt}
            if rec.get("id") is not None:
                meta["source_ref"] = rec["id"]
            yield Example(messages=messages, label=label, metadata=meta,
                          provenance={k: v for k, v in loc.items() if k in ("row", "line")})
