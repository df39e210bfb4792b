"""Bulk insertion of imported examples from columns (polars), not one Python object per example.

An importer that can describe a batch of examples as columns hands `insert_batches` polars frames;
each frame becomes one `executemany` of multi-row INSERTs over its columns, with the messages JSON, metadata JSON and
`input`/`output` built by polars. The stored rows are the same, byte for byte, as those
`Project.insert_examples` writes for the equivalent `Example`s: the messages JSON is the canonical
`records.messages_json` form (polars' JSON encoder escapes exactly as `json.dumps(ensure_ascii=False)`,
tested) and `content_hash` is `records.messages_hash` of it. Batches that are lists of `Example`s go
through `Project.insert_examples` unchanged, so an importer may mix both.

Everything runs inside the caller's transaction: the import stays all-or-nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ftcurate.core.progress import Progress
    from ftcurate.core.store import Project

# Values that are the same for every row of a batch are written into the statement, not bound per
# row, and each statement inserts ROWS_PER_STATEMENT rows (one multi-row VALUES list): what costs is
# SQLite's work per statement on this table (the AUTOINCREMENT counter and the foreign key to
# `sources`), which a multi-row statement pays once for many rows. Measured in docs/benchmarks.md,
# "Import: the columnar path". 32 rows x 8 values stays under SQLite's oldest limit of 999 values.
ROWS_PER_STATEMENT = 32
_COLUMNS = 8  # messages, input, output, label, metadata, row, conversation, content_hash
_EXAMPLE_COLUMNS = ("INSERT INTO examples (source_id, messages, input, output, n_turns, label, metadata,"
                    ' "row", line, conversation, status, content_hash, created_at, updated_at)')
_ROW = "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"


def insert_rows(conn: sqlite3.Connection, rows: list[tuple]) -> int:
    """Insert whole examples rows (14 values each, in `_EXAMPLE_COLUMNS` order, as
    `Project.insert_examples` builds them) in order, 32 rows a statement (32 x 14 < 999). Returns the count."""
    import itertools

    k = ROWS_PER_STATEMENT
    whole = len(rows) // k * k
    if whole:
        conn.executemany(f"{_EXAMPLE_COLUMNS} VALUES {','.join([_ROW] * k)}",
                         (tuple(itertools.chain.from_iterable(rows[i:i + k])) for i in range(0, whole, k)))
    if whole < len(rows):
        conn.executemany(f"{_EXAMPLE_COLUMNS} VALUES {_ROW}", rows[whole:])
    return len(rows)


def insert_sql(source_id: int | None, now: float, rows: int) -> str:
    """INSERT of `rows` examples of `pair_rows` shape (8 bound values each, in `_COLUMNS` order)."""
    source = "NULL" if source_id is None else int(source_id)
    values = ",".join(["(?,?,?,?,?,?,?,?)"] * rows)
    return (f"{_EXAMPLE_COLUMNS} SELECT {source}, column1, column2, column3, 2, column4, column5, column6, NULL, column7,"
            f" 'unreviewed', column8, {now!r}, {now!r} FROM (VALUES {values})")


def pair_rows(pairs: Any) -> Any:
    """Examples columns for (customer turn, agent reply) pairs.

    Args:
        pairs: polars frame with prev_text (the customer turn), text (the reply), clabel, turn, turns,
            i (the reply's 0-based data row) and conv; see `importers.support_fast._last_pairs`.

    Returns:
        polars frame with messages, input, output, n_turns, label, metadata, row, line, conversation.
    """
    import polars as pl

    def turn(role: str, col: str) -> pl.Expr:
        return pl.struct(pl.lit(role).alias("role"), pl.col(col).alias("content")).struct.json_encode()

    return pairs.select(
        pl.concat_str([pl.lit("["), turn("user", "prev_text"), pl.lit(","), turn("assistant", "text"),
                       pl.lit("]")]).alias("messages"),
        pl.col("prev_text").alias("input"), pl.col("text").alias("output"),
        pl.lit(2, pl.Int64).alias("n_turns"), pl.col("clabel").alias("label"),
        pl.format('{{"turn": {}, "turns": {}}}', "turn", "turns").alias("metadata"),
        (pl.col("i").cast(pl.Int64) + 2).alias("row"), pl.lit(None, pl.Int64).alias("line"),
        pl.col("conv").cast(pl.String).alias("conversation"))


def insert_frame(conn: sqlite3.Connection, rows: Any, source_id: int | None) -> int:
    """Insert a frame of `pair_rows` shape (two-turn chats, no line numbers) inside the caller's
    transaction, in file order. Returns the count."""
    import itertools

    n = rows.height
    if n == 0:
        return 0
    now = float(time.time())
    messages = rows["messages"].to_list()
    blake = hashlib.blake2b
    hashes = [blake(m.encode("utf-8"), digest_size=12).hexdigest() for m in messages]
    flat = list(itertools.chain.from_iterable(zip(
        messages, rows["input"].to_list(), rows["output"].to_list(), rows["label"].to_list(),
        rows["metadata"].to_list(), rows["row"].to_list(), rows["conversation"].to_list(), hashes, strict=True)))
    del messages, hashes
    k, width = ROWS_PER_STATEMENT, ROWS_PER_STATEMENT * _COLUMNS
    whole = n // k
    if whole:
        conn.executemany(insert_sql(source_id, now, k), (flat[i:i + width] for i in range(0, whole * width, width)))
    if n > whole * k:
        conn.execute(insert_sql(source_id, now, n - whole * k), flat[whole * width:])
    return n


def plain_mask(texts: Any) -> Any:
    """Boolean polars expression over a text column: True where `ImportCleaner.clean_texts` surely
    returns the text unchanged, decided in polars instead of one Python call per text.

    Only printable ASCII qualifies (lines joined by "\\n"), where Python's `re` and polars' regex
    engine read the furniture pattern alike (`\\s`, `\\w`, `\\d`, case folding and line anchors differ
    only outside it): no `&` or `<`, no space or newline at either end, longer than every null word (so
    not one), and no line of page furniture. Mojibake needs non-ASCII characters. Everything else goes
    through `clean_texts` as before.
    """
    from ftcurate.core.importers.textclean import _FURNITURE, NULL_WORDS

    longest_null = max(len(w) for w in NULL_WORDS)
    return (texts.is_not_null() & texts.str.contains(r"^[\n\x20-\x25\x27-\x3b\x3d-\x7e]+$")
            & texts.str.contains(r"^[^ \n]") & texts.str.contains(r"[^ \n]$")
            & (texts.str.len_chars() > longest_null)
            & ~texts.str.contains("(?im)" + _FURNITURE.pattern).fill_null(True)).fill_null(False)


def _clean_column(pairs: Any, name: str, cleaner: Any) -> Any:
    """Column `name` after `cleaner.clean_texts`, which runs only on the texts `plain_mask` leaves."""
    import polars as pl

    col = pairs[name]
    todo = pairs.select((~plain_mask(pl.col(name))).alias("m"))["m"].arg_true()
    if len(todo) == 0:
        return col
    return col.scatter(todo, pl.Series(cleaner.clean_texts(col.gather(todo).to_list()), dtype=pl.String))


def clean_pairs(pairs: Any, cleaner: Any, label_map: dict[str, str] | None) -> Any:
    """A pairs frame after the import clean-up (`ImportCleaner`) and the project's label map.

    Rows whose customer turn or reply is empty after clean-up are dropped and counted in
    `cleaner.dropped`, exactly as `ImportCleaner.apply` drops such examples on the row-by-row path;
    as there, the reply of a row whose customer turn is empty is not cleaned (nor its repairs counted).
    """
    import polars as pl

    from ftcurate.core.importers.textclean import REASON_EMPTY

    if cleaner is not None and pairs.height:
        for name in ("prev_text", "text"):  # the turns in message order
            pairs = pairs.with_columns(_clean_column(pairs, name, cleaner))
            empty = pl.col(name) == ""
            n_empty = pairs.select(empty.sum()).item()
            if n_empty:
                cleaner.dropped[REASON_EMPTY] += n_empty
                pairs = pairs.filter(~empty)
    if label_map:
        pairs = pairs.with_columns(pl.col("clabel").replace(label_map))
    return pairs


def insert_batches(project: Project, conn: sqlite3.Connection, batches: Iterable[Any], source_id: int | None,
                   progress: Progress, cleaner: Any = None, label_map: dict[str, str] | None = None) -> int:
    """Insert every batch (a `pair_rows`-convertible pairs frame or a list of `Example`s) in order.

    Every batch goes through the import clean-up (`cleaner`, an `ImportCleaner`) and the project's
    label map first, like the row-by-row path. Runs inside the caller's transaction; checks for
    cancellation between batches. Returns the count.
    """
    from ftcurate.core.labels import apply_label_map

    n = 0
    for batch in batches:
        progress.check_cancelled()
        if isinstance(batch, list):
            examples = cleaner.apply(batch) if cleaner is not None else batch
            n += project.insert_examples(conn, apply_label_map(examples, label_map or {}), source_id)
        else:
            n += insert_frame(conn, pair_rows(clean_pairs(batch, cleaner, label_map)), source_id)
    return n
