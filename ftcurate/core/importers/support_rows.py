"""The row-accurate row stream for message-per-row support logs (any table format).

`python_rows` yields, in file order, `(loc, conversation, role, speaker, text, timestamp, label, last)`:
- `loc`: the row number (int, CSV/XLSX/Parquet) or a location dict (JSON: {"line": n, ...});
- `role`: "user", "assistant", UNKNOWN, or None for a dropped message (bot, system, internal note);
- `speaker`: the raw speaker value (used to resolve UNKNOWN roles);
- `text`: the cleaned message, or None when the row contributes no message;
- `timestamp`: a sortable key (float or ISO string) or None;
- `last`: True on the final row of its conversation (found by a first pass over the conversation
  column), so the caller can emit each conversation as soon as it is complete.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.dialogue import clean_message
from ftcurate.core.importers.tables import as_text, iter_table
from ftcurate.core.importers.textio import FileSample
from ftcurate.core.progress import Progress

BATCH_ROWS = 50_000
ISO_TS = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")
# messages that may need clean_message (handles, signatures, odd whitespace): the rest only get stripped
_NEEDS_CLEAN = r"@|[\r\t\f\v\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff]|  |\n\n\n| \n|\n |[\^~*/-]\s?[A-Z]{1,4}\.?\s*$|\n[^\n]{0,70}$"
Row = tuple[Any, Any, Any, Any, Any, Any, Any, bool]


@dataclass
class RowSpec:
    """Which columns hold what, and how to read them."""

    conversation: str
    role: str
    text: str
    timestamp: str | None
    label: str | None
    internal: str | None
    read_role: Callable[[Any], str | None]
    read_internal: Callable[[Any], bool] | None
    ts_mode: str | None  # "num", "iso" or None (keep file order)


def timestamp_mode(values: list[Any]) -> str | None:
    """"num" if all values are numbers, "iso" if all are ISO dates, else None (do not sort)."""
    vals = [v for v in values if v is not None and str(v).strip()]
    if not vals:
        return None
    if all(_num(v) is not None for v in vals):
        return "num"
    if all(isinstance(v, str) and ISO_TS.match(v) for v in vals):
        return "iso"
    return None


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    try:
        return float(str(v))
    except ValueError:
        return None


def ts_key(v: Any, mode: str | None) -> Any:
    if v is None or mode is None:
        return None
    if mode == "num":
        return _num(v)
    return str(v).strip() if isinstance(v, str) and ISO_TS.match(v) else None


def python_rows(sample: FileSample, spec: RowSpec, progress: Progress) -> Iterator[Row]:
    """Rows of any table format via `iter_table` (two passes; exact row/line in errors)."""
    conv = spec.conversation
    last_of: dict[str, int] = {}
    for n, (loc, rec) in enumerate(iter_table(sample, None)):
        key = as_text(rec.get(conv))
        if key is None:
            raise UserError(f"no conversation id (column {conv!r} is empty)", path=sample.path,
                            row=loc.get("row") if "line" not in loc else None, line=loc.get("line"))
        last_of[key] = n
    ends = set(last_of.values())
    del last_of
    roles: dict[Any, Any] = {}
    for n, (loc, rec) in enumerate(iter_table(sample, progress)):
        speaker = rec.get(spec.role)
        try:
            role = roles[speaker]
        except KeyError:
            role = roles[speaker] = spec.read_role(speaker)
        except TypeError:  # unhashable JSON value
            role = spec.read_role(speaker)
        text = rec.get(spec.text)
        if text is not None and spec.internal is not None and spec.read_internal(rec.get(spec.internal)):
            text = None
        if text is not None:
            text = clean_message(text if isinstance(text, str) else as_text(text) or "") or None
        loc_out = loc["row"] if set(loc) == {"row"} else loc
        label = rec.get(spec.label) if spec.label else None
        ts = ts_key(rec.get(spec.timestamp), spec.ts_mode) if spec.timestamp else None
        yield loc_out, as_text(rec.get(conv)), role, speaker, text, ts, label, n in ends


