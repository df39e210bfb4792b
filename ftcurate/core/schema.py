"""SQLite schema of a project file and its forward migrations.

`PRAGMA user_version` holds the schema version; `PRAGMA application_id` marks the file as an ftcurate
project. `MIGRATIONS[v]` brings a file from version v-1 to v; all run in one transaction on open.
"""

from __future__ import annotations

import sqlite3

APPLICATION_ID = 0x46544355  # "FTCU"
SCHEMA_VERSION = 2

_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL, path TEXT NOT NULL, content_hash TEXT NOT NULL, size INTEGER,
    importer TEXT NOT NULL, kind TEXT NOT NULL, options TEXT NOT NULL, detection TEXT NOT NULL,
    n_examples INTEGER NOT NULL DEFAULT 0, imported_at REAL NOT NULL
);
CREATE TABLE examples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id INTEGER REFERENCES sources(id),
    messages TEXT NOT NULL, input TEXT NOT NULL, output TEXT NOT NULL, n_turns INTEGER NOT NULL,
    label TEXT, metadata TEXT NOT NULL DEFAULT '{}',
    "row" INTEGER, line INTEGER, conversation TEXT,
    status TEXT NOT NULL DEFAULT 'unreviewed'
        CHECK (status IN ('unreviewed', 'approved', 'rejected')),
    content_hash TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE INDEX examples_source ON examples(source_id);
CREATE TABLE flags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    example_id INTEGER NOT NULL REFERENCES examples(id),
    check_name TEXT NOT NULL, turn INTEGER, start INTEGER, "end" INTEGER, kind TEXT,
    severity TEXT NOT NULL, message TEXT NOT NULL, cluster INTEGER, score REAL, data TEXT,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved', 'ignored')),
    created_at REAL NOT NULL
);
CREATE INDEX flags_example ON flags(example_id);
CREATE INDEX flags_check ON flags(check_name);
CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL, actor TEXT NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL,
    forward TEXT NOT NULL, inverse TEXT NOT NULL,
    state TEXT NOT NULL, ref INTEGER
);
CREATE TABLE splits (name TEXT PRIMARY KEY, ids TEXT NOT NULL, params TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL, status TEXT NOT NULL,
    config TEXT NOT NULL, data_hash TEXT, metrics TEXT, loss_curve TEXT, adapter_dir TEXT, log TEXT
);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE cache (namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
                    PRIMARY KEY (namespace, key)) WITHOUT ROWID;
"""

_V2 = """
CREATE TABLE check_runs (
    check_name TEXT PRIMARY KEY, ran_at REAL NOT NULL, ok INTEGER NOT NULL, error TEXT,
    summary TEXT NOT NULL, config TEXT NOT NULL
);
CREATE INDEX history_state ON history(state);
"""

MIGRATIONS: dict[int, str] = {1: _V1, 2: _V2}


def migrate(conn: sqlite3.Connection, from_version: int, to_version: int = SCHEMA_VERSION) -> None:
    """Apply migrations from_version+1 .. to_version. The caller holds the transaction."""
    for v in range(from_version + 1, to_version + 1):
        for stmt in MIGRATIONS[v].split(";"):
            if stmt.strip():
                conn.execute(stmt)
    conn.execute(f"PRAGMA user_version = {to_version}")
