"""What every fine-tuning format module provides, and the chat rules two of them share.

A format is a `RecordFormat`: its canonical `name`, a `title` for people, `aliases` accepted on the
command line, and four pure functions over one record (a dict):
- `sniff(rec) -> bool`: whether the record is in this format;
- `to_record(messages, label=None, ex_id=None) -> dict`: write one example;
- `from_record(rec, fail=raise_value_error) -> messages`: read one record exactly as the importer
  does; `fail(message)` must raise (the importer passes one raising a located `UserError`);
- `rules(rec, parquet=False) -> Iterator[Finding]`: what OpenAI, Axolotl and LLaMA-Factory would say.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

Finding = tuple[str, str, str]  # (tool, severity, message): severity "error" or "warning"
Fail = Callable[[str], Any]


def raise_value_error(message: str) -> NoReturn:
    """The default `fail`: raise ValueError(message)."""
    raise ValueError(message)


@dataclass(frozen=True)
class RecordFormat:
    """One fine-tuning record format (see the module docstring for the contract of each function)."""

    name: str
    title: str
    aliases: tuple[str, ...]
    sniff: Callable[[Any], bool]
    to_record: Callable[..., dict[str, Any]]
    from_record: Callable[..., list[dict[str, str]]]
    rules: Callable[..., Iterator[Finding]]


def text(rec: dict[str, Any], key: str, fail: Fail) -> str:
    """`rec[key]` as a string ("" when absent or null); `fail` when it is something else."""
    val = rec.get(key)
    if val is None:
        return ""
    if not isinstance(val, str):
        fail(f'"{key}" must be a string')
    return val


def turn_list(rec: dict, field: str, role_key: str, content_key: str) -> tuple[list | None, str | None]:
    """`(turns, None)` when `rec[field]` is a non-empty list of {role_key: str, content_key: str},
    else `(None, problem)`."""
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
