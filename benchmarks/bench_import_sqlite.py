"""Ways to write an import's rows into the project's SQLite file, measured on the same rows.

Builds the rows a real import stores (bench_import's synthetic support log, `--rows` rows, through the
importer's polars path, the clean-up and `bulk_insert.pair_rows`, with content hashes), then writes
them into a fresh project-shaped WAL database (`synchronous=FULL`, foreign keys on, as a project) in
one transaction, each way `--repeat` times, and prints the best CPU seconds of the insert and of the
COMMIT, and the best wall seconds of both together:

- one row per statement (`executemany`; the import before the multi-row insert), and the same into a
  plain table with none of `examples`' AUTOINCREMENT, foreign key, constraints and index;
- N rows per statement (multi-row VALUES; the import uses 32);
- a TEMP table on the same connection, then `INSERT INTO examples SELECT` from it;
- a staging file written by ADBC (`adbc_ingest`, Arrow in C; only if `adbc-driver-sqlite` is
  installed), ATTACHed to the project's connection and copied with `INSERT ... SELECT`;
- the multi-row insert with the `examples_source` index dropped first and created after;
- the multi-row insert with 16 KiB pages instead of 4 KiB;
- the multi-row insert with empty `input`/`output` (what writing only the messages would save);
- a WITHOUT ROWID copy of the examples table;
- the multi-row insert with `wal_autocheckpoint=0` (the COMMIT without its checkpoint).

Usage:
    python benchmarks/bench_import_sqlite.py --rows 200000 [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
from bench_import import make_csv

COLS = ["messages", "input", "output", "label", "metadata", "row", "conversation", "content_hash"]
TARGET = ('INSERT INTO examples (source_id, messages, input, output, n_turns, label, metadata, "row", line,'
          " conversation, status, content_hash, created_at, updated_at)")
SELECT = ("SELECT 1, messages, input, output, 2, label, metadata, \"row\", NULL, conversation, 'unreviewed',"
          " content_hash, 1.0, 1.0 FROM {src} ORDER BY rowid")


def import_rows(csv: Path) -> pl.DataFrame:
    """The rows a real import of `csv` stores (columns `COLS`)."""
    from ftcurate.core.bulk_insert import clean_pairs, pair_rows
    from ftcurate.core.importers.base import ImportOptions
    from ftcurate.core.importers.textclean import ImportCleaner
    from ftcurate.core.importing import detect_file
    from ftcurate.core.progress import Progress

    importer, det = detect_file(csv)
    cleaner = ImportCleaner(det.kind)
    rows = pl.concat([pair_rows(clean_pairs(b, cleaner, {}))
                      for b in importer.read_batches(csv, ImportOptions(), det, Progress())])
    hashes = [hashlib.blake2b(m.encode("utf-8"), digest_size=12).hexdigest() for m in rows["messages"]]
    return rows.with_columns(pl.Series("content_hash", hashes, pl.String)).select(COLS)


def project_db(folder: Path, page_size: int | None = None, setup: str = "") -> sqlite3.Connection:
    from ftcurate.core.schema import migrate

    conn = sqlite3.connect(tempfile.mktemp(dir=folder, suffix=".db"), isolation_level=None)
    if page_size:
        conn.execute(f"PRAGMA page_size = {page_size}")
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON", "cache_size = -65536"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("BEGIN")
    migrate(conn, 0)
    conn.execute("INSERT INTO sources VALUES (1, 'x', 'x', 'x', 0, 'x', 'x', '{}', '{}', 0, 0)")
    if setup:
        conn.execute(setup)
    conn.execute("COMMIT")
    return conn


def multi_row(conn: sqlite3.Connection, flat: list, n: int, k: int, width: int = 8, sql: str = "") -> None:
    one = "(" + ",".join("?" * width) + ")"
    sql = sql or (f"{TARGET} SELECT 1, column1, column2, column3, 2, column4, column5, column6, NULL, column7,"
                  " 'unreviewed', column8, 1.0, 1.0 FROM (VALUES {v})")
    whole = n // k * k
    step = k * width
    conn.executemany(sql.format(v=",".join([one] * k)), (flat[i:i + step] for i in range(0, whole * width, step)))
    if whole < n:
        conn.execute(sql.format(v=",".join([one] * (n - whole))), flat[whole * width:])


def ways(rows: pl.DataFrame, folder: Path) -> dict[str, tuple[Callable, dict]]:
    n = rows.height
    lists = [rows[c].to_list() for c in COLS]
    flat = list(itertools.chain.from_iterable(zip(*lists, strict=True)))
    single = f"{TARGET} VALUES (1,?,?,?,2,?,?,?,NULL,?,'unreviewed',?,1.0,1.0)"

    def temp_table(conn):
        conn.execute(f"CREATE TEMP TABLE staging ({', '.join(COLS)})")
        conn.executemany(f"INSERT INTO temp.staging VALUES ({','.join('?' * 8)})", zip(*lists, strict=True))
        conn.execute(f"{TARGET} {SELECT.format(src='temp.staging')}")
        conn.execute("DROP TABLE temp.staging")

    def adbc(conn):
        import adbc_driver_sqlite.dbapi as adbc_sqlite

        stage = tempfile.mktemp(dir=folder, suffix=".stage.db")
        with adbc_sqlite.connect(stage, autocommit=True) as ac:
            cur = ac.cursor()
            cur.execute("PRAGMA journal_mode = OFF")
            cur.execute("PRAGMA synchronous = OFF")
            cur.execute("BEGIN")
            cur.adbc_ingest("staging", rows.to_arrow(), mode="create")
            cur.execute("COMMIT")
            cur.close()
        conn.execute("ATTACH DATABASE ? AS staging", (stage,))
        conn.execute(f"{TARGET} {SELECT.format(src='staging.staging')}")

    def deferred_index(conn):
        conn.execute("DROP INDEX examples_source")
        multi_row(conn, flat, n, 32)
        conn.execute("CREATE INDEX examples_source ON examples(source_id)")

    no_io = list(itertools.chain.from_iterable(zip(lists[0], lists[3], lists[4], lists[5], lists[6], lists[7], strict=True)))
    no_io_sql = (f"{TARGET} SELECT 1, column1, '', '', 2, column2, column3, column4, NULL, column5, 'unreviewed',"
                 " column6, 1.0, 1.0 FROM (VALUES {v})")
    without_rowid = ("CREATE TABLE ex2 (id INTEGER PRIMARY KEY, source_id INTEGER REFERENCES sources(id),"
                     " messages TEXT NOT NULL, input TEXT NOT NULL, output TEXT NOT NULL, n_turns INTEGER NOT NULL,"
                     " label TEXT, metadata TEXT NOT NULL, \"row\" INTEGER, line INTEGER, conversation TEXT,"
                     " status TEXT NOT NULL, content_hash TEXT NOT NULL, created_at REAL NOT NULL,"
                     " updated_at REAL NOT NULL) WITHOUT ROWID")
    ids_flat = list(itertools.chain.from_iterable(zip(range(1, n + 1), *lists, strict=True)))
    wr_sql = ("INSERT INTO ex2 SELECT column1, 1, column2, column3, column4, 2, column5, column6, column7, NULL,"
              " column8, 'unreviewed', column9, 1.0, 1.0 FROM (VALUES {v})")
    out: dict[str, tuple[Callable, dict]] = {
        "1 row per statement (executemany)": (lambda c: c.executemany(single, zip(*lists, strict=True)), {}),
        "1 row per statement into a plain table (no AUTOINCREMENT, foreign key, constraints or index)": (
            lambda c: c.executemany(f"INSERT INTO plain VALUES ({','.join('?' * 8)})", zip(*lists, strict=True)),
            {"setup": f"CREATE TABLE plain ({', '.join(COLS)})"}),
        **{f"{k} rows per statement": (lambda c, k=k: multi_row(c, flat, n, k), {}) for k in (8, 32, 128)},
        "TEMP table on the same connection + INSERT...SELECT": (temp_table, {}),
        "index examples_source created after the insert": (deferred_index, {}),
        "32 rows per statement, 16 KiB pages": (lambda c: multi_row(c, flat, n, 32), {"page_size": 16384}),
        "32 rows per statement, input/output left empty": (
            lambda c: multi_row(c, no_io, n, 32, 6, no_io_sql), {}),
        "WITHOUT ROWID table, 32 rows per statement": (
            lambda c: multi_row(c, ids_flat, n, 32, 9, wr_sql), {"setup": without_rowid}),
        "32 rows per statement, commit without checkpoint": (
            lambda c: multi_row(c, flat, n, 32), {"setup": "PRAGMA wal_autocheckpoint = 0"}),
    }
    try:
        import adbc_driver_sqlite  # noqa: F401

        out["ADBC staging file (adbc_ingest) + ATTACH + INSERT...SELECT"] = (adbc, {})
    except ImportError:
        print("(adbc-driver-sqlite not installed: skipping the ADBC staging file)")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        csv = folder / "support.csv"
        make_csv(csv, args.rows)
        rows = import_rows(csv)
        print(f"{args.rows:,} CSV rows -> {rows.height:,} examples to write "
              f"({rows.estimated_size() / 1e6:.0f} MB of columns); best of {args.repeat}")
        print("| way | insert CPU s | COMMIT CPU s | insert + COMMIT wall s |\n|---|---|---|---|")
        for name, (write, opts) in ways(rows, folder).items():
            best = [float("inf")] * 3
            for _ in range(args.repeat):
                conn = project_db(folder, opts.get("page_size"), opts.get("setup", ""))
                w0, c0 = time.perf_counter(), time.process_time()
                conn.execute("BEGIN IMMEDIATE")
                write(conn)
                c1 = time.process_time()
                conn.execute("COMMIT")
                best = [min(best[0], c1 - c0), min(best[1], time.process_time() - c1),
                        min(best[2], time.perf_counter() - w0)]
                conn.close()
            print(f"| {name} | {best[0]:.3f} | {best[1]:.3f} | {best[2]:.3f} |", flush=True)


if __name__ == "__main__":
    main()
