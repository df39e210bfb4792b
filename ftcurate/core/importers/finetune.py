"""Existing fine-tuning files, read exactly (they round-trip with the exporter).

JSON Lines, a JSON array, or Parquet with the same fields; each record's format is recognised and read
by the one format table `ftcurate.core.formats` (OpenAI chat `messages`, ShareGPT `conversations`,
Alpaca `instruction`/`input`/`output` with optional `system` and `history`, `prompt`/`completion`,
and `input`/`output` pairs with an optional `system`).
A `"label"` field (or `--label-column`) gives the label; an `"id"` is kept in metadata as `source_ref`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.formats import FORMATS, KNOWN_SHAPES, messages_of, sniff
from ftcurate.core.importers.base import Detection, Importer, ImportOptions, register_importer
from ftcurate.core.importers.tables import as_text, iter_table, table_head
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example


@register_importer
class FinetuneImporter(Importer):
    """OpenAI chat, ShareGPT, Alpaca, prompt/completion and input/output files."""

    name = "finetune"
    kind = "pairs"
    extensions = (".jsonl", ".ndjson", ".json", ".parquet")

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        head = table_head(path)
        if head is None or head.sample.fmt not in ("json", "jsonl", "parquet") or not head.rows:
            return None
        fmts = [sniff(r) for r in head.rows[:50]]
        if fmts[0] is None or any(f is None for f in fmts):
            if options.kind != "pairs":
                return None
            # the user says it is a fine-tuning file: reading will name the first bad record
            return Detection(self.name, self.kind, 0.5, "fine-tuning file with unrecognised records "
                             "(expected " + KNOWN_SHAPES + ")", {}, options.label_column)
        label = options.label_column or ("label" if "label" in head.columns else None)
        kinds = sorted(set(fmts), key=fmts.index)
        summary = (f"fine-tuning file ({head.sample.fmt}): {', '.join(FORMATS[f].title for f in kinds)}"
                   + (f"; label={label}" if label else ""))
        score = 0.9 if kinds == ["pairs"] else 0.96
        return Detection(self.name, self.kind, score, summary, {"format": kinds[0]}, label)

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        head = table_head(path)
        if head is None:
            raise UserError("not a JSON, JSON Lines or Parquet file", path=path)
        label_col = options.label_column or detection.label_column
        for loc, rec in iter_table(head.sample, progress):
            where = {"line": loc.get("line")} if "line" in loc else {"row": loc.get("row")}

            def fail(message: str, where=where) -> None:
                raise UserError(message, path=path, **where)

            fmt = sniff(rec)
            if fmt is None:
                fail(f"not a fine-tuning record: expected {KNOWN_SHAPES}")
            messages = messages_of(rec, fmt, fail)
            label = as_text(rec.get(label_col)) if label_col else None
            meta: dict[str, Any] = {"format": fmt}
            if rec.get("id") is not None:
                meta["source_ref"] = rec["id"]
            yield Example(messages=messages, label=label, metadata=meta,
                          provenance={k: v for k, v in loc.items() if k in ("row", "line")})
