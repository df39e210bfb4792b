"""The one record schema every importer produces and every check, exporter and view consumes.

An `Example` is a chat: a list of messages `{"role": "system"|"user"|"assistant", "content": str}`
ending with the assistant turn the model should learn. Pairs (input/output) convert to and from it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

ROLES = ("system", "user", "assistant")
STATUSES = ("unreviewed", "approved", "rejected")

Message = dict  # {"role": str, "content": str}


@dataclass
class Example:
    """One training example.

    Attributes:
        messages: chat turns, roles in ROLES; the last one is normally the assistant answer.
        label: intent / category / any grouping label, or None.
        metadata: free JSON-serialisable data (importer details, product fields, ...).
        provenance: where it came from: {"row": int, "line": int, "conversation": str, ...}
            (1-based row/line numbers of the source file; keys absent when unknown).
        id: assigned by the project store; None before insertion.
        source_id: the project's source row; None before insertion.
        status: one of STATUSES.
    """

    messages: list[Message]
    label: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    source_id: int | None = None
    status: str = "unreviewed"

    @property
    def input(self) -> str:
        return messages_to_pair(self.messages)[0]

    @property
    def output(self) -> str:
        return messages_to_pair(self.messages)[1]

    def content_hash(self) -> str:
        return messages_hash(self.messages)


def pair_to_messages(input: str, output: str, system: str | None = None) -> list[Message]:
    """Build chat messages from an input/output pair (optional system prompt first)."""
    msgs: list[Message] = []
    if system:
        msgs.append({"role": "system", "content": system})
    msgs.append({"role": "user", "content": input})
    msgs.append({"role": "assistant", "content": output})
    return msgs


def messages_to_pair(messages: list[Message]) -> tuple[str, str]:
    """Return (input, output): the last user turn before the final assistant turn, and that turn.

    Multi-turn context is not folded into `input`; callers that need the whole conversation use
    `messages` directly. Missing parts are "".
    """
    out_idx = None
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].get("role") == "assistant":
            out_idx = i
            break
    output = messages[out_idx]["content"] if out_idx is not None else ""
    end = out_idx if out_idx is not None else len(messages)
    inp = ""
    for i in range(end - 1, -1, -1):
        if messages[i].get("role") == "user":
            inp = messages[i]["content"]
            break
    return inp, output


def validate_messages(messages: Any) -> str | None:
    """Return a reason string if `messages` is not a valid chat, else None."""
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty list"
    for i, m in enumerate(messages):
        if not isinstance(m, dict):
            return f"message {i} is not an object"
        if m.get("role") not in ROLES:
            return f"message {i} has role {m.get('role')!r}; expected one of {', '.join(ROLES)}"
        if not isinstance(m.get("content"), str):
            return f"message {i} has no text content"
    return None


def messages_json(messages: list[Message]) -> str:
    """Canonical JSON of messages (only role and content, stable key order)."""
    return json.dumps([{"role": m["role"], "content": m["content"]} for m in messages],
                      ensure_ascii=False, separators=(",", ":"))


def messages_hash(messages: list[Message]) -> str:
    return hashlib.blake2b(messages_json(messages).encode("utf-8"), digest_size=12).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def settings_digest(settings: dict[str, Any]) -> str:
    """A short digest of the settings a cached value depends on (part of a cache namespace)."""
    raw = json.dumps(settings, sort_keys=True, default=str).encode()
    return hashlib.blake2b(raw, digest_size=8).hexdigest()
