"""Run importers against a project: detection, content-hash de-duplication, one transaction per file.

`import_file` either lands a file whole or not at all: the importer streams examples into an open
transaction which is rolled back on any error (a malformed row, cancellation, a crash).
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ftcurate.core.errors import UserError
from ftcurate.core.importers.base import KINDS, Detection, Importer, ImportOptions, registered_importers
from ftcurate.core.importers.textclean import ImportCleaner, describe_counts
from ftcurate.core.progress import Progress
from ftcurate.core.store import Project


def load_importers() -> dict[str, type[Importer]]:
    """Import every module listed in the importer registry so their classes register."""
    from ftcurate.core.importers.registry import IMPORTER_MODULES

    for name in IMPORTER_MODULES:
        importlib.import_module(name)
    return registered_importers()


def file_hash(path: Path) -> tuple[str, int]:
    h = hashlib.blake2b(digest_size=16)
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise UserError("no such file", path=path)
    if path.is_dir():
        raise UserError("is a folder, not a file", path=path)
    if path.stat().st_size == 0:
        raise UserError("the file is empty", path=path)


def detect_file(path: str | Path, options: ImportOptions | None = None) -> tuple[Importer, Detection]:
    """Pick the importer (and column mapping) for `path`, honouring `options.kind`/`mapping`."""
    options = options or ImportOptions()
    path = Path(path)
    _check_readable(path)
    if options.kind not in KINDS:
        raise UserError(f"unknown kind {options.kind!r}; expected one of {', '.join(KINDS)}")
    best: tuple[float, Importer, Detection] | None = None
    errors: list[UserError] = []
    for cls in load_importers().values():
        if options.kind != "auto" and cls.kind != options.kind:
            continue
        imp = cls()
        try:
            det = imp.detect(path, options)
        except UserError as exc:
            errors.append(exc)
            continue
        if det is not None and (best is None or det.score > best[0]):
            best = (det.score, imp, det)
    if best is None:
        if errors:  # the importer's own error names the line or row; keep it as it is
            raise errors[0]
        what = "" if options.kind == "auto" else f" as {options.kind}"
        raise UserError(f"cannot read this file{what}: no importer recognises its format or columns "
                        f"(try --kind and --map FIELD=COLUMN)", path=path)
    return best[1], best[2]


@dataclass
class ImportReport:
    path: str
    source_id: int | None
    examples: int
    importer: str
    kind: str
    summary: str
    skipped: bool = False
    replaced: bool = False
    dropped: dict[str, int] = field(default_factory=dict)  # reason -> messages/examples left out
    cleaned: dict[str, int] = field(default_factory=dict)  # repair -> turns changed by the clean-up

    def to_json(self) -> dict:
        return asdict(self)


def import_file(project: Project, path: str | Path, options: ImportOptions | None = None,
                progress: Progress | None = None, on_duplicate: str = "skip") -> ImportReport:
    """Import one file in one transaction. `on_duplicate`: "skip" or "replace" a file already imported
    with the same content hash (replace deletes that source's examples and flags first)."""
    options = options or ImportOptions()
    progress = progress or Progress()
    path = Path(path)
    importer, det = detect_file(path, options)
    digest, size = file_hash(path)
    prior = project.query("SELECT id FROM sources WHERE content_hash = ?", (digest,))
    if prior and on_duplicate == "skip":
        return ImportReport(str(path), prior[0][0], 0, det.importer, det.kind,
                            "already imported (same content); skipped", skipped=True)
    if on_duplicate not in ("skip", "replace"):
        raise UserError(f"on_duplicate must be skip or replace, not {on_duplicate!r}")
    progress.set_status(f"Importing {path.name}")
    with project.transaction() as conn:
        for (sid,) in prior:
            conn.execute("DELETE FROM flags WHERE example_id IN (SELECT id FROM examples WHERE source_id=?)",
                         (sid,))
            conn.execute("DELETE FROM examples WHERE source_id = ?", (sid,))
            conn.execute("DELETE FROM sources WHERE id = ?", (sid,))
        sid = project.add_source(conn, name=path.name, path=str(path.resolve()), content_hash=digest,
                                 size=size, importer=det.importer, kind=det.kind, options=options.to_json(),
                                 detection=asdict(det))
        from ftcurate.core.labels import apply_label_map, project_label_map

        cleaner = ImportCleaner(det.kind)
        stream = cleaner.apply(importer.read(path, options, det, progress))
        stream = apply_label_map(stream, project_label_map(project))
        n = project.insert_examples(conn, _cancellable(stream, progress), sid)
        if n == 0:
            raise UserError("no examples found in this file", path=path)
        conn.execute("UPDATE sources SET n_examples = ? WHERE id = ?", (n, sid))
    progress.finish()
    project._notify("examples_added", count=n)
    dropped = dict(importer.dropped + cleaner.dropped)
    notes = describe_counts(dropped, dict(cleaner.fixed))
    return ImportReport(str(path), sid, n, det.importer, det.kind,
                        det.summary + (f"; {notes}" if notes else ""), replaced=bool(prior),
                        dropped=dropped, cleaned=dict(cleaner.fixed))


def _cancellable(it, progress: Progress):
    for i, ex in enumerate(it):
        if i % 1000 == 0:
            progress.check_cancelled()
        yield ex
