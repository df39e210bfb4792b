"""Prompt/completion: `{"prompt", "completion"}`, TRL's standard prompt-completion shape.

Written: the prompt is a "System: / User: / Assistant:" transcript ending with the line "Assistant:"
(`ASSISTANT_CUE`), and the completion starts with a space, so the two never run together when a
trainer joins them. Read: such a transcript (or one without the cue, as older files have) is split
back into turns and the completion's leading space dropped; any other prompt is one user turn. A turn
that itself holds a blank line followed by "User: " or similar cannot be told apart from two turns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ftcurate.core.formats.base import Fail, Finding, RecordFormat, raise_value_error, text

TRANSCRIPT_PREFIX = {"system": "System", "user": "User", "assistant": "Assistant"}
ASSISTANT_CUE = "Assistant:"
_TRANSCRIPT = re.compile(r"(?:^|\n\n)(System|User|Assistant): ")
_PREFIX_ROLE = {title: role for role, title in TRANSCRIPT_PREFIX.items()}


def sniff(rec: Any) -> bool:
    return isinstance(rec, dict) and "prompt" in rec and "completion" in rec


def to_record(messages: list[dict], label: str | None = None, ex_id: int | None = None) -> dict[str, Any]:
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
    completion = messages[last]["content"] if last is not None else ""
    before = messages[:last] if last is not None else list(messages)
    turns = [f"{TRANSCRIPT_PREFIX[m['role']]}: {m['content']}" for m in before]
    return {"prompt": "\n\n".join([*turns, ASSISTANT_CUE]), "completion": " " + completion}


def prompt_turns(prompt: str) -> tuple[list[dict[str, str]], bool]:
    """(turns of the prompt, whether it ended with the exporter's `ASSISTANT_CUE`)."""
    cued = prompt == ASSISTANT_CUE or prompt.endswith("\n\n" + ASSISTANT_CUE)
    body = prompt[:-len(ASSISTANT_CUE)].removesuffix("\n\n") if cued else prompt
    parts = _TRANSCRIPT.split(body)
    if cued and parts[0] == "":
        return [{"role": _PREFIX_ROLE[parts[i]], "content": parts[i + 1]} for i in range(1, len(parts), 2)], True
    if parts[0] == "" and len(parts) >= 3 and (len(parts) >= 5 or parts[1] == "System"):
        return [{"role": _PREFIX_ROLE[parts[i]], "content": parts[i + 1]} for i in range(1, len(parts), 2)], False
    return [{"role": "user", "content": prompt}], False


def from_record(rec: dict[str, Any], fail: Fail = raise_value_error) -> list[dict[str, str]]:
    """Prompt turns, then the completion as the assistant's answer."""
    turns, cued = prompt_turns(text(rec, "prompt", fail))
    completion = text(rec, "completion", fail)
    if cued and completion.startswith(" "):
        completion = completion[1:]
    return [*turns, {"role": "assistant", "content": completion}]


def rules(rec: dict, parquet: bool = False) -> Iterator[Finding]:
    for key in ("prompt", "completion"):
        if not isinstance(rec.get(key), str):
            yield "llamafactory", "error", f'"{key}" must be a string'
            yield "axolotl", "error", f'"{key}" must be a string'
            return
    if not rec["completion"].strip():
        yield "axolotl", "warning", "empty completion: nothing to train on"
    if not rec["prompt"].strip():
        yield "llamafactory", "warning", "empty prompt"


FORMAT = RecordFormat("prompt-completion", "prompt/completion", ("prompt", "completion"), sniff, to_record,
                      from_record, rules)
