"""Existing fine-tuning files: JSONL of {"input","output"[,"label"]} or OpenAI {"messages": [...]}."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example, pair_to_messages, validate_messages


def _first_object(path: Path) -> dict | None:
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for line in fh:
            if line.strip():
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    return None
                return obj if isinstance(obj, dict) else None
    return None


@register_importer
class PairsJsonlImporter(Importer):
    """JSONL with one example per line: {"input","output"} pairs or OpenAI chat {"messages"}."""

    name = "pairs_jsonl"
    kind = "pairs"
    extensions = (".jsonl", ".ndjson", ".json")

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        obj = _first_object(path)
        if obj is None:
            return None
        label_col = options.label_column or ("label" if "label" in obj else None)
        if "messages" in obj:
            return Detection(self.name, self.kind, 0.95, "fine-tuning JSONL, OpenAI chat (messages)",
                             {"messages": "messages"}, label_col)
        if "input" in obj and "output" in obj:
            return Detection(self.name, self.kind, 0.9, "fine-tuning JSONL, input/output pairs",
                             {"input": "input", "output": "output"}, label_col)
        if options.kind == "pairs":  # the user said so: read it and report the first bad line
            return Detection(self.name, self.kind, 0.1, "fine-tuning JSONL", {}, label_col)
        return None

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        progress.set_total(path.stat().st_size)
        label_col = detection.label_column
        done = 0
        with open(path, "rb") as fh:
            for lineno, raw in enumerate(fh, start=1):
                done += len(raw)
                if lineno % 2000 == 0:
                    progress.set_progress(done)
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw.decode("utf-8-sig" if lineno == 1 else "utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise UserError(f"not valid JSON ({exc.__class__.__name__}: {exc})", path=path,
                                    line=lineno) from None
                if not isinstance(obj, dict):
                    raise UserError("expected a JSON object on each line", path=path, line=lineno)
                if "messages" in obj:
                    messages = obj["messages"]
                    reason = validate_messages(messages)
                    if reason:
                        raise UserError(reason, path=path, line=lineno)
                    messages = [{"role": m["role"], "content": m["content"]} for m in messages]
                elif "input" in obj and "output" in obj:
                    if not isinstance(obj["input"], str) or not isinstance(obj["output"], str):
                        raise UserError('"input" and "output" must be strings', path=path, line=lineno)
                    messages = pair_to_messages(obj["input"], obj["output"], obj.get("system"))
                else:
                    raise UserError('expected "messages" or "input" and "output"', path=path, line=lineno)
                label = obj.get(label_col) if label_col else None
                yield Example(messages=messages, label=None if label is None else str(label),
                              provenance={"line": lineno})
        progress.set_progress(done)
