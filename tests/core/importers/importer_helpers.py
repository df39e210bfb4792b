"""Helpers shared by the importer tests (a plain module: the test folder is on sys.path)."""

from __future__ import annotations

from pathlib import Path

from ftcurate.core.importers.base import Detection, ImportOptions
from ftcurate.core.importing import detect_file
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example, validate_messages

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "importers"


def fixture(name: str) -> Path:
    return FIXTURES / name


def read_file(path: str | Path, **options) -> tuple[Detection, list[Example]]:
    """Detect and read `path` with `ImportOptions(**options)`, checking every example is valid."""
    opts = ImportOptions(**options)
    importer, det = detect_file(path, opts)
    examples = list(importer.read(Path(path), opts, det, Progress()))
    for ex in examples:
        assert validate_messages(ex.messages) is None, ex.messages
    return det, examples


def pairs(examples: list[Example]) -> list[tuple[str, str]]:
    return [(ex.input, ex.output) for ex in examples]
