"""The fast path for message-per-row support CSVs (UTF-8): polars does the per-row work.

Same result as the row-by-row path in `support.py` (a test checks they agree), computed per batch of
rows in polars: speaker roles, dropped messages, clean-up, merging of consecutive messages by one
speaker, and, for context "last", the (customer turn, agent reply) pairs. Conversations still open at
the end of a batch are carried into the next one, so memory holds one batch plus the open
conversations. Conversations with speakers whose role is unknown go through `resolve_unknown` in Python.

`fast_examples` returns None when polars cannot parse the file; the caller then uses the exact reader,
which names the malformed row.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

from ftcurate.core.errors import UserError
from ftcurate.core.importers.dialogue import UNKNOWN, clean_message, conversation_examples, resolve_unknown
from ftcurate.core.importers.support_rows import _NEEDS_CLEAN, BATCH_ROWS, RowSpec, python_rows
from ftcurate.core.importers.textio import FileSample
from ftcurate.core.progress import Progress
from ftcurate.core.records import Example

# Python's str.strip() also strips \x1c-\x1f and \x85, polars' strip_chars does not: such texts go
# through clean_message so both paths store the same text.
_DIRTY = _NEEDS_CLEAN + r"|[\x1c-\x1f\x85]"


def fast_examples(sample: FileSample, spec: RowSpec, context: str, agents: set[Any],
                  progress: Progress) -> Iterator[Example] | None:
    """Examples of a UTF-8 message-per-row CSV, or None when polars cannot read it."""
    batches = fast_batches(sample, spec, context, agents, progress)
    if batches is None:
        return None
    return _examples_of(batches)


def _examples_of(batches: Iterator[Any]) -> Iterator[Example]:
    for batch in batches:
        yield from (batch if isinstance(batch, list) else _without_gc(_pair_examples, batch))


def fast_batches(sample: FileSample, spec: RowSpec, context: str, agents: set[Any],
                 progress: Progress) -> Iterator[Any] | None:
    """The same examples in file batches, or None when polars cannot read the file.

    Each batch is either a list of `Example`s or, for (customer turn, agent reply) pairs, a polars
    frame with columns conv, text, i, end, clabel, turn, turns, prev_text (see `_last_pairs`), which
    `ftcurate.core.bulk_insert` stores without building one Python object per example.
    """
    import polars as pl

    conv = spec.conversation
    try:
        lf = pl.scan_csv(sample.path, separator=sample.delimiter, infer_schema=False, encoding="utf8",
                         quote_char='"', has_header=True)
        names = lf.collect_schema().names()
        wanted = [spec.conversation, spec.role, spec.text, spec.timestamp, spec.label, spec.internal]
        if any(c is not None and c not in names for c in wanted):
            return None
        flags = lf.select(pl.col(conv).is_last_distinct().alias("last"),
                          pl.col(conv).is_null().alias("null")).collect()
        internal = None
        if spec.internal is not None:
            uniq = lf.select(pl.col(spec.internal).unique()).collect()[spec.internal].to_list()
            internal = {v: bool(spec.read_internal(v)) for v in uniq}
    except Exception:  # noqa: BLE001 - any polars failure falls back to the exact reader
        return None
    nulls = flags["null"].arg_true()
    if len(nulls):
        raise UserError(f"no conversation id (column {conv!r} is empty)", path=sample.path,
                        row=int(nulls[0]) + 2)
    return _batches(sample, lf, spec, context, agents, flags["last"], internal, progress)


def _query(lf: Any, spec: RowSpec, internal: dict[Any, bool] | None) -> Any:
    import polars as pl

    text = pl.col(spec.text)
    keep = text.is_not_null()
    if internal is not None:
        keep = keep & pl.col(spec.internal).replace_strict(internal, default=False,
                                                           return_dtype=pl.Boolean).fill_null(
            internal.get(None, False)).not_()
    exprs = [pl.col(spec.conversation).alias("conv"), pl.col(spec.role).alias("speaker"),
             pl.when(keep).then(text.str.strip_chars()).alias("text"),
             (keep & text.str.contains(_DIRTY)).alias("dirty"),
             _label(spec.label)]
    ts = pl.col(spec.timestamp).str.strip_chars() if spec.timestamp else None
    if spec.ts_mode == "num":
        exprs.append(ts.cast(pl.Float64, strict=False).alias("ts"))
    elif spec.ts_mode == "iso":
        exprs.append(pl.when(ts.str.contains(r"^\d{4}-\d{2}-\d{2}")).then(ts).alias("ts"))
    return lf.with_row_index("i").select([pl.col("i"), *exprs])


def _label(column: str | None) -> Any:
    import polars as pl

    if column is None:
        return pl.lit(None, pl.String).alias("label")
    stripped = pl.col(column).str.strip_chars()
    return pl.when(stripped != "").then(stripped).alias("label")


def _batches(sample: FileSample, lf: Any, spec: RowSpec, context: str, agents: set[Any], last: Any,
             internal: dict[Any, bool] | None, progress: Progress) -> Iterator[Example]:
    import polars as pl

    total = len(last)
    progress.set_total(sample.size)
    roles: dict[Any, Any] = {}
    carry = None
    base = 0
    try:
        for batch in _query(lf, spec, internal).collect_batches(chunk_size=BATCH_ROWS):
            n = batch.height
            for s in set(batch["speaker"].unique().to_list()) - roles.keys():
                roles[s] = spec.read_role(s)
            batch = batch.with_columns(
                pl.col("speaker").replace_strict(roles, default=None, return_dtype=pl.String).alias("role"),
                last.slice(base, n).alias("last"))
            dirty = batch["dirty"].arg_true()
            if len(dirty):
                cleaned = [clean_message(t) or None for t in batch["text"].gather(dirty).to_list()]
                batch = batch.with_columns(batch["text"].scatter(dirty, cleaned))
            if carry is not None:
                batch = pl.concat([carry, batch], how="vertical_relaxed")
            ended = batch.filter(pl.col("last"))["conv"]
            done = pl.col("conv").is_in(ended.implode())
            carry = batch.filter(~done)
            yield _frame_examples(batch.filter(done), spec, context, agents)  # a list or a frame
            base += n
            progress.set_progress(int(sample.size * base / max(total, 1)))
            progress.check_cancelled()
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - locate the row with the exact reader, else report polars
        for _ in python_rows(sample, spec, progress):
            pass
        raise UserError(f"cannot read this CSV ({str(exc).splitlines()[0]})", path=sample.path) from None
    if base != total:
        raise UserError(f"read {base} rows but the first pass counted {total}; did the file change "
                        "while importing?", path=sample.path)


def _frame_examples(df: Any, spec: RowSpec, context: str, agents: set[Any]) -> Any:
    """Examples of complete conversations (rows in file order), in order of their last row: a pairs
    frame (see `_last_pairs`) or a list of `Example`s."""
    import polars as pl

    if df.height == 0:
        return []
    df = df.with_columns(pl.col("label").drop_nulls().first().over("conv").alias("clabel"),
                         pl.col("i").max().over("conv").alias("end")).filter(
        pl.col("role").is_not_null() & pl.col("text").is_not_null())
    keys = ["end", "i"]
    if spec.ts_mode is not None:
        df = df.with_columns(pl.when(pl.col("ts").null_count().over("conv") == 0).then(pl.col("ts"))
                             .alias("tsk"))
        keys = ["end", "tsk", "i"]
    df = df.sort(keys, nulls_last=False, maintain_order=True)
    unknown = df.filter(pl.col("role") == UNKNOWN)["conv"].unique()
    odd = None
    if len(unknown):
        odd = df.filter(pl.col("conv").is_in(unknown.implode()))
        df = df.filter(~pl.col("conv").is_in(unknown.implode()))
    return _without_gc(_build, df, odd, context, agents)


def _without_gc(fn: Any, *args: Any) -> Any:
    """Run `fn` with the cyclic garbage collector paused: building tens of thousands of small
    acyclic objects otherwise triggers repeated full collections (measured: half the import time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return fn(*args)
    finally:
        if enabled:
            gc.enable()


def _build(df: Any, odd: Any, context: str, agents: set[Any]) -> Any:
    if odd is None and context == "last":
        return _last_pairs(df)
    out: list[tuple[int, int, Example]] = []
    if odd is not None:
        out.extend(_python_examples(odd, context, agents))
    if context == "full":
        out.extend(_python_examples(df, context, agents))
    else:
        pairs = _last_pairs(df)
        out.extend(zip(pairs["end"].to_list(), pairs["turn"].to_list(), _pair_examples(pairs), strict=True))
    out.sort(key=lambda t: (t[0], t[1]))
    return [t[2] for t in out]


def _last_pairs(df: Any) -> Any:
    """(customer turn, agent reply) pairs of conversations sorted into contiguous blocks, as a frame:
    conv, text (the reply), i (its row index), end, clabel, turn, turns, prev_text (the customer turn)."""
    import polars as pl

    if df.height == 0:
        return _pair_schema_frame()
    new_conv = (pl.col("conv") != pl.col("conv").shift(1)).fill_null(True)
    df = df.with_columns(new_conv.alias("nc"),
                         (new_conv | (pl.col("role") != pl.col("role").shift(1)).fill_null(True)).alias("nr"))
    df = df.with_columns(pl.col("nr").cum_sum().alias("run"))
    multi = df.filter(pl.col("run").is_duplicated())
    df = df.filter(pl.col("nr"))
    if multi.height:  # consecutive messages by one speaker: one turn
        joined = multi.group_by("run").agg(pl.col("text").str.join("\n").alias("joined"))
        df = df.join(joined, on="run", how="left", maintain_order="left").with_columns(
            pl.coalesce("joined", "text").alias("text"))
    n = pl.int_range(pl.len())
    same = pl.col("nc").not_()
    df = df.with_columns((n - pl.when(pl.col("nc")).then(n).forward_fill() + 1).alias("turn"),
                         pl.col("nc").cum_sum().alias("ci"))
    df = df.with_columns(pl.len().over("ci").alias("turns"),
                         pl.when(same).then(pl.col("role").shift(1)).alias("prev_role"),
                         pl.when(same).then(pl.col("text").shift(1)).alias("prev_text"))
    df = df.filter((pl.col("role") == "assistant") & (pl.col("prev_role") == "user"))
    return df.select(*PAIR_COLUMNS)


PAIR_COLUMNS = ("conv", "text", "i", "end", "clabel", "turn", "turns", "prev_text")


def _pair_schema_frame() -> Any:
    import polars as pl

    return pl.DataFrame({c: [] for c in PAIR_COLUMNS}, schema={
        "conv": pl.String, "text": pl.String, "i": pl.UInt32, "end": pl.UInt32, "clabel": pl.String,
        "turn": pl.Int64, "turns": pl.UInt32, "prev_text": pl.String})


def _pair_examples(pairs: Any) -> list[Example]:
    out = []
    for conv, text, i, _end, label, turn, turns, prev in pairs.iter_rows():
        ex = Example(messages=[{"role": "user", "content": prev}, {"role": "assistant", "content": text}],
                     label=label, metadata={"turn": turn, "turns": turns},
                     provenance={"row": i + 2, "conversation": conv})
        out.append(ex)
    return out


def _python_examples(df: Any, context: str, agents: set[Any]) -> list[tuple[int, int, Example]]:
    out = []
    groups: dict[Any, list[Any]] = {}
    for conv, role, speaker, text, i, end, label in df.select(
            "conv", "role", "speaker", "text", "i", "end", "clabel").iter_rows():
        g = groups.get(conv)
        if g is None:
            g = groups[conv] = [[], [], end, label]
        g[0].append((role, text, i + 2))
        g[1].append(speaker)
    for conv, (turns, speakers, end, label) in groups.items():
        turns = resolve_unknown(turns, speakers, agents)
        for ex in conversation_examples(conv, turns, context, label):
            out.append((end, ex.metadata["turn"], ex))
    return out
