"""Run importers against a project: detection, content-hash de-duplication, one transaction per file.

`import_file` either lands a file whole or not at all: the importer streams examples into an open
transaction which is rolled back on any error (a malformed row, cancellation, a crash). Called inside
the caller's `project.transaction()`, several files land together or not at all (the CLI does this).
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def input_guard(path: Path) -> Iterator[None]:
    """Turn what hostile input does to the parsers into a `UserError` naming the file.

    Deep nesting (RecursionError), numbers over Python's 4,300-digit limit, and read failures become
    one readable line; a `UserError` an importer raised without a file gets this file's name.
    """
    try:
        yield
    except UserError as exc:
        if exc.path is None:
            exc.path = str(path)
        raise
    except RecursionError:
        raise UserError("the data is nested too deeply to read (JSON, HTML or e-mail parts inside one "
                        "another hundreds of levels deep)", path=path) from None
    except ValueError as exc:
        if "integer string conversion" in str(exc) or "int_max_str_digits" in str(exc):
            raise UserError("holds a number with more than 4,300 digits; not a real value", path=path) from None
        raise
    except MemoryError:
        raise UserError("a record is too large to read in memory", path=path) from None
    except OSError as exc:
        if exc.filename not in (None, str(path)):
            raise
        raise UserError(f"cannot read the file ({exc.strerror or exc})", path=path) from None


def refuse_project_file(project_path: str | Path, path: str | Path) -> None:
    """Refuse to read the project file (or its -wal/-shm) as input: reading it with ordinary file
    calls while SQLite has it open would drop SQLite's locks on it (see `ftcurate.core.dbfile`)."""
    project_path, path = Path(project_path), Path(path)
    for suffix in ("", "-wal", "-shm"):
        other = Path(f"{project_path}{suffix}")
        try:
            same = other.exists() and path.exists() and path.samefile(other)
        except OSError:
            same = False
        if same:
            raise UserError("this is the project file itself; import your data files (CSV, JSON, ...) "
                            "into it instead", path=path)


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
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise UserError(f"cannot read the file ({exc.strerror or exc})", path=path) from exc


def _map_fields() -> dict[str, tuple[str, ...]]:
    """The `--map FIELD=COLUMN` fields each importer reads (importers that take no mapping: ())."""
    # importers not named here declare `map_fields` on their class (none: they take no mapping)
    from ftcurate.core.importers.catalog import FIELDS as CATALOG_FIELDS
    from ftcurate.core.importers.threads import FIELDS as THREAD_FIELDS

    return {"support_messages": ("conversation", "role", "text", "timestamp", "internal", "label"),
            "support_threads": tuple(THREAD_FIELDS), "faq_table": ("question", "answer", "answer_fallback", "label"),
            "catalog": tuple(CATALOG_FIELDS), "shopify_catalog": tuple(CATALOG_FIELDS),
            "support_transcripts": ("transcript", "conversation", "turns"),
            "support_conversations": ("transcript", "conversation", "turns"),
            "finetune": (), "email": (), "faq_markdown": (), "faq_html": ()}


OPTION_KEYS = {"label_level": "catalogs", "agent_domains": "e-mail", "exact": "support logs"}
"""`--option KEY=VALUE` keys and the importers that read them."""


def validate_options(options: ImportOptions) -> None:
    """Reject `--map` fields and `--option` keys no importer reads (a typo would be ignored silently).

    An importer's fields come from the table in `_map_fields`, or from its own `map_fields` /
    `option_keys` class attributes (an importer added later declares them there). Raises `UserError`
    naming the valid ones.
    """
    known = _map_fields()
    importers = load_importers()
    fields = sorted({f for n, cls in importers.items() for f in known.get(n, getattr(cls, "map_fields", ()))})
    bad = sorted(set(options.mapping) - set(fields))
    if bad:
        raise UserError(f"unknown --map field {bad[0]!r}; the fields are: {', '.join(fields) or '(none)'}")
    keys = dict(OPTION_KEYS)
    for cls in importers.values():
        keys.update({k: cls.name for k in getattr(cls, "option_keys", ())})
    bad = sorted(set(options.extra) - set(keys))
    if bad:
        valid = ", ".join(f"{k} ({v})" for k, v in keys.items())
        raise UserError(f"unknown --option {bad[0]!r}; the options are: {valid}")


