"""Read exported OpenAI-chat JSONL with the standard library.

An export directory holds `train.jsonl` and `test.jsonl`, one `{"messages": [...]}` object a line
(optional `id`, or `metadata.id` / `metadata.example_id`, names the project example).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftcurate.core import cancel
from ftcurate.core.errors import UserError

ROLES = ("system", "user", "assistant")


@dataclass
class ChatRow:
    """One line of an exported split.

    Attributes:
        messages: the chat turns.
        line: 1-based line number in the file.
        example_id: the project example id when the export carries one, else None.
        index: 0-based position among the file's records (the export writes a split's records in the
            order of the project's saved split, so `project.get_split(name)[index]` is the example).
    """

    messages: list[dict[str, str]]
    line: int
    example_id: int | str | None = None
    index: int = 0

    @property
    def ref(self) -> str:
        """How a person finds this example: 'id 17' or 'line 5'."""
        return f"id {self.example_id}" if self.example_id is not None else f"line {self.line}"


def _example_id(obj: dict[str, Any]) -> int | str | None:
    if obj.get("id") is not None:
        return obj["id"]
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for key in ("id", "example_id"):
            if meta.get(key) is not None:
                return meta[key]
    return None


def _not_chat(obj: Any) -> str:
    """Why a record is not an OpenAI chat record, naming its format when the format table knows it."""
    from ftcurate.core.formats import FORMATS, sniff  # standard library only, like this module

    name = sniff(obj)
    if name is not None and name != "openai":
        return (f"this is a {FORMATS[name].title} record; the trainer reads OpenAI chat records "
                '({"messages": [...]}): export the project with --format openai')
    return 'expected an object with a non-empty "messages" list'


def read_chat_jsonl(path: str | Path) -> list[ChatRow]:
    """Read one split.

    Raises:
        UserError: file missing, a line that is not JSON, or messages of the wrong shape
            (the message names the file and line).
    """
    path = Path(path)
    if not path.is_file():
        raise UserError("split file not found (export the project first)", path=path)
    rows: list[ChatRow] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, text in enumerate(fh, start=1):
            if lineno % 1000 == 0:
                cancel.check()
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as exc:
                raise UserError(f"not valid JSON ({exc.msg})", path=path, line=lineno) from None
            msgs = obj.get("messages") if isinstance(obj, dict) else None
            if not isinstance(msgs, list) or not msgs:
                raise UserError(_not_chat(obj), path=path, line=lineno)
            for m in msgs:
                if not isinstance(m, dict) or m.get("role") not in ROLES or not isinstance(m.get("content"), str):
                    raise UserError('each message needs "role" (system/user/assistant) and string "content"',
                                    path=path, line=lineno)
            rows.append(ChatRow([{"role": m["role"], "content": m["content"]} for m in msgs], lineno,
                                _example_id(obj), len(rows)))
    return rows


def load_export(export_dir: str | Path) -> tuple[list[ChatRow], list[ChatRow]]:
    """Return (train rows, test rows) of an export directory.

    Raises:
        UserError: missing directory/files, bad lines, or an empty train split.
    """
    export_dir = Path(export_dir)
    if not export_dir.is_dir():
        raise UserError("export directory not found", path=export_dir)
    train = read_chat_jsonl(export_dir / "train.jsonl")
    test_path = export_dir / "test.jsonl"
    test = read_chat_jsonl(test_path) if test_path.exists() else []
    if not train:
        raise UserError("the train split is empty", path=export_dir / "train.jsonl")
    return train, test


def data_hash(export_dir: str | Path) -> str:
    """sha256 over train.jsonl and test.jsonl bytes: identifies the data a run used."""
    h = hashlib.sha256()
    for name in ("train.jsonl", "test.jsonl"):
        p = Path(export_dir) / name
        h.update(name.encode())
        if p.exists():
            with p.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()


def prompt_messages(messages: list[dict[str, str]]) -> tuple[list[dict[str, str]], str]:
    """Split a chat into (the turns before the final assistant answer, that answer)."""
    for i in range(len(messages) - 1, -1, -1):
        if messages[i]["role"] == "assistant":
            return messages[:i], messages[i]["content"]
    return list(messages), ""
