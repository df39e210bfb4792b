"""Output formats: the files the exporter writes, each a container around one record format.

Every `Format` has a file extension, a container (jsonl, json array or parquet) and the name of its
record format in the one table `ftcurate.core.formats` (which builds, reads and checks each record:
openai, sharegpt, alpaca, prompt-completion, rows). The conversions are pure and lossless for the
usual example shape (optional system prompt, then user / assistant turns alternating, ending with
the assistant answer). Alpaca records of one export all get the same optional keys (`make_records`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ftcurate.core import formats as record_formats
from ftcurate.core.errors import UserError
from ftcurate.core.formats.alpaca import from_record as alpaca_to_messages
from ftcurate.core.formats.alpaca import parts as alpaca_parts
from ftcurate.core.formats.prompt_completion import ASSISTANT_CUE, TRANSCRIPT_PREFIX
from ftcurate.core.formats.prompt_completion import from_record as prompt_completion_to_messages
from ftcurate.core.formats.prompt_completion import to_record as to_prompt_completion

__all__ = ["ASSISTANT_CUE", "FORMATS", "TRANSCRIPT_PREFIX", "Format", "alpaca_keys", "alpaca_parts",
           "alpaca_to_messages", "dumps_line", "get_format", "make_records", "preview_text",
           "prompt_completion_to_messages", "to_prompt_completion", "with_system_prompt"]


@dataclass(frozen=True)
class Format:
    """One output format. `container` is how records are written: jsonl, json (one array) or parquet;
    `record` names the record format in `ftcurate.core.formats.FORMATS`."""

    name: str
    title: str
    ext: str
    container: str
    record: str

    @property
    def to_record(self) -> Callable[..., dict[str, Any]]:
        """`to_record(messages, label, id)` of the record format."""
        return record_formats.FORMATS[self.record].to_record


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("openai", "OpenAI chat JSONL", "jsonl", "jsonl", "openai"),
    Format("alpaca", "Alpaca JSONL", "jsonl", "jsonl", "alpaca"),
    Format("alpaca-json", "Alpaca JSON array", "json", "json", "alpaca"),
    Format("sharegpt", "ShareGPT JSONL", "jsonl", "jsonl", "sharegpt"),
    Format("prompt-completion", "Prompt/completion JSONL", "jsonl", "jsonl", "prompt-completion"),
    Format("parquet", "Parquet", "parquet", "parquet", "rows"),
    Format("hf", "Hugging Face datasets folder (Parquet)", "parquet", "parquet", "rows"),
)}


def get_format(name: str) -> Format:
    """The format called `name` (aliases: chat -> openai, alpaca_json -> alpaca-json, ...)."""
    key = name.strip().lower().replace("_", "-")
    key = {"chat": "openai", "jsonl": "openai", "prompt": "prompt-completion", "completion": "prompt-completion",
           "huggingface": "hf", "datasets": "hf"}.get(key, key)
    if key not in FORMATS:
        raise UserError(f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}")
    return FORMATS[key]


def with_system_prompt(messages: list[dict], system_prompt: str | None) -> list[dict]:
    """Put `system_prompt` first unless the example already has its own system message."""
    if not system_prompt or any(m["role"] == "system" for m in messages):
        return messages
    return [{"role": "system", "content": system_prompt}, *messages]


def alpaca_keys(rows: Sequence[tuple[int, str | None, list[dict]]]) -> tuple[str, ...]:
    """Optional Alpaca keys ("system", "history") that any of `rows` needs."""
    keys = set()
    for _, _, msgs in rows:
        system, history, _, _ = alpaca_parts(msgs)
        if system:
            keys.add("system")
        if history:
            keys.add("history")
    return tuple(k for k in ("system", "history") if k in keys)


def make_records(fmt: Format, rows: Sequence[tuple[int, str | None, list[dict]]],
                 keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Records of `fmt` for `(id, label, messages)` rows.

    Alpaca records get the same keys throughout: every optional key in `keys` (default: those these
    rows need, see `alpaca_keys`) is present in every record ("" / []) so loaders infer one schema.
    """
    recs = [fmt.to_record(msgs, label, ex_id) for ex_id, label, msgs in rows]
    if fmt.record == "alpaca":
        for key in alpaca_keys(rows) if keys is None else keys:
            empty: Any = [] if key == "history" else ""
            for r in recs:
                r.setdefault(key, empty)
        order = ("instruction", "input", "output", "system", "history")
        recs = [{k: r[k] for k in order if k in r} for r in recs]
    return recs


def dumps_line(record: dict[str, Any]) -> str:
    """One record as a compact JSON line: UTF-8 text, keys in writing order, no trailing spaces."""
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": "))


def preview_text(fmt: Format, rows: Sequence[tuple[int, str | None, list[dict]]]) -> str:
    """Human-readable preview of the first records exactly as they will be written (pretty-printed)."""
    recs = make_records(fmt, rows)
    if fmt.container == "jsonl":
        return "\n".join(dumps_line(r) for r in recs)
    if fmt.container == "json":
        return json.dumps(recs, ensure_ascii=False, indent=2)
    return "\n".join(json.dumps(r, ensure_ascii=False, indent=2) for r in recs)
