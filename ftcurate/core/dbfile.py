"""Opening a project's SQLite file safely, and naming SQLite's failures in words a person can act on.

Contract: the project file is only ever touched through SQLite. Reading its header with Python's
`open()` and closing that handle would drop every POSIX lock this process holds on the file (SQLite's
documented pitfall), and another process could then delete the `-wal`/`-shm` files still in use here.
So the checks on open (`probe`) run as queries on the same connection that becomes the project's,
before any setting is written: a refused file (not a project, a newer version, truncated, corrupt) is
closed by a read-write connection, which removes the `-wal`/`-shm` files it created, and the file
itself is left byte for byte as it was.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import NoReturn

from ftcurate.core.errors import ProjectBusyError, ProjectError
from ftcurate.core.schema import APPLICATION_ID, SCHEMA_VERSION

BUSY_TIMEOUT_S = 30.0
"""How long a writer waits for another process's write transaction (FTCURATE_BUSY_TIMEOUT overrides)."""


def busy_timeout() -> float:
    """Seconds to wait for a lock held by another process; `FTCURATE_BUSY_TIMEOUT` overrides."""
    try:
        return max(0.0, float(os.environ.get("FTCURATE_BUSY_TIMEOUT", BUSY_TIMEOUT_S)))
    except ValueError:
        return BUSY_TIMEOUT_S


def _writable_problem(path: Path) -> str | None:
    """Why a read-write open of `path` cannot work, or None. Uses stat/access only (no handle)."""
    if not os.access(path, os.R_OK):
        return "cannot read the project file (no permission); ask for read access or copy it"
    if not os.access(path, os.W_OK):
        return ("the project file is read-only (no permission to write it); make it writable, or copy it "
                "to a folder of your own")
    if not os.access(path.parent, os.W_OK | os.X_OK):
        return ("the project's folder is read-only: ftcurate keeps its journal files (-wal, -shm) beside "
                "the project; copy the project to a writable folder")
    return None


def connect(path: Path, read_only: bool, quick_check_max_bytes: int) -> tuple[sqlite3.Connection, int]:
    """Open `path`, check it is an ftcurate project this version can read, return (conn, version).

    Raises `ProjectError` (nothing changed on disk) when the file is missing, empty, not an ftcurate
    project, written by a newer version, truncated, corrupt, unreadable or (for a read-write open) not
    writable. The connection has no settings applied yet; the caller applies them.
    """
    if not path.is_file():
        raise ProjectError("no such project file", path=path)
    if path.stat().st_size == 0:
        raise ProjectError("the file is empty: not an ftcurate project", path=path)
    problem = None if read_only and os.access(path, os.R_OK) else _writable_problem(path)
    if problem:
        raise ProjectError(problem, path=path)
    try:
        if read_only and _writable_problem(path):  # a read-only file: SQLite's read-only mode
            # in a read-only folder SQLite cannot make the -shm file a WAL reader needs; nobody can
            # write there either, so the file is read as unchanging (`immutable`)
            frozen = "&immutable=1" if not os.access(path.parent, os.W_OK | os.X_OK) else ""
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{frozen}", uri=True,
                                   isolation_level=None, check_same_thread=False, timeout=busy_timeout())
        else:
            # a read-only open of a writable file uses a read-write connection that refuses writes
            # (`query_only`): unlike `mode=ro`, closing it as the last one removes the -wal/-shm files
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                   timeout=busy_timeout())
            if read_only:
                conn.execute("PRAGMA query_only = ON")
    except sqlite3.Error as exc:
        raise_translated(exc, path)
    try:
        version = probe(conn, path, quick_check_max_bytes)
    except BaseException:
        conn.close()
        raise
    return conn, version


def probe(conn: sqlite3.Connection, path: Path, quick_check_max_bytes: int) -> int:
    """Run the open-time checks as queries on `conn`; return the schema version. Writes nothing."""
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise ProjectError("not an ftcurate project (an SQLite file of another application)", path=path)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        wal = Path(f"{path}-wal")
        size = path.stat().st_size
        if not (wal.exists() and wal.stat().st_size) and \
                conn.execute("PRAGMA page_count").fetchone()[0] * page_size > size:
            raise ProjectError("the project file is truncated (corrupt)", path=path)
        if version > SCHEMA_VERSION:
            raise ProjectError(f"written by a newer ftcurate (schema {version}; this version reads up to "
                               f"{SCHEMA_VERSION}); please upgrade ftcurate", path=path)
        # A full page scan costs ~3 s at 1M examples; small files get it on every open, large ones
        # report corruption when a damaged page is read (`translate`).
        if size <= quick_check_max_bytes:
            check = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
            if check != "ok":
                raise ProjectError(f"the project file is corrupt ({check})", path=path)
    except sqlite3.Error as exc:
        err = translate(exc, path)
        if "not a database" in str(exc):
            err = ProjectError("not an ftcurate project (not an SQLite database)", path=path)
        elif not isinstance(err, ProjectError):
            err = ProjectError(f"the project file is corrupt or unreadable ({exc})", path=path)
        raise err from exc
    return version


def raise_translated(exc: sqlite3.Error, path: Path) -> NoReturn:
    """Raise `translate(exc, path)`, chained to `exc`, or `exc` itself when it is an internal error."""
    err = translate(exc, path)
    if err is exc:
        raise exc
    raise err from exc


def translate(exc: sqlite3.Error, path: Path) -> Exception:
    """The error to show for an SQLite failure on the project at `path` (not raised here).

    Busy/locked -> `ProjectBusyError`; damaged file -> `ProjectError` "corrupt"; read-only file or
    folder, missing permission, full disk -> `ProjectError` saying so; anything else is returned as
    it is (an internal error).
    """
    msg = str(exc)
    low = msg.lower()
    if "locked" in low or "busy" in low:
        return ProjectBusyError(path=path)
    if "malformed" in low or "not a database" in low or "corrupt" in low:
        return ProjectError(f"the project file is corrupt ({msg}); restore it from a backup", path=path)
    if "readonly" in low or "read-only" in low:
        return ProjectError("cannot write the project: the file or its folder is read-only; make it "
                            "writable, or copy the project to a folder of your own", path=path)
    if "unable to open" in low:
        problem = _writable_problem(path) if path.exists() else "the project file has disappeared"
        return ProjectError(problem or f"cannot open the project file ({msg})", path=path)
    if "disk is full" in low or "database or disk is full" in low:
        return ProjectError("the disk is full: free some space and try again; nothing was saved", path=path)
    if "disk i/o error" in low:
        return ProjectError(f"cannot read or write the project file ({msg}); check the disk and try again",
                            path=path)
    return exc
