"""OpenAI chat: `{"messages": [{"role", "content"}, ...]}` (OpenAI's chat fine-tuning JSONL).

An assistant turn the exporter marked `weight: 0` (already trained as the end of another example)
keeps its weight. Rules: the JSON Schema of `openai_schema` (known roles, non-empty text content, no
unknown keys, `weight` 0/1 on assistant messages only), plus what a schema cannot say (there is an
assistant message and it comes last); Axolotl `chat_template` and LLaMA-Factory's role order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ftcurate.core.formats.base import (
    Fail,
    Finding,
    RecordFormat,
    axolotl_chat_rules,
    llamafactory_chat_rules,
    raise_value_error,
    turn_list,
)
from ftcurate.core.records import validate_messages

TOP_KEYS = {"messages", "tools", "functions", "parallel_tool_calls"}
CHAT_ROLES = {"system": "system", "user": "user", "assistant": "assistant"}


def sniff(rec: Any) -> bool:
    """A `"messages"` list (the importer's rule: a record whose `messages` is something else is not claimed)."""
    return isinstance(rec, dict) and isinstance(rec.get("messages"), list)


def to_record(messages: list[dict], label: str | None = None, ex_id: int | None = None) -> dict[str, Any]:
    return {"messages": [{"role": m["role"], "content": m["content"]}
                         | ({"weight": m["weight"]} if "weight" in m and m["role"] == "assistant" else {})
                         for m in messages]}


def from_record(rec: dict[str, Any], fail: Fail = raise_value_error) -> list[dict[str, str]]:
    """The chat turns (role and content only); `fail` on anything but system/user/assistant text turns."""
    msgs = rec.get("messages")
    reason = validate_messages(msgs)
    if reason:
        fail(reason)
    return [{"role": m["role"], "content": m["content"]} for m in msgs]


def openai_rules(rec: dict, msgs: list[dict]) -> Iterator[Finding]:
    """OpenAI's own rules for a record whose messages passed `turn_list`."""
    from ftcurate.core.formats.openai_schema import schema_errors

    extra = sorted(set(rec) - TOP_KEYS)
    if extra:
        yield "openai", "warning", f"unexpected top-level key(s) {', '.join(extra)}"
    for msg in schema_errors(rec):
        yield "openai", "error", msg
    if not any(m["role"] == "assistant" for m in msgs):
        yield "openai", "error", "no assistant message to learn from"
    elif msgs[-1]["role"] != "assistant":
        yield "openai", "error", f"the last message is {msgs[-1]['role']!r}; it must be the assistant's answer"


def rules(rec: dict, parquet: bool = False) -> Iterator[Finding]:
    """OpenAI (not for Parquet, which OpenAI does not take), Axolotl and LLaMA-Factory rules."""
    msgs, problem = turn_list(rec, "messages", "role", "content")
    if problem:
        for tool in ("axolotl", "llamafactory") if parquet else ("openai", "axolotl", "llamafactory"):
            yield tool, "error", problem
        return
    if not parquet:
        yield from openai_rules(rec, msgs)
    yield from axolotl_chat_rules(msgs, "role", CHAT_ROLES)
    yield from llamafactory_chat_rules(msgs, "role", "content", "user", "assistant", "system")


FORMAT = RecordFormat("openai", "OpenAI chat (messages)", ("chat",), sniff, to_record, from_record, rules)
