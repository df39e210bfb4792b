"""OpenAI's chat fine-tuning record rules as a JSON Schema, with plain per-message messages.

The schema follows OpenAI's published fine-tuning data format (chat models): each line is an object
with a non-empty `messages` list; each message has a `role` (system, developer, user, assistant,
tool, function) and non-empty text `content` (an assistant message may carry `tool_calls` /
`function_call` instead), optionally `name`, and `weight` — 0 or 1, and only on assistant messages,
where it says whether that turn is trained. Rules a schema cannot say (the example ends with an
assistant message; at least 10 training examples) are checked in `ftcurate.core.formats.openai` and `export.validate`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

ROLES = ["system", "developer", "user", "assistant", "tool", "function"]
MIN_TRAIN_EXAMPLES = 10

MESSAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["role"],
    "properties": {
        "role": {"enum": ROLES},
        "content": {"anyOf": [{"type": "string"}, {"type": "array"}, {"type": "null"}]},
        "name": {"type": "string"},
        "weight": {"enum": [0, 1]},
        "tool_calls": {"type": "array"},
        "function_call": {"type": "object"},
        "tool_call_id": {"type": "string"},
        "refusal": {"type": ["string", "null"]},
    },
    "additionalProperties": False,
    "allOf": [
        # weight only on assistant messages
        {"if": {"required": ["weight"]}, "then": {"properties": {"role": {"const": "assistant"}}}},
        # non-empty text content, unless an assistant message calls a tool instead
        {"anyOf": [
            {"required": ["content"], "properties": {"content": {"type": "string", "pattern": r"\S"}}},
            {"required": ["tool_calls"], "properties": {"role": {"const": "assistant"}}},
            {"required": ["function_call"], "properties": {"role": {"const": "assistant"}}},
        ]},
    ],
}

RECORD_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["messages"],
    "properties": {
        "messages": {"type": "array", "minItems": 1, "items": MESSAGE_SCHEMA},
        "tools": {"type": "array"},
        "functions": {"type": "array"},
        "parallel_tool_calls": {"type": "boolean"},
    },
}


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(RECORD_SCHEMA)
    return Draft202012Validator(RECORD_SCHEMA)


_PLAIN_KEYS = frozenset({"role", "content"})
_ROLE_SET = frozenset(ROLES)


def plainly_valid(rec: Any) -> bool:
    """A fast test that accepts only records the schema accepts: the usual shape (role + non-empty
    text content, `weight` 0/1 on assistant messages). Anything else goes through the schema."""
    if not isinstance(rec, dict) or not set(rec) <= {"messages"}:
        return False
    msgs = rec.get("messages")
    if not isinstance(msgs, list) or not msgs:
        return False
    for m in msgs:
        if not isinstance(m, dict) or m.get("role") not in _ROLE_SET:
            return False
        c = m.get("content")
        if not isinstance(c, str) or not c.strip():
            return False
        if len(m) != 2 or m.keys() != _PLAIN_KEYS:
            if not (len(m) == 3 and "weight" in m and m["role"] == "assistant" and type(m["weight"]) is int
                    and m["weight"] in (0, 1)):
                return False
    return True


def schema_errors(rec: Any) -> list[str]:
    """Plain-language OpenAI errors for one record (empty when it follows the schema)."""
    if plainly_valid(rec):
        return []
    out: list[str] = []
    for err in sorted(_validator().iter_errors(rec), key=lambda e: list(map(str, e.absolute_path))):
        msg = _explain(rec, err)
        if msg not in out:
            out.append(msg)
    return out


def _explain(rec: Any, err) -> str:
    path = list(err.absolute_path)
    if not path:
        return '"messages" is missing' if err.validator == "required" else f"the record {err.message}"
    if path[0] != "messages":
        return f'"{path[0]}": {err.message}'
    if len(path) == 1:
        return '"messages" must be a non-empty list'
    i = path[1]
    msg = rec["messages"][i]
    where = f"message {i + 1}" + (f" ({msg['role']})" if isinstance(msg, dict) and isinstance(msg.get("role"), str)
                                  else "")
    key = path[2] if len(path) > 2 else None
    v = err.validator
    if not isinstance(msg, dict):
        return f"message {i + 1} is not an object"
    if v == "additionalProperties":
        bad = sorted(k for k in msg if k not in MESSAGE_SCHEMA["properties"])
        return f"message {i + 1} has unrecognised key(s) {', '.join(bad)}"
    if key == "role" and v == "enum":
        return f"message {i + 1} has unknown role {msg['role']!r}; OpenAI accepts {', '.join(ROLES)}"
    if key == "role" and v == "const" and "weight" in msg:
        return f"{where} has a weight; OpenAI accepts weight only on assistant messages"
    if key == "weight":
        return f"{where} has weight {msg['weight']!r}; it must be 0 or 1"
    if v == "required" and "role" in err.message:
        return f"message {i + 1} has no role"
    if v == "anyOf" and key is None:
        return f"{where} has empty content"
    return f"{where}: {err.message}"
