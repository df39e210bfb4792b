"""Alpaca: `{"instruction", "input", "output"}` plus `"system"` and `"history"` (`[[user, assistant], ...]`
of earlier turns, LLaMA-Factory's convention).

Written: the customer's last message is the instruction and `input` stays "". Read: a non-empty
`input` is appended to the instruction after a blank line (the reading LLaMA-Factory applies).
Rules: Axolotl needs string `instruction`/`output` (optional string `input`); LLaMA-Factory string
prompt/response columns and `history` as [prompt, response] string pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ftcurate.core.formats.base import Fail, Finding, RecordFormat, raise_value_error, text


def sniff(rec: Any) -> bool:
    return isinstance(rec, dict) and "instruction" in rec and "output" in rec


def parts(messages: list[dict]) -> tuple[str, list[list[str]], str, str]:
    """Split a chat into (system, history pairs, last user text, last assistant text).

    Consecutive turns of one speaker are joined with a blank line, and an assistant turn with no user
    turn before it pairs with "", so any chat maps onto Alpaca's user/assistant pairs.
    """
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    pairs: list[list[str]] = []
    users: list[str] = []
    answers: list[str] = []
    for m in messages:
        if m["role"] == "user":
            if answers:
                pairs.append(["\n\n".join(users), "\n\n".join(answers)])
                users, answers = [], []
            users.append(m["content"])
        elif m["role"] == "assistant":
            answers.append(m["content"])
    if users or answers:
        pairs.append(["\n\n".join(users), "\n\n".join(answers)])
    if not pairs:
        return system, [], "", ""
    last = pairs.pop()
    return system, pairs, last[0], last[1]


def to_record(messages: list[dict], label: str | None = None, ex_id: int | None = None) -> dict[str, Any]:
    system, history, instruction, output = parts(messages)
    rec: dict[str, Any] = {"instruction": instruction, "input": "", "output": output}
    if system:
        rec["system"] = system
    if history:
        rec["history"] = history
    return rec


def from_record(rec: dict[str, Any], fail: Fail = raise_value_error) -> list[dict[str, str]]:
    """Chat turns: system, history pairs, then instruction (+ input) and output."""
    msgs: list[dict[str, str]] = []
    if rec.get("system"):
        msgs.append({"role": "system", "content": text(rec, "system", fail)})
    history = rec.get("history") or []
    if not isinstance(history, list):
        fail('"history" must be a list of [user, assistant] pairs')
    for pair in history:
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            fail('"history" must be a list of [user, assistant] pairs')
        msgs += [{"role": "user", "content": pair[0]}, {"role": "assistant", "content": pair[1]}]
    instruction, extra = text(rec, "instruction", fail), text(rec, "input", fail)
    prompt = instruction + (f"\n\n{extra}" if extra else "")
    return msgs + [{"role": "user", "content": prompt}, {"role": "assistant", "content": text(rec, "output", fail)}]


def rules(rec: dict, parquet: bool = False) -> Iterator[Finding]:
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


FORMAT = RecordFormat("alpaca", "Alpaca (instruction/input/output)", (), sniff, to_record, from_record, rules)
