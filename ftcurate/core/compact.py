"""Shrink a project file: drop the check cache and give the freed pages back to the disk.

The check cache (`cache` table) is what makes a re-check fast: per-text results, embeddings and, for
near duplicates, MinHash signatures and the pairs found last time (about 750 MB for a million support
examples). Dropping it changes no flag and no edit; the next check computes everything again and
fills it anew. SQLite keeps freed pages inside the file, so the file only shrinks after a `VACUUM`,
which rewrites it (it needs free disk space about the size of the file, and no other process may be
reading the project meanwhile: that is reported as "busy" and nothing changes).
"""

from __future__ import annotations

from dataclasses import dataclass

from ftcurate.core.store import Project


@dataclass(frozen=True)
class CompactResult:
    """Sizes in bytes (the file and its write-ahead log) before and after; cache entries dropped."""

    before: int
    after: int
    cache_entries: int


def file_bytes(project: Project) -> int:
    """The project file and its write-ahead log, in bytes."""
    wal = project.path.with_name(project.path.name + "-wal")
    return project.path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def compact(project: Project, drop_cache: bool = True) -> CompactResult:
    """Drop the check cache (unless `drop_cache` is False), then VACUUM the file and truncate its log.

    Raises `ProjectError` (busy, read-only, disk full) with the file named; the project is then as
    it was, because VACUUM either finishes or leaves the file untouched.
    """
    before = file_bytes(project)
    entries = 0
    if drop_cache:
        with project.transaction() as conn:
            entries = conn.execute("SELECT count(*) FROM cache").fetchone()[0]
            conn.execute("DELETE FROM cache")
    project.query("VACUUM")  # outside a transaction (SQLite refuses it inside one)
    project.query("PRAGMA wal_checkpoint(TRUNCATE)")
    return CompactResult(before, file_bytes(project), int(entries))
