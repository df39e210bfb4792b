"""ShareGPT: `{"conversations": [{"from", "value"}, ...]}`.

ftcurate writes the chat-template roles as tags (`system`/`user`/`assistant`): TRL renames from/value
to role/content and keeps the names, and the tool configs tell LLaMA-Factory and Axolotl these tags
(their defaults are human/gpt). Reading accepts both and the tags other tools write (`ROLES`).
LLaMA-Factory: an optional leading system turn, then user/assistant turns strictly alternating from
the user, an even number of them (otherwise it drops the example).
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

ROLES = {"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
         "chatgpt": "assistant", "bard": "assistant", "bing": "assistant", "model": "assistant"}
"""The one ShareGPT role map: a turn's `from` tag (lower case) -> chat role."""
CLASSIC_TAGS = ("human", "gpt", "system")
"""LLaMA-Factory's default (user, assistant, system) tags; ftcurate writes ("user", "assistant", "system")."""
CHAT_TAGS = ("user", "assistant", "system")


def sniff(rec: Any) -> bool:
    """A `"conversations"` list (the importer's rule: a record whose `conversations` is something else is not claimed)."""
    return isinstance(rec, dict) and isinstance(rec.get("conversations"), list)


def to_record(messages: list[dict], label: str | None = None, ex_id: int | None = None) -> dict[str, Any]:
    return {"conversations": [{"from": m["role"], "value": m["content"]} for m in messages]}


def from_record(rec: dict[str, Any], fail: Fail = raise_value_error) -> list[dict[str, str]]:
    """Chat turns; `fail` on a turn without text or with a tag not in `ROLES`, or no turns."""
    turns = rec.get("conversations")
    if not isinstance(turns, list):
        fail('"conversations" must be a list')
    out = []
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
            fail(f"conversation turn {i} needs a text \"value\"")
        role = ROLES.get(str(turn.get("from", "")).lower())
        if role is None:
            fail(f"conversation turn {i} is from {turn.get('from')!r}; expected system, human or gpt")
        out.append({"role": role, "content": turn["value"]})
    if not out:
        fail("empty conversation")
    return out


def rules(rec: dict, parquet: bool = False) -> Iterator[Finding]:
    """Axolotl chat_template and LLaMA-Factory sharegpt rules, for either set of tags."""
    msgs, problem = turn_list(rec, "conversations", "from", "value")
    if problem:
        yield "axolotl", "error", problem
        yield "llamafactory", "error", problem
        return
    tags = CLASSIC_TAGS if any(m["from"] in ("human", "gpt") for m in msgs) else CHAT_TAGS
    yield from axolotl_chat_rules(msgs, "from", {t: ROLES[t] for t in tags})
    yield from llamafactory_chat_rules(msgs, "from", "value", *tags)


FORMAT = RecordFormat("sharegpt", "ShareGPT (conversations)", (), sniff, to_record, from_record, rules)
