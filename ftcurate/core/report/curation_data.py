"""The raw side of "did curation help?": every imported example as it was imported, and what curation did.

A project keeps the imported text of an edited example in its history: the first edit of an example
(redaction, a hand edit) stores the messages it replaced as its inverse. So the raw data set is every
example of the project, rejected ones included, with the messages of its earliest recorded inverse (or
its current messages when it was never edited). What curation did to each example is read from the
same places: its review status, its edits, and the flags raised on it (with their state).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError


def _set_messages(cmd: dict[str, Any]):
    if cmd.get("type") == "set_messages":
        yield cmd
    for sub in cmd.get("commands") or []:
        yield from _set_messages(sub)


def original_messages(project: Any) -> dict[int, list[dict[str, str]]]:
    """{example id: the messages it had when imported} for every example that was edited since."""
    originals: dict[int, list[dict[str, str]]] = {}
    for (inverse,) in project.query("SELECT inverse FROM history WHERE kind = 'edit' ORDER BY id"):
        for cmd in _set_messages(json.loads(inverse)):
            originals.setdefault(int(cmd["example_id"]), cmd["messages"])
    return originals


def _norm(messages: list[dict[str, str]]) -> str:
    return "\n".join(f"{m['role']}:{' '.join(m['content'].split()).lower()}" for m in messages
                     if m["role"] != "system")


def raw_examples(project: Any, exclude_ids: set[int]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The raw training set: every example as imported, except `exclude_ids` (the curated test split)
    and exact copies of them (neither model may see a test answer), and chats without an answer.

    Returns:
        (records {"id", "messages"} in id order, {reason: count} of those left out).
    """
    originals = original_messages(project)
    current = {e.id: e.messages for e in project.iter_examples()}
    test_keys = {_norm(originals.get(i, current[i])) for i in exclude_ids if i in current}
    test_keys |= {_norm(current[i]) for i in exclude_ids if i in current}
    out, left = [], defaultdict(int)
    for i in sorted(current):
        msgs = originals.get(i, current[i])
        if i in exclude_ids:
            left["in the test split"] += 1
        elif _norm(msgs) in test_keys:
            left["copy of a test example"] += 1
        elif not any(m["role"] == "assistant" and m["content"].strip() for m in msgs):
            left["without an answer"] += 1
        else:
            out.append({"id": i, "messages": [{"role": m["role"], "content": m["content"]} for m in msgs]})
    return out, dict(left)


def write_split(folder: Path, name: str, records: list[dict[str, Any]]) -> Path:
    """Write records as an OpenAI-chat JSONL split the trainer reads."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps({"messages": r["messages"], "id": r["id"]}, ensure_ascii=False) + "\n")
    return path


def curation_actions(project: Any) -> dict[int, dict[str, Any]]:
    """What curation did, per example: {"status", "edited": bool, "flags": [{"check", "kind", "state",
    "severity", "cluster", "message"}], "redacted": [original strings of resolved PII findings]}."""
    originals = original_messages(project)
    info: dict[int, dict[str, Any]] = {}
    for e in project.iter_examples():
        info[e.id] = {"status": e.status, "edited": e.id in originals, "flags": [], "redacted": [],
                      "answer": next((m["content"] for m in reversed(e.messages) if m["role"] == "assistant"), ""),
                      "raw_answer": next((m["content"] for m in reversed(originals.get(e.id, e.messages))
                                          if m["role"] == "assistant"), "")}
    rows = project.query('SELECT example_id, check_name, kind, state, severity, cluster, message, turn, start, "end" '
                         "FROM flags ORDER BY id")
    for ex, check, kind, state, severity, cluster, message, turn, start, end in rows:
        if ex not in info:
            continue
        info[ex]["flags"].append({"check": check, "kind": kind, "state": state, "severity": severity,
                                  "cluster": cluster, "message": message})
        if check == "pii" and state == "resolved" and turn is not None and start is not None and end is not None:
            msgs = originals.get(ex)
            if msgs and 0 <= int(turn) < len(msgs):
                found = msgs[int(turn)]["content"][int(start):int(end)]
                if len(found.strip()) >= 4:
                    info[ex]["redacted"].append({"text": found, "kind": kind})
    return info


def export_ids(project: Any, rows: list[Any], split: str) -> list[int]:
    """Project ids of an export split's chats (from their `id`, else by position in the saved split).

    Raises:
        UserError: the export's split cannot be matched to the project.
    """
    saved = project.get_split(split)
    ids = []
    for r in rows:
        if r.example_id is not None:
            ids.append(int(r.example_id))
        elif r.index < len(saved):
            ids.append(int(saved[r.index]))
        else:
            raise UserError(f"the export's {split} split does not match the project's saved split; export again")
    return ids
