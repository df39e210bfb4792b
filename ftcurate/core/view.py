"""Columnar (polars) views of a project for analysis, checks and the GUI table.

`examples_frame` reads the denormalised `examples` columns straight from SQLite: `input`/`output`
are stored beside the JSON messages precisely so this view never parses JSON, and callers ask for
only the columns they need (see benchmarks/bench_store.py for how the loaders compare).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import polars as pl


class Project(Protocol):
    """What the views read through (`ftcurate.core.store.Project` is one); the view never reaches
    into the store's connection or locks."""

    def read_blocks(self, sql: str, params: Iterable = (), block: int = ...) -> Iterator[list[tuple]]: ...

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]: ...

COLUMNS: dict[str, pl.DataType] = {
    "id": pl.Int64, "source_id": pl.Int64, "source": pl.Utf8, "label": pl.Utf8, "status": pl.Utf8,
    "input": pl.Utf8, "output": pl.Utf8, "messages": pl.Utf8, "n_turns": pl.Int32,
    "conversation": pl.Utf8, "row": pl.Int64, "line": pl.Int64, "content_hash": pl.Utf8,
    "metadata": pl.Utf8, "updated_at": pl.Float64,
}

FLAG_COLUMNS: dict[str, pl.DataType] = {
    "id": pl.Int64, "example_id": pl.Int64, "check": pl.Utf8, "turn": pl.Int64, "start": pl.Int64,
    "end": pl.Int64, "kind": pl.Utf8, "severity": pl.Utf8, "message": pl.Utf8, "cluster": pl.Int64,
    "score": pl.Float64, "data": pl.Utf8, "state": pl.Utf8,
}


# Building a polars frame from a block of row tuples holds the GIL for the whole block (65 ms for
# 20,000 rows): small blocks let the GUI thread run between them while a view loads on a thread.
READ_BLOCK = 2_000


def _read(project: Project, sql: str, schema: dict[str, pl.DataType], progress=None) -> pl.DataFrame:
    # Rows arrive as Python tuples; building the frame per block of rows keeps at most one block of
    # them alive (fetchall held every row as Python objects next to the frame: at 100k examples, a
    # 39 MB frame cost +157 MB at the peak, +98 MB in blocks; docs/benchmarks.md).
    parts = []
    for rows in project.read_blocks(sql, block=READ_BLOCK):
        parts.append(pl.DataFrame(rows, schema=schema, orient="row"))
        if progress is not None:
            progress.advance(len(rows))
    if not parts:
        return pl.DataFrame(schema=schema)
    return pl.concat(parts, rechunk=True) if len(parts) > 1 else parts[0]


def examples_frame(project: Project, columns: list[str] | None = None, progress=None) -> pl.DataFrame:
    """All examples ordered by id, with the requested subset of `COLUMNS` (default: all). A
    `ftcurate.core.progress.Progress` given as `progress` gets the row count as total and advances
    per block read (the app shows a percentage while a large project opens)."""
    cols = columns or list(COLUMNS)
    unknown = [c for c in cols if c not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown columns {unknown}")
    # source names are mapped in polars: an SQL join costs ~20 % of the load (bench_store.py)
    sql_cols = [c for c in cols if c != "source"]
    if "source" in cols and "source_id" not in sql_cols:
        sql_cols.append("source_id")
    exprs = ", ".join(f'"{c}"' for c in sql_cols)
    if progress is not None:
        progress.set_total(project.query("SELECT count(*) FROM examples")[0][0])
    df = _read(project, f"SELECT {exprs} FROM examples ORDER BY id", {c: COLUMNS[c] for c in sql_cols},
               progress)
    if "source" in cols:
        names = dict(project.query("SELECT id, name FROM sources"))
        df = df.with_columns(pl.col("source_id").replace_strict(names, default=None, return_dtype=pl.Utf8)
                             .alias("source"))
    return df.select(cols)


def flags_frame(project: Project) -> pl.DataFrame:
    """All flags, ordered by example then id."""
    sql = ('SELECT id, example_id, check_name, turn, start, "end", kind, severity, message, cluster, score,'
           " data, state FROM flags ORDER BY example_id, id")
    return _read(project, sql, FLAG_COLUMNS)