def detect_file(path: str | Path, options: ImportOptions | None = None) -> tuple[Importer, Detection]:
    """Pick the importer (and column mapping) for `path`, honouring `options.kind`/`mapping`."""
    options = options or ImportOptions()
    path = Path(path)
    if options.kind not in KINDS:
        raise UserError(f"unknown kind {options.kind!r}; expected one of {', '.join(KINDS)}")
    validate_options(options)
    _check_readable(path)
    best: tuple[float, Importer, Detection] | None = None
    errors: list[UserError] = []
    for cls in load_importers().values():
        if options.kind != "auto" and cls.kind != options.kind:
            continue
        imp = cls()
        try:
            with input_guard(path):
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
    """Import one file in one write transaction (joining the caller's, if one is open).

    `on_duplicate`: "skip" or "replace" a file already imported with the same content hash. The
    duplicate check runs inside the write transaction, so two imports of one file at once never both
    land. "replace" deletes that source's examples and flags first, and is refused (`UserError`, nothing
    changed) when any of them was reviewed (edited, approved or rejected): those edits are recorded in
    history, and deleting their examples would lose them.
    """
    options = options or ImportOptions()
    progress = progress or Progress()
    path = Path(path)
    if on_duplicate not in ("skip", "replace"):
        raise UserError(f"on_duplicate must be skip or replace, not {on_duplicate!r}")
    refuse_project_file(project.path, path)
    importer, det = detect_file(path, options)
    digest, size = file_hash(path)
    progress.set_status(f"Importing {path.name}")
    with project.transaction() as conn:
        prior = conn.execute("SELECT id FROM sources WHERE content_hash = ?", (digest,)).fetchall()
        if prior and on_duplicate == "skip":
            return ImportReport(str(path), prior[0][0], 0, det.importer, det.kind,
                                "already imported (same content); skipped", skipped=True)
        for (sid,) in prior:
            reviewed = conn.execute(
                "SELECT count(*) FROM examples WHERE source_id = ? AND (status != 'unreviewed'"
                " OR updated_at > created_at)", (sid,)).fetchone()[0]
            if reviewed:
                raise UserError(f"--on-duplicate replace would delete {reviewed} reviewed example(s) "
                                "(edited, approved or rejected) imported earlier from this content; nothing "
                                "was changed. Keep them (--on-duplicate skip) or import into a new project",
                                path=path)
            conn.execute("DELETE FROM flags WHERE example_id IN (SELECT id FROM examples WHERE source_id=?)",
                         (sid,))
            conn.execute("DELETE FROM examples WHERE source_id = ?", (sid,))
            conn.execute("DELETE FROM sources WHERE id = ?", (sid,))
        sid = project.add_source(conn, name=path.name, path=str(path.resolve()), content_hash=digest,
                                 size=size, importer=det.importer, kind=det.kind, options=options.to_json(),
                                 detection=asdict(det))
        from ftcurate.core.labels import apply_label_map, project_label_map

        cleaner = ImportCleaner(det.kind)
        label_map = project_label_map(project)
        with input_guard(path):
            batches = importer.read_batches(path, options, det, progress) \
                if hasattr(importer, "read_batches") else None
            if batches is not None:  # columns straight into SQLite (ftcurate.core.bulk_insert)
                from ftcurate.core.bulk_insert import insert_batches

                n = insert_batches(project, conn, batches, sid, progress, cleaner=cleaner, label_map=label_map)
            else:
                stream = apply_label_map(cleaner.apply(importer.read(path, options, det, progress)), label_map)
                n = project.insert_examples(conn, _cancellable(stream, progress), sid)
        if n == 0:
            raise UserError("no examples found in this file", path=path)
        conn.execute("UPDATE sources SET n_examples = ? WHERE id = ?", (n, sid))
        project._notify("examples_added", count=n)
    progress.finish()
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
