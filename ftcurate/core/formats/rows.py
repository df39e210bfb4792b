"""Parquet / Hugging Face datasets rows: columns `id`, `label`, `messages` (list of {role, content}).

Read like OpenAI chat records; only Axolotl's and LLaMA-Factory's rules apply (OpenAI takes JSONL).
A rows record looks like an OpenAI one, so `sniff` picks it only in a Parquet file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ftcurate.core.formats import openai
from ftcurate.core.formats.base import Fail, Finding, RecordFormat, raise_value_error


def sniff(rec: Any) -> bool:
    return openai.sniff(rec)


def to_record(messages: list[dict], label: str | None = None, ex_id: int | None = None) -> dict[str, Any]:
    return {"id": ex_id, "label": label,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages]}


def from_record(rec: dict[str, Any], fail: Fail = raise_value_error) -> list[dict[str, str]]:
    return openai.from_record(rec, fail)


def rules(rec: dict, parquet: bool = True) -> Iterator[Finding]:
    return openai.rules(rec, parquet=True)


FORMAT = RecordFormat("rows", "Parquet rows (id, label, messages)", ("parquet", "hf"), sniff, to_record,
                      from_record, rules)
