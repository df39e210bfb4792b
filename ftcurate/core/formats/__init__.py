"""The one table of fine-tuning record formats, shared by the importer, the exporter and the validator.

`FORMATS` maps each canonical name to its `RecordFormat` (see `base`): one module per format,
each with `sniff`, `to_record`, `from_record` and `rules`:

| name              | record                                              | module               |
|-------------------|-----------------------------------------------------|----------------------|
| openai            | `{"messages": [{"role", "content"}, ...]}`          | `openai`             |
| sharegpt          | `{"conversations": [{"from", "value"}, ...]}`       | `sharegpt`           |
| alpaca            | `{"instruction", "input", "output"}` (+ system, history) | `alpaca`        |
| prompt-completion | `{"prompt", "completion"}`                          | `prompt_completion`  |
| pairs             | `{"input", "output"}` (+ system); import only       | `pairs`              |
| rows              | Parquet columns `id`, `label`, `messages`           | `rows`               |

This package is below `ftcurate.core.export` and `ftcurate.core.importers` (an import-linter contract
keeps it so) and needs only the standard library (plus jsonschema, lazily, for OpenAI's schema).
The trainer reads OpenAI chat JSONL with its own standard-library reader; a test pins it to this table.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ftcurate.core.formats import alpaca, openai, pairs, prompt_completion, rows, sharegpt
from ftcurate.core.formats.base import Fail, Finding, RecordFormat, raise_value_error

FORMATS: dict[str, RecordFormat] = {m.FORMAT.name: m.FORMAT for m in (
    openai, sharegpt, alpaca, prompt_completion, pairs, rows)}
SNIFF_ORDER = ("openai", "sharegpt", "alpaca", "prompt-completion", "pairs")
"""Formats in the order `sniff` tries them (the first whose keys a record has wins)."""
KNOWN_SHAPES = "messages, conversations, instruction/output, prompt/completion or input/output"

__all__ = ["FORMATS", "KNOWN_SHAPES", "SNIFF_ORDER", "Fail", "Finding", "RecordFormat", "check_record",
           "get", "messages_of", "raise_value_error", "sniff"]


def sniff(rec: Any, parquet: bool = False) -> str | None:
    """The name of the format `rec` is in, or None. In a Parquet file (`parquet`) chat records are
    `rows`; elsewhere they are `openai`."""
    if not isinstance(rec, dict):
        return None
    for name in SNIFF_ORDER:
        if FORMATS[name].sniff(rec):
            return "rows" if parquet and name == "openai" else name
    return None


def get(name: str) -> RecordFormat:
    """The format called `name` or one of its aliases (case, `_` vs `-` ignored).

    Raises:
        KeyError: no such format.
    """
    key = name.strip().lower().replace("_", "-")
    for fmt in FORMATS.values():
        if key == fmt.name or key in fmt.aliases:
            return fmt
    raise KeyError(name)


def messages_of(rec: Any, name: str, fail: Fail = raise_value_error) -> list[dict[str, str]]:
    """`FORMATS[name].from_record(rec, fail)`; a record that is not an object fails too."""
    if not isinstance(rec, dict):
        fail("not a JSON object")
    return FORMATS[name].from_record(rec, fail)


def check_record(rec: Any, name: str, parquet: bool = False) -> Iterator[Finding]:
    """All rules of format `name` for one record (`parquet`: the record is a Parquet row)."""
    if not isinstance(rec, dict):
        yield "json", "error", "not a JSON object"
        return
    yield from FORMATS[name].rules(rec, parquet)
