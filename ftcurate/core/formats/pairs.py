"""Input/output pairs: `{"input", "output"}` with an optional `"system"` (import only: no tool reads
it as a fine-tuning format, so the exporter does not write it; the rules are those of a plain pair)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ftcurate.core.formats.base import Fail, Finding, RecordFormat, raise_value_error, text
from ftcurate.core.records import messages_to_pair, pair_to_messages


def sniff(rec: Any) -> bool:
    return isinstance(rec, dict) and "input" in rec and "output" in rec


def to_record(messages: list[dict], label: str | None = None, ex_id: int | None = None) -> dict[str, Any]:
    """The last user turn and the final answer (earlier turns are not kept), plus the system prompt."""
    user, answer = messages_to_pair(messages)
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    return {"input": user, "output": answer} | ({"system": system} if system else {})


def from_record(rec: dict[str, Any], fail: Fail = raise_value_error) -> list[dict[str, str]]:
    return pair_to_messages(text(rec, "input", fail), text(rec, "output", fail), text(rec, "system", fail) or None)


def rules(rec: dict, parquet: bool = False) -> Iterator[Finding]:
    """Not a format the training tools read: say so once."""
    yield "ftcurate", "error", ("input/output pairs are not a fine-tuning format OpenAI, Axolotl or "
                                "LLaMA-Factory reads; export as openai, alpaca or sharegpt")


FORMAT = RecordFormat("pairs", "input/output pairs", ("input-output",), sniff, to_record, from_record, rules)
