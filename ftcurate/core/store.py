"""The project store: one SQLite file (`*.ftcurate`) holding everything about a project.

Durability contract: WAL journal with `synchronous=FULL`, every write one transaction, so an edit the
app reported as saved survives a crash or a kill. Opening a file that is not an ftcurate project, is
corrupt, or was written by a newer ftcurate raises `ProjectError` and changes nothing on disk.
One `Project` may be shared across threads: a re-entrant lock serialises use of the connection
(the one-writer rule); heavy readers can open their own read-only `Project` instead.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ftcurate.core import dbfile
from ftcurate.core.commands import Command, command_from_json
from ftcurate.core.errors import ProjectError, UserError
from ftcurate.core.records import Example, messages_hash, messages_json, messages_to_pair
from ftcurate.core.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

SUFFIX = ".ftcurate"
QUICK_CHECK_MAX_BYTES = 64 << 20
_CACHE_SCAN_MIN = 20_000  # from this many keys, cache_get scans the namespace instead of IN (...) lookups


class Project:
    """An open project file. Create with `Project.create(path)` or `Project.open(path)`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self._conn = conn
        self._lock = threading.RLock()
        self._listeners: list = []
        self._depth = 0  # nesting of `transaction()`; only the outermost one begins and commits
        self._tx_thread: int | None = None  # the thread inside the open transaction
        self._pending: list[tuple[str, dict]] = []  # notifications held until the outermost commit

    # -- lifecycle --------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | os.PathLike) -> Project:
        """Create a new, empty project. Refuses to overwrite an existing file."""
        path = Path(path)
        if path.exists():
            raise ProjectError("a file with this name already exists; choose another name", path=path)
        if not path.parent.exists():
            raise ProjectError("the folder does not exist", path=path.parent)
        if not os.access(path.parent, os.W_OK | os.X_OK):
            raise ProjectError("cannot create the project here: the folder is read-only", path=path.parent)
        try:
            conn = cls._connect(path)
        except sqlite3.Error as exc:
            path.unlink(missing_ok=True)
            dbfile.raise_translated(exc, path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            migrate(conn, 0)
            conn.execute("INSERT INTO meta VALUES ('created_at', ?), ('created_by', ?)",
                         (str(time.time()), _app_version()))
            conn.execute("COMMIT")
        except BaseException:
            conn.close()
            path.unlink(missing_ok=True)
            raise
        return cls(path, conn)

    @classmethod
    def open(cls, path: str | os.PathLike, read_only: bool = False) -> Project:
        """Open an existing project, migrating it forward if it is older. See module doc for errors."""
        path = Path(path)
        conn, version = dbfile.connect(path, read_only, QUICK_CHECK_MAX_BYTES)
        if read_only:
            return cls(path, conn, read_only=True)
        try:
            cls._configure(conn)
            if version < SCHEMA_VERSION:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    migrate(conn, version)
                    conn.execute("COMMIT")
                except sqlite3.DatabaseError as exc:
                    conn.execute("ROLLBACK")
                    raise ProjectError(f"could not upgrade the project file ({exc})", path=path) from exc
        except sqlite3.Error as exc:
            conn.close()
            dbfile.raise_translated(exc, path)
        except BaseException:
            conn.close()
            raise
        return cls(path, conn)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                               timeout=dbfile.busy_timeout())
        Project._configure(conn)
        return conn

    @staticmethod
    def _configure(conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise ProjectError("the project is closed", path=self.path)
        return self._conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything inside lands, or nothing does.

        Re-entrant: a transaction opened inside another joins it, so a read-decide-write sequence
        (plan a redaction, then `apply` it) runs under one write lock (`BEGIN IMMEDIATE`) and no
        other process can change what was read before the write lands. Waiting longer than the busy
        timeout for another process's lock raises `ProjectBusyError`.
        """
        if self.read_only:
            raise ProjectError("the project is open read-only", path=self.path)
        with self._lock, self._corrupt():
            conn = self.conn
            if self._depth:
                self._depth += 1
                try:
                    yield conn
                finally:
                    self._depth -= 1
                return
            conn.execute("BEGIN IMMEDIATE")
            self._depth, self._tx_thread = 1, threading.get_ident()
            try:
                yield conn
            except BaseException:
                self._depth = 0
                self._pending.clear()
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            self._depth = 0
            try:
                conn.execute("COMMIT")
            except BaseException:
                self._pending.clear()
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        pending, self._pending = self._pending, []
        for event, payload in pending:
            self._notify(event, **payload)

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self._lock, self._corrupt():
            return self.conn.execute(sql, tuple(params)).fetchall()

    def read_blocks(self, sql: str, params: Iterable = (), block: int = 20_000) -> Iterator[list[tuple]]:
        """The rows of a read query, `block` at a time (the connection stays locked until the last one;
        a damaged page is a `ProjectError`). Consume it to the end."""
        with self._lock, self._corrupt():
            cur = self.conn.execute(sql, tuple(params))
            while rows := cur.fetchmany(block):
                yield rows

    @contextmanager
    def _corrupt(self) -> Iterator[None]:
        """Turn SQLite's errors a person can act on (corrupt, busy, read-only, disk full) into a
        `ProjectError` naming the file; others pass through as internal errors."""
        try:
            yield
        except sqlite3.Error as exc:
            err = dbfile.translate(exc, self.path)
            if err is exc:
                raise
            raise err from exc

    def add_listener(self, fn) -> None:
        """`fn(event: str, payload: dict)` is called after each committed change (for views)."""
        self._listeners.append(fn)

    def _notify(self, event: str, **payload) -> None:
        if self._depth and self._tx_thread == threading.get_ident():  # tell views once it has committed
            self._pending.append((event, payload))
            return
        for fn in list(self._listeners):
            fn(event, payload)

    # -- sources and examples ---------------------------------------------------------------------
    def add_source(self, conn: sqlite3.Connection, *, name: str, path: str, content_hash: str,
                   size: int, importer: str, kind: str, options: dict, detection: dict) -> int:
        """Insert a source row inside the caller's transaction; returns its id."""
        cur = conn.execute(
            "INSERT INTO sources (name, path, content_hash, size, importer, kind, options, detection,"
            " imported_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (name, path, content_hash, size, importer, kind, json.dumps(options), json.dumps(detection),
             time.time()))
        return int(cur.lastrowid)

    def insert_examples(self, conn: sqlite3.Connection, examples: Iterable[Example], source_id: int | None,
                        batch: int = 5000) -> int:
        """Insert examples inside the caller's transaction (streaming, in batches). Returns count."""
        from ftcurate.core.bulk_insert import insert_rows

        now = time.time()
        n = 0
        buf: list[tuple] = []
        for ex in examples:
            inp, out = messages_to_pair(ex.messages)
            prov = ex.provenance or {}
            conv = prov.get("conversation")
            try:
                digest = messages_hash(ex.messages)
            except UnicodeEncodeError:  # a lone UTF-16 surrogate ("\\ud83d"): SQLite cannot store it
                raise UserError("the text holds a broken character (half of an emoji or other UTF-16 pair, "
                                "e.g. \\ud83d); fix or remove it", line=prov.get("line"),
                                row=prov.get("row")) from None
            buf.append((source_id if ex.source_id is None else ex.source_id, messages_json(ex.messages),
                        inp, out, len(ex.messages), ex.label,
                        json.dumps(ex.metadata, ensure_ascii=False, default=str) if ex.metadata else "{}",
                        prov.get("row"), prov.get("line"), None if conv is None else str(conv),
                        ex.status or "unreviewed", digest, now, now))
            if len(buf) >= batch:
                n += insert_rows(conn, buf)
                buf.clear()
        if buf:
            n += insert_rows(conn, buf)
        return n

    def add_examples(self, examples: Iterable[Example], source: dict | None = None) -> int:
        """Add examples (and optionally their source row) in one transaction. Returns the count."""
        with self.transaction() as conn:
            sid = self.add_source(conn, **source) if source else None
            n = self.insert_examples(conn, examples, sid)
            if sid is not None:
                conn.execute("UPDATE sources SET n_examples = ? WHERE id = ?", (n, sid))
            self._notify("examples_added", count=n)
        return n

    def sources(self) -> list[dict[str, Any]]:
        rows = self.query("SELECT id, name, path, content_hash, size, importer, kind, options, detection,"
                          " n_examples, imported_at FROM sources ORDER BY id")
        keys = ("id", "name", "path", "content_hash", "size", "importer", "kind", "options", "detection",
                "n_examples", "imported_at")
        out = []
        for r in rows:
            d = dict(zip(keys, r, strict=True))
            d["options"] = json.loads(d["options"])
            d["detection"] = json.loads(d["detection"])
            out.append(d)
        return out

    def count_examples(self) -> int:
        return self.query("SELECT count(*) FROM examples")[0][0]

    def example_ids(self) -> list[int]:
        return [r[0] for r in self.query("SELECT id FROM examples ORDER BY id")]

    def get_examples(self, ids: Iterable[int]) -> list[Example]:
        ids = [int(i) for i in ids]
        found: dict[int, Example] = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            rows = self.query(
                'SELECT id, source_id, messages, label, metadata, "row", line, conversation, status'
                f" FROM examples WHERE id IN ({','.join('?' * len(chunk))})", chunk)
            for r in rows:
                prov = {k: v for k, v in (("row", r[5]), ("line", r[6]), ("conversation", r[7]))
                        if v is not None}
                found[r[0]] = Example(messages=json.loads(r[2]), label=r[3], metadata=json.loads(r[4]),
                                      provenance=prov, id=r[0], source_id=r[1], status=r[8])
        missing = [i for i in ids if i not in found]
        if missing:
            raise UserError(f"example {missing[0]} does not exist in this project", path=self.path)
        return [found[i] for i in ids]

    def get_example(self, example_id: int) -> Example:
        return self.get_examples([example_id])[0]

    def iter_examples(self, batch: int = 2000) -> Iterator[Example]:
        ids = self.example_ids()
        for i in range(0, len(ids), batch):
            yield from self.get_examples(ids[i:i + batch])

    def examples_frame(self, columns: list[str] | None = None, progress=None):
        """The columnar (polars) view of all examples; see `ftcurate.core.view`."""
        from ftcurate.core.view import examples_frame

        return examples_frame(self, columns, progress)

    # -- edits, history, undo ---------------------------------------------------------------------
    def apply(self, command: Command, actor: str = "user", merge_key: str | None = None) -> int:
        """Apply an edit in one transaction and record it in history. Returns the history id.
        With `merge_key`, a burst of edits is one entry (`ftcurate.core.review.history`)."""
        if merge_key is not None:
            from ftcurate.core.review.history import apply_merged

            return apply_merged(self, command, merge_key, actor)
        with self.transaction() as conn:
            inverse = command.apply(conn)
            cur = conn.execute(
                "INSERT INTO history (at, actor, kind, text, forward, inverse, state) VALUES (?,?,?,?,?,?,?)",
                (time.time(), actor, "edit", command.text, json.dumps(command.to_json()),
                 json.dumps(inverse.to_json()), "done"))
            conn.execute("UPDATE history SET state = 'dropped' WHERE state = 'undone'")
            hid = int(cur.lastrowid)
            self._notify("edited", history_id=hid, example_ids=command.example_ids())
        return hid

    def _replay(self, sql: str, forward: bool, new_state: str, kind: str, actor: str) -> int | None:
        # the entry is chosen inside the write transaction: two processes undoing at once each get
        # their own entry (or nothing), never the same one twice
        with self.transaction() as conn:
            row = conn.execute(sql).fetchone()
            if row is None or row[0] is None:
                return None
            hid = row[0]
            text, fwd, inv = conn.execute("SELECT text, forward, inverse FROM history WHERE id = ?",
                                          (hid,)).fetchone()
            cmd = command_from_json(json.loads(fwd if forward else inv))
            cmd.apply(conn)
            conn.execute("UPDATE history SET state = ? WHERE id = ?", (new_state, hid))
            conn.execute(
                "INSERT INTO history (at, actor, kind, text, forward, inverse, state, ref)"
                " VALUES (?,?,?,?,?,?,?,?)",
                (time.time(), actor, kind, f"{kind.capitalize()}: {text}", fwd if forward else inv,
                 inv if forward else fwd, "audit", hid))
            self._notify("edited", history_id=hid, example_ids=cmd.example_ids())
        return hid

    def undo(self, actor: str = "user") -> int | None:
        """Undo the most recent edit still in effect. Returns its history id, or None if none."""
        return self._replay("SELECT max(id) FROM history WHERE kind = 'edit' AND state = 'done'",
                            False, "undone", "undo", actor)

    def redo(self, actor: str = "user") -> int | None:
        """Redo the most recently undone edit (if no new edit was made since)."""
        return self._replay("SELECT min(id) FROM history WHERE kind = 'edit' AND state = 'undone'",
                            True, "done", "redo", actor)

    def revert(self, history_id: int, actor: str = "user") -> int:
        """Apply the inverse of one past edit as a new edit (History panel's Revert)."""
        with self.transaction():
            rows = self.query("SELECT text, inverse FROM history WHERE id = ?", (history_id,))
            if not rows:
                raise UserError(f"history entry {history_id} does not exist", path=self.path)
            cmd = command_from_json(json.loads(rows[0][1]))
            cmd.text = f"Revert: {rows[0][0]}"
            return self.apply(cmd, actor)

    def history(self, limit: int | None = None) -> list[dict[str, Any]]:
        """Audit trail, newest first: id, at, actor, kind, text, forward, inverse, state, ref."""
        sql = "SELECT id, at, actor, kind, text, forward, inverse, state, ref FROM history ORDER BY id DESC"
        rows = self.query(sql + (f" LIMIT {int(limit)}" if limit else ""))
        keys = ("id", "at", "actor", "kind", "text", "forward", "inverse", "state", "ref")
        out = []
        for r in rows:
            d = dict(zip(keys, r, strict=True))
            d["forward"], d["inverse"] = json.loads(d["forward"]), json.loads(d["inverse"])
            out.append(d)
        return out

    def undo_status(self):
        """What undo/redo would act on next (`ftcurate.core.review.history.UndoStatus`)."""
        from ftcurate.core.review.history import undo_status

        return undo_status(self)

    def can_redo(self) -> bool:
        return bool(self.query("SELECT 1 FROM history WHERE kind='edit' AND state='undone' LIMIT 1"))

    # -- flags ------------------------------------------------------------------------------------
    def flags_frame(self):
        from ftcurate.core.view import flags_frame

        return flags_frame(self)

    # -- settings, cache, splits, runs ------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        rows = self.query("SELECT value FROM settings WHERE key = ?", (key,))
        return json.loads(rows[0][0]) if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, json.dumps(value)))
            self._notify("settings", key=key)

    def settings(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.query("SELECT key, value FROM settings")}

    def cache_get(self, namespace: str, keys: Iterable[str]) -> dict[str, bytes]:
        """Cached values of `keys` under `namespace` (keys not cached are absent from the result).

        Many keys (a re-check of a big project asks for every text) are read in one scan of the
        namespace, filtered by a set: one query instead of one per 900 keys.
        """
        keys = list(keys)
        out: dict[str, bytes] = {}
        if len(keys) >= _CACHE_SCAN_MIN:
            wanted = set(keys)
            for rows in self.read_blocks("SELECT key, value FROM cache WHERE namespace = ?", (namespace,)):
                out.update((k, v) for k, v in rows if k in wanted)
            return out
        for i in range(0, len(keys), 900):
            chunk = keys[i:i + 900]
            rows = self.query(f"SELECT key, value FROM cache WHERE namespace = ? AND key IN "
                              f"({','.join('?' * len(chunk))})", [namespace, *chunk])
            out.update(rows)
        return out

    def cache_put(self, namespace: str, items: dict[str, bytes]) -> None:
        if not items:
            return
        with self.transaction() as conn:
            conn.executemany("INSERT OR REPLACE INTO cache VALUES (?, ?, ?)",
                             [(namespace, k, v) for k, v in items.items()])

    def save_split(self, name: str, ids: Iterable[int], params: dict | None = None) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO splits VALUES (?, ?, ?, ?)",
                         (name, json.dumps([int(i) for i in ids]), json.dumps(params or {}), time.time()))

    def get_split(self, name: str) -> list[int]:
        rows = self.query("SELECT ids FROM splits WHERE name = ?", (name,))
        if not rows:
            raise UserError(f"no split named {name!r} in this project", path=self.path)
        return json.loads(rows[0][0])

    def splits(self) -> dict[str, dict[str, Any]]:
        return {n: {"count": len(json.loads(i)), "params": json.loads(p), "created_at": t}
                for n, i, p, t in self.query("SELECT name, ids, params, created_at FROM splits")}

    _RUN_FIELDS = ("status", "config", "data_hash", "metrics", "loss_curve", "adapter_dir", "log")

    def add_run(self, record: dict[str, Any]) -> int:
        """Record a training run: keys from status, config, data_hash, metrics, loss_curve, adapter_dir, log."""
        now = time.time()
        vals = {k: record.get(k) for k in self._RUN_FIELDS}
        vals["status"] = vals["status"] or "running"
        vals["config"] = vals["config"] or {}
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO runs (created_at, updated_at, status, config, data_hash, metrics, loss_curve,"
                " adapter_dir, log) VALUES (?,?,?,?,?,?,?,?,?)",
                (now, now, vals["status"], json.dumps(vals["config"]), vals["data_hash"],
                 _dump(vals["metrics"]), _dump(vals["loss_curve"]), vals["adapter_dir"], vals["log"]))
        return int(cur.lastrowid)

    def update_run(self, run_id: int, **fields: Any) -> None:
        bad = set(fields) - set(self._RUN_FIELDS)
        if bad:
            raise ValueError(f"unknown run fields {sorted(bad)}")
        sets = ", ".join(f"{k} = ?" for k in fields)
        vals = [json.dumps(v) if k in ("config", "metrics", "loss_curve") else v for k, v in fields.items()]
        with self.transaction() as conn:
            conn.execute(f"UPDATE runs SET {sets}, updated_at = ? WHERE id = ?", (*vals, time.time(), run_id))

    def runs(self) -> list[dict[str, Any]]:
        keys = ("id", "created_at", "updated_at", "status", "config", "data_hash", "metrics", "loss_curve",
                "adapter_dir", "log")
        out = []
        for r in self.query(f"SELECT {', '.join(keys)} FROM runs ORDER BY id"):
            d = dict(zip(keys, r, strict=True))
            for k in ("config", "metrics", "loss_curve"):
                d[k] = json.loads(d[k]) if d[k] else None
            out.append(d)
        return out


def _dump(v: Any) -> str | None:
    return None if v is None else json.dumps(v)


def _app_version() -> str:
    from ftcurate import __version__

    return __version__
