"""Bulk edits over a selection of examples, built as core commands (one undo step each).

Qt-free so the GUI's bulk menu and scripts build exactly the same commands.
"""

from __future__ import annotations

import polars as pl

PII_CHECK = "pii"


def open_pii_flags(flags: pl.DataFrame, example_ids: list[int], entity: str | None = None) -> list[int]:
    """Ids of the open PII flags of `example_ids` (of one entity type, or all)."""
    sel = flags.filter((pl.col("check") == PII_CHECK) & (pl.col("state") == "open")
                       & pl.col("example_id").is_in(list(map(int, example_ids))))
    if entity is not None:
        sel = sel.filter(pl.col("kind") == entity)
    return sel.get_column("id").to_list()


def pii_entity_counts(flags: pl.DataFrame, example_ids: list[int]) -> dict[str, int]:
    """Open PII flags per entity type among `example_ids`, most frequent first."""
    sel = flags.filter((pl.col("check") == PII_CHECK) & (pl.col("state") == "open")
                       & pl.col("example_id").is_in(list(map(int, example_ids))))
    vc = sel.get_column("kind").fill_null("PII").value_counts(sort=True)
    return {k: int(n) for k, n in vc.iter_rows()}
