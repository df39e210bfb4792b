"""Output formats: how one example (chat messages + label) becomes one record of each format.

Every format is a `Format` with a file extension and a `to_record(messages, label, id)` function.
The conversions are pure and lossless for the usual example shape (optional system prompt, then
user / assistant turns alternating, ending with the assistant answer):

- openai: `{"messages": [{"role", "content"}, ...]}` (OpenAI chat fine-tuning JSONL); an assistant
  turn the exporter marked `weight: 0` (already trained as the end of another example) keeps it.
- alpaca / alpaca-json: `{"instruction", "input", "output"}` plus `"system"` and `"history"`
  (`[[user, assistant], ...]` of earlier turns, LLaMA-Factory's convention) when any example in the
  export has them. The customer's message is the instruction; `input` stays "".
- sharegpt: `{"conversations": [{"from": "system"|"user"|"assistant", "value"}, ...]}`: TRL renames
  from/value to role/content and keeps the role names, so they must be the chat-template roles; the
  tool configs name these tags for LLaMA-Factory and Axolotl (whose defaults are human/gpt).
- prompt-completion: `{"prompt", "completion"}`, TRL's standard prompt-completion shape: the prompt is
  a "System: / User: / Assistant:" transcript ending with the line "Assistant:", and the completion
  starts with a space, so the two never run together when a trainer joins them.
- parquet / hf: columns `id`, `label`, `messages` (list of {role, content} structs).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ftcurate.core.errors import UserError

SHAREGPT_FROM = {"system": "system", "user": "user", "assistant": "assistant"}
SHAREGPT_ROLE = {v: k for k, v in SHAREGPT_FROM.items()}
TRANSCRIPT_PREFIX = {"system": "System", "user": "User", "assistant": "Assistant"}
ASSISTANT_CUE = "Assistant:"


@dataclass(frozen=True)
class Format:
    """One output format. `container` is how records are written: jsonl, json (one array) or parquet."""

    name: str
    title: str
    ext: str
    container: str
    to_record: Callable[..., dict[str, Any]]


def to_openai(messages: list[dict], label: str | None = None, ex_id: int | None = None) -> dict[str, Any]:
    return {"messages": [{"role": m["role"], "content": m["content"]}
                         | ({"weight": m["weight"]} if "weight" in m and m["role"] == "assistant" else {})
                         for m in messages]}


def to_sharegpt(messages: list[dict], label: str | None = None, ex_id: int | None = None) -> dict[str, Any]:
    return {"conversations": [{"from": SHAREGPT_FROM[m["role"]], "value": m["content"]} for m in messages]}


def to_rows(messages: list[dict], label: str | None = None, ex_id: int | None = None) -> dict[str, Any]:
    return {"id": ex_id, "label": label,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages]}


def alpaca_parts(messages: list[dict]) -> tuple[str, list[list[str]], str, str]:
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


def to_alpaca(messages: list[dict], label: str | None = None, ex_id: int | None = None) -> dict[str, Any]:
    system, history, instruction, output = alpaca_parts(messages)
    rec: dict[str, Any] = {"instruction": instruction, "input": "", "output": output}
    if system:
        rec["system"] = system
    if history:
        rec["history"] = history
    return rec


def alpaca_to_messages(rec: dict[str, Any]) -> list[dict]:
    """Inverse of `to_alpaca` (the reading LLaMA-Factory applies): used by the tests and the preview."""
    msgs: list[dict] = []
    if rec.get("system"):
        msgs.append({"role": "system", "content": rec["system"]})
    for user, answer in rec.get("history") or []:
        msgs += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    prompt = rec["instruction"] + (f"\n\n{rec['input']}" if rec.get("input") else "")
    msgs += [{"role": "user", "content": prompt}, {"role": "assistant", "content": rec["output"]}]
    return msgs


def to_prompt_completion(messages: list[dict], label: str | None = None,
                         ex_id: int | None = None) -> dict[str, Any]:
    last = max((i for i, m in enumerate(messages) if m["role"] == "assistant"), default=None)
    completion = messages[last]["content"] if last is not None else ""
    before = messages[:last] if last is not None else list(messages)
    turns = [f"{TRANSCRIPT_PREFIX[m['role']]}: {m['content']}" for m in before]
    return {"prompt": "\n\n".join([*turns, ASSISTANT_CUE]), "completion": " " + completion}


def prompt_completion_to_messages(rec: dict[str, Any]) -> list[dict]:
    """Inverse of `to_prompt_completion` (tests, previews): a turn that itself holds a blank line
    followed by "User: " or similar cannot be told apart from two turns."""
    body, completion = rec["prompt"], rec["completion"]
    if body.endswith(ASSISTANT_CUE):
        body = body[:-len(ASSISTANT_CUE)]
    body = body[:-2] if body.endswith("\n\n") else body
    prefixes = {f"{title}: ": role for role, title in TRANSCRIPT_PREFIX.items()}
    msgs: list[dict] = []
    for part in body.split("\n\n") if body else []:
        for pre, role in prefixes.items():
            if part.startswith(pre):
                msgs.append({"role": role, "content": part[len(pre):]})
                break
        else:
            if msgs:
                msgs[-1]["content"] += "\n\n" + part
    return [*msgs, {"role": "assistant", "content": completion[1:] if completion.startswith(" ") else completion}]


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("openai", "OpenAI chat JSONL", "jsonl", "jsonl", to_openai),
    Format("alpaca", "Alpaca JSONL", "jsonl", "jsonl", to_alpaca),
    Format("alpaca-json", "Alpaca JSON array", "json", "json", to_alpaca),
    Format("sharegpt", "ShareGPT JSONL", "jsonl", "jsonl", to_sharegpt),
    Format("prompt-completion", "Prompt/completion JSONL", "jsonl", "jsonl", to_prompt_completion),
    Format("parquet", "Parquet", "parquet", "parquet", to_rows),
    Format("hf", "Hugging Face datasets folder (Parquet)", "parquet", "parquet", to_rows),
)}


def get_format(name: str) -> Format:
    """The format called `name` (aliases: chat -> openai, alpaca_json -> alpaca-json, ...)."""
    key = name.strip().lower().replace("_", "-")
    key = {"chat": "openai", "jsonl": "openai", "prompt": "prompt-completion", "completion": "prompt-completion",
           "huggingface": "hf", "datasets": "hf"}.get(key, key)
    if key not in FORMATS:
        raise UserError(f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}")
    return FORMATS[key]


def with_system_prompt(messages: list[dict], system_prompt: str | None) -> list[dict]:
    """Put `system_prompt` first unless the example already has its own system message."""
    if not system_prompt or any(m["role"] == "system" for m in messages):
        return messages
    return [{"role": "system", "content": system_prompt}, *messages]


def alpaca_keys(rows: Sequence[tuple[int, str | None, list[dict]]]) -> tuple[str, ...]:
    """Optional Alpaca keys ("system", "history") that any of `rows` needs."""
    keys = set()
    for _, _, msgs in rows:
        system, history, _, _ = alpaca_parts(msgs)
        if system:
            keys.add("system")
        if history:
            keys.add("history")
    return tuple(k for k in ("system", "history") if k in keys)


def make_records(fmt: Format, rows: Sequence[tuple[int, str | None, list[dict]]],
                 keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Records of `fmt` for `(id, label, messages)` rows.

    Alpaca records get the same keys throughout: every optional key in `keys` (default: those these
    rows need, see `alpaca_keys`) is present in every record ("" / []) so loaders infer one schema.
    """
    recs = [fmt.to_record(msgs, label, ex_id) for ex_id, label, msgs in rows]
    if fmt.to_record is to_alpaca:
        for key in alpaca_keys(rows) if keys is None else keys:
            empty: Any = [] if key == "history" else ""
            for r in recs:
                r.setdefault(key, empty)
        order = ("instruction", "input", "output", "system", "history")
        recs = [{k: r[k] for k in order if k in r} for r in recs]
    return recs


def dumps_line(record: dict[str, Any]) -> str:
    """One record as a compact JSON line: UTF-8 text, keys in writing order, no trailing spaces."""
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": "))


def preview_text(fmt: Format, rows: Sequence[tuple[int, str | None, list[dict]]]) -> str:
    """Human-readable preview of the first records exactly as they will be written (pretty-printed)."""
    recs = make_records(fmt, rows)
    if fmt.container == "jsonl":
        return "\n".join(dumps_line(r) for r in recs)
    if fmt.container == "json":
        return json.dumps(recs, ensure_ascii=False, indent=2)
    return "\n".join(json.dumps(r, ensure_ascii=False, indent=2) for r in recs)
