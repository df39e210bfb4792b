"""Per-record rules: what OpenAI fine-tuning, Axolotl and LLaMA-Factory accept.

Each rule function takes one parsed record and yields `(tool, severity, message)`. Severity "error"
means the tool rejects the file or silently drops the example; "warning" means it loads but will not
train well. The rules follow the tools' documented formats:

- OpenAI chat fine-tuning: the JSON Schema in `openai_schema` (known roles, non-empty text content,
  no unknown keys, `weight` 0/1 on assistant messages only); there is an assistant message and the
  last message is the assistant's answer.
- Axolotl `chat_template`: the messages field is a list whose items have the mapped role/content
  properties with roles it can map; something to train on (an assistant turn). Axolotl `alpaca`:
  string `instruction` and `output`, optional string `input`.
- LLaMA-Factory `sharegpt`: an optional leading system turn, then user/assistant turns strictly
  alternating and starting with the user, an even number of them (otherwise the example is dropped
  with "Invalid role tag" / "Invalid message count"). `alpaca`: string prompt and response columns,
  `history` a list of [prompt, response] string pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

OPENAI_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
OPENAI_MESSAGE_KEYS = {"role", "content", "name", "weight", "tool_calls", "function_call", "tool_call_id",
                       "refusal"}
OPENAI_TOP_KEYS = {"messages", "tools", "functions", "parallel_tool_calls"}

Finding = tuple[str, str, str]  # (tool, severity, message)


def record_kind(rec: Any) -> str | None:
    """Which export format a record looks like: chat, sharegpt, alpaca, prompt-completion, or None."""
    if not isinstance(rec, dict):
        return None
    if "messages" in rec:
        return "chat"
    if "conversations" in rec:
        return "sharegpt"
    if "instruction" in rec and "output" in rec:
        return "alpaca"
    if "prompt" in rec and "completion" in rec:
        return "prompt-completion"
    return None


def _messages(rec: dict, field: str, role_key: str, content_key: str) -> tuple[list | None, str | None]:
    msgs = rec.get(field)
    if not isinstance(msgs, list) or not msgs:
        return None, f'"{field}" must be a non-empty list'
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            return None, f"message {i + 1} is not an object"
        if not isinstance(m.get(role_key), str):
            return None, f'message {i + 1} has no "{role_key}"'
        if not isinstance(m.get(content_key), str):
            return None, f'message {i + 1} has no text "{content_key}"'
    return msgs, None


def openai_rules(rec: dict, msgs: list[dict]) -> Iterator[Finding]:
    """OpenAI rules for a record whose messages passed `_messages`: the JSON Schema of
    `openai_schema`, plus what a schema cannot say (there is an answer, and it comes last)."""
    from ftcurate.core.export.openai_schema import schema_errors

    extra = sorted(set(rec) - OPENAI_TOP_KEYS)
    if extra:
        yield "openai", "warning", f"unexpected top-level key(s) {', '.join(extra)}"
    for msg in schema_errors(rec):
        yield "openai", "error", msg
    if not any(m["role"] == "assistant" for m in msgs):
        yield "openai", "error", "no assistant message to learn from"
    elif msgs[-1]["role"] != "assistant":
        yield "openai", "error", f"the last message is {msgs[-1]['role']!r}; it must be the assistant's answer"


def axolotl_chat_rules(msgs: list[dict], role_key: str, roles: dict[str, str]) -> Iterator[Finding]:
    """Axolotl chat_template rules (roles mapped by `roles`: file role -> user/assistant/system)."""
    unknown = sorted({m[role_key] for m in msgs} - set(roles))
    if unknown:
        yield "axolotl", "error", f"role(s) {', '.join(map(repr, unknown))} not in the chat_template role mapping"
    if not any(roles.get(m[role_key]) == "assistant" for m in msgs):
        yield "axolotl", "warning", "no assistant turn: nothing to train on (roles_to_train: assistant)"


def llamafactory_chat_rules(msgs: list[dict], role_key: str, content_key: str, user: str, assistant: str,
                            system: str) -> Iterator[Finding]:
    """LLaMA-Factory sharegpt-style rules: optional system turn, then strict user/assistant pairs."""
    turns = msgs[1:] if msgs[0][role_key] == system else msgs
    skipped = len(msgs) - len(turns)
    for i, m in enumerate(turns):
        want = user if i % 2 == 0 else assistant
        if m[role_key] != want:
            yield ("llamafactory", "error",
                   f"turn {i + 1 + skipped} is {m[role_key]!r} where {want!r} was expected: "
                   "turns must alternate user/assistant starting with the user (LLaMA-Factory drops it)")
            return
    if len(turns) % 2:
        yield "llamafactory", "error", "odd number of user/assistant turns (LLaMA-Factory drops it)"
    if any(not m[content_key].strip() for m in turns):
        yield "llamafactory", "warning", "a turn has empty content"


def check_alpaca(rec: dict) -> Iterator[Finding]:
    for key in ("instruction", "output"):
        if not isinstance(rec.get(key), str):
            yield "axolotl", "error", f'"{key}" must be a string'
            yield "llamafactory", "error", f'"{key}" must be a string'
            return
    if "input" in rec and not isinstance(rec["input"], str):
        yield "axolotl", "error", '"input" must be a string'
    if not rec["instruction"].strip() and not str(rec.get("input") or "").strip():
        yield "llamafactory", "warning", "empty instruction and input"
    if not rec["output"].strip():
        yield "axolotl", "warning", "empty output: nothing to train on"
    if "system" in rec and not isinstance(rec["system"], str):
        yield "llamafactory", "error", '"system" must be a string'
    hist = rec.get("history")
    if hist is not None:
        ok = isinstance(hist, list) and all(
            isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in hist)
        if not ok:
            yield "llamafactory", "error", '"history" must be a list of [prompt, response] string pairs'


def check_prompt_completion(rec: dict) -> Iterator[Finding]:
    for key in ("prompt", "completion"):
        if not isinstance(rec.get(key), str):
            yield "llamafactory", "error", f'"{key}" must be a string'
            yield "axolotl", "error", f'"{key}" must be a string'
            return
    if not rec["completion"].strip():
        yield "axolotl", "warning", "empty completion: nothing to train on"
    if not rec["prompt"].strip():
        yield "llamafactory", "warning", "empty prompt"


SHAREGPT_ROLES = {"human": "user", "gpt": "assistant", "system": "system"}  # LLaMA-Factory's default tags
SHAREGPT_CHAT_ROLES = {"user": "user", "assistant": "assistant", "system": "system"}  # what ftcurate writes
CHAT_ROLES = {"system": "system", "user": "user", "assistant": "assistant"}


def check_record(rec: Any, kind: str, parquet: bool = False) -> Iterator[Finding]:
    """All rules for a record of `kind` (see `record_kind`). Parquet files skip the OpenAI rules."""
    if not isinstance(rec, dict):
        yield "json", "error", "not a JSON object"
        return
    if kind in ("chat", "sharegpt"):
        chat = kind == "chat"
        field, role_key, content_key = ("messages", "role", "content") if chat else ("conversations", "from", "value")
        msgs, problem = _messages(rec, field, role_key, content_key)
        if problem:
            tools = ("openai", "axolotl", "llamafactory") if chat and not parquet else ("axolotl", "llamafactory")
            for tool in tools:
                yield tool, "error", problem
            return
        if chat and not parquet:
            yield from openai_rules(rec, msgs)
        classic = not chat and any(m[role_key] in ("human", "gpt") for m in msgs)
        roles = CHAT_ROLES if chat else SHAREGPT_ROLES if classic else SHAREGPT_CHAT_ROLES
        yield from axolotl_chat_rules(msgs, role_key, roles)
        if chat:
            yield from llamafactory_chat_rules(msgs, "role", "content", "user", "assistant", "system")
        elif classic:
            yield from llamafactory_chat_rules(msgs, "from", "value", "human", "gpt", "system")
        else:
            yield from llamafactory_chat_rules(msgs, "from", "value", "user", "assistant", "system")
    elif kind == "alpaca":
        yield from check_alpaca(rec)
    elif kind == "prompt-completion":
        yield from check_prompt_completion(rec)
