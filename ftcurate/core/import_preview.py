"""What the import dialog shows before anything is imported: detection, columns, a preview and
whether the file is already in the project. Qt-free, so it runs in a worker and in tests alike."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from ftcurate.core.importers.base import ImportOptions
from ftcurate.core.progress import Progress


def inspect_file(project_path: Path | None, path: Path, options: ImportOptions, rows: int,
                 progress: Progress) -> dict:
    """Detection, columns, a preview of the first `rows` examples and whether the file was imported
    into the project at `project_path` before.

    Runs in a worker. Errors while reading come back as `error` (the detection may still be there).
    """
    from ftcurate.core.errors import UserError
    from ftcurate.core.importing import detect_file, file_hash

    out: dict[str, Any] = {"detection": None, "columns": [], "preview": [], "error": None, "already": False}
    try:
        from ftcurate.core.importers.tables import table_head

        head = table_head(path)
        out["columns"] = list(head.columns) if head is not None else []
    except (ImportError, UserError):
        pass
    try:
        importer, det = detect_file(path, options)
        out["detection"] = det
        gen = importer.read(path, options, det, progress)
        try:
            out["preview"] = list(itertools.islice(gen, rows))
        finally:
            gen.close()
        if not out["preview"]:
            out["error"] = "no examples found in this file with these settings"
    except UserError as exc:
        out["error"] = str(exc)
    if project_path is not None and out["detection"] is not None:
        from ftcurate.core.store import Project

        digest, _ = file_hash(path)
        with Project.open(project_path, read_only=True) as project:
            out["already"] = any(s["content_hash"] == digest for s in project.sources())
    return out
