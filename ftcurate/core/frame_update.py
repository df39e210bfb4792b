"""Patch a cached examples frame after edits, instead of rebuilding it from SQLite.

An edit touches a handful of examples; rebuilding a 1M-row columnar view for each keystroke would
take seconds, while reading the changed rows and scattering them into the cached frame takes
milliseconds. Rows are located by binary search on the `id` column (the view is ordered by id).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from ftcurate.core.view import COLUMNS

if TYPE_CHECKING:
    from ftcurate.core.store import Project

_SQL_EXPR = {"source": "s.name", "row": 'e."row"'}


def read_rows(project: Project, ids: list[int], columns: list[str]) -> pl.DataFrame:
    """The view's `columns` for the examples `ids` (those that exist), ordered by id."""
    exprs = ", ".join(_SQL_EXPR.get(c, f"e.{c}") for c in columns)
    join = " LEFT JOIN sources s ON s.id = e.source_id" if "source" in columns else ""
    rows: list[tuple] = []
    ids = sorted({int(i) for i in ids})
    for i in range(0, len(ids), 900):
        chunk = ids[i:i + 900]
        rows.extend(project.query(
            f"SELECT {exprs} FROM examples e{join} WHERE e.id IN ({','.join('?' * len(chunk))})"
            " ORDER BY e.id", chunk))
    schema = {c: COLUMNS[c] for c in columns}
    if not rows:
        return pl.DataFrame(schema=schema)
    cols = list(zip(*rows, strict=True))
    return pl.DataFrame({c: pl.Series(c, v, dtype=schema[c], strict=False)
                         for c, v in zip(columns, cols, strict=True)})


def patch_frame(project: Project, frame: pl.DataFrame, ids: list[int]) -> pl.DataFrame | None:
    """Return `frame` with the rows of `ids` re-read from the project.

    Returns None when the patch cannot be applied (an id was added or deleted): the caller must then
    rebuild the whole view.
    """
    if not ids:
        return frame
    fresh = read_rows(project, ids, frame.columns)
    if fresh.height != len(set(ids)):
        return None  # some example was deleted
    frame_ids = frame["id"].to_numpy()
    new_ids = fresh["id"].to_numpy()
    pos = np.searchsorted(frame_ids, new_ids)
    if (pos >= len(frame_ids)).any() or (frame_ids[np.minimum(pos, len(frame_ids) - 1)] != new_ids).any():
        return None  # a new example: not in the cached view
    idx = pl.Series("idx", pos, dtype=pl.UInt32)
    cols = []
    for name in frame.columns:
        if name == "id":
            cols.append(frame[name])
            continue
        cols.append(frame[name].clone().scatter(idx, fresh[name]))
    return pl.DataFrame(cols)
