"""The importer contract and registry.

An importer is a registered class that (1) says how confident it is that it can read a file
(`detect`), and (2) streams `Example`s from it (`read`), each with provenance (1-based `row` for
tabular files, `line` for line-based files, `conversation` id for logs). It raises `UserError` naming
the file and row/line on malformed input. It never writes to the project: `ftcurate.core.importing`
runs it inside one transaction so an import lands whole or not at all.

Options (`ImportOptions`) carry the user's overrides: kind, column mapping, label column, templates,
context mode. Detection reports what it picked in `Detection`, which the CLI prints and the GUI shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

KINDS = ("auto", "support", "faq", "catalog", "pairs")


@dataclass
class ImportOptions:
    """User overrides. `mapping` maps a logical field (e.g. "question", "answer", "conversation",
    "role", "text", "name") to a source column. `context` is "last" (only the last customer
    message) or "full" (the whole conversation so far)."""

    kind: str = "auto"
    mapping: dict[str, str] = field(default_factory=dict)
    label_column: str | None = None
    templates: list[str] | None = None
    context: str = "last"
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "mapping": self.mapping, "label_column": self.label_column,
                "templates": self.templates, "context": self.context, "extra": self.extra}


@dataclass
class Detection:
    """What an importer found: `score` 0..1 confidence, a human `summary` ("support log, one row per
    message: conversation=ticket_id, role=sender, text=body"), and the resolved `mapping`."""

    importer: str
    kind: str
    score: float
    summary: str
    mapping: dict[str, str] = field(default_factory=dict)
    label_column: str | None = None


class Importer:
    """Base class. Subclasses set `name`, `kind`, `extensions` and implement `detect` and `read`."""

    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    extensions: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self.dropped: Counter[str] = Counter()  # reason -> how many messages/rows `read` left out

    def drop(self, reason: str, n: int = 1) -> None:
        """Count `n` messages or rows left out for `reason` ("internal note", "auto-reply", ...);
        the import summary lists the counts."""
        self.dropped[reason] += n

    def preview(self, path: Path, options: ImportOptions, detection: Detection,
                progress: Progress) -> list[str]:
        """Extra lines for `import --dry-run` (e.g. per template how many products it applies to);
        may read the whole file. Default: none."""
        return []

    def detect(self, path: Path, options: ImportOptions) -> Detection | None:
        """Return a Detection if this importer can read `path`, else None. Must be cheap (sample)."""
        raise NotImplementedError

    def read(self, path: Path, options: ImportOptions, detection: Detection,
             progress: Progress) -> Iterator[Example]:
        """Yield examples. Raise `UserError(path=..., row=/line=...)` on malformed input.
        Call `progress.set_total(bytes)`/`set_progress(bytes_read)` for big files."""
        raise NotImplementedError


_IMPORTERS: dict[str, type[Importer]] = {}


def register_importer(cls: type[Importer]) -> type[Importer]:
    _IMPORTERS[cls.name] = cls
    return cls


def registered_importers() -> dict[str, type[Importer]]:
    return dict(_IMPORTERS)
